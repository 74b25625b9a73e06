import json
import subprocess
import sys
from pathlib import Path

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
