import json
import subprocess
import sys
from pathlib import Path

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
