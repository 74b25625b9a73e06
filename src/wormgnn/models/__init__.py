"""Models, registered by name: ``build_model(name, TaskSpec(...))``."""

from wormgnn.models import baselines, connectome_gnn, gnn, timeseries  # noqa: F401  (registration)
from wormgnn.models.base import REGISTRY, TaskSpec, WormModel, build_model, model_entry

__all__ = ["REGISTRY", "TaskSpec", "WormModel", "build_model", "model_entry"]
