import numpy as np
import pytest

from wormgnn.metrics import (
    behavior_metrics,
    classification_metrics,
    forecast_metrics,
    mse_per_horizon,
    segment_matches,
    segments,
    sequence_metrics,
    switches,
)


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


def test_segments_and_switches_by_hand():
    labels = np.array([0, 0, 1, 1, 1, -1, 1, 2, 2])
    assert segments(labels) == [(0, 0, 2), (1, 2, 5), (1, 6, 7), (2, 7, 9)]
    assert switches(labels) == 2  # 0→1 and 1→2; the unscored frame breaks 1 | 1 without a switch


def test_a_segment_matches_when_the_overlap_covers_half_of_each():
    true = np.array([0] * 10 + [1] * 10)
    assert segment_matches(true, true) == (2, 2, 2)
    late = np.array([0] * 15 + [1] * 5)  # state 1 decoded over half of its annotated segment
    assert segment_matches(true, late) == (2, 2, 2)
    short = np.array([0] * 16 + [1] * 4)  # only 4 of 10 frames: no match for state 1
    assert segment_matches(true, short) == (1, 2, 2)
    flicker = np.array([0, 1] * 5 + [1] * 10)  # five 0-segments of one frame: none covers half
    assert segment_matches(true, flicker) == (1, 2, 10)


def test_sequence_metrics_count_switches_per_minute_over_runs():
    true = np.array([0] * 30 + [1] * 30)
    pred = true.copy()
    pred[10] = 1  # a one-frame flicker: two extra switches, and segment 0 split in three
    runs = [np.arange(0, 60)]
    m = sequence_metrics(true, pred, runs, fps=[1.0])
    assert m["annotated_switches_per_min"] == pytest.approx(1.0)
    assert m["switches_per_min"] == pytest.approx(3.0) and m["switch_ratio"] == pytest.approx(3.0)
    # 2 annotated segments; decoded: 0 (10 frames), 1 (1), 0 (19), 1 (30); both annotated ones match
    # (the 19-frame piece covers more than half of the 30-frame annotated segment), 2 of 4 decoded do
    assert m["segment_f1"] == pytest.approx(2 * (2 / 4) * (2 / 2) / (2 / 4 + 2 / 2))
    # two runs are decoded apart: no switch is counted across them
    split = sequence_metrics(true, true, [np.arange(0, 30), np.arange(30, 60)], fps=[1.0, 1.0])
    assert split["switches_per_min"] == 0 and split["segment_f1"] == 1.0


def test_behavior_metrics_take_a_decoded_path_and_runs():
    probs = np.eye(7)[[0, 0, 4, 4]]
    m = behavior_metrics(probs, np.array([0, 0, 4, 4]), fine_pred=np.array([0, 0, 0, 4]),
                         coarse_pred=np.array([0, 0, 0, 1]), runs=[np.arange(4)], fps=[1.0])
    assert m["fine"]["accuracy"] == 0.75 and m["coarse"]["accuracy"] == 0.75
    assert m["fine"]["segment_f1"] == pytest.approx(1.0)  # 0 (3 frames) covers 2/2 and 2/3 ≥ half
