import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "relation_estimators.py"


def _module():
    spec = importlib.util.spec_from_file_location("relation_estimators", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lagged_correlation_is_directed_and_state_means_are_removed():
    rng = np.random.default_rng(0)
    source = rng.normal(size=2000)
    follower = np.roll(source, 1) + 0.3 * rng.normal(size=2000)  # 0 acts on 1 one frame later
    labels = np.repeat([0, 1], 1000)
    x = np.stack([source, follower, rng.normal(size=2000)], axis=1)
    lagged = _module().estimates(x, labels)["lagged correlation 1"]
    assert lagged[0, 1] > 0.9 and lagged[1, 0] < 0.2
    # a state-locked drive shared by neurons 0 and 2 makes them look related; removing it does not
    drive = np.where(labels == 1, 3.0, 0.0)
    scores = _module().estimates(x + np.stack([drive, 0 * drive, drive], axis=1), labels)
    assert scores["correlation"][0, 2] > 0.5 and scores["correlation | state"][0, 2] < 0.1
    assert all(s.shape == (3, 3) for s in scores.values())


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
