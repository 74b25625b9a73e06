import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_sim_folder

from wormgnn.errors import WormGnnError
from wormgnn.sweep import BenchmarkConfig, plan_runs


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    write_sim_folder(folder, worms=3, seed=2, duration_s=150)
    return folder


def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "wormgnn.cli", "benchmark", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_plan_counts_and_skips(tiny_data):
    cfg = BenchmarkConfig(data=str(tiny_data), profile="tiny", models=("persistence", "linear", "gnn"),
                          neurons=("shared", "all"), splits=("lowo", "within"), seeds=2)
    specs = plan_runs(cfg)
    # forecast: 3+1 folds × (persistence, linear on shared; gnn on shared and all) × 2 seeds
    # behavior: 4 folds × (linear shared; gnn shared, all) × 2 seeds
    assert len(specs) == 4 * 4 * 2 + 4 * 3 * 2
    assert len({s.key for s in specs}) == len(specs)
    assert any("need a fixed neuron set" in n for n in cfg.notes)


@pytest.mark.parametrize("change, message", [
    ({"models": ("linear", "transformer")}, "unknown model 'transformer'"),
    ({"tasks": ("dance",)}, "unknown task"),
    ({"splits": ("kfold",)}, "unknown split"),
    ({"neurons": ("some",)}, "unknown neuron set"),
    ({"profile": "huge"}, "unknown profile"),
    ({"lookahead": -1}, "--lookahead -1: must be 0"),
    ({"lookahead": 4}, "--lookahead is for decoding behavior; a forecast already looks ahead"),
    ({"lookahead": 5000, "tasks": ("behavior",)},
     r"has \d+ frames; a window of 16 frames with lookahead 5000 needs at least 5001"),
])
def test_bad_options(tiny_data, change, message):
    with pytest.raises(WormGnnError, match=message):
        plan_runs(BenchmarkConfig(data=str(tiny_data), **{"profile": "tiny", **change}))


def test_lookahead_applies_to_behavior_runs(tiny_data):
    specs = plan_runs(BenchmarkConfig(data=str(tiny_data), profile="tiny", models=("linear",), tasks=("behavior",),
                                      lookahead=4))
    assert specs and all(s.lookahead == 4 and s.key.endswith("|lookahead=4") for s in specs)


def test_split_needing_more_worms(tmp_path, tiny_data):
    single = tmp_path / "one"
    single.mkdir()
    first = sorted(tiny_data.glob("*.nwb"))[0]
    (single / first.name).write_bytes(first.read_bytes())
    with pytest.raises(WormGnnError, match="needs at least 2 worms"):
        plan_runs(BenchmarkConfig(data=str(single), profile="tiny", splits=("lowo",)))


def test_cli_end_to_end_then_resume(tmp_path, tiny_data):
    out = tmp_path / "run"
    args = ["--data", str(tiny_data), "--profile", "tiny", "--models", "persistence,linear,mlp",
            "--out", str(out), "--workers", "2", "--split", "lowo", "--no-report"]
    proc = _cli(*args)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 3 * 3 + 3 * 2  # forecast: 3 models × 3 folds; behavior: 2 models × 3 folds
    assert {r["model"] for r in rows} == {"persistence", "linear", "mlp"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["groups"] and "## behavior — lowo" in (out / "summary.md").read_text()
    # the terminal shows the headline metrics only, within 100 columns; summary.md has them all
    assert "forecast — lowo" in stdout and "skill@1" in stdout and "mse@8" not in stdout
    table = stdout[stdout.index("forecast — lowo"):stdout.index("full table:")]
    assert max(len(line) for line in table.splitlines()) <= 100
    assert "mse@8" in (out / "summary.md").read_text()
    again = _cli(*args)
    stdout, _ = again.communicate(timeout=600)
    assert again.returncode == 0 and "(15 already done)" in stdout
    assert len((out / "results.jsonl").read_text().splitlines()) == 15


def test_killed_sweep_resumes_without_duplicates_or_losses(tmp_path, tiny_data):
    out = tmp_path / "run"
    args = ["--data", str(tiny_data), "--profile", "tiny", "--models", "linear,lstm", "--out", str(out),
            "--workers", "1", "--split", "lowo", "--split", "within", "--seeds", "2", "--no-report"]
    proc = _cli(*args, start_new_session=True)
    results = out / "results.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    before = len(results.read_text().splitlines())
    assert 3 <= before < 32
    resumed = _cli(*args)
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    keys = [json.loads(line)["key"] for line in results.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 2 * 4 * 2 * 2  # tasks × folds × models × seeds
    assert f"({before} already done)" in stdout


def _children(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_leave_when_the_sweep_is_killed(tmp_path, tiny_data):
    args = ["--data", str(tiny_data), "--profile", "tiny", "--models", "lstm", "--out", str(tmp_path / "run"),
            "--workers", "2", "--split", "lowo", "--seeds", "3", "--no-report"]
    proc = _cli(*args)
    deadline = time.time() + 120
    workers: set[int] = set()
    while time.time() < deadline and len(workers) < 2:
        workers = {k for k in _children(proc.pid) if "spawn_main" in Path(f"/proc/{k}/cmdline").read_text()}
        time.sleep(0.1)
    assert len(workers) == 2
    proc.kill()  # SIGKILL the parent alone: no cleanup code of its runs
    proc.communicate()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers)


def test_cli_bad_options_exit_2(tmp_path, tiny_data):
    blocker = tmp_path / "results_file"
    blocker.write_text("keep")
    for extra, message in ((["--models", "nope"], "unknown model"), (["--task", "dance"], "unknown task"),
                           (["--out", str(blocker)], "not a folder")):
        args = ["--data", str(tiny_data), "--profile", "tiny", "--out", str(tmp_path / "o"), *extra]
        proc = _cli(*args)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2 and message in stderr and "Traceback" not in stderr
    assert blocker.read_text() == "keep"


def test_a_second_sweep_on_the_same_folder_stops_at_once(tmp_path, tiny_data):
    out = tmp_path / "run"
    args = ["--data", str(tiny_data), "--profile", "tiny", "--models", "lstm", "--out", str(out),
            "--workers", "1", "--split", "lowo", "--seeds", "2", "--no-report"]
    first = _cli(*args)
    lock = out / ".lock"
    deadline = time.time() + 120
    while time.time() < deadline and not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        time.sleep(0.05)
    started = time.time()
    second = _cli(*args)
    _, stderr = second.communicate(timeout=120)
    assert second.returncode == 2 and "in use by another wormgnn benchmark" in stderr and str(first.pid) in stderr
    assert "Traceback" not in stderr and time.time() - started < 30
    assert first.poll() is None, "the first sweep should still be running"
    _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    keys = [json.loads(line)["key"] for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 2 * 3 * 2  # tasks × folds × seeds
    third = _cli(*args)  # the lock went with the first sweep
    stdout, _ = third.communicate(timeout=300)
    assert third.returncode == 0 and "(12 already done)" in stdout


def test_failed_runs_are_named_in_the_summary_and_the_report(tmp_path, tiny_data, monkeypatch):
    import wormgnn
    from wormgnn import experiment
    from wormgnn.report import build_report

    real = experiment.execute_group

    def flaky(specs):
        if any(spec.model == "linear" and spec.fold.endswith("worm1") for spec in specs):
            raise RuntimeError("Expected all tensors to be on the same device")
        yield from real(specs)

    monkeypatch.setattr(experiment, "execute_group", flaky)
    out = tmp_path / "run"
    result = wormgnn.benchmark(data=str(tiny_data), out=out, profile="tiny", models=("linear", "mlp"),
                               tasks=("behavior",), workers=1)
    assert len(result["failed"]) == 1 and "same device" in result["failed"][0]
    failed = json.loads((out / "failed.json").read_text())
    assert [(f["model"], f["fold"]) for f in failed] == [("linear", failed[0]["fold"])]
    assert "Incomplete: 1 planned run(s) have no result" in (out / "summary.md").read_text()
    assert all(p["reference"] == "mlp" for p in result["summary"]["paired"])
    page = build_report(out, examples=False).read_text()
    assert 'id="failures"' in page and "linear (shared) behavior lowo: 1 run(s)" in page
    monkeypatch.setattr(experiment, "execute_group", real)
    again = wormgnn.benchmark(data=str(tiny_data), out=out, profile="tiny", models=("linear", "mlp"),
                              tasks=("behavior",), workers=1)
    assert again["failed"] == [] and json.loads((out / "failed.json").read_text()) == []
    assert 'id="failures"' not in build_report(out, examples=False).read_text()


def test_two_datasets_cross_both_ways_and_keep_their_directions_apart(tmp_path):
    import wormgnn

    first, second = tmp_path / "lab_a", tmp_path / "lab_b"
    write_sim_folder(first, worms=2, seed=2, duration_s=120)
    write_sim_folder(second, worms=2, seed=9, duration_s=120)
    result = wormgnn.benchmark(data=(str(first), str(second)), out=tmp_path / "run", profile="tiny",
                               models=("persistence", "linear"), tasks=("forecast",), splits=("cross-dataset",),
                               workers=1)
    rows = result["rows"]
    assert len(rows) == 8 and {(r["train_dataset"], r["test_dataset"]) for r in rows} == {
        ("lab_a", "lab_b"), ("lab_b", "lab_a")}
    assert all(r["n_datasets"] == 2 and r["n_scored"] == r["n_neurons"] > 0 and r["window_s"] > 0
               and r["horizon_s"] > 0 for r in rows)
    settings = {g["split"] for g in result["summary"]["groups"]}
    assert settings == {"cross-dataset lab_a→lab_b", "cross-dataset lab_b→lab_a"}
    assert any("names identified in every worm" in note for note in result["notes"])


def test_runs_group_by_the_worms_they_train_on(tmp_path):
    from wormgnn.sweep import training_groups

    first, second = tmp_path / "lab_a", tmp_path / "lab_b"
    write_sim_folder(first, worms=2, seed=2, duration_s=120)
    write_sim_folder(second, worms=3, seed=9, duration_s=120)
    cfg = BenchmarkConfig(data=(str(first), str(second)), profile="tiny", models=("linear",), tasks=("forecast",),
                          splits=("lowo", "cross-dataset", "transfer"), adapt_minutes=0.5)
    specs = plan_runs(cfg)
    from wormgnn.sources import load_dataset, source_of

    recordings = load_dataset(source_of(cfg.data), 0.0, 0.0)
    groups = training_groups(specs, [r.worm_id for r in recordings], [r.dataset for r in recordings])
    sizes = {split: sorted(len(g) for g in groups if g[0].split == split) for split in cfg.splits}
    # lowo: a model per held-out worm; across datasets: one model per direction (2 and 3 test worms)
    assert sizes == {"lowo": [1] * 5, "cross-dataset": [2, 3], "transfer": [2, 3]}
    assert sorted(s.key for g in groups for s in g) == sorted(s.key for s in specs)


def test_a_direction_across_datasets_trains_once(tmp_path, monkeypatch):
    import wormgnn
    from wormgnn import experiment

    first, second = tmp_path / "lab_a", tmp_path / "lab_b"
    write_sim_folder(first, worms=2, seed=2, duration_s=120)
    write_sim_folder(second, worms=3, seed=9, duration_s=120)
    calls = []
    real = experiment.train_model

    def counted(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(experiment, "train_model", counted)
    result = wormgnn.benchmark(data=(str(first), str(second)), out=tmp_path / "run", profile="tiny",
                               models=("mlp", "gnn"), tasks=("forecast",), splits=("cross-dataset",), workers=1)
    assert len(result["rows"]) == 10 and sorted(calls) == ["gnn", "gnn", "mlp", "mlp"]
    assert sorted(r["training_shared_by"] for r in result["rows"]) == [2, 2, 2, 2, 3, 3, 3, 3, 3, 3]
    # the shared model's relations are read once per direction for the report, not once per test worm
    from wormgnn.store import ResultStore

    store = ResultStore(tmp_path / "run")
    gnn = [r for r in result["rows"] if r["model"] == "gnn"]
    with_relations = [r for r in gnn if "relations" in store.example(r)]
    assert len(with_relations) == 2 and {r["test_dataset"] for r in with_relations} == {"lab_a", "lab_b"}
    assert all(store.example(r) is not None for r in gnn)  # every row keeps its task's example
