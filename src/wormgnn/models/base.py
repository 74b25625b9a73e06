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


def _typed(value: str, default: object) -> object:
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
            variant[key] = _typed(value, defaults[key])
        except (TypeError, ValueError):
            raise WormGnnError(f"model '{text}': '{value}' is not a valid value for {key}") from None
    return entry, variant


def model_settings(text: str) -> dict:
    """Every setting of the model named by ``text``: its config defaults with the variant applied."""
    entry, variant = parse_model(text)
    return {f.name: f.default for f in fields(entry.config_cls)} | variant


def model_entry(text: str) -> ModelEntry:
    return parse_model(text)[0]


def build_model(text: str, spec: TaskSpec, overrides: dict | None = None) -> WormModel:
    """The model named by ``text`` (with variant settings), profile ``overrides`` applied where they fit."""
    entry, variant = parse_model(text)
    if spec.task not in entry.cls.tasks:
        raise WormGnnError(f"model '{text}' does not do the {spec.task} task")
    known = {f.name for f in fields(entry.config_cls)}
    settings = {k: v for k, v in (overrides or {}).items() if k in known} | variant
    return entry.cls(spec, entry.config_cls(**settings))
