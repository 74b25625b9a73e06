"""Repair of non-finite samples: interpolate brief dropouts, drop lost neurons, refuse the rest."""

from __future__ import annotations

import warnings

import numpy as np

from wormgnn.errors import DataError

MAX_NEURON_NAN_FRACTION = 0.5
"""A neuron with more of its frames missing than this is dropped, not invented."""

MAX_TOTAL_NAN_FRACTION = 0.05
"""Above this share of missing samples (after dropping lost neurons) a recording is refused."""


class DataWarning(UserWarning):
    """Something was repaired in the user's data; the CLI prints it as one line."""


def repair_nonfinite(
    traces: np.ndarray, names: list[str | None], where: str, worm: str
) -> tuple[np.ndarray, list[str | None]]:
    """Return traces with no NaN/inf, warning for every change made."""
    traces = np.array(traces, dtype=np.float64)
    bad = ~np.isfinite(traces)
    if not bad.any():
        return traces, names
    frames = traces.shape[0]
    lost = bad.mean(axis=0) > MAX_NEURON_NAN_FRACTION
    if lost.all():
        raise DataError(where, f"worm {worm}: every neuron is mostly NaN")
    if lost.any():
        dropped = [names[i] or f"#{i}" for i in np.flatnonzero(lost)]
        warnings.warn(
            f"{where}: worm {worm}: dropped {len(dropped)} mostly-NaN neuron(s): {', '.join(dropped)}",
            DataWarning,
            stacklevel=2,
        )
        traces = traces[:, ~lost]
        bad = bad[:, ~lost]
        names = [n for n, gone in zip(names, lost, strict=True) if not gone]
    fraction = bad.mean()
    if fraction > MAX_TOTAL_NAN_FRACTION:
        raise DataError(
            where, f"worm {worm}: {fraction:.1%} of trace samples are NaN or infinite (limit "
            f"{MAX_TOTAL_NAN_FRACTION:.0%})"
        )
    if bad.any():
        t = np.arange(frames)
        for j in np.flatnonzero(bad.any(axis=0)):
            ok = ~bad[:, j]
            traces[~ok, j] = np.interp(t[~ok], t[ok], traces[ok, j])
        warnings.warn(
            f"{where}: worm {worm}: interpolated {int(bad.sum())} NaN sample(s) in "
            f"{int(bad.any(axis=0).sum())} neuron(s)",
            DataWarning,
            stacklevel=2,
        )
    return traces, names
