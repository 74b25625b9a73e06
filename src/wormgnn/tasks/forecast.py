"""Forecasting: from the last W frames of every neuron, its next H frames."""

from __future__ import annotations

import numpy as np
import torch

from wormgnn.errors import WormGnnError
from wormgnn.metrics import forecast_metrics, mse_per_horizon
from wormgnn.tasks.base import Evaluation, Scores, Task, first_worm

EXAMPLE_NEURONS = ("AVAL", "AVAR", "AVBL", "AVBR", "RIML", "RIMR", "SMDVR", "SMDVL", "SMDDR", "RIBL")
"""Neurons the report's trace figure prefers: the command interneurons of the motor program."""


def persistence_error(data) -> torch.Tensor:
    """Mean squared change from the last input frame, per horizon, over real neurons: (H,)."""
    y = data.y.cpu().numpy()
    last = data.x[:, -1:, :].cpu().numpy()
    error = mse_per_horizon(np.broadcast_to(last, y.shape), y, data.mask.cpu().numpy())
    return torch.as_tensor(error, dtype=data.y.dtype, device=data.y.device).clamp(min=1e-8)


class Forecast(Task):
    name = "forecast"
    description = "every neuron's next H frames from the last W (MSE and skill against persistence)"
    output = "per_neuron"
    labelled_only = False
    headline = ("skill@1", "skill@8", "mse@1", "mse@8")
    terminal = ("skill@1", "skill@8")
    figures = ("skill@1", "skill@8")
    report = ("skill@1", "skill@8", "mse@1", "mse@8")

    def horizon(self, profile) -> int:
        return profile.horizon

    def check_lookahead(self, lookahead: int) -> None:
        if lookahead > 0:
            raise WormGnnError("--lookahead is for decoding behavior; a forecast already looks ahead by its horizon")
        super().check_lookahead(lookahead)

    def train_stride(self, profile) -> int:
        # adjacent windows at ~2.9 frames/s are nearly identical: every k-th one trains as well
        return profile.train_stride

    def loss_scale(self, train) -> torch.Tensor:
        """Each horizon's error is divided by persistence's there: the metric is skill per
        horizon, and an unscaled sum would let the far horizons, whose errors are several times
        larger, decide what the model learns for h = 1."""
        return persistence_error(train)

    def loss(self, spec, class_weights, scale, unscored_weight):
        """Masked MSE over real neurons; neurons the metrics do not count weigh
        ``unscored_weight`` (graph models with ``--neurons all``)."""
        def forecast_loss(out, batch):
            scored = batch.scored.to(out.dtype)
            neurons = scored + unscored_weight * (batch.mask.to(out.dtype) - scored)
            weight = neurons[:, None, :]
            if scale is not None:
                weight = weight / scale[None, :, None]
            return ((out - batch.y) ** 2 * weight).sum() / (neurons.sum() * out.shape[1])

        return forecast_loss

    def scored(self, windows) -> int:
        return len(windows)

    def evaluate(self, ev: Evaluation) -> Scores:
        def score(data):
            predicted = ev.predict(data)
            return predicted, forecast_metrics(predicted, data.y.numpy(), data.x[:, -1].numpy(),
                                               data.scored.numpy())

        _, val_metrics = score(ev.val)
        predictions, metrics = score(ev.test)
        return Scores(metrics, val_metrics, predictions)

    def flatten(self, metrics: dict) -> dict[str, float]:
        return {f"{kind}@{h}": v for kind in ("mse", "skill") for h, v in metrics[kind].items()}

    def lower_is_better(self, metric: str) -> bool:
        return metric.startswith("mse")

    def predict_recording(self, outputs, windows, names, decoder, decoding) -> dict:
        keep = windows.mask[0].numpy()
        return {"frames": windows.frame.numpy(), "forecast": outputs[:, :, keep],
                "neurons": [n for n, k in zip(names, keep, strict=True) if k]}

    def csv_header(self, result: dict) -> list[str]:
        h = result["forecast"].shape[1]
        return [f"{n}@+{k + 1}" for n in result["neurons"] for k in range(h)]

    def csv_row(self, result: dict, i: int) -> list[str]:
        return [f"{v:.5g}" for v in result["forecast"][i].T.reshape(-1)]

    def example(self, scores: Scores, ev: Evaluation, names) -> dict:
        """Recorded and forecast traces of up to four named neurons (command interneurons first)."""
        sel = first_worm(ev.test)
        chosen = [n for n in EXAMPLE_NEURONS if n in names][:4] or [n for n in names if n][:4]
        columns = [names.index(n) for n in chosen]
        return {"kind": np.array("traces"), "neurons": np.array(chosen),
                "fps": np.array(ev.fps[int(ev.test.worm[0])]), "frames": ev.test.frame.numpy()[sel],
                "horizon": np.array(scores.predictions.shape[1]), "recorded": ev.test.y.numpy()[sel][:, 0][:, columns],
                "first": scores.predictions[sel][:, 0][:, columns],
                "last": scores.predictions[sel][:, -1][:, columns]}
