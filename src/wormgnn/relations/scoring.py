"""How well relation scores predict a truth: AUROC, AUPRC and Spearman over the ordered pairs
the truth measures; consensus over worms; agreement between worms."""

from __future__ import annotations

import numpy as np


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a true edge outscores a non-edge (ties count half)."""
    from scipy.stats import rankdata

    positive = positive.astype(bool)
    pos, neg = int(positive.sum()), int((~positive).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * neg))


def auprc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Average precision: the mean precision at the rank of each true edge."""
    positive = positive.astype(bool)
    if positive.sum() == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    hits = positive[order]
    precision = np.cumsum(hits) / np.arange(1, hits.size + 1)
    return float(precision[hits].mean())


def spearman(values: np.ndarray, amplitude: np.ndarray) -> float:
    """Rank correlation of scores with |amplitude| where the amplitude is known."""
    from scipy.stats import spearmanr

    finite = np.isfinite(amplitude)
    if finite.sum() <= 2 or np.ptp(values[finite]) == 0 or np.ptp(amplitude[finite]) == 0:
        return float("nan")
    return float(spearmanr(values[finite], np.abs(amplitude[finite])).statistic)


def finite_mean(values: list[float]) -> float:
    """The mean of the finite values (NaN where there are none, without a warning): a score
    a truth cannot give for one worm does not hide the others'."""
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def off_diagonal(n: int) -> np.ndarray:
    return ~np.eye(n, dtype=bool)


def percentile_ranks(score: np.ndarray) -> np.ndarray:
    """Each off-diagonal score's rank among the worm's pairs, divided by their number."""
    from scipy.stats import rankdata

    off = off_diagonal(score.shape[0])
    ranked = np.zeros_like(score, dtype=np.float64)
    ranked[off] = rankdata(score[off]) / off.sum()
    return ranked


def by_name(scores: list[np.ndarray], names: list[list[str | None]]) -> dict[tuple[str, str], float]:
    """Each ordered pair of named neurons → the mean over the worms that recorded both of the
    pair's percentile rank among that worm's pairs (no worm's scale dominates)."""
    totals: dict[tuple[str, str], list[float]] = {}
    for score, worm_names in zip(scores, names, strict=True):
        ranked = percentile_ranks(score)
        named = [(i, n) for i, n in enumerate(worm_names) if n]
        for i, a in named:
            for j, b in named:
                if i != j:
                    totals.setdefault((a, b), []).append(ranked[i, j])
    return {pair: float(np.mean(values)) for pair, values in totals.items()}


def consensus(scores: list[np.ndarray], names: list[list[str | None]]) -> list[np.ndarray]:
    """Each worm's relation scores replaced, for every ordered pair of named neurons, by the
    mean over the worms that recorded both of the scores ranked within each worm (so that no
    worm's scale dominates); pairs with an unnamed neuron keep the worm's own rank. Named
    neurons keep their connections from worm to worm, so what several worms agree on is less
    likely noise; the atlas itself is pooled over many worms."""
    pooled_by_name = by_name(scores, names)
    out = []
    for score, worm_names in zip(scores, names, strict=True):
        pooled = percentile_ranks(score)
        for i, a in enumerate(worm_names):
            for j, b in enumerate(worm_names):
                if a and b and i != j:
                    pooled[i, j] = pooled_by_name[(a, b)]
        out.append(pooled)
    return out


def consistency(strengths: list[np.ndarray], names: list[list[str | None]]) -> dict:
    """Pearson correlation of inferred strengths between worms, over ordered pairs of named
    neurons present in both: do different worms give the same graph?"""
    values = []
    for a in range(len(strengths)):
        for b in range(a + 1, len(strengths)):
            common = sorted({n for n in names[a] if n} & {n for n in names[b] if n})
            if len(common) < 3:
                continue
            ia = [names[a].index(n) for n in common]
            ib = [names[b].index(n) for n in common]
            off = off_diagonal(len(common))
            sa = strengths[a][np.ix_(ia, ia)][off]
            sb = strengths[b][np.ix_(ib, ib)][off]
            if sa.std() > 0 and sb.std() > 0:
                values.append(float(np.corrcoef(sa, sb)[0, 1]))
    return {"mean_correlation": float(np.mean(values)) if values else float("nan"), "pairs": len(values)}
