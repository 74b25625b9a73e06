import json
import subprocess
import sys
from pathlib import Path

from wormgnn.cpu import keep_freed_memory

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"


def test_throughput_script_runs_on_cpu_with_a_tiny_size(tmp_path):
    out = tmp_path / "t.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out), "--sizes", "6", "--steps", "1",
                             "--batch", "4", "--models",
                             "persistence,linear,mlp,lstm,gnn,gnn-connectome,gnn:pair_hidden=8", "--device", "cpu"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["device"] == "cpu" and report["device_name"]
    assert report["freed_memory_kept"] is keep_freed_memory()  # the default: as wormgnn's workers run
    rows = {r["model"]: r for r in report["results"]}
    assert set(rows) == {"persistence", "linear", "mlp", "lstm", "gnn", "gnn-connectome", "gnn:pair_hidden=8"}
    for name in ("mlp", "lstm", "gnn", "gnn-connectome"):
        assert rows[name]["train_windows_per_s"] > 0
    assert all(r["inference_ms_per_window"] > 0 and r["online_ms_per_frame"] > 0 for r in rows.values())
    assert "train_windows_per_s" not in rows["persistence"]
    ratio = rows["gnn"]["train_windows_per_s"] / rows["gnn-connectome"]["train_windows_per_s"]
    assert rows["gnn"]["fraction_of_gnn_connectome"] == round(ratio, 3) and rows["gnn"]["path"] == "auto"
    variant = rows["gnn:pair_hidden=8"]  # a variant is measured and compared like the gnn
    assert variant["train_windows_per_s"] > 0 and variant["path"] == "auto" and "fraction_of_gnn_connectome" in variant


def test_unknown_model_is_refused(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(tmp_path / "t.json"), "--models", "nope"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown model" in result.stderr
