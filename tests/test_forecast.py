"""The forecast task: targets after the window, skill against persistence, its CSV and example."""

import pytest
import torch

from wormgnn.profiles import get_profile
from wormgnn.tasks import Evaluation, get_task
from wormgnn.tasks.forecast import persistence_error
from wormgnn.windows import Windows

FORECAST = get_task("forecast")


def _windows(m=40, h=3, n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(m, 5, n, generator=g)
    y = x[:, -1:, :] + 0.1 * torch.randn(m, h, n, generator=g)
    mask = torch.ones(m, n, dtype=torch.bool)
    scored = mask.clone()
    scored[:, -1] = False
    return Windows(x, y, torch.full((m,), -1), mask, scored, torch.zeros(m, n, dtype=torch.long),
                   torch.zeros(m, dtype=torch.long), torch.arange(m), torch.full((m,), float("nan")))


def test_targets_follow_the_window_and_need_no_labels():
    profile = get_profile("paper")
    assert FORECAST.horizon(profile) == profile.horizon and FORECAST.train_stride(profile) == profile.train_stride
    assert FORECAST.per_neuron and not FORECAST.labelled_only and not FORECAST.accepts_lookahead


def test_loss_scales_each_horizon_by_persistence_and_weighs_unscored_neurons():
    data = _windows()
    scale = persistence_error(data)
    assert scale.shape == (3,) and (scale > 0).all()
    out = data.y + 1.0
    spec = FORECAST.spec(get_profile("tiny"), 4, ())
    unweighted = FORECAST.loss(spec, None, None, 0.0)(out, data)
    assert float(unweighted) == 1.0  # every error is 1 on the scored neurons
    both = FORECAST.loss(spec, None, None, 1.0)(out, data)
    assert float(both) == 1.0
    scaled = FORECAST.loss(spec, None, scale, 0.0)(out, data)
    assert float(scaled) == pytest.approx(float((1 / scale).mean()), rel=1e-5)


def test_evaluate_scores_skill_and_flattens_per_horizon():
    data = _windows()
    perfect = Evaluation(predict=lambda w: w.y.numpy(), spec=None, val=data, test=data, train_labels=[], fps=[3.0])
    scores = FORECAST.evaluate(perfect)
    assert scores.metrics["skill"] == {"1": 1.0, "2": 1.0, "3": 1.0}
    flat = FORECAST.flatten(scores.metrics)
    assert set(flat) == {f"{k}@{h}" for k in ("mse", "skill") for h in (1, 2, 3)}
    assert FORECAST.lower_is_better("mse@1") and not FORECAST.lower_is_better("skill@1")
    example = FORECAST.example(scores, perfect, ["AVAL", None, "RIML", "X"])
    assert list(example["neurons"]) == ["AVAL", "RIML"] and example["recorded"].shape == (40, 2)
    assert int(example["horizon"]) == 3 and str(example["kind"]) == "traces"


def test_predictions_of_a_recording_become_one_csv_column_per_neuron_and_horizon():
    data = _windows(m=5, h=2, n=3)
    result = FORECAST.predict_recording(data.y.numpy(), data, ["A", "B", "C"], None, "frame")
    assert FORECAST.csv_header(result) == ["A@+1", "A@+2", "B@+1", "B@+2", "C@+1", "C@+2"]
    row = FORECAST.csv_row(result, 0)
    assert len(row) == 6 and row[1] == f"{float(data.y[0, 1, 0]):.5g}"  # neuron A at h = 2
