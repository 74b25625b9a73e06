"""Continuous behavior measured on the moving worm, decoded from a window of activity:
velocity, head curvature (WormWideWeb recordings). Scored by R² and Pearson r on each
held-out worm."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from wormgnn.tasks.base import Evaluation, Scores, Task, first_worm


def r2_and_pearson(predicted: np.ndarray, measured: np.ndarray) -> dict:
    keep = np.isfinite(measured)
    p, m = predicted[keep].astype(np.float64), measured[keep].astype(np.float64)
    if m.size < 3:
        return {"r2": float("nan"), "pearson": float("nan"), "mse": float("nan")}
    sse, sst = float(((p - m) ** 2).sum()), float(((m - m.mean()) ** 2).sum())
    pearson = float(np.corrcoef(p, m)[0, 1]) if p.std() > 0 and m.std() > 0 else float("nan")
    return {"r2": 1.0 - sse / sst if sst > 0 else float("nan"), "pearson": pearson, "mse": sse / m.size}


class RegressionTask(Task):
    """Subclasses name the ``variable`` of ``Recording.behavior``. The model outputs one value
    per window, in the variable's units; the loss is the MSE divided by the training targets'
    variance (a scale-free loss, so learning rates suit every variable)."""

    variable: ClassVar[str] = ""
    output = "value"
    n_classes = 1
    accepts_lookahead = True
    headline = ("r2", "pearson", "mse")
    terminal = ("r2", "pearson")
    figures = ("r2", "pearson")
    report = ("r2", "pearson", "mse")

    def frame_values(self, recording) -> np.ndarray | None:
        return recording.behavior.get(self.variable)

    def frame_labels(self, recording) -> np.ndarray | None:
        values = self.frame_values(recording)
        return None if values is None else np.where(np.isfinite(values), 0, -1)

    def loss_scale(self, train) -> torch.Tensor:
        values = train.values[torch.isfinite(train.values)]
        return values.var().clamp(min=1e-12) if values.numel() > 1 else torch.ones((), device=train.values.device)

    def loss(self, spec, class_weights, scale, unscored_weight):
        scale = 1.0 if scale is None else scale
        return lambda out, batch: ((out[:, 0] - batch.values) ** 2).mean() / scale

    def evaluate(self, ev: Evaluation) -> Scores:
        def score(data):
            predicted = ev.predict(data)[:, 0]
            measured = data.values.numpy()
            worms = data.worm.numpy()
            per_worm = [r2_and_pearson(predicted[worms == w], measured[worms == w]) for w in np.unique(worms)]
            return predicted, {k: float(np.nanmean([m[k] for m in per_worm])) for k in per_worm[0]}

        _, val_metrics = score(ev.val)
        predictions, metrics = score(ev.test)
        return Scores(metrics, val_metrics, predictions[:, None])

    def predict_recording(self, outputs, windows, names, decoder, decoding) -> dict:
        return {"frames": windows.frame.numpy(), "values": outputs[:, 0]}

    def csv_header(self, result: dict) -> list[str]:
        return [self.variable]

    def csv_row(self, result: dict, i: int) -> list[str]:
        return [f"{result['values'][i]:.5g}"]

    def example(self, scores: Scores, ev: Evaluation, names) -> dict:
        """Measured and decoded values over one held-out worm."""
        sel = first_worm(ev.test)
        return {"kind": np.array("regression"), "variable": np.array(self.variable),
                "fps": np.array(ev.fps[int(ev.test.worm[0])]), "frames": ev.test.frame.numpy()[sel],
                "measured": ev.test.values.numpy()[sel], "decoded": scores.predictions[sel, 0]}


class Velocity(RegressionTask):
    name = "velocity"
    description = "the worm's velocity at the window's frame (mm/s; WormWideWeb recordings)"
    variable = "velocity"
    needs = "velocity measurements"


class HeadCurvature(RegressionTask):
    name = "head-curvature"
    description = "the head's curvature at the window's frame (rad; WormWideWeb recordings)"
    variable = "head_curvature"
    needs = "head curvature measurements"
