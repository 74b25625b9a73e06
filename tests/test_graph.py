import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import write_sim_folder
from toys import NAMES, chain_coupling, trained_ring_gnn

from wormgnn.errors import WormGnnError
from wormgnn.graph import (
    auprc,
    auroc,
    connectome_agreement,
    consensus,
    consistency,
    forecast_pulse,
    forecast_sensitivity,
    ground_truth_agreement,
    infer_relations,
    reference_relations,
    resolve_measure,
)
from wormgnn.models import TaskSpec, build_model
from wormgnn.windows import prepare


def test_auroc_and_auprc_by_hand():
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    truth = np.array([1, 0, 1, 0])
    assert auroc(scores, truth) == pytest.approx(3 / 4)
    assert auprc(scores, truth) == pytest.approx((1 + 2 / 3) / 2)
    assert np.isnan(auroc(scores, np.zeros(4)))


def test_agreement_with_connectome_and_truth():
    names = ["AVAL", "AVAR", "PVDL", None]
    from wormgnn.connectome import load_connectome

    chem, gap, _ = load_connectome().submatrices(names[:3])
    truth = ((chem > 0) | (gap > 0)).astype(float)
    strength = np.zeros((4, 4))
    strength[:3, :3] = truth
    result = connectome_agreement(strength, names)
    assert result["neurons"] == 3 and result["auroc"] == pytest.approx(1.0)
    gt = ground_truth_agreement(strength[:3, :3], truth)
    assert gt["auroc"] == pytest.approx(1.0)


def test_consistency_matches_named_neurons_across_orders():
    a = np.random.default_rng(0).random((4, 4))
    order = [2, 0, 3, 1]
    b = a[np.ix_(order, order)]
    names_a = ["A", "B", "C", "D"]
    names_b = [names_a[i] for i in order]
    assert consistency([a, b], [names_a, names_b])["mean_correlation"] == pytest.approx(1.0)


def test_reference_estimators_recover_a_known_linear_graph():
    rng = np.random.default_rng(0)
    n, frames = 8, 4000
    coupling = np.zeros((n, n))
    for i in range(n):  # a directed ring: i drives i + 1
        coupling[i, (i + 1) % n] = 0.6
    x = np.zeros((frames, n))
    for t in range(1, frames):
        x[t] = 0.3 * x[t - 1] + x[t - 1] @ coupling + rng.normal(size=n)
    x = (x - x.mean(0)) / x.std(0)
    scores = reference_relations(x)
    off = ~np.eye(n, dtype=bool)
    assert auroc(scores["granger"][off], (coupling != 0)[off]) > 0.95
    # correlation cannot tell direction: its matrix is symmetric
    np.testing.assert_allclose(scores["correlation"], scores["correlation"].T)
    assert auroc(scores["correlation"][off], ((coupling + coupling.T) != 0)[off]) > 0.95


def test_forecast_sensitivity_is_the_summed_absolute_jacobian():
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec("forecast", 8, 3, 6, identities=tuple(sorted(NAMES)))).eval()
    x = torch.randn(5, 8, 7)  # one padding neuron
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[:, 6] = False
    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 0]]).expand(5, -1)
    wanted = torch.zeros(6, 6, dtype=torch.float64)
    inputs = x.clone().requires_grad_(True)
    out = model(inputs, mask, ids)
    for j in range(6):  # backward mode, one pass per receiver and horizon
        for h in range(3):
            (grad,) = torch.autograd.grad(out[:, h, j].sum(), inputs, retain_graph=True)
            wanted[:, j] += grad[:, -1, :6].abs().mean(0).double()
    with torch.no_grad():  # forward mode, senders in chunks of 2
        got = forecast_sensitivity(model, x, mask, ids, 6, pair_budget=5 * 7 * 7 * 2)
    torch.testing.assert_close(got, wanted, atol=1e-5, rtol=1e-4)
    # no tensor on the default device (a GPU run's data is elsewhere; see test_train)
    with torch.no_grad(), torch.device("meta"):
        torch.testing.assert_close(forecast_sensitivity(model, x, mask, ids, 6, pair_budget=5 * 7 * 7 * 2), got)


def test_sensitivity_recovers_the_direction_of_a_known_graph():
    model, _, ids, recs = trained_ring_gnn()
    vocabulary = {n: i + 1 for i, n in enumerate(ids)}
    prepared = prepare(recs, "shared")[-1]  # the worm the model never trained on
    strength = infer_relations(model, prepared, vocabulary, 8)
    order = [NAMES.index(n) for n in prepared.names]
    truth = chain_coupling()[np.ix_(order, order)] > 0
    off = ~np.eye(6, dtype=bool)
    assert auroc(strength[off], truth[off]) > 0.9
    assert np.all(np.diag(strength) == 0)
    # the ring is directed: each true edge outweighs its reverse
    i, j = np.nonzero(truth)
    assert np.all(strength[i, j] > strength[j, i])


def test_measures_that_a_model_cannot_give_are_refused():
    spec = dict(window=8, horizon=2, n_neurons=3, identities=("AVAL", "AVAR", "PVDL"))
    behavior = build_model("gnn", TaskSpec("behavior", **spec))
    assert resolve_measure(behavior, None) == "encoder"
    with pytest.raises(WormGnnError, match="needs a model trained to forecast"):
        resolve_measure(behavior, "sensitivity")
    with pytest.raises(WormGnnError, match="this model infers no relations"):
        resolve_measure(build_model("gnn-connectome", TaskSpec("forecast", **spec)), "encoder")
    with pytest.raises(WormGnnError, match="unknown measure"):
        resolve_measure(behavior, "granger")


def test_graph_cli_end_to_end(tmp_path):
    data = tmp_path / "sim"
    recs = write_sim_folder(data, worms=2, seed=3, duration_s=120, ground_truth=True)
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(data), "--out", str(out),
                             "--profile", "tiny"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "graph.json").read_text())
    assert len(summary["worms"]) == 2
    assert all("ground_truth" in w and 0 <= w["ground_truth"]["auroc"] <= 1 for w in summary["worms"])
    assert 0 <= summary["worms"][0]["connectome"]["auroc"] <= 1
    for worm in summary["worms"]:  # the yardstick estimators are scored the same way
        readings = {"gnn encoder", "gnn pulse", "correlation", "granger"}
        assert set(worm["reference"]) == readings | {f"{r} (consensus)" for r in readings | {"gnn"}}
        assert all(0 <= ref["ground_truth"]["auroc"] <= 1 for ref in worm["reference"].values())
    assert summary["measure"] == "sensitivity"
    assert "granger (reference)" in result.stdout
    assert summary["atlas"] is None and "true coupling, not the atlas" in summary["notes"][0]
    assert 'id="relation_auroc"' in (out / "report.html").read_text()
    csv = (out / "relations" / f"{recs[0].worm_id}.csv").read_text().splitlines()
    assert len(csv) == summary["worms"][0]["neurons"] + 1 and "AVAL" in csv[0]
    from wormgnn.persist import load_model

    model, _ = load_model(out / "model.safetensors")
    # relations of every neuron are wanted: every neuron is a forecast target, on every pair
    assert model.config.unscored_weight == 1.0 and model.config.train_neurons == 0


def test_graph_cli_refuses_an_unknown_measure_before_training(tmp_path):
    data = tmp_path / "sim"
    write_sim_folder(data, worms=2, seed=3, duration_s=120)
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(data), "--out", str(out),
                             "--profile", "tiny", "--relations", "granger"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown measure" in result.stderr
    assert "Traceback" not in result.stderr and not (out / "model.safetensors").exists()


def test_graph_on_real_worms_scores_every_reading_against_the_atlas(tmp_path, kato_path):
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(out), "--profile", "tiny"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "graph.json").read_text())
    atlas = summary["atlas"]
    assert atlas["strain"] == "wt" and len(atlas["worms"]) == 5
    for scores in atlas["worms"].values():
        assert {"gnn", "gnn encoder", "gnn pulse", "correlation", "granger", "anatomy",
                "gnn (consensus)", "correlation (consensus)"} <= set(scores)
        assert all(s["pairs"] == 343 and s["positives"] == 29 and 0 <= s["auroc"] <= 1 for s in scores.values())
    assert 0.68 < atlas["mean_auroc"]["correlation"] < 0.72
    assert all("atlas" in w and "atlas" in w["reference"]["granger"] for w in summary["worms"])
    assert "against the signal propagation atlas (wt" in result.stdout and "mean: gnn" in result.stdout
    page = (out / "report.html").read_text()
    assert 'id="relations_vs_truth"' in page and 'id="relation_auroc"' in page


def test_graph_refuses_a_bad_atlas_before_training(tmp_path, kato_path):
    bad = tmp_path / "funatlas.h5"
    bad.write_bytes(b"junk")
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(out), "--profile", "tiny", "--atlas", str(bad)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and "funatlas.h5: not an atlas file" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and not (out / "model.safetensors").exists()


def test_pulse_is_the_mean_forecast_change_of_a_held_push():
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec("forecast", 8, 3, 6, identities=tuple(sorted(NAMES)))).eval()
    x = torch.randn(4, 8, 6)
    mask = torch.ones(4, 6, dtype=torch.bool)
    ids = torch.arange(1, 7).expand(4, -1)
    with torch.no_grad():
        got = forecast_pulse(model, x, mask, ids, 6, pair_budget=4 * 6 * 6 * 2)  # senders in chunks of 2
        base = model(x, mask, ids).sum(1)
        for i in range(6):
            pushed = x.clone()
            pushed[:, :, i] += 1.0
            wanted = (model(pushed, mask, ids).sum(1) - base).mean(0).double()
            torch.testing.assert_close(got[i], wanted, atol=1e-5, rtol=1e-4)


def test_pulse_finds_the_ring_of_a_trained_model():
    model, _, ids, recs = trained_ring_gnn()
    vocabulary = {n: i + 1 for i, n in enumerate(ids)}
    prepared = prepare(recs, "shared")[-1]
    strength = infer_relations(model, prepared, vocabulary, 8, "pulse")
    order = [NAMES.index(n) for n in prepared.names]
    truth = chain_coupling()[np.ix_(order, order)] > 0
    off = ~np.eye(6, dtype=bool)
    assert auroc(strength[off], truth[off]) > 0.9 and (strength >= 0).all()


def test_consensus_averages_ranks_of_named_pairs_over_the_worms_that_have_both():
    a = np.array([[0, 3, 1], [2, 0, 5], [4, 6, 0]], dtype=float)  # names A B C
    b = np.array([[0, 10, 30], [20, 0, 40], [50, 60, 0]], dtype=float)  # names B A D
    pooled = consensus([a, b], [["A", "B", "C"], ["B", "A", "D"]])
    rank_a = {(0, 1): 3 / 6, (1, 0): 2 / 6}  # A→B and B→A among worm a's 6 off-diagonal scores
    rank_b = {(1, 0): 2 / 6, (0, 1): 1 / 6}  # A→B is b[1, 0], B→A is b[0, 1]
    assert pooled[0][0, 1] == pytest.approx((rank_a[(0, 1)] + rank_b[(1, 0)]) / 2)
    assert pooled[0][1, 0] == pytest.approx((rank_a[(1, 0)] + rank_b[(0, 1)]) / 2)
    assert pooled[1][0, 1] == pooled[0][1, 0]  # the same named pair gets the same score in both worms
    assert pooled[0][0, 2] == pytest.approx(1 / 6)  # A→C is in worm a only: its own rank
    assert np.all(np.diag(pooled[0]) == 0)
