"""Relations estimated straight from traces, the yardsticks a model's reading must beat, and
the wiring diagram read as a relation score."""

from __future__ import annotations

import numpy as np

from wormgnn.connectome import load_connectome
from wormgnn.windows import zscore

DRIFT_FREE_PARTIAL = "partial correlation (LW), drift removed"
BILATERAL_PARTIAL = "partial correlation (LW), drift removed, bilateral mean"


def reference_relations(traces: np.ndarray, fps: float = 1.0, ridge: float = 10.0,
                        names: list[str | None] | None = None) -> dict[str, np.ndarray]:
    """The yardsticks ``wormgnn graph`` scores beside every reading, from z-scored traces
    (T, N): |correlation|, |Ledoit–Wolf partial correlation|, |correlation of the changes|,
    ridge Granger ``x(t+1) − x(t) = x(t)·A`` (|A[i, j]|: i acts on j), and that linear model
    stimulated in silico over 10 s (``fps`` frames a second), as the atlas stimulates, and
    Ledoit–Wolf partial correlation of the traces less each neuron's slow drift (chosen on
    simulated atlases of worms matched to real recordings, docs/relations.md); given the
    neurons' ``names``, also that reading averaged over each pair's left/right variants, as the
    joint coupling is read, so that the model's reading meets a yardstick treated alike."""
    x = traces.astype(np.float64)
    coef = granger_coefficients(x, ridge)
    out = {"correlation": abs_correlation(x), "partial correlation (LW)": ledoit_wolf_partial(x),
            DRIFT_FREE_PARTIAL: ledoit_wolf_partial(without_slow_drift(x, fps)),
            "derivative correlation": abs_correlation(np.diff(x, axis=0)), "granger": np.abs(coef),
            "linear model stimulated": stimulated_response(np.eye(x.shape[1]) + coef, max(int(round(10 * fps)), 1))}
    if names is not None:
        out[BILATERAL_PARTIAL] = bilateral_average(names, out[DRIFT_FREE_PARTIAL])
    return out


def abs_correlation(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.abs(np.corrcoef(x.T)))


def granger_coefficients(x: np.ndarray, ridge: float = 10.0) -> np.ndarray:
    """Ridge one-step model of the change, ``x(t+1) − x(t) = x(t)·A``."""
    past, change = x[:-1], x[1:] - x[:-1]
    return np.linalg.solve(past.T @ past + ridge * np.eye(x.shape[1]), past.T @ change)


def stimulated_response(step: np.ndarray, frames: int) -> np.ndarray:
    """|mean response of j over ``frames`` frames to a unit pulse in i| under ``x(t+1) = x(t)·step``
    (a fitted linear model stimulated in silico); a model that grows is scaled to decay."""
    radius = float(np.max(np.abs(np.linalg.eigvals(step))))
    if radius >= 1.0:
        step = step * (0.999 / radius)
    power, total = np.eye(step.shape[0]), np.zeros_like(step)
    for _ in range(frames):
        power = power @ step
        total += power
    return np.abs(total / frames)


def ledoit_wolf_partial(x: np.ndarray) -> np.ndarray:
    """|partial correlation| from the Ledoit–Wolf shrunk covariance (shrinkage towards a
    scaled identity by the analytic optimum of Ledoit & Wolf 2004, as scikit-learn computes
    it): well-posed when neurons are many and frames few."""
    x = x - x.mean(0)
    n, p = x.shape
    sample = x.T @ x / n
    mu = np.trace(sample) / p
    squares = x**2
    beta = (np.sum(squares.T @ squares) / n - np.sum(sample**2)) / (p * n)
    delta = (np.sum(sample**2) - 2 * mu * np.trace(sample) + p * mu**2) / p
    shrinkage = 0.0 if delta == 0 else min(beta, delta) / delta
    precision = np.linalg.inv((1 - shrinkage) * sample + shrinkage * mu * np.eye(p))
    d = np.sqrt(np.diag(precision))
    partial = np.abs(precision / d[:, None] / d[None, :])
    np.fill_diagonal(partial, 0.0)
    return partial


def lagged_correlation(traces: np.ndarray, lag: int) -> np.ndarray:
    """|corr(x_i(t), x_j(t + lag))|: i's past against j's present, so directed."""
    x = traces.astype(np.float64)
    return np.abs(zscore(x[:-lag]).T @ zscore(x[lag:]) / (len(x) - lag))


def partial_correlation(traces: np.ndarray, ridge: float = 1.0) -> np.ndarray:
    """|partial correlation| from a ridge-regularised precision matrix."""
    x = traces.astype(np.float64)
    precision = np.linalg.inv(np.cov(x.T) + ridge * np.eye(x.shape[1]))
    d = np.sqrt(np.diag(precision))
    return np.abs(precision / d[:, None] / d[None, :])


def without_state_means(traces: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Traces less each behavioral state's mean: what remains when the motor program's drive,
    which moves many neurons together, is taken out."""
    x = traces.astype(np.float64)
    residual = x.copy()
    for state in np.unique(labels):
        residual[labels == state] -= x[labels == state].mean(0)
    return residual


def without_components(traces: np.ndarray, k: int) -> np.ndarray:
    """Traces less their first ``k`` principal components: a low-rank shared drive taken out
    without knowing the states."""
    x = traces.astype(np.float64) - traces.mean(0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return x - (u[:, :k] * s[:k]) @ vt[:k]


def without_slow_drift(traces: np.ndarray, fps: float, window_s: float = 60.0) -> np.ndarray:
    """Traces less each neuron's running mean over ``window_s`` seconds: slow drift (bleaching
    residue, slow modulation) correlates unrelated neurons by chance in a recording of minutes."""
    from scipy.ndimage import uniform_filter1d

    x = traces.astype(np.float64)
    return x - uniform_filter1d(x, size=max(int(round(window_s * fps)), 1), axis=0, mode="nearest")


def extended_estimates(traces: np.ndarray, labels: np.ndarray, fps: float = 1.0) -> dict[str, np.ndarray]:
    """Every estimator on one worm's traces (T, N): the yardsticks, lagged correlations at
    lags 1–3, partial correlation, the yardsticks after removing the state means, |correlation|
    less each neuron's 60 s running mean, and |correlation| of the traces and of their changes
    after removing 1, 2, 3 or 5 principal components."""
    out = dict(reference_relations(traces, fps))
    for lag in (1, 2, 3):
        out[f"lagged correlation {lag}"] = lagged_correlation(traces, lag)
    out["partial correlation"] = partial_correlation(traces)
    for name, value in reference_relations(without_state_means(traces, labels), fps).items():
        out[f"{name} | state"] = value
    out["correlation, drift removed"] = abs_correlation(without_slow_drift(traces, fps))
    for k in (1, 2, 3, 5):
        rest = without_components(traces, k)
        out[f"correlation | {k} PCs"] = abs_correlation(rest)
        out[f"derivative correlation | {k} PCs"] = abs_correlation(np.diff(rest, axis=0))
    return out


def bilateral_average(names: list[str | None], matrix: np.ndarray) -> np.ndarray:
    """Each pair's score as the mean over its left/right variants among ``names`` (i or its
    partner, to j or its partner; never a neuron to itself); a neuron without a partner among
    ``names`` (or unnamed) stands for itself. Diagonal 0. The two sides are wired near
    mirror-symmetrically, so each variant is a separate, noisy estimate of one class-level relation."""
    connectome = load_connectome()
    index = {n: i for i, n in enumerate(names) if n}
    own = np.arange(len(names))
    partner = np.array([index.get(connectome.bilateral_partner(n or ""), i) for i, n in enumerate(names)])
    total, count = np.zeros(matrix.shape), np.zeros(matrix.shape)
    for rows in (own, partner):
        for cols in (own, partner):
            valid = rows[:, None] != cols[None, :]
            total += np.where(valid, matrix[np.ix_(rows, cols)], 0.0)
            count += valid
    out = total / np.maximum(count, 1)
    np.fill_diagonal(out, 0.0)
    return out


def anatomy(names: list[str | None]) -> np.ndarray:
    """The wiring diagram as a relation score: log(1 + synapses + gap junctions) from i to j."""
    chemical, gap, _ = load_connectome().submatrices(names)
    return np.log1p(chemical + gap).astype(np.float64)
