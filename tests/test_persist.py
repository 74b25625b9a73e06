import pytest
import torch
from toys import toy_windows

from wormgnn.errors import DataError
from wormgnn.models import TaskSpec, build_model
from wormgnn.persist import load_model, save_model
from wormgnn.train import TrainConfig, fit, predict


@pytest.mark.parametrize("name", ["gnn", "linear", "lstm"])
def test_saved_model_predicts_the_same(tmp_path, name):
    train, test, ids, _ = toy_windows("behavior", worms=2, frames=200)
    torch.manual_seed(0)
    model = build_model(name, TaskSpec("behavior", 8, 0, 6, identities=ids), {"hidden": 16})
    fit(model, train, test, TrainConfig(max_epochs=2), seed=0)
    before = predict(model, test)
    path = save_model(model, tmp_path / "m.pt", name, neuron_names=list(ids))
    loaded, meta = load_model(path)
    assert meta["model"] == name and meta["meta"]["neuron_names"] == list(ids)
    assert meta["version"] and meta["spec"]["task"] == "behavior"
    assert (predict(loaded, test) == before).all()


def test_refuses_foreign_files(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(DataError, match="not a wormgnn model file"):
        load_model(junk)
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(DataError, match="not a wormgnn model file"):
        load_model(tmp_path / "other.pt")
    with pytest.raises(DataError, match="no such model file"):
        load_model(tmp_path / "missing.pt")
