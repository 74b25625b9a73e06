"""Tasks that name a class for the frame each window is about: cross-entropy with
class-balanced weights, probabilities as predictions, metrics over labelled frames."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from torch import nn

from wormgnn.metrics import classification_metrics, confusion
from wormgnn.tasks.base import Evaluation, Scores, Task, first_worm


def class_weights(labels: torch.Tensor, classes: int) -> torch.Tensor:
    """Inverse-frequency weights (mean 1 over present classes) so rare states count."""
    counts = torch.bincount(labels[labels >= 0], minlength=classes).double()
    weights = torch.where(counts > 0, counts.sum() / (counts.clamp(min=1) * (counts > 0).sum()), 0.0)
    return weights.float()


class ClassificationTask(Task):
    """Subclasses give ``classes`` and ``frame_labels``; metrics are accuracy, balanced
    accuracy and macro-F1 of the per-window argmax over labelled frames."""

    classes: ClassVar[tuple[str, ...]] = ()
    accepts_lookahead = True
    headline = ("balanced_accuracy", "accuracy", "macro_f1")
    terminal = ("balanced_accuracy", "macro_f1")
    figures = ("balanced_accuracy",)
    report = ("balanced_accuracy", "accuracy", "macro_f1")

    def class_weights(self, train, spec) -> torch.Tensor:
        return class_weights(train.labels, spec.n_classes)

    def loss(self, spec, class_weights, scale, unscored_weight):
        ce = nn.CrossEntropyLoss(weight=class_weights)
        return lambda out, batch: ce(out, batch.labels)

    def outputs(self, out: torch.Tensor) -> torch.Tensor:
        return torch.softmax(out, dim=-1)

    def evaluate(self, ev: Evaluation) -> Scores:
        def score(data):
            probabilities = ev.predict(data)
            true = data.labels.numpy()
            keep = true >= 0
            return probabilities, classification_metrics(true[keep], probabilities[keep].argmax(1),
                                                         len(self.classes))

        _, val_metrics = score(ev.val)
        predictions, metrics = score(ev.test)
        true = ev.test.labels.numpy()
        keep = true >= 0
        matrix = confusion(true[keep], predictions[keep].argmax(1), len(self.classes)).tolist()
        return Scores(metrics, val_metrics, predictions, extra={"confusion": {"classes": matrix}})

    def confusion_labels(self) -> dict[str, tuple[str, ...]]:
        return {"classes": self.classes}

    def predict_recording(self, outputs, windows, names, decoder, decoding) -> dict:
        return {"frames": windows.frame.numpy(), "probabilities": outputs,
                "states": [self.classes[i] for i in outputs.argmax(1)]}

    def csv_header(self, result: dict) -> list[str]:
        return ["state"] + [f"p_{s}" for s in self.classes]

    def csv_row(self, result: dict, i: int) -> list[str]:
        return [result["states"][i]] + [f"{v:.5f}" for v in result["probabilities"][i]]

    def example(self, scores: Scores, ev: Evaluation, names) -> dict:
        """The annotated and decoded class of every frame of one held-out worm."""
        sel = first_worm(ev.test)
        return {"kind": np.array("ethogram"), "states": np.array(self.classes),
                "fps": np.array(ev.fps[int(ev.test.worm[0])]), "frames": ev.test.frame.numpy()[sel],
                "annotated": ev.test.labels.numpy()[sel],
                "decoded per frame": scores.predictions[sel].argmax(1)}
