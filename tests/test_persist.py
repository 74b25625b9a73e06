import json
import os
import pickle
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file
from toys import toy_windows

from wormgnn.errors import DataError
from wormgnn.models import TaskSpec, build_model
from wormgnn.persist import HEADER_KEY, load_model, save_model
from wormgnn.train import TrainConfig, fit, predict


def _trained(name: str, task: str = "behavior"):
    train, test, ids, _ = toy_windows(task, worms=2, frames=200)
    torch.manual_seed(0)
    model = build_model(name, TaskSpec(task, 8, 2 if task == "forecast" else 0, 6, identities=ids), {"hidden": 16})
    fit(model, train, test, TrainConfig(max_epochs=2), seed=0)
    return model, test, ids


@pytest.mark.parametrize("name", ["gnn", "gnn-connectome", "linear", "lstm"])
def test_saved_model_predicts_the_same(tmp_path, name):
    model, test, ids = _trained(name)
    before = predict(model, test)
    path = save_model(model, tmp_path / "m.safetensors", name, neuron_names=list(ids))
    loaded, header = load_model(path)
    assert header["model"] == name and header["meta"]["neuron_names"] == list(ids)
    assert header["version"] and header["spec"]["task"] == "behavior"
    assert loaded.config == model.config  # tuples survive the JSON header
    assert (predict(loaded, test) == before).all()


class _RunsAShellCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_pickled_model_file_is_refused_unread(tmp_path):
    marker = tmp_path / "pwned"
    crafted = tmp_path / "crafted.pt"
    torch.save({"format": "wormgnn-model/1", "payload": _RunsAShellCommand(marker)}, crafted)
    with pytest.raises(DataError, match="older wormgnn .* retrain"):
        load_model(crafted)
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(_RunsAShellCommand(marker)))
    with pytest.raises(DataError, match="not a wormgnn model file"):
        load_model(plain)
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "predict", "--model", str(crafted), "--data",
                             str(tmp_path), "--out", str(tmp_path / "p.csv")], capture_output=True, text=True)
    assert result.returncode == 2 and "crafted.pt" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists() and not (tmp_path / "p.csv").exists()


def _rewrite(path, target, header=None, tensors=None):
    meta = json.loads(_metadata(path)[HEADER_KEY])
    save_file(tensors if tensors is not None else load_file(str(path)), str(target),
              metadata={HEADER_KEY: json.dumps(header(meta) if header else meta)})
    return target


def _metadata(path):
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        return fh.metadata()


@pytest.mark.parametrize("change, message", [
    (lambda h: {k: v for k, v in h.items() if k != "spec"}, "lacks 'spec.task'"),
    (lambda h: h | {"spec": h["spec"] | {"window": "16"}}, "'spec.window' has the wrong type"),
    (lambda h: h | {"spec": h["spec"] | {"task": "dance"}}, "unknown task 'dance'"),
    (lambda h: h | {"model": "transformer"}, "unknown model 'transformer'"),
    (lambda h: h | {"config": h["config"] | {"layers": 3}}, "sets 'layers'"),
    (lambda h: h | {"config": h["config"] | {"hidden": "big"}}, "'config.hidden' must be an integer"),
    (lambda h: h | {"config": h["config"] | {"hidden": 2.5}}, "'config.hidden' must be an integer"),
    (lambda h: h | {"config": h["config"] | {"gumbel": 1}}, "'config.gumbel' has the wrong type"),
    (lambda h: h | {"format": "wormgnn-model/9"}, "not a wormgnn model file of format"),
    (lambda h: h | {"meta": []}, "'meta' has the wrong type"),
])
def test_every_header_field_is_checked(tmp_path, change, message):
    model, _, _ = _trained("gnn")
    path = save_model(model, tmp_path / "m.safetensors", "gnn")
    with pytest.raises(DataError, match=message):
        load_model(_rewrite(path, tmp_path / "bad.safetensors", header=change))


def test_weights_must_fit_the_model(tmp_path):
    model, _, _ = _trained("mlp")
    path = save_model(model, tmp_path / "m.safetensors", "mlp")
    tensors = load_file(str(path))
    first = sorted(tensors)[0]
    with pytest.raises(DataError, match="wrong shape"):
        load_model(_rewrite(path, tmp_path / "a.safetensors", tensors=tensors | {first: torch.zeros(3)}))
    with pytest.raises(DataError, match="do not fit mlp"):
        load_model(_rewrite(path, tmp_path / "b.safetensors", tensors={k: v for k, v in tensors.items()
                                                                         if k != first}))


def test_refuses_foreign_files(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a model")
    with pytest.raises(DataError, match="not a wormgnn model file"):
        load_model(junk)
    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(DataError, match="no wormgnn settings"):
        load_model(tmp_path / "other.safetensors")
    with pytest.raises(DataError, match="no such model file"):
        load_model(tmp_path / "missing.safetensors")


def test_a_file_saved_before_a_setting_existed_loads_as_the_model_it_was(tmp_path):
    """gnn files from before ``pair_hidden`` have pair features as wide as ``hidden``."""
    train, test, ids, _ = toy_windows("forecast", worms=2, frames=120)
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec("forecast", 8, 2, 6, identities=ids), {"hidden": 24, "pair_hidden": 0})
    path = save_model(model, tmp_path / "m.safetensors", "gnn")
    old = _rewrite(path, tmp_path / "old.safetensors",
                   header=lambda h: h | {"config": {k: v for k, v in h["config"].items() if k != "pair_hidden"}})
    loaded, _ = load_model(old)
    assert loaded.config.pair_hidden == 0 and loaded.edge1_a.weight.shape == (24, 24)
    assert (predict(loaded, test) == predict(model, test)).all()
