import json
import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "joint_across_labs.py"


def test_script_scores_each_lab_with_a_coupling_fitted_alone_and_across_labs(tmp_path, kato_path, flavell_dir):
    flavell = tmp_path / "flavell"
    flavell.mkdir()
    (flavell / "2022-07-26-31.json").symlink_to(flavell_dir / "2022-07-26-31.json")
    out = tmp_path / "across.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--data", str(kato_path), "--data", str(flavell),
                             "--json", str(out), "--steps", "30", "--fits", "1",
                             "--ridge", "0.5", "--sparsity", "0", "--no-homologs"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["config"]["ridge"] == 0.5 and report["config"]["sparsity"] == 0 and report["config"]["steps"] == 30
    assert report["config"]["homologs"] is False
    kato, one = report["labs"][str(kato_path)], report["labs"][str(flavell)]
    assert kato["pooled"]["correlation"]["pairs"] == 1851  # each lab scored on its own atlas pairs
    for lab in (kato, one):
        alone, across = lab["pooled"]["joint coupling, this lab"], lab["pooled"]["joint coupling, every lab"]
        assert alone["kind"] == across["kind"] == "model" and alone["pairs"] == across["pairs"] > 0
        assert alone["auroc"] != across["auroc"]  # the other lab's worms changed the fit
    assert one["shared"]["correlation"]["pairs"] == one["pooled"]["correlation"]["pairs"]  # one worm: all shared
    assert "joint coupling, every lab" in result.stdout


def test_simulated_labs_are_scored_against_their_simulated_atlas(tmp_path):
    from wormgnn.sim.io import read_matrix_csv

    folders = []
    for shape, seed, trials in (("kato", 1, "30"), ("flavell", 2, "5")):
        folder = tmp_path / shape
        made = subprocess.run([sys.executable, "-m", "wormgnn.cli", "data", "simulate", "--worms", "2", "--seed",
                               str(seed), "--duration", "150", "--shape", shape, "--calibrated", "--stimulate",
                               "--trials", trials, "--out", str(folder)], capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, made.stderr
        folders.append(folder)
    out = tmp_path / "across.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--data", str(folders[0]), "--data", str(folders[1]),
                             "--json", str(out), "--steps", "30", "--fits", "1"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    labs = json.loads(out.read_text())["labs"]
    for folder in folders:  # every pair its own simulated atlas tested, and its responding ones
        q = read_matrix_csv(folder / "ground_truth" / "simulated_atlas_q.csv")[1]
        scored = labs[str(folder)]["pooled"]["joint coupling, every lab"]
        assert scored["pairs"] == int(np.isfinite(q).sum()) > 0
        assert scored["positives"] == int((q[np.isfinite(q)] < 0.05).sum())
    assert labs[str(folders[0])]["pooled"]["joint coupling, every lab"]["positives"] > 0


def test_a_simulated_lab_without_its_atlas_is_refused(tmp_path):
    folder = tmp_path / "plain"
    made = subprocess.run([sys.executable, "-m", "wormgnn.cli", "data", "simulate", "--worms", "1", "--duration",
                           "100", "--out", str(folder)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    result = subprocess.run([sys.executable, str(SCRIPT), "--data", str(folder), "--json", str(tmp_path / "a.json"),
                             "--steps", "5", "--fits", "1"], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "no simulated atlas" in result.stderr
    assert not (tmp_path / "a.json").exists()
