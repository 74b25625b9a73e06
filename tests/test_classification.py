"""Tasks that name a class per window: weights, loss, metrics."""

import numpy as np
import pytest
import torch

from wormgnn.tasks import ClassificationTask, Evaluation, class_weights
from wormgnn.windows import Windows


class TwoClasses(ClassificationTask):
    name = "two"
    classes = ("a", "b")
    n_classes = 2


def _windows(labels):
    m = len(labels)
    return Windows(torch.zeros(m, 4, 2), torch.zeros(m, 0, 2), torch.tensor(labels), torch.ones(m, 2, dtype=bool),
                   torch.ones(m, 2, dtype=bool), torch.zeros(m, 2, dtype=torch.long), torch.zeros(m, dtype=torch.long),
                   torch.arange(m), torch.full((m,), float("nan")))


def test_class_weights_balance_rare_classes():
    w = class_weights(torch.tensor([0, 0, 0, 1]), 3)
    assert w[2] == 0 and w[1] == pytest.approx(3 * w[0])
    assert float((w * torch.tensor([3, 1, 0])).sum()) == pytest.approx(4.0)


def test_metrics_leave_out_unlabelled_frames_and_probabilities_sum_to_one():
    task = TwoClasses()
    data = _windows([0, 1, -1, 1])
    guesses = np.array([[0.9, 0.1], [0.2, 0.8], [0.9, 0.1], [0.6, 0.4]])
    scores = task.evaluate(Evaluation(lambda w: guesses, None, data, data, [], [3.0]))
    assert scores.metrics["accuracy"] == pytest.approx(2 / 3) and scores.metrics["balanced_accuracy"] == 0.75
    assert scores.extra["confusion"]["classes"] == [[1, 0], [1, 1]]
    probabilities = task.outputs(torch.tensor([[2.0, -1.0]]))
    assert float(probabilities.sum()) == pytest.approx(1.0) and task.scored(data) == 3
    result = task.predict_recording(guesses, data, [], None, "frame")
    assert result["states"] == ["a", "b", "a", "a"] and task.csv_header(result) == ["state", "p_a", "p_b"]
