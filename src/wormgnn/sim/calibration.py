"""How far a simulator's recordings are from real ones: the statistics of shared dynamics that
decide whether |correlation| or partial correlation tracks who drives whom.

When most neurons follow one low-dimensional global state, correlation mixes that state into
every pair and partial correlation, which conditions on the rest, takes it out. A simulator
in which only a few core neurons follow the motor program ranks relation readings differently
from real worms, so its knobs are chosen to match these statistics of real recordings (never
the atlas, which is a test set)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from wormgnn.data import Recording
from wormgnn.errors import WormGnnError
from wormgnn.sim.simulator import SimulationConfig
from wormgnn.windows import zscore

MATCHED = ("pc1", "pc3", "participation", "median_abs_corr", "p90_abs_corr", "autocorr_1s", "autocorr_5s")
"""The statistics a calibration matches: how much of the activity is shared and how widely,
and how slowly it changes."""
UNMATCHED = ("halves_agreement", "blocks_agreement", "changes_agreement", "agreement")
"""Statistics ``dataset_statistics`` also gives, matched only when asked for
(``benchmarks/sim_calibration.py --match``): how stable the correlations are within and
between worms."""
KATO_MATCHED = {"broad_drive": 1.2, "drift": 0.3, "measurement_noise": 0.1}
"""``SimulationConfig`` settings nearest to Kato et al.'s recordings over ``MATCHED`` (chosen
on simulated seed 0 by ``benchmarks/sim_calibration.py``; docs/relations.md)."""
FLAVELL_SHAPE = {"worms": 7, "duration_s": 481.0, "fps": 1.662, "neurons": (130, 146), "identified": (87, 110)}
"""Worms shaped like the 7 named Flavell recordings: 800 frames at their rate (each simulated
worm's rate jitters by a few %), as many neurons recorded and named (NeuroPAL names about two in three)."""
FLAVELL_MATCHED = {"broad_drive": 1.5, "drift": 0.2, "measurement_noise": 0.04}
"""Settings nearest to those recordings over ``MATCHED``, at ``FLAVELL_SHAPE`` (seed 0,
``benchmarks/sim_calibration.py --shape flavell``)."""
SHAPES = {"kato": {}, "flavell": FLAVELL_SHAPE}
"""Recording shapes a simulation can take (Kato's is ``SimulationConfig``'s own)."""
LAB_MATCHED = {"kato": KATO_MATCHED, "flavell": FLAVELL_MATCHED}
"""The settings matched to each shape's lab (``wormgnn data simulate --calibrated --shape``)."""


def mean_autocorrelation(x: np.ndarray, lag: int) -> float:
    """Mean over columns of each column's correlation with itself ``lag`` frames later."""
    a, b = x[:-lag] - x[:-lag].mean(0), x[lag:] - x[lag:].mean(0)
    return float(np.mean((a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0))))


def shared_dynamics(recording: Recording) -> dict[str, float]:
    """Over every recorded neuron: variance share of the first and first three principal
    components, participation ratio (effective dimensionality), median and 90th percentile of
    |correlation| over pairs, and the mean autocorrelation at 1 s and 5 s."""
    x = recording.traces.astype(np.float64)
    x = zscore(x[:, np.isfinite(x).all(0) & (np.nanstd(x, 0) > 0)])
    n = x.shape[1]
    correlation = np.corrcoef(x.T)
    eigen = np.clip(np.linalg.eigvalsh(correlation)[::-1], 0.0, None)
    corr = np.abs(correlation)[~np.eye(n, dtype=bool)]
    second = max(int(round(recording.fps)), 1)
    return {"neurons": float(n), "pc1": float(eigen[0] / n), "pc3": float(eigen[:3].sum() / n),
            "participation": float(eigen.sum() ** 2 / (eigen ** 2).sum()),
            "median_abs_corr": float(np.median(corr)), "p90_abs_corr": float(np.quantile(corr, 0.9)),
            "autocorr_1s": mean_autocorrelation(x, second), "autocorr_5s": mean_autocorrelation(x, 5 * second)}


def dataset_statistics(recordings: list[Recording]) -> dict[str, float]:
    """``shared_dynamics`` and ``agreement_within_worm`` averaged over worms, and their
    ``between_worm_agreement`` (these last three not in ``MATCHED``)."""
    rows = [shared_dynamics(r) | agreement_within_worm(r) for r in recordings]
    return {k: float(np.mean([row[k] for row in rows])) for k in rows[0]} | {
        "agreement": between_worm_agreement(recordings)}


def agreement_within_worm(recording: Recording, block_s: float = 30.0) -> dict[str, float]:
    """How stable a worm's correlation structure is: the Spearman correlation of |correlation|
    (every recorded neuron, 60 s running mean removed) between the recording's two halves, and
    between its odd and even ``block_s`` blocks. Halves far below blocks: the structure changes
    over minutes, which one drive per worm cannot absorb (``JointCouplingConfig.epoch_s``).
    ``changes_agreement`` is the halves' agreement for frame-to-frame changes: near 0 where fast
    fluctuations are each neuron's own noise, high where they are shared in a stable pattern. NaN
    where a worm has under 3 such neurons or a part under 3 frames."""
    from scipy.stats import spearmanr

    from wormgnn.relations.estimators import without_slow_drift

    x = recording.traces.astype(np.float64)
    x = without_slow_drift(x[:, np.isfinite(x).all(0) & (np.nanstd(x, 0) > 0)], recording.fps, 60.0)
    upper = np.triu_indices(x.shape[1], 1)

    def agreement(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        if y.shape[1] < 3 or min(a.sum(), b.sum()) < 3:
            return float("nan")
        return float(spearmanr(np.abs(np.corrcoef(y[a].T))[upper], np.abs(np.corrcoef(y[b].T))[upper])[0])

    def halves(y: np.ndarray) -> float:
        return agreement(y, np.arange(len(y)) < len(y) // 2, np.arange(len(y)) >= len(y) // 2)

    odd = (np.arange(len(x)) // max(int(round(block_s * recording.fps)), 1)) % 2 == 1
    return {"halves_agreement": halves(x), "blocks_agreement": agreement(x, odd, ~odd),
            "changes_agreement": halves(np.diff(x, axis=0))}


def between_worm_agreement(recordings: list[Recording]) -> float:
    """Mean over pairs of worms of the Spearman correlation between their |correlation| over the
    pairs of neurons both name: how much of the correlation structure every worm shares, which
    is what a model pooled over worms relies on. NaN unless two worms name three neurons alike."""
    from scipy.stats import spearmanr

    worms = []  # per worm: |correlation| of its named traces, and each name's row in it
    for rec in recordings:
        x = rec.traces.astype(np.float64)
        columns = {}
        for i, n in enumerate(rec.neuron_names):  # a name on two traces: the first
            if n and n not in columns and np.isfinite(x[:, i]).all() and x[:, i].std() > 0:
                columns[n] = i
        rows = {n: k for k, n in enumerate(columns)}
        worms.append((np.abs(np.corrcoef(x[:, list(columns.values())].T)), rows))
    values = []
    for a in range(len(worms)):
        for b in range(a + 1, len(worms)):
            (ca, ra), (cb, rb) = worms[a], worms[b]
            common = sorted(ra.keys() & rb.keys())
            if len(common) >= 3:
                ia, ib = [ra[n] for n in common], [rb[n] for n in common]
                upper = np.triu_indices(len(common), 1)
                values.append(spearmanr(ca[np.ix_(ia, ia)][upper], cb[np.ix_(ib, ib)][upper])[0])
    return float(np.mean(values)) if values else float("nan")


def distance(stats: dict[str, float], target: dict[str, float], keys: tuple[str, ...] = MATCHED) -> float:
    """Sum of squared relative differences (of logarithms for the participation ratio)."""
    total = 0.0
    for k in keys:
        if k == "participation":
            total += (np.log(stats[k]) - np.log(target[k])) ** 2
        else:
            total += ((stats[k] - target[k]) / target[k]) ** 2
    return float(total)


def lab_settings(shape: str, calibrated: bool) -> dict[str, object]:
    """``SimulationConfig`` overrides for recordings shaped like a lab's (``SHAPES``), and with
    ``calibrated`` matched to that lab's recordings (``LAB_MATCHED``)."""
    if shape not in SHAPES:
        raise WormGnnError(f"--shape {shape}: unknown (known: {', '.join(SHAPES)})")
    return SHAPES[shape] | (LAB_MATCHED[shape] if calibrated else {})


def simulator_settings(text: str) -> dict[str, object]:
    """``broad_drive=1.2,drift=0.3`` as overrides of ``SimulationConfig``'s numeric fields;
    ``calibrated`` for ``KATO_MATCHED``; ``flavell-shaped`` for ``FLAVELL_SHAPE`` and
    ``FLAVELL_MATCHED`` (worms and duration included: they override a caller's). Either name may
    lead overrides: ``flavell-shaped,drive_turnover=0.3``."""
    items = [part.strip() for part in text.split(",") if part.strip()]
    bases = {"calibrated": "kato", "flavell-shaped": "flavell"}
    settings = lab_settings(bases[items.pop(0)], calibrated=True) if items and items[0] in bases else {}
    known = {f.name for f in fields(SimulationConfig) if f.type in ("float", float)}
    for item in items:
        key, _, value = item.partition("=")
        if key not in known:
            raise WormGnnError(f"simulator setting {item!r}: unknown (known: {', '.join(sorted(known))}; "
                               "calibrated or flavell-shaped only first)")
        try:
            settings[key] = float(value)
        except ValueError:
            raise WormGnnError(f"simulator setting {item!r}: {value!r} is not a number") from None
    return settings
