"""Forecast and behavior metrics, computed the same way for every model."""

from __future__ import annotations

import numpy as np

from wormgnn.data.states import coarse_labels, fine_to_coarse_matrix


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


def behavior_metrics(probabilities: np.ndarray, true_fine: np.ndarray) -> dict:
    """Fine metrics from the 7-state probabilities; coarse from the same probabilities
    summed within each coarse class (one model serves both granularities)."""
    keep = true_fine >= 0
    probabilities, true_fine = probabilities[keep], true_fine[keep]
    fine_pred = probabilities.argmax(axis=1)
    coarse_prob = probabilities @ fine_to_coarse_matrix()
    coarse_pred = coarse_prob.argmax(axis=1)
    return {
        "coarse": classification_metrics(coarse_labels(true_fine), coarse_pred, coarse_prob.shape[1]),
        "fine": classification_metrics(true_fine, fine_pred, probabilities.shape[1]),
    }
