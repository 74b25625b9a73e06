"""Reader for the Kato et al. 2015 MATLAB files (v7.3 through h5py, older through scipy)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import scipy.io

from wormgnn.data.cleaning import repair_nonfinite
from wormgnn.data.recording import Recording, canonical_name
from wormgnn.errors import DataError

TRACE_FIELDS = ("deltaFOverF_bc", "traces", "deltaFOverF")
NAME_FIELDS = ("NeuronNames", "IDs")
TIME_FIELDS = ("tv", "timeVectorSeconds")
STATE_KEY_FIELDS = ("stateKey", "StateKey", "stateNames", "StateNames", "key")


@dataclass
class _Worm:
    """One worm's fields, already decoded from either MATLAB flavour."""

    traces: np.ndarray  # (frames, neurons)
    names: list[object]
    states: object  # dict name -> 0/1 vector, or (codes, key)
    fps: float | None
    tv: np.ndarray | None


# ---------------------------------------------------------------- v7.3 (HDF5)


def _h5_value(f: h5py.File, obj: object) -> object:
    """Decode one MATLAB value stored in HDF5: char, numeric, cell or struct."""
    if isinstance(obj, h5py.Reference):
        obj = f[obj]
    if isinstance(obj, h5py.Group):
        return {k: _h5_value(f, obj[k]) for k in obj.keys()}
    mclass = obj.attrs.get("MATLAB_class", b"")
    mclass = mclass.decode() if isinstance(mclass, bytes) else str(mclass)
    if obj.attrs.get("MATLAB_empty", 0):
        return "" if mclass == "char" else np.zeros(0)
    data = obj[()]
    if mclass == "char":
        return "".join(chr(c) for c in np.asarray(data).ravel(order="F"))
    if mclass == "cell" or data.dtype == object:
        return [_h5_value(f, r) for r in np.asarray(data).T.ravel()]
    return np.asarray(data).T  # back to MATLAB's (rows, cols)


def _h5_field(f: h5py.File, struct: h5py.Group, name: str) -> list[object]:
    """A struct field as one value per worm (cells of 1×worms, or a single worm)."""
    node = struct[name]
    if isinstance(node, h5py.Dataset) and node.dtype == object:
        return [_h5_value(f, r) for r in node[()].T.ravel()]
    return [_h5_value(f, node)]


def _read_v73(path: Path) -> tuple[str, list[dict]]:
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DataError(path, f"cannot open as HDF5 (truncated or corrupt file?): {exc}") from None
    with f:
        try:
            candidates = [k for k in f.keys() if not k.startswith("#")]
            struct_name, struct = _find_struct(path, {k: f[k] for k in candidates})
            fields = {k: _h5_field(f, struct, k) for k in struct.keys()}
        except (OSError, KeyError, RuntimeError) as exc:
            raise DataError(path, f"HDF5 content unreadable (truncated or corrupt file?): {exc}") from None
    return struct_name, _per_worm(path, fields)


# ---------------------------------------------------------------- v5 (scipy)


def _mat5_value(value: object) -> object:
    if isinstance(value, scipy.io.matlab.mat_struct):
        return {k: _mat5_value(getattr(value, k)) for k in value._fieldnames}
    if isinstance(value, str):
        return value
    value = np.asarray(value)
    if value.dtype == object:
        if value.size == 1 and isinstance(value.ravel()[0], scipy.io.matlab.mat_struct):
            return _mat5_value(value.ravel()[0])
        return [_mat5_value(v) for v in value.ravel(order="F")]
    if value.dtype.kind in "US":
        return "".join(value.ravel().astype(str))
    return value


def _read_v5(path: Path) -> tuple[str, list[dict]]:
    try:
        content = scipy.io.loadmat(path, struct_as_record=False, squeeze_me=False)
    except Exception as exc:  # scipy raises many types for corrupt files
        raise DataError(path, f"cannot read as a MATLAB file: {exc}") from None
    variables = {k: v for k, v in content.items() if not k.startswith("__")}
    structs = {
        k: v.ravel()[0] for k, v in variables.items()
        if isinstance(v, np.ndarray) and v.size == 1 and isinstance(v.ravel()[0], scipy.io.matlab.mat_struct)
    }
    struct_name, struct = _find_struct(path, structs)
    fields = {}
    for k in struct._fieldnames:
        value = getattr(struct, k)
        is_cell = isinstance(value, np.ndarray) and value.dtype == object and value.ndim == 2 and (
            min(value.shape) == 1
        ) and not (k in NAME_FIELDS and value.size > 1 and all(
            isinstance(v, np.ndarray) and v.dtype.kind in "US" for v in value.ravel()))
        fields[k] = [_mat5_value(v) for v in value.ravel()] if is_cell else [_mat5_value(value)]
    return struct_name, _per_worm(path, fields)


# ---------------------------------------------------------------- shared


def _has_traces(struct: object) -> bool:
    keys = struct.keys() if hasattr(struct, "keys") else getattr(struct, "_fieldnames", [])
    return any(k in TRACE_FIELDS for k in keys)


def _find_struct(path: Path, variables: dict) -> tuple[str, object]:
    for name, value in variables.items():
        if (isinstance(value, h5py.Group) or hasattr(value, "_fieldnames")) and _has_traces(value):
            return name, value
    raise DataError(
        path, f"no struct with a traces field ({' / '.join(TRACE_FIELDS)}); found: "
        f"{', '.join(variables) or 'nothing'}"
    )


def _first(fields: dict, names: tuple[str, ...]) -> list | None:
    for name in names:
        if name in fields:
            return fields[name]
    return None


def _per_worm(path: Path, fields: dict) -> list[dict]:
    traces = _first(fields, TRACE_FIELDS)
    count = len(traces)
    out = []
    for key, options in (("names", NAME_FIELDS), ("tv", TIME_FIELDS)):
        values = _first(fields, options)
        if values is not None and len(values) != count:
            raise DataError(path, f"{len(values)} entries in {key} field for {count} worms")
    for i in range(count):
        worm = {"traces": traces[i]}
        for key, options in (("names", NAME_FIELDS), ("tv", TIME_FIELDS), ("fps", ("fps",)),
                             ("states", ("States",)), ("key", STATE_KEY_FIELDS)):
            values = _first(fields, options)
            worm[key] = values[i] if values is not None and i < len(values) else None
        out.append(worm)
    return out


def _decode_names(path: Path, worm: str, raw: object, neurons: int) -> list[str | None]:
    if raw is None:
        return [None] * neurons
    items = raw if isinstance(raw, list) else list(np.asarray(raw).ravel())
    names = []
    for item in items:
        if isinstance(item, list):  # ambiguous identity ({'AVAL','AVAR'}): not identified
            names.append(None)
        elif isinstance(item, np.ndarray):
            names.append(None if item.size == 0 else canonical_name(item.ravel()[0]))
        else:
            names.append(canonical_name(item))
    if len(names) != neurons:
        raise DataError(path, f"worm {worm}: {len(names)} neuron names for {neurons} traces")
    return names


def _decode_states(path: Path, worm: str, raw: object, key: object, frames: int):
    """Per-frame label indices and vocabulary from a struct of 0/1 vectors or integer codes."""
    if raw is None or (isinstance(raw, np.ndarray) and raw.size == 0):
        return None, None
    if isinstance(raw, dict) and {"codes", "key"} <= set(raw):
        raw, key = raw["codes"], raw["key"]
    if isinstance(raw, dict):
        vocab = tuple(raw)
        vectors = []
        for name in vocab:
            v = np.asarray(raw[name], dtype=np.float64).ravel()
            if v.shape[0] != frames:
                raise DataError(path, f"worm {worm}: state '{name}' has {v.shape[0]} frames, traces {frames}")
            vectors.append(v > 0.5)
        onehot = np.stack(vectors, axis=1)
        labels = np.where(onehot.any(axis=1), onehot.argmax(axis=1), -1)
        return labels, vocab
    codes = np.asarray(raw, dtype=np.float64).ravel()
    if codes.shape[0] != frames:
        raise DataError(path, f"worm {worm}: {codes.shape[0]} state codes for {frames} frames")
    if key is None:
        raise DataError(path, f"worm {worm}: States are integer codes but no state key was found "
                        f"(looked for {', '.join(STATE_KEY_FIELDS)})")
    vocab = tuple(str(k) for k in (key if isinstance(key, list) else np.asarray(key).ravel()))
    finite = np.isfinite(codes)
    base = 0 if (finite.any() and codes[finite].min() == 0) else 1  # MATLAB codes count from 1
    labels = np.where(finite, codes - base, -1).astype(np.int64)
    if labels.max() >= len(vocab):
        raise DataError(path, f"worm {worm}: state code {int(labels.max()) + base} outside key of "
                        f"{len(vocab)} states")
    return labels, vocab


def _to_recording(path: Path, worm: str, fields: dict) -> Recording:
    traces = fields["traces"]
    if not isinstance(traces, np.ndarray) or traces.ndim != 2 or traces.dtype.kind not in "fiu":
        raise DataError(path, f"worm {worm}: traces are not a numeric matrix")
    traces = np.asarray(traces, dtype=np.float64)
    frames, neurons = traces.shape
    names = _decode_names(path, worm, fields["names"], neurons)
    fps = fields["fps"]
    fps = float(np.asarray(fps).ravel()[0]) if fps is not None and np.asarray(fps).size else None
    if fps is None and fields["tv"] is not None:
        tv = np.asarray(fields["tv"], dtype=np.float64).ravel()
        if tv.shape[0] != frames:
            raise DataError(path, f"worm {worm}: time vector has {tv.shape[0]} entries for {frames} frames")
        fps = 1.0 / float(np.median(np.diff(tv)))
    if fps is None:
        raise DataError(path, f"worm {worm}: no frame rate (neither fps nor a time vector)")
    labels, vocab = _decode_states(path, worm, fields["states"], fields["key"], frames)
    traces, names = repair_nonfinite(traces, names, str(path), worm)
    return Recording(traces=traces, neuron_names=names, fps=fps, worm_id=worm, source=str(path),
                     labels=labels, state_names=vocab)


def read_kato_mat(path: str | Path) -> list[Recording]:
    """Every worm of a Kato-style MATLAB file (either field spelling, either States form)."""
    path = Path(path)
    with open(path, "rb") as fh:
        v73 = fh.read(10) == b"MATLAB 7.3"
    _, worms = _read_v73(path) if v73 else _read_v5(path)
    return [_to_recording(path, f"{path.stem}_worm{i + 1}", fields) for i, fields in enumerate(worms)]
