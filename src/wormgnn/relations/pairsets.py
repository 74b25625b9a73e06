"""Readings scored per named pair, over worms: the pair sets ``pooled`` (ordered pairs of names
recorded together in at least one worm) and ``shared`` (names every worm has), with a paired
bootstrap interval of each reading's AUROC difference to |correlation|.

Per worm, a truth measures a few hundred pairs and an AUROC carries an interval of about
±0.1; pooled over worms by name the atlas measures thousands, and the interval says whether
a difference is one."""

from __future__ import annotations

import numpy as np

from wormgnn.relations.scoring import auprc, auroc, by_name, spearman

BASELINE = "correlation"
"""The reading every other is paired with."""
RESAMPLES = 1000
LEVEL = 0.95


def pair_sets(names: list[list[str | None]]) -> dict[str, set[tuple[str, str]]]:
    """``pooled``: ordered pairs recorded together in some worm; ``shared``: among the names
    every worm has."""
    pooled = {(a, b) for worm in names for a in worm if a for b in worm if b and b != a}
    common = set.intersection(*({n for n in worm if n} for worm in names))
    return {"pooled": pooled, "shared": {(a, b) for a, b in pooled if a in common and b in common}}


def bootstrap_auroc(scores: np.ndarray, positive: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """AUROC under each row of ``counts`` (how often each pair is drawn), ties counting half:
    one sort, then weighted sums per tied group, for every resample at once."""
    order = np.argsort(scores, kind="stable")
    ordered = scores[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    pos_w = np.add.reduceat(counts[:, order] * positive[order], starts, axis=1)
    neg_w = np.add.reduceat(counts[:, order] * ~positive[order], starts, axis=1)
    below = np.cumsum(neg_w, axis=1) - neg_w
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos_w * (below + neg_w / 2)).sum(1) / (pos_w.sum(1) * neg_w.sum(1))


def resample_counts(pairs: list[tuple[str, str]], seed: int, by_sender: bool) -> np.ndarray:
    """(RESAMPLES, pairs) draw counts: pairs resampled, or stimulated neurons (senders)
    resampled with all their pairs (the atlas's pairs of one stimulated neuron are not
    independent)."""
    rng = np.random.default_rng(seed)
    if not by_sender:
        return rng.multinomial(len(pairs), np.full(len(pairs), 1 / len(pairs)), size=RESAMPLES).astype(np.float64)
    senders = sorted({a for a, _ in pairs})
    index = np.array([senders.index(a) for a, _ in pairs])
    drawn = rng.multinomial(len(senders), np.full(len(senders), 1 / len(senders)), size=RESAMPLES)
    return drawn[:, index].astype(np.float64)


def _interval(values: np.ndarray) -> list[float]:
    tail = (1 - LEVEL) / 2 * 100
    return [float(np.nanpercentile(values, tail)), float(np.nanpercentile(values, 100 - tail))]


def score_pair_set(readings: dict[str, dict], kinds: dict[str, str], pairs: set, truth, seed: int = 0,
                   baseline: str = BASELINE) -> dict:
    """Every reading against a truth over one pair set: AUROC, AUPRC, Spearman with
    |amplitude|, pairs, positives, and the paired bootstrap of its AUROC difference to
    ``baseline`` (|correlation|; ``delta_ci`` pairs resampled, ``delta_ci_senders`` stimulated
    neurons; the keys keep their names whatever the baseline). A model reading also carries
    ``versus``: the same paired difference to every yardstick, by name."""
    names = sorted({n for pair in pairs for n in pair})
    if not names:
        return {}
    truth_pairs = truth.among(0, names)
    index = {n: i for i, n in enumerate(names)}
    kept = sorted(p for p in pairs if truth_pairs.measured[index[p[0]], index[p[1]]])
    if not kept:
        return {}
    rows, cols = np.array([index[a] for a, _ in kept]), np.array([index[b] for _, b in kept])
    positive = truth_pairs.positive[rows, cols].astype(bool)
    amplitude = truth_pairs.amplitude[rows, cols] if truth_pairs.amplitude is not None else None
    draws = {"pairs": resample_counts(kept, seed, False), "senders": resample_counts(kept, seed, True)}
    values = {name: np.array([r.get(p, np.nan) for p in kept]) for name, r in readings.items()}
    values = {name: v for name, v in values.items() if np.all(np.isfinite(v))}
    drawn = {name: {k: bootstrap_auroc(v, positive, d) for k, d in draws.items()} for name, v in values.items()}
    areas = {name: auroc(v, positive) for name, v in values.items()}
    yardsticks = [name for name in values if kinds.get(name, "yardstick") == "yardstick"]
    out = {}
    for name, v in values.items():
        kind = kinds.get(name, "yardstick")
        entry = {"auroc": areas[name], "auprc": auprc(v, positive),
                 "spearman": spearman(v, amplitude) if amplitude is not None else float("nan"),
                 "pairs": len(kept), "positives": int(positive.sum()), "kind": kind}
        if baseline in values:
            entry |= _paired(areas[name], drawn[name], areas[baseline], drawn[baseline])
            entry["delta_vs_corr"] = entry.pop("delta")
        if kind == "model":  # a model reading is also held against every yardstick, not only the baseline
            entry["versus"] = {other: _paired(areas[name], drawn[name], areas[other], drawn[other])
                               for other in yardsticks}
        out[name] = entry
    return out


def _paired(value: float, resampled: dict, other: float, other_resampled: dict) -> dict:
    """``delta``, and its intervals with pairs resampled (``delta_ci``) and stimulated
    neurons resampled (``delta_ci_senders``)."""
    return {"delta": value - other, **{"delta_ci" + ("" if k == "pairs" else f"_{k}"):
                                       _interval(resampled[k] - other_resampled[k]) for k in resampled}}


def scored_pair_sets(truth, per_worm: list[dict], names: list[list[str | None]], kinds: dict[str, str],
                     seed: int = 0) -> dict:
    """``{"pooled": {reading: {...}}, "shared": {...}}`` for a truth that knows neurons by name."""
    readings = {name: by_name([worm[name] for worm in per_worm], names) for name in per_worm[0]}
    return {key: score_pair_set(readings, kinds, pairs, truth, seed) for key, pairs in pair_sets(names).items()}
