import pytest
import torch
from toys import toy_windows

from wormgnn.metrics import classification_metrics, forecast_metrics
from wormgnn.models import TaskSpec, build_model
from wormgnn.models.base import STRUCTURE_AGNOSTIC, describe_models, grid_choices, model_entry, reference_candidate
from wormgnn.models.timeseries import moving_average
from wormgnn.tasks import class_weights
from wormgnn.train import TrainConfig, fit, predict

FORECASTERS = ["dlinear", "patchtst", "tsmixer", "tcn"]
SMALL = {"hidden": 16}


def _spec(task, n=6, window=8, horizon=2):
    return TaskSpec(task, window=window, horizon=horizon, n_neurons=n, n_classes=7 if task == "behavior" else 1)


@pytest.mark.parametrize("name", FORECASTERS)
def test_every_forecaster_is_a_structure_agnostic_reference_with_a_grid(name):
    cls = model_entry(name).cls
    assert cls.kind == STRUCTURE_AGNOSTIC and reference_candidate(cls)
    listed = {m["name"]: m for m in describe_models()}[name]
    assert listed["kind"] == STRUCTURE_AGNOSTIC and listed["reference"]
    assert len(grid_choices(name)) == 4 and all(len(v) == 2 for v in listed["grid"].values())


def test_a_setting_in_the_name_is_not_searched():
    choices = grid_choices("patchtst:patch=8")
    assert len(choices) == 2 and all("patch" not in c for c in choices)
    assert grid_choices("linear") == [{}]


@pytest.mark.parametrize("name", FORECASTERS)
def test_forecasters_shapes_on_every_task_they_do(name):
    x = torch.randn(4, 16, 5)
    for task, shape in (("forecast", (4, 3, 5)), ("behavior", (4, 7)), ("velocity", (4, 1))):
        cls = model_entry(name).cls
        from wormgnn.tasks import get_task

        if not cls.supports(get_task(task)):
            assert name == "dlinear" and task != "forecast"
            continue
        model = build_model(name, _spec(task, n=5, window=16, horizon=3 if task == "forecast" else 1), SMALL)
        assert model(x).shape == shape


@pytest.mark.parametrize("name", ["dlinear", "patchtst"])
def test_channel_independent_forecasters_never_mix_neurons(name):
    """Changing one neuron's window moves that neuron's forecast only (no relation is read)."""
    torch.manual_seed(0)
    model = build_model(name, _spec("forecast"), SMALL).eval()
    torch.nn.init.normal_(next(p for p in model.parameters() if p.dim() >= 2))
    x = torch.randn(2, 8, 6)
    moved = x.clone()
    moved[:, :, 3] += torch.randn(2, 8)
    with torch.no_grad():
        diff = (model(x) - model(moved)).abs().sum((0, 1))
    assert diff[3] > 0 and torch.all(diff[[0, 1, 2, 4, 5]] == 0)


def test_an_untrained_dlinear_is_persistence():
    model = build_model("dlinear", _spec("forecast"))
    x = torch.randn(3, 8, 6)
    torch.testing.assert_close(model(x), x[:, -1:, :].expand(-1, 2, -1))


def test_moving_average_keeps_constants_and_smooths():
    x = torch.ones(1, 8, 2)
    torch.testing.assert_close(moving_average(x, 3), x)
    ramp = torch.arange(8.0).view(1, 8, 1)
    assert moving_average(ramp, 3)[0, 3, 0] == pytest.approx(3.0)
    assert moving_average(ramp, 1) is ramp


@pytest.mark.parametrize("name", FORECASTERS)
def test_forecasters_beat_persistence_on_a_coupled_system(name):
    train, test, _, _ = toy_windows("forecast")
    torch.manual_seed(0)
    model = build_model(name, _spec("forecast"), SMALL)
    fit(model, train, test, TrainConfig(max_epochs=10, patience=10, lr=3e-3), seed=0)
    m = forecast_metrics(predict(model, test), test.y.numpy(), test.x[:, -1].numpy(), test.scored.numpy())
    assert m["skill"]["1"] > 0.05, m  # channel-independent ones see only each neuron's own past


@pytest.mark.parametrize("name", ["patchtst", "tsmixer", "tcn"])
def test_behavior_learns_sign_of_a_neuron(name):
    train, test, _, _ = toy_windows("behavior")
    torch.manual_seed(0)
    model = build_model(name, _spec("behavior"), SMALL)
    fit(model, train, test, TrainConfig(max_epochs=8, patience=8, lr=3e-3), seed=0,
        class_weights=class_weights(train.labels, 7))
    m = classification_metrics(test.labels.numpy(), predict(model, test).argmax(1), 7)
    assert m["balanced_accuracy"] > 0.85, m
