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
