"""The task registry, and a toy task registered from outside that runs end to end through the
benchmark, its summary and its report (the extension point of docs/architecture.md)."""

import json

import numpy as np
import pytest

import wormgnn
from wormgnn.errors import WormGnnError
from wormgnn.report import build_report
from wormgnn.sources import sim_source
from wormgnn.tasks import TASKS, ClassificationTask, TaskSpec, get_task, parse_tasks, register_task


class AboveMedian(ClassificationTask):
    """Is AVAL above its median at the window's frame? Known from the window itself."""

    name, classes, n_classes, needs = "above-median", ("low", "high"), 2, "traces"

    def frame_labels(self, recording):
        if "AVAL" not in recording.neuron_names:
            return None
        trace = recording.traces[:, recording.neuron_names.index("AVAL")]
        return (trace > np.median(trace)).astype(np.int64)


@pytest.fixture
def toy_task(monkeypatch):
    monkeypatch.setitem(TASKS, AboveMedian.name, AboveMedian())
    return TASKS[AboveMedian.name]


def test_registry_knows_the_tasks_and_refuses_others():
    assert parse_tasks("both") == ("forecast", "behavior")
    assert parse_tasks("behavior,forecast") == ("behavior", "forecast")
    with pytest.raises(WormGnnError, match="--task juggling: unknown task \\(known: forecast, behavior"):
        parse_tasks("juggling")
    assert TaskSpec("forecast").per_neuron and not TaskSpec("behavior").per_neuron


def test_lookahead_is_checked_by_the_task():
    get_task("behavior").check_lookahead(4)
    with pytest.raises(WormGnnError, match="a forecast already looks ahead"):
        get_task("forecast").check_lookahead(4)
    with pytest.raises(WormGnnError, match="--lookahead -1: must be 0"):
        get_task("behavior").check_lookahead(-1)


def test_a_task_asked_of_recordings_without_its_labels_is_one_line(kato_recordings):
    unlabelled = [wormgnn.Recording(traces=kato_recordings[0].traces, neuron_names=kato_recordings[0].neuron_names,
                                    fps=3.0, worm_id="bare")]
    with pytest.raises(WormGnnError, match="worm bare has no behavioral states"):
        get_task("behavior").check_recordings(unlabelled)
    get_task("forecast").check_recordings(unlabelled)


def test_a_registered_task_runs_through_benchmark_summary_and_report(toy_task, tmp_path):
    register_task(toy_task)
    out = tmp_path / "run"
    result = wormgnn.benchmark(data=sim_source(3, 5), out=out, profile="tiny", models=("persistence", "linear", "mlp"),
                               tasks=("above-median",), workers=1)
    rows = result["rows"]
    assert {r["model"] for r in rows} == {"linear", "mlp"}  # persistence forecasts only: not planned
    assert all(r["task"] == "above-median" and r["n_test"] > 100 for r in rows)
    linear = [r for r in rows if r["model"] == "linear"]
    assert all(r["metrics"]["balanced_accuracy"] > 0.8 for r in linear)  # the window holds the answer
    assert np.array(linear[0]["confusion"]["classes"]).shape == (2, 2)
    summary = json.loads((out / "summary.json").read_text())
    assert {g["metric"] for g in summary["groups"]} == {"balanced_accuracy", "accuracy", "macro_f1"}
    assert "## above-median — lowo" in (out / "summary.md").read_text()
    page = build_report(out).read_text()
    assert 'id="comparison_above-median_lowo"' in page and 'id="confusion_above-median_lowo"' in page
    assert 'id="ethogram_above-median"' in page
