"""The model contract: declared capabilities and kinds, the registry, and a toy model
registered from outside that runs end to end and can be the reference."""

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest
import torch
from torch import nn

import wormgnn
from wormgnn.errors import WormGnnError
from wormgnn.models.base import (
    FIXED_GRAPH,
    REGISTRY,
    RELATION_INFERRING,
    STRUCTURE_AGNOSTIC,
    WormModel,
    describe_models,
    model_entry,
    reference_candidate,
    register,
)
from wormgnn.sources import sim_source


@dataclass(frozen=True)
class MeanConfig:
    scale: float = 1.0


class LastFrameLinear(WormModel):
    """Toy: one linear map of the last frame, shared by both kinds of output."""

    def __init__(self, spec, config):
        super().__init__(spec, config)
        self.head = nn.Linear(spec.n_neurons, self.output_size())

    def forward(self, x, mask=None, ids=None):
        return self.finish(self.config.scale * self.head(x[:, -1]), x)


@pytest.fixture
def toy_model(monkeypatch):
    monkeypatch.setitem(REGISTRY, "toy-last", REGISTRY.get("toy-last"))
    register("toy-last", MeanConfig, "toy: a linear map of the last frame")(LastFrameLinear)
    return "toy-last"


def test_kinds_are_declared_by_the_model_classes():
    kinds = {m["name"]: m["kind"] for m in describe_models()}
    assert kinds["gnn"] == RELATION_INFERRING and kinds["gnn-connectome"] == FIXED_GRAPH
    assert {kinds[n] for n in ("persistence", "linear", "mlp", "lstm")} == {STRUCTURE_AGNOSTIC}
    assert reference_candidate(model_entry("linear").cls) and not reference_candidate(model_entry("persistence").cls)
    assert not reference_candidate(model_entry("gnn").cls)
    assert model_entry("linear").cls.closed_form and not model_entry("mlp").cls.closed_form


def test_models_command_lists_every_model_with_kind_settings_and_tasks():
    out = subprocess.run([sys.executable, "-m", "wormgnn.cli", "models", "--json"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    listed = {m["name"]: m for m in json.loads(out.stdout)}
    assert set(listed) >= {"persistence", "linear", "mlp", "lstm", "gnn", "gnn-connectome"}
    assert listed["persistence"]["tasks"] == ["forecast"] and listed["gnn"]["settings"]["pair_hidden"] == 16
    assert listed["linear"]["reference"] and not listed["gnn"]["reference"]
    text = subprocess.run([sys.executable, "-m", "wormgnn.cli", "models"], capture_output=True, text=True,
                          timeout=120).stdout
    assert "gnn-connectome   fixed-graph" in text


def test_a_registered_model_trains_on_both_tasks_and_can_be_the_reference(toy_model, tmp_path):
    result = wormgnn.benchmark(data=sim_source(3, 5), out=tmp_path / "run", profile="tiny",
                               models=("persistence", toy_model), workers=1)
    rows = result["rows"]
    assert {(r["model"], r["task"]) for r in rows} == {(toy_model, "forecast"), (toy_model, "behavior"),
                                                       ("persistence", "forecast")}
    paired = result["summary"]["paired"]
    # the only structure-agnostic model that trains: persistence is paired with it
    assert paired and {(p["model"], p["reference"]) for p in paired} == {("persistence", toy_model)}


def test_capabilities_have_plain_defaults():
    model = LastFrameLinear(wormgnn.models.TaskSpec("forecast", 4, 2, 3), MeanConfig())
    assert model.auxiliary_loss() == 0.0 and model.train_neurons == 0 and model.unscored_weight == 1.0
    assert not model.infers_relations
    with model.fast_path():
        out = model(torch.zeros(2, 4, 3))
    assert out.shape == (2, 2, 3)
    with pytest.raises(NotImplementedError):
        model.fit_direct(None, None, None)
    with pytest.raises(WormGnnError, match="does not do the behavior task"):
        wormgnn.models.build_model("persistence", wormgnn.models.TaskSpec("behavior", 4, 2, 3))
