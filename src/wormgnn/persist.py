"""Saving and loading trained models with everything needed to use them elsewhere."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import torch

from wormgnn import __version__
from wormgnn.errors import DataError
from wormgnn.models import TaskSpec, build_model
from wormgnn.models.base import WormModel

FORMAT = "wormgnn-model/1"


def save_model(model: WormModel, path: str | Path, name: str, **meta) -> Path:
    """Weights (on CPU), task spec, config, package version and caller's metadata, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT, "version": __version__, "model": name,
        "spec": asdict(model.spec), "config": asdict(model.config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": meta,
    }
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_model(path: str | Path, device: str = "cpu") -> tuple[WormModel, dict]:
    """A model saved on any device, mapped onto ``device``; refuses files that are not ours."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such model file")
    try:
        payload = torch.load(path, map_location=device, weights_only=False)
    except Exception as exc:  # torch raises many kinds for foreign files
        raise DataError(path, f"not a wormgnn model file ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataError(path, "not a wormgnn model file")
    spec = dict(payload["spec"])
    spec["identities"] = tuple(spec.get("identities", ()))
    model = build_model(payload["model"], TaskSpec(**spec), payload["config"])
    model.load_state_dict(payload["state_dict"])
    model.to(device).eval()
    return model, {k: v for k, v in payload.items() if k != "state_dict"}
