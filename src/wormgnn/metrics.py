"""Forecast and behavior metrics, computed the same way for every model."""

from __future__ import annotations

import numpy as np

from wormgnn.data.states import COARSE_STATES, coarse_labels, fine_to_coarse_matrix


def mse_per_horizon(pred: np.ndarray, target: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """(H,) mean squared error over windows and scored neurons, per horizon."""
    weight = scored[:, None, :].astype(np.float64)
    err = (pred.astype(np.float64) - target) ** 2 * weight
    return err.sum(axis=(0, 2)) / weight.sum(axis=(0, 2))


def forecast_metrics(pred: np.ndarray, target: np.ndarray, last: np.ndarray,
                     scored: np.ndarray) -> dict:
    """MSE per horizon and skill = 1 - MSE / MSE of persistence (repeat the last frame)."""
    mse = mse_per_horizon(pred, target, scored)
    base = mse_per_horizon(np.broadcast_to(last[:, None, :], target.shape), target, scored)
    hs = range(1, mse.shape[0] + 1)
    return {
        "mse": {str(h): float(m) for h, m in zip(hs, mse, strict=True)},
        "skill": {str(h): float(1 - m / b) for h, m, b in zip(hs, mse, base, strict=True)},
    }


def confusion(true: np.ndarray, pred: np.ndarray, classes: int) -> np.ndarray:
    m = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(m, (true, pred), 1)
    return m


def classification_metrics(true: np.ndarray, pred: np.ndarray, classes: int) -> dict:
    """Accuracy; balanced accuracy over classes present in the truth; macro-F1 over classes
    present in truth or prediction (as scikit-learn does)."""
    m = confusion(true, pred, classes)
    support = m.sum(axis=1)
    predicted = m.sum(axis=0)
    tp = np.diag(m)
    present = support > 0
    recall = np.divide(tp, support, out=np.zeros(classes), where=present)
    precision = np.divide(tp, predicted, out=np.zeros(classes), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(classes), where=denom > 0)
    involved = present | (predicted > 0)
    return {
        "accuracy": float(tp.sum() / max(1, m.sum())),
        "balanced_accuracy": float(recall[present].mean()) if present.any() else float("nan"),
        "macro_f1": float(f1[involved].mean()) if involved.any() else float("nan"),
    }


def segments(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(state, first, stop) of each maximal run of one scored state; an unscored frame (-1)
    belongs to no segment and ends the one before it."""
    labels = np.asarray(labels)
    if labels.size == 0:
        return []
    starts = np.r_[0, np.nonzero(np.diff(labels))[0] + 1]
    stops = np.r_[starts[1:], labels.size]
    return [(int(labels[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True) if labels[a] >= 0]


def segment_matches(true: np.ndarray, pred: np.ndarray) -> tuple[int, int, int]:
    """(matched, annotated segments, decoded segments). A decoded segment matches an annotated
    one of the same state when their overlap covers at least half of each; each segment
    matches at most once."""
    annotated, decoded = segments(true), segments(pred)
    used: set[int] = set()
    matched = 0
    for state, a, b in annotated:
        for k, (s, c, d) in enumerate(decoded):
            if d <= a:
                continue
            if c >= b:
                break
            overlap = min(b, d) - max(a, c)
            if s == state and k not in used and 2 * overlap >= max(b - a, d - c):
                used.add(k)
                matched += 1
                break
    return matched, len(annotated), len(decoded)


def switches(labels: np.ndarray) -> int:
    """State changes between consecutive frames that both carry a scored state."""
    labels = np.asarray(labels)
    both = (labels[:-1] >= 0) & (labels[1:] >= 0)
    return int((labels[:-1] != labels[1:])[both].sum())


def sequence_metrics(true: np.ndarray, pred: np.ndarray, runs: list[np.ndarray], fps: list[float]) -> dict:
    """Switches per minute (decoded and annotated, and their ratio) and segment F1 over
    contiguous runs of frames; frames without an annotated state are left out of both."""
    matched = n_true = n_pred = switched = annotated = 0
    minutes = 0.0
    for run, rate in zip(runs, fps, strict=True):
        t = true[run]
        p = np.where(t >= 0, pred[run], -1)
        m, a, d = segment_matches(t, p)
        matched, n_true, n_pred = matched + m, n_true + a, n_pred + d
        switched += switches(p)
        annotated += switches(t)
        minutes += (t >= 0).sum() / rate / 60.0
    precision = matched / n_pred if n_pred else 0.0
    recall = matched / n_true if n_true else 0.0
    return {
        "switches_per_min": switched / minutes if minutes else float("nan"),
        "annotated_switches_per_min": annotated / minutes if minutes else float("nan"),
        "switch_ratio": switched / annotated if annotated else float("nan"),
        "segment_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def behavior_metrics(probabilities: np.ndarray, true_fine: np.ndarray, fine_pred: np.ndarray | None = None,
                     coarse_pred: np.ndarray | None = None, runs: list[np.ndarray] | None = None,
                     fps: list[float] | None = None) -> dict:
    """Fine metrics from the 7-state probabilities; coarse from the same probabilities summed
    within each coarse class (one model serves both granularities). A decoded path (e.g. an
    HMM's) may replace the argmax. With ``runs`` (contiguous frames, see
    ``sequence.contiguous_runs``) and their frame rates, segment measures join the frame ones."""
    if fine_pred is None:
        fine_pred = probabilities.argmax(axis=1)
    if coarse_pred is None:
        coarse_pred = (probabilities @ fine_to_coarse_matrix()).argmax(axis=1)
    true_coarse = coarse_labels(true_fine)
    keep = true_fine >= 0
    result = {
        "coarse": classification_metrics(true_coarse[keep], coarse_pred[keep], len(COARSE_STATES)),
        "fine": classification_metrics(true_fine[keep], fine_pred[keep], probabilities.shape[1]),
    }
    if runs is not None:
        result["coarse"] |= sequence_metrics(true_coarse, coarse_pred, runs, fps)
        result["fine"] |= sequence_metrics(true_fine, fine_pred, runs, fps)
    return result
