"""Recordings of different frame rates on one rate, so that a window and a horizon mean the
same time in every worm: traces and continuous behavior interpolated linearly, states taken
from the nearest original frame."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wormgnn.data.recording import Recording

RATE_TOLERANCE = 0.02
"""Rates within 2% of the target are left as they are (Kato's worms vary by ±5% among
themselves and are not resampled unless combined with another dataset or asked to)."""


def resample(recording: Recording, rate: float) -> Recording:
    """``recording`` at ``rate`` frames per second (its own times from the first frame, or
    frame / fps). GCaMP signals are slow next to either rate, so linear interpolation keeps
    them; a state is the one annotated at the nearest original frame."""
    t = recording.times()
    grid = np.arange(0.0, t[-1] + 1e-9, 1.0 / rate)
    position = np.interp(grid, t, np.arange(recording.frames))
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, recording.frames - 1)
    weight = (position - low)[:, None]
    traces = recording.traces[low] * (1 - weight) + recording.traces[high] * weight
    nearest = np.rint(position).astype(int)
    labels = recording.labels[nearest] if recording.labels is not None else None
    behavior = {k: np.interp(grid, t, v) for k, v in recording.behavior.items()}
    start = recording.timestamps[0] if recording.timestamps is not None else 0.0
    return replace(recording, traces=traces.astype(np.float32), fps=float(rate), labels=labels,
                   behavior=behavior, timestamps=grid + start,
                   notes=[*recording.notes, f"resampled from {recording.fps:.3f} to {rate:.3f} frames/s"])


def common_rate(recordings: list[Recording], rate: float | None) -> float:
    """``rate`` if given, else the slowest recording's: nothing is interpolated finer than it
    was measured."""
    return float(rate) if rate else float(min(r.fps for r in recordings))


def on_rate(recordings: list[Recording], rate: float) -> list[Recording]:
    """Every recording at ``rate`` (those within ``RATE_TOLERANCE`` of it as they are)."""
    return [r if abs(r.fps / rate - 1) <= RATE_TOLERANCE else resample(r, rate) for r in recordings]
