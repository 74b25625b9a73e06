import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "relation_estimators.py"


def test_script_scores_short_simulated_worms(tmp_path):
    out = tmp_path / "e.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out), "--seeds", "0", "--duration", "120"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    scores = report["seeds"]["0"]
    assert {"correlation", "granger", "lagged correlation 3", "partial correlation", "granger | state"} <= set(scores)
    assert all(0.0 <= s["min"] <= s["mean"] <= s["max"] <= 1.0 for s in scores.values())
    assert "seed 0  correlation" in result.stdout


def test_script_scores_against_the_simulated_atlas(tmp_path):
    out = tmp_path / "a.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out), "--seeds", "2", "--duration", "150",
                             "--against", "simulated-atlas", "--trials", "30", "--simulator", "calibrated"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    scores = report["seeds"]["2"]
    assert report["simulator"]["broad_drive"] > 0
    assert {"correlation", "correlation | 2 PCs", "derivative correlation | 1 PCs", "correlation, drift removed",
            "partial correlation (LW), drift removed"} <= set(scores)
    assert report["over_seeds"]["granger"]["seeds"] == 1
    assert all(s["pairs"] > s["positives"] > 0 and 0 <= s["auroc"] <= 1 for s in scores.values())
    assert scores["correlation"]["delta_vs_corr"] == 0 and "delta_ci" in scores["granger"]


def test_script_fits_the_joint_coupling_and_pairs_intervals_with_a_chosen_baseline(tmp_path):
    out = tmp_path / "j.json"
    baseline = "partial correlation (LW)"
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out), "--seeds", "1", "--duration", "150",
                             "--against", "simulated-atlas", "--trials", "30", "--joint", "1x1x0.01",
                             "--joint-steps", "200", "--joint-fits", "1", "--baseline", baseline],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    scores = report["seeds"]["1"]
    assert report["baseline"] == baseline and report["joint"] == [[1, 1.0, 0.01, None]] and report["joint_steps"] == 200
    joint = scores["joint coupling rank 1 ridge 1 sparsity 0.01"]
    assert scores[baseline]["delta_vs_corr"] == 0 and scores["correlation"]["delta_vs_corr"] != 0
    assert joint["pairs"] == scores["correlation"]["pairs"] and joint["delta_ci"][0] <= joint["delta_ci"][1]
    assert joint["kind"] == "model" and joint["versus"]["correlation"]["delta"] == pytest.approx(
        joint["auroc"] - scores["correlation"]["auroc"])  # paired with every yardstick, whatever the baseline
    averaged = scores["joint coupling rank 1 ridge 1 sparsity 0.01, bilateral mean"]  # what graph reads
    assert averaged["kind"] == "model" and averaged["pairs"] == joint["pairs"] and averaged["auroc"] != joint["auroc"]
    assert "against partial correlation (LW)" in result.stdout


def test_the_joint_coupling_can_be_fitted_to_the_unnamed_neurons_too_and_read_on_the_same_pairs(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    from relation_estimators import against_simulated_atlas

    scores = against_simulated_atlas(1, 150.0, trials=30, joint=[(1, 1.0, 0.01, None)], joint_fit=(50, 1),
                                     joint_unnamed=True)
    conditioned = scores["joint coupling rank 1 ridge 1 sparsity 0.01 with unnamed, bilateral mean"]
    assert conditioned["kind"] == "model" and conditioned["pairs"] == scores["correlation"]["pairs"]
    assert not any(name.startswith("joint") and "with unnamed" not in name for name in scores)


def test_joint_settings_read_a_number_or_the_scaled_default(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    from relation_estimators import joint_settings

    assert joint_settings("3x1,3x0x0.003,3x0xscaled,3x0xscaledx120") == [
        (3, 1.0, 0.0, None), (3, 0.0, 0.003, None), (3, 0.0, None, None), (3, 0.0, None, 120.0)]
    with pytest.raises(SystemExit, match="a number or scaled"):
        joint_settings("3x0xauto")


def test_script_refuses_bad_joint_settings_and_an_unknown_baseline(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(tmp_path / "j.json"), "--joint", "3by1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "--joint 3by1: expected RANKxRIDGE" in result.stderr
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(tmp_path / "j.json"), "--joint", "3x1x2x4x5"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "--joint 3x1x2x4x5: expected RANKxRIDGE" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "j.json").exists()
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(tmp_path / "j.json"), "--seeds", "1",
                             "--duration", "120", "--against", "simulated-atlas", "--trials", "5",
                             "--baseline", "nonsense"], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "--baseline nonsense: not a reading" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "j.json").exists()


def test_the_shared_pair_set_scores_fewer_pairs_than_the_pooled_one():
    import importlib.util

    spec = importlib.util.spec_from_file_location("relation_estimators", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pooled = module.against_simulated_atlas(1, 120.0, trials=5, pair_set="pooled")
    shared = module.against_simulated_atlas(1, 120.0, trials=5, pair_set="shared")
    assert 0 < shared["correlation"]["pairs"] < pooled["correlation"]["pairs"]
    assert set(shared) == set(pooled)
