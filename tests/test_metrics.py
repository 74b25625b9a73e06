import numpy as np
import pytest

from wormgnn.metrics import behavior_metrics, classification_metrics, forecast_metrics, mse_per_horizon


def test_mse_per_horizon_by_hand():
    pred = np.zeros((2, 2, 2))
    target = np.array([[[1.0, 9.0], [2.0, 9.0]], [[3.0, 9.0], [0.0, 9.0]]])
    scored = np.array([[True, False], [True, False]])
    np.testing.assert_allclose(mse_per_horizon(pred, target, scored), [(1 + 9) / 2, (4 + 0) / 2])


def test_skill_against_persistence():
    target = np.array([[[2.0], [4.0]]])
    last = np.array([[0.0]])
    pred = np.array([[[1.0], [4.0]]])
    m = forecast_metrics(pred, target, last, np.ones((1, 1), bool))
    assert m["mse"] == {"1": 1.0, "2": 0.0}
    assert m["skill"]["1"] == pytest.approx(1 - 1 / 4) and m["skill"]["2"] == pytest.approx(1.0)


def test_classification_by_hand():
    true = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 0, 0])
    m = classification_metrics(true, pred, classes=4)
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    f1_0 = 2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3)
    f1_1 = 2 * (1 / 2) * (1 / 2) / 1
    assert m["macro_f1"] == pytest.approx((f1_0 + f1_1 + 0) / 3)


def test_behavior_coarse_sums_fine_probabilities():
    # fine order: fwd slow dt vt rev1 rev2 revsus; REVERSAL wins on summed probability
    probs = np.array([[0.3, 0.0, 0.0, 0.1, 0.2, 0.2, 0.2]])
    m = behavior_metrics(probs, np.array([4]))
    assert m["fine"]["accuracy"] == 0.0
    assert m["coarse"]["accuracy"] == 1.0


def test_unscored_frames_are_ignored():
    probs = np.eye(7)[[0, 1, 2]]
    m = behavior_metrics(probs, np.array([0, -1, 2]))
    assert m["fine"]["accuracy"] == 1.0
