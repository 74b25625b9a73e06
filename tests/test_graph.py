import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import write_sim_folder

from wormgnn.graph import auprc, auroc, connectome_agreement, consistency, ground_truth_agreement


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
    csv = (out / "relations" / f"{recs[0].worm_id}.csv").read_text().splitlines()
    assert len(csv) == summary["worms"][0]["neurons"] + 1 and "AVAL" in csv[0]
    assert (out / "model.pt").exists()
