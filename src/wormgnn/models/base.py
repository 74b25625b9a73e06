"""The one interface every model shares, for both tasks, and the registry of models by name."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import torch
from torch import nn

from wormgnn.data.states import FINE_STATES
from wormgnn.errors import WormGnnError

TASKS = ("forecast", "behavior")


@dataclass(frozen=True)
class TaskSpec:
    """What a model must produce, and on what neuron axis."""

    task: str
    window: int = 16
    horizon: int = 8
    n_neurons: int = 0
    n_classes: int = len(FINE_STATES)
    identities: tuple[str, ...] = ()
    """Names of the learned identities 1..V (0 = unknown), for models that look names up."""

    @property
    def vocab_size(self) -> int:
        return len(self.identities) + 1

    @property
    def forecast(self) -> bool:
        return self.task == "forecast"


class WormModel(nn.Module):
    """``forward(x (B, W, N), mask (B, N), ids (B, N))`` → forecast ``(B, H, N)`` of z-scored
    activity, or fine-state logits ``(B, C)``.

    Structure-agnostic models need the same neurons in the same order in every worm
    (``fixed_neurons``); graph models accept any number, padded and masked.
    """

    fixed_neurons: ClassVar[bool] = True
    structure_agnostic: ClassVar[bool] = True
    trainable: ClassVar[bool] = True
    tasks: ClassVar[tuple[str, ...]] = TASKS

    def __init__(self, spec: TaskSpec, config):
        super().__init__()
        self.spec = spec
        self.config = config

    def output_size(self) -> int:
        s = self.spec
        return s.horizon * s.n_neurons if s.forecast else s.n_classes

    def finish(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Flat head output → task output; forecasts are changes from the last frame."""
        if not self.spec.forecast:
            return out
        delta = out.view(out.shape[0], self.spec.horizon, self.spec.n_neurons)
        return x[:, -1:, :] + delta


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


def model_entry(name: str) -> ModelEntry:
    from wormgnn import models  # noqa: F401  (registers every model)

    if name not in REGISTRY:
        raise WormGnnError(f"unknown model '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]


def build_model(name: str, spec: TaskSpec, overrides: dict | None = None) -> WormModel:
    entry = model_entry(name)
    if spec.task not in entry.cls.tasks:
        raise WormGnnError(f"model '{name}' does not do the {spec.task} task")
    known = {f.name for f in fields(entry.config_cls)}
    overrides = {k: v for k, v in (overrides or {}).items() if k in known}
    return entry.cls(spec, entry.config_cls(**overrides))
