"""The one interface every model shares, for every task, and the registry of models by name."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, fields
from itertools import product
from typing import ClassVar

import torch
from torch import nn

from wormgnn.errors import WormGnnError
from wormgnn.tasks import TASKS, Task, TaskSpec, get_task

STRUCTURE_AGNOSTIC = "structure-agnostic"
RELATION_INFERRING = "relation-inferring"
FIXED_GRAPH = "fixed-graph"
KINDS = (STRUCTURE_AGNOSTIC, RELATION_INFERRING, FIXED_GRAPH)
"""structure-agnostic: no relation between neurons is inferred or given (the comparison's
reference); relation-inferring: infers relations from activity; fixed-graph: relations given
(the wiring diagram)."""


class WormModel(nn.Module):
    """``forward(x (B, W, N), mask (B, N), ids (B, N))`` → per-neuron output ``(B, H, N)``
    (forecasts of z-scored activity) or one vector per window ``(B, C)`` (class logits), as
    ``spec.per_neuron`` says.

    What a model can do is declared here, never probed: the trainer, the benchmark and the
    relation readings read these attributes. Structure-agnostic models need the same neurons
    in the same order in every worm (``fixed_neurons``); graph models accept any number,
    padded and masked.
    """

    kind: ClassVar[str] = STRUCTURE_AGNOSTIC
    fixed_neurons: ClassVar[bool] = True
    trainable: ClassVar[bool] = True
    closed_form: ClassVar[bool] = False
    """Fitted by ``fit_direct`` (closed form, full batch) instead of the SGD loop."""
    fit_device: ClassVar[str | None] = None
    """Where ``fit_direct`` runs, whatever the run's device (None: the run's device)."""
    grid: ClassVar[dict[str, tuple]] = {}
    """Settings a run chooses among on its validation part (lowest validation loss): the
    model's tuning budget, spent on the training worms only. A setting the model's name pins
    (``patchtst:patch=8``) is not searched."""

    def __init__(self, spec: TaskSpec, config):
        super().__init__()
        self.spec = spec
        self.config = config

    def clone(self) -> WormModel:
        """A model of the same settings and weights, to fine-tune while this one stays as it is
        (a deep copy would also copy the graph a training step left in a tensor attribute)."""
        copy = type(self)(self.spec, self.config)
        copy.load_state_dict(self.state_dict())
        return copy.to(next(self.parameters()).device) if any(True for _ in self.parameters()) else copy

    @classmethod
    def supports(cls, task: Task) -> bool:
        """Whether this model can be trained for ``task``."""
        return True

    @property
    def infers_relations(self) -> bool:
        return self.kind == RELATION_INFERRING

    @property
    def unscored_weight(self) -> float:
        """Forecast loss weight of neurons the metrics do not score."""
        return 1.0

    @property
    def train_neurons(self) -> int:
        """Train on at most this many neurons per window (0: all)."""
        return 0

    def fit_direct(self, train, val, class_weights: torch.Tensor | None) -> dict:
        raise NotImplementedError(f"{type(self).__name__} trains with the SGD loop")

    def auxiliary_loss(self) -> torch.Tensor | float:
        """Added to the task's loss in every training step (e.g. a sparsity penalty)."""
        return 0.0

    def fast_path(self):
        """A context in which the model may run its compiled kernels (entered by a training
        run, whose compilation is repaid over thousands of batches)."""
        return nullcontext()

    def relation_strength(self, x, mask, ids) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} infers no relations")

    def output_size(self) -> int:
        s = self.spec
        return s.horizon * s.n_neurons if s.per_neuron else s.n_classes

    def finish(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Flat head output → task output; per-neuron outputs are changes from the last frame."""
        if not self.spec.per_neuron:
            return out
        delta = out.view(out.shape[0], self.spec.horizon, self.spec.n_neurons)
        return x[:, -1:, :] + delta


def reference_candidate(cls: type[WormModel]) -> bool:
    """Whether a model of this class can be the reference that every model is paired with:
    a trained structure-agnostic one (persistence defines skill, it is not a competitor)."""
    return cls.kind == STRUCTURE_AGNOSTIC and cls.trainable


@dataclass
class ModelEntry:
    name: str
    cls: type[WormModel]
    config_cls: type
    description: str


REGISTRY: dict[str, ModelEntry] = {}


def register(name: str, config_cls: type, description: str):
    def wrap(cls: type[WormModel]) -> type[WormModel]:
        REGISTRY[name] = ModelEntry(name, cls, config_cls, description)
        return cls

    return wrap


def typed_value(value: str, default: object) -> object:
    """A variant setting's text as its default's type ('true'/'false'/'1'/'0' for a flag)."""
    if isinstance(default, bool):
        if value.lower() not in ("true", "false", "1", "0"):
            raise ValueError(value)
        return value.lower() in ("true", "1")
    return type(default)(value)


def parse_model(text: str) -> tuple[ModelEntry, dict]:
    """'gnn:rounds=0:recurrent=true' → the gnn entry and {'rounds': 0, 'recurrent': True}.

    Variants make ablations first-class benchmark rows (their name is part of the run key).
    """
    from wormgnn import models  # noqa: F401  (registers every model)

    name, *settings = text.split(":")
    if name not in REGISTRY:
        raise WormGnnError(f"unknown model '{name}' (known: {', '.join(sorted(REGISTRY))})")
    entry = REGISTRY[name]
    defaults = {f.name: f.default for f in fields(entry.config_cls)}
    variant = {}
    for setting in settings:
        key, _, value = setting.partition("=")
        if key not in defaults:
            known = ", ".join(defaults) or "none"
            raise WormGnnError(f"model '{text}': {name} has no setting '{key}' (known: {known})")
        try:
            variant[key] = typed_value(value, defaults[key])
        except (TypeError, ValueError):
            raise WormGnnError(f"model '{text}': '{value}' is not a valid value for {key}") from None
    return entry, variant


def model_settings(text: str) -> dict:
    """Every setting of the model named by ``text``: its config defaults with the variant applied."""
    entry, variant = parse_model(text)
    return {f.name: f.default for f in fields(entry.config_cls)} | variant


def model_entry(text: str) -> ModelEntry:
    return parse_model(text)[0]


def describe_models() -> list[dict]:
    """Every registered model: name, kind, tasks, settings (defaults) and description."""
    from wormgnn import models  # noqa: F401  (registers every model)

    return [{"name": e.name, "kind": e.cls.kind, "tasks": [t for t, task in TASKS.items() if e.cls.supports(task)],
             "fixed_neurons": e.cls.fixed_neurons, "reference": reference_candidate(e.cls),
             "settings": {f.name: f.default for f in fields(e.config_cls)},
             "grid": {key: list(values) for key, values in e.cls.grid.items()}, "description": e.description}
            for e in sorted(REGISTRY.values(), key=lambda e: e.name)]


def grid_choices(text: str) -> list[dict]:
    """Every combination of the model's grid settings that its name does not pin ([{}] if none)."""
    entry, variant = parse_model(text)
    grid = {key: values for key, values in entry.cls.grid.items() if key not in variant}
    return [dict(zip(grid, values, strict=True)) for values in product(*grid.values())] or [{}]


def build_model(text: str, spec: TaskSpec, overrides: dict | None = None) -> WormModel:
    """The model named by ``text`` (with variant settings), profile ``overrides`` applied where they fit."""
    entry, variant = parse_model(text)
    if not entry.cls.supports(get_task(spec.task)):
        raise WormGnnError(f"model '{text}' does not do the {spec.task} task")
    known = {f.name for f in fields(entry.config_cls)}
    settings = {k: v for k, v in (overrides or {}).items() if k in known} | variant
    return entry.cls(spec, entry.config_cls(**settings))
