"""benchmarks/paired.py: every model paired with a named reference, fold by fold."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from paired import main, paired_table  # noqa: E402


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    done = subprocess.run([sys.executable, "-m", "wormgnn.cli", "benchmark", "--profile", "tiny", "--task", "forecast",
                           "--models", "persistence,linear,dlinear", "--out", str(out), "--workers", "1",
                           "--no-report"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def test_models_are_paired_with_the_named_reference_not_the_best(sweep):
    rows = [json.loads(line) for line in (sweep / "results.jsonl").read_text().splitlines()]
    skill = {(r["model"], r["fold"], r["seed"]): r["metrics"]["skill"]["1"] for r in rows}
    for reference in ("linear", "dlinear"):
        table = paired_table(sweep, reference, ["skill@1"])
        other = {"linear": "dlinear", "dlinear": "linear"}[reference]
        row = next(r for r in table if r["model"] == other)
        diffs = [skill[(other, f, s)] - skill[(reference, f, s)] for (m, f, s) in skill if m == other]
        assert row["reference"] == reference and row["pairs"] == len(diffs)
        assert row["delta"] == pytest.approx(sum(diffs) / len(diffs))
        assert row["wins"] == sum(d > 0 for d in diffs)


def test_a_folder_without_results_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path), "--reference", "linear"]) == 2
    assert "no results.jsonl" in capsys.readouterr().err
