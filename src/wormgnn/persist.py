"""Saving and loading trained models with everything needed to use them elsewhere.

Models are what people share, so loading one must never run code. A model file is a
safetensors file (the field's convention for shared weights): a JSON header and raw tensor
bytes, nothing that unpickles. Our settings travel as JSON in the header's metadata, and
every field is checked before a model is built from it. Files of the first format (a
``torch.save`` pickle, which can execute code when loaded) are refused unread.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

from wormgnn import __version__
from wormgnn.errors import DataError, WormGnnError
from wormgnn.files import atomic_write
from wormgnn.models import TaskSpec, build_model
from wormgnn.models.base import WormModel, parse_model
from wormgnn.tasks import TASKS

FORMAT = "wormgnn-model/2"
HEADER_KEY = "wormgnn"
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's archive: the pickle format of wormgnn-model/1


def save_model(model: WormModel, path: str | Path, name: str, **meta) -> Path:
    """Weights (on CPU), task spec, config, package version and the caller's JSON-able
    metadata, written atomically."""
    from safetensors.torch import save_file

    header = {"format": FORMAT, "version": __version__, "model": name,
              "spec": asdict(model.spec), "config": asdict(model.config), "meta": meta}
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    return atomic_write(Path(path), lambda tmp: save_file(tensors, str(tmp), metadata={HEADER_KEY: json.dumps(header)}))


def _header(path: Path) -> dict:
    from safetensors import safe_open

    with open(path, "rb") as fh:
        start = fh.read(4)
    if start == _ZIP_MAGIC:
        raise DataError(path, "a model file of an older wormgnn (a pickle, which can run code when loaded); "
                              "it is not opened: retrain the model with this version")
    try:
        with safe_open(str(path), framework="pt") as fh:
            metadata = fh.metadata() or {}
    except Exception as exc:  # safetensors raises its own error kinds for foreign bytes
        raise DataError(path, f"not a wormgnn model file ({type(exc).__name__})") from None
    try:
        header = json.loads(metadata[HEADER_KEY])
    except (KeyError, TypeError, ValueError):
        raise DataError(path, "not a wormgnn model file (no wormgnn settings in its header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DataError(path, f"not a wormgnn model file of format {FORMAT}")
    return header


def require(path: Path, mapping: object, key: str, kind: type | tuple[type, ...], where: str = "") -> object:
    """``mapping[key]`` if it is of ``kind``; anything else is one line naming the file."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise DataError(path, f"model file lacks '{where}{key}'")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise DataError(path, f"model file field '{where}{key}' has the wrong type ({type(value).__name__})")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _spec(path: Path, raw: object) -> TaskSpec:
    task = require(path, raw, "task", str, "spec.")
    if task not in TASKS:
        raise DataError(path, f"model file names an unknown task '{task}'")
    numbers = {k: require(path, raw, k, int, "spec.") for k in ("window", "horizon", "n_neurons", "n_classes")}
    if any(v < 0 for v in numbers.values()) or numbers["window"] < 1 or numbers["n_neurons"] < 1:
        raise DataError(path, f"model file has impossible sizes {numbers}")
    identities = require(path, raw, "identities", list, "spec.")
    if not all(isinstance(n, str) for n in identities):
        raise DataError(path, "model file field 'spec.identities' must be a list of names")
    return TaskSpec(task, identities=tuple(identities), **numbers)


def _config(path: Path, name: str, raw: object) -> dict:
    """Settings of the named model, each of its default's type (JSON lists back to tuples)."""
    try:
        entry, _ = parse_model(name)
    except WormGnnError as exc:
        raise DataError(path, f"model file names {exc}") from None
    if not isinstance(raw, dict):
        raise DataError(path, "model file field 'config' is not a mapping")
    known = {f.name: f.default for f in fields(entry.config_cls)}
    settings = {}
    for key, value in raw.items():
        if key not in known:
            raise DataError(path, f"model file sets '{key}', which {entry.name} does not have")
        default = known[key]
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, (int, float)) for v in value):
                raise DataError(path, f"model file field 'config.{key}' must be a list of numbers")
            value = tuple(value)
        elif isinstance(default, bool) or not isinstance(default, (int, float)):
            require(path, raw, key, type(default), "config.")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or (
                isinstance(default, int) and not float(value).is_integer()):
            kind = "an integer" if isinstance(default, int) else "a number"
            raise DataError(path, f"model file field 'config.{key}' must be {kind}")
        else:
            value = type(default)(value)
        settings[key] = value
    return getattr(entry.config_cls, "predates", {}) | settings


def load_model(path: str | Path, device: str = "cpu") -> tuple[WormModel, dict]:
    """A model saved on any device, mapped onto ``device``, and its header (settings and the
    caller's metadata). Refuses, in one line naming the file, anything that is not a valid
    model file of this format; nothing in the file is executed."""
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such model file")
    header = _header(path)
    name = require(path, header, "model", str)
    spec = _spec(path, header.get("spec"))
    settings = _config(path, name, header.get("config"))
    require(path, header, "meta", dict)
    try:
        model = build_model(name, spec, settings)
    except (WormGnnError, TypeError, ValueError) as exc:
        raise DataError(path, f"model file settings do not build a model ({exc})") from None
    tensors = load_file(str(path), device="cpu")
    expected = model.state_dict()
    if set(tensors) != set(expected):
        missing = sorted(set(expected) - set(tensors))[:3]
        extra = sorted(set(tensors) - set(expected))[:3]
        raise DataError(path, f"model file weights do not fit {name} (missing {missing}, unexpected {extra})")
    wrong = [k for k, v in tensors.items() if v.shape != expected[k].shape or v.dtype != expected[k].dtype]
    if wrong:
        raise DataError(path, f"model file weights of the wrong shape or type: {', '.join(wrong[:3])}")
    model.load_state_dict(tensors)
    model.to(device).eval()
    return model, header


__all__ = ["FORMAT", "load_model", "require", "save_model"]
