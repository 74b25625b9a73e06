import numpy as np
import pytest
import torch
from toys import toy_windows

from wormgnn.errors import WormGnnError
from wormgnn.metrics import classification_metrics, forecast_metrics
from wormgnn.models import REGISTRY, TaskSpec, build_model
from wormgnn.tasks import class_weights
from wormgnn.train import TrainConfig, fit, predict


def _spec(task, n=6, window=8, horizon=2, identities=()):
    return TaskSpec(task, window=window, horizon=horizon, n_neurons=n, identities=identities)


def test_registry_names_and_errors():
    assert {"persistence", "linear", "mlp", "lstm", "gnn", "gnn-connectome"} <= set(REGISTRY)
    with pytest.raises(WormGnnError, match="unknown model 'transformer'"):
        build_model("transformer", _spec("forecast"))
    with pytest.raises(WormGnnError, match="does not do the behavior task"):
        build_model("persistence", _spec("behavior"))


def test_persistence_repeats_last_frame():
    model = build_model("persistence", _spec("forecast"))
    x = torch.randn(3, 8, 6)
    out = model(x, torch.ones(3, 6, dtype=torch.bool), torch.zeros(3, 6, dtype=torch.long))
    assert out.shape == (3, 2, 6)
    torch.testing.assert_close(out[:, 1], x[:, -1])


@pytest.mark.parametrize("name", ["linear", "mlp", "lstm"])
def test_forecast_beats_persistence_on_coupled_system(name):
    train, test, _, _ = toy_windows("forecast")
    torch.manual_seed(0)
    model = build_model(name, _spec("forecast"), {"hidden": 32})
    fit(model, train, test, TrainConfig(max_epochs=15, patience=15, lr=3e-3), seed=0)
    pred = predict(model, test)
    m = forecast_metrics(pred, test.y.numpy(), test.x[:, -1].numpy(), test.scored.numpy())
    assert m["skill"]["1"] > 0.2, m


@pytest.mark.parametrize("name", ["linear", "mlp", "lstm"])
def test_behavior_learns_sign_of_a_neuron(name):
    train, test, _, _ = toy_windows("behavior")
    torch.manual_seed(0)
    model = build_model(name, _spec("behavior"), {"hidden": 32})
    weights = class_weights(train.labels, 7)
    fit(model, train, test, TrainConfig(max_epochs=15, patience=15, lr=3e-3), seed=0, class_weights=weights)
    pred = predict(model, test).argmax(1)
    m = classification_metrics(test.labels.numpy(), pred, 7)
    assert m["balanced_accuracy"] > 0.9, m


def test_class_weights_balance_rare_classes():
    w = class_weights(torch.tensor([0, 0, 0, 1]), 3)
    assert w[2] == 0 and w[1] == pytest.approx(3 * w[0])
    assert float((w * torch.tensor([3, 1, 0])).sum()) == pytest.approx(4.0)


def test_linear_fit_is_deterministic():
    train, test, _, _ = toy_windows("forecast", worms=2, frames=200)
    outs = []
    for _ in range(2):
        model = build_model("linear", _spec("forecast"))
        fit(model, train, test, TrainConfig(), seed=0)
        outs.append(predict(model, test))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_model_variants_for_ablations():
    from wormgnn.models.base import parse_model

    entry, variant = parse_model("gnn:rounds=0:recurrent=true:tau=0.5")
    assert entry.name == "gnn" and variant == {"rounds": 0, "recurrent": True, "tau": 0.5}
    model = build_model("gnn:rounds=0", _spec("forecast", identities=("A",)), {"hidden": 8, "rounds": 3})
    assert model.config.rounds == 0 and model.config.hidden == 8  # the variant wins over the profile
    with pytest.raises(WormGnnError, match="has no setting 'depth'"):
        parse_model("gnn:depth=3")
    with pytest.raises(WormGnnError, match="not a valid value for recurrent"):
        parse_model("gnn:recurrent=maybe")
