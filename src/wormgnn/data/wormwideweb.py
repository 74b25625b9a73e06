"""WormWideWeb recordings: one JSON object a recording, as wormwideweb.org serves them for
download (e.g. Dag et al. 2023, Flavell lab). Keys: ``trace_array`` neurons × time (z-scored;
or ``trace_original``, which the older exporter wrote time × neurons), ``timestamp_confocal``
(s), ``avg_timestep`` (**minutes** per frame), ``labeled`` (NeuroPAL names by 1-based trace),
``reversal_events`` (1-based ``[start, end]``: start is the last frame before the reversal),
continuous behavior (``velocity``, ``head_curvature``, ``angular_velocity``,
``body_curvature``, ``pumping``) and ``events``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from wormgnn.data.recording import Recording, canonical_name
from wormgnn.errors import DataError

STATES = ("other", "reversal")
"""Per-frame states of a WormWideWeb recording: reversing or not."""
BEHAVIOR_UNITS = {"velocity": "mm/s", "head_curvature": "rad", "angular_velocity": "rad/s",
                  "body_curvature": "a.u.", "pumping": "pumps/s"}


def looks_like_wormwideweb(path: Path, head: bytes) -> bool:
    """A JSON object whose first keys are those of a WormWideWeb recording."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and any(key in head for key in (b'"uid"', b'"max_t"', b'"trace_array"',
                                                                   b'"timestamp_confocal"', b'"num_neurons"'))


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        raise DataError(path, "not a WormWideWeb recording (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON (truncated?): {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise DataError(path, "not a WormWideWeb recording (the JSON is not an object)")
    return data


def _matrix(path: Path, data: dict, frames_hint: int | None, neurons_hint: int | None) -> np.ndarray:
    """Traces as (T, N): ``trace_array`` is neurons × time; ``trace_original`` either way."""
    key = "trace_array" if "trace_array" in data else "trace_original" if "trace_original" in data else None
    if key is None:
        raise DataError(path, "not a WormWideWeb recording (no trace_array or trace_original)")
    try:
        raw = np.asarray(data[key], dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(path, f"{key} is not a rectangular array of numbers") from None
    if raw.ndim != 2 or raw.size == 0:
        raise DataError(path, f"{key} has shape {raw.shape}; expected neurons × time")
    if key == "trace_original" and frames_hint is not None and raw.shape[0] == frames_hint != raw.shape[1]:
        return raw  # the older exporter: time × neurons
    traces = raw.T
    if neurons_hint is not None and traces.shape[1] != neurons_hint:
        raise DataError(path, f"{key} has {traces.shape[1]} neurons, num_neurons says {neurons_hint}")
    return traces


def _timing(path: Path, data: dict, frames: int) -> tuple[float, np.ndarray | None]:
    stamps = data.get("timestamp_confocal")
    if stamps is not None:
        stamps = np.asarray(stamps, dtype=np.float64)
        if stamps.shape != (frames,):
            raise DataError(path, f"timestamp_confocal has {stamps.size} entries for {frames} frames")
        steps = np.diff(stamps)
        if not (np.isfinite(steps).all() and (steps > 0).all()):
            raise DataError(path, "timestamp_confocal does not increase from frame to frame")
        regular = steps[steps < 1.2 * np.median(steps)]  # as avg_timestep: pauses left out
        return 1.0 / float(regular.mean() if regular.size else np.median(steps)), stamps
    minutes = data.get("avg_timestep")
    if not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or not minutes > 0:
        raise DataError(path, "no timing: needs timestamp_confocal or a positive avg_timestep (minutes per frame)")
    return 1.0 / (60.0 * float(minutes)), None


def _names(path: Path, data: dict, neurons: int, min_confidence: float) -> tuple[list[str | None], list[str]]:
    labeled = data.get("labeled") or {}
    if not isinstance(labeled, dict):
        raise DataError(path, "labeled is not an object of 1-based trace indices")
    names: list[str | None] = [None] * neurons
    for key, entry in labeled.items():
        try:
            index = int(key) - 1
        except ValueError:
            raise DataError(path, f"labeled key '{key}' is not a trace index") from None
        if not 0 <= index < neurons:
            raise DataError(path, f"labeled trace {key} is out of range (1..{neurons})")
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise DataError(path, f"labeled trace {key} has no label")
        confidence = entry.get("confidence")
        if min_confidence and (not isinstance(confidence, (int, float)) or confidence < min_confidence):
            continue
        names[index] = canonical_name(entry["label"])
    notes = []
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        traces = [str(i + 1) for i, n in enumerate(names) if n == name]
        notes.append(f"{name} labels traces {', '.join(traces)}: both left unidentified")
        names = [None if n == name else n for n in names]
    return names, notes


def _reversals(path: Path, data: dict, frames: int) -> np.ndarray:
    """Per frame 1 while reversing, else 0. An event [s, e] (1-based; s is the last frame
    before the reversal) marks frames s+1..e, and frames 1..e when s = 1 (the recording
    may start inside a reversal, which the format writes so)."""
    labels = np.zeros(frames, dtype=np.int64)
    events = data.get("reversal_events") or []
    if not isinstance(events, list):
        raise DataError(path, "reversal_events is not a list of [start, end] pairs")
    for k, event in enumerate(events):
        if (not isinstance(event, (list, tuple)) or len(event) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in event)):
            raise DataError(path, f"reversal event {k + 1} is not a [start, end] pair of frame numbers")
        start, end = event
        if not 1 <= start <= end <= frames:
            raise DataError(path, f"reversal event {k + 1} [{start}, {end}] is out of range (1..{frames})")
        labels[(0 if start == 1 else start):end] = 1
    return labels


def read_wormwideweb(path: str | Path, min_confidence: float = 0.0) -> list[Recording]:
    """One recording; names below ``min_confidence`` (the annotator's, 1–5) are left unidentified."""
    path = Path(path)
    data = _load_json(path)
    frames_hint = data.get("max_t") if isinstance(data.get("max_t"), int) else None
    neurons_hint = data.get("num_neurons") if isinstance(data.get("num_neurons"), int) else None
    traces = _matrix(path, data, frames_hint, neurons_hint)
    frames, neurons = traces.shape
    if frames_hint is not None and frames_hint != frames:
        raise DataError(path, f"traces have {frames} frames, max_t says {frames_hint}")
    fps, stamps = _timing(path, data, frames)
    names, notes = _names(path, data, neurons, min_confidence)
    behavior = {}
    for key in BEHAVIOR_UNITS:
        if data.get(key) is None:
            continue
        try:
            behavior[key] = np.asarray(data[key], dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(path, f"{key} is not a list of numbers") from None
        if behavior[key].shape != (frames,):
            raise DataError(path, f"{key} has {behavior[key].size} values for {frames} frames")
    if not np.isfinite(traces).all():
        raise DataError(path, "traces contain NaN or infinite values")
    events = data.get("events") if isinstance(data.get("events"), dict) else {}
    uid = str(data.get("uid") or path.stem)
    return [Recording(traces=traces, neuron_names=names, fps=fps, worm_id=uid, source=str(path),
                      labels=_reversals(path, data, frames), state_names=STATES, notes=notes,
                      behavior=behavior, units={k: BEHAVIOR_UNITS[k] for k in behavior}, events=events,
                      timestamps=stamps)]
