"""Relations estimated straight from traces, the yardsticks a model's reading must beat, and
the wiring diagram read as a relation score."""

from __future__ import annotations

import numpy as np

from wormgnn.connectome import load_connectome
from wormgnn.windows import zscore


def reference_relations(traces: np.ndarray, ridge: float = 10.0) -> dict[str, np.ndarray]:
    """The yardsticks ``wormgnn graph`` scores beside every reading, from z-scored traces
    (T, N): |correlation|, and |coefficient| of a ridge one-step Granger model
    ``x(t+1) − x(t) = x(t)·A`` (A[i, j]: i acts on j)."""
    x = traces.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.nan_to_num(np.abs(np.corrcoef(x.T)))
    past, change = x[:-1], x[1:] - x[:-1]
    coef = np.linalg.solve(past.T @ past + ridge * np.eye(x.shape[1]), past.T @ change)
    return {"correlation": correlation, "granger": np.abs(coef)}


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


def extended_estimates(traces: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Every estimator on one worm's traces (T, N): the yardsticks, lagged correlations at
    lags 1–3, partial correlation, and the yardsticks after removing the state means."""
    out = dict(reference_relations(traces))
    for lag in (1, 2, 3):
        out[f"lagged correlation {lag}"] = lagged_correlation(traces, lag)
    out["partial correlation"] = partial_correlation(traces)
    for name, value in reference_relations(without_state_means(traces, labels)).items():
        out[f"{name} | state"] = value
    return out


def anatomy(names: list[str | None]) -> np.ndarray:
    """The wiring diagram as a relation score: log(1 + synapses + gap junctions) from i to j."""
    chemical, gap, _ = load_connectome().submatrices(names)
    return np.log1p(chemical + gap).astype(np.float64)
