import pytest
import torch
from toys import toy_windows

from wormgnn.errors import WormGnnError
from wormgnn.models import TaskSpec, build_model
from wormgnn.train import TrainConfig, fit, predict, resolve_device


def test_same_seed_same_model():
    train, val, _, _ = toy_windows("forecast", worms=2, frames=200)
    preds = []
    for _ in range(2):
        torch.manual_seed(1)
        model = build_model("mlp", TaskSpec("forecast", 8, 2, 6), {"hidden": 16})
        fit(model, train, val, TrainConfig(max_epochs=3), seed=1)
        preds.append(predict(model, val))
    assert (preds[0] == preds[1]).all()


def test_early_stopping_keeps_best_epoch():
    train, val, _, _ = toy_windows("forecast", worms=2, frames=200)
    model = build_model("mlp", TaskSpec("forecast", 8, 2, 6), {"hidden": 16})
    log = fit(model, train, val, TrainConfig(max_epochs=30, patience=2, lr=3e-2), seed=0)
    assert log["epochs"] <= 30 and log["best_epoch"] <= log["epochs"]
    assert log["epochs"] - log["best_epoch"] <= 2


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(WormGnnError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(WormGnnError, match="no CUDA"):
            resolve_device("cuda")


def test_bf16_autocast_trains_and_stays_close():
    train, val, _, _ = toy_windows("forecast", worms=2, frames=200)
    results = {}
    for precision in ("fp32", "bf16"):
        torch.manual_seed(0)
        model = build_model("mlp", TaskSpec("forecast", 8, 2, 6), {"hidden": 16})
        fit(model, train, val, TrainConfig(max_epochs=3, precision=precision), seed=0)
        results[precision] = predict(model, val)
    assert abs(results["fp32"] - results["bf16"]).mean() < 0.1
    with pytest.raises(WormGnnError, match="unknown precision"):
        fit(build_model("mlp", TaskSpec("forecast", 8, 2, 6)), train, val, TrainConfig(precision="fp8"), seed=0)
