import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import write_sim_folder

from wormgnn.graph import (
    auprc,
    auroc,
    connectome_agreement,
    consistency,
    ground_truth_agreement,
    reference_relations,
)


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
        assert set(worm["reference"]) == {"correlation", "granger"}
        assert all(0 <= ref["ground_truth"]["auroc"] <= 1 for ref in worm["reference"].values())
    assert "granger (reference)" in result.stdout
    csv = (out / "relations" / f"{recs[0].worm_id}.csv").read_text().splitlines()
    assert len(csv) == summary["worms"][0]["neurons"] + 1 and "AVAL" in csv[0]
    assert (out / "model.pt").exists()
