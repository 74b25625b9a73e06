"""``wormgnn data``: info, convert, simulate."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from wormgnn.data import load
from wormgnn.sim.calibration import agreement_within_worm, between_worm_agreement


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "wormgnn.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_data_info_json_on_the_real_file(kato_path):
    result = run("data", "info", str(kato_path), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    rows = [(r["frames"], r["neurons"], r["identified"]) for r in info["recordings"]]
    assert rows == [(3137, 109, 38), (3134, 135, 44), (3059, 131, 32), (3311, 125, 47), (3021, 129, 31)]
    assert len(info["shared_identified"]) == 22
    assert info["recordings"][0]["states"]["fwd"] == 681
    assert info["agreement_between_worms"] == between_worm_agreement(load(kato_path))
    assert 0.5 < info["agreement_between_worms"] < 0.8  # immobilized worms of one lab share much of it
    within = [agreement_within_worm(r) for r in load(kato_path)]
    assert info["agreement_within_worms"]["halves"] == np.mean([w["halves_agreement"] for w in within])
    assert 0.3 < info["agreement_within_worms"]["halves"] < info["agreement_within_worms"]["blocks"] < 0.9
    assert 0.1 < info["agreement_within_worms"]["changes"] < info["agreement_within_worms"]["halves"]


def test_data_info_table(kato_path):
    result = run("data", "info", str(kato_path))
    assert result.returncode == 0
    assert "WT_NoStim_worm2" in result.stdout and "3134" in result.stdout
    assert "agreement between worms 0." in result.stdout
    assert "agreement within worms: halves 0." in result.stdout
    assert "agreement of frame-to-frame changes between halves 0." in result.stdout


def test_convert_then_info_on_folder(tmp_path, kato_path, kato_recordings):
    result = run("data", "convert", str(kato_path), "--to", "nwb", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    back = load(tmp_path)
    assert [r.worm_id for r in back] == [r.worm_id for r in kato_recordings]
    np.testing.assert_array_equal(back[4].traces, kato_recordings[4].traces)
    again = run("data", "convert", str(kato_path), "--to", "nwb", "--out", str(tmp_path))
    assert again.returncode == 2 and "would overwrite" in again.stderr


def test_simulate_cli_speed_and_info(tmp_path):
    start = time.perf_counter()
    result = run("data", "simulate", "--worms", "5", "--seed", "1", "--out", str(tmp_path))
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert elapsed < 20
    assert len(list((tmp_path / "ground_truth").glob("*.csv"))) == 5
    info = json.loads(run("data", "info", str(tmp_path), "--json").stdout)
    assert len(info["recordings"]) == 5 and len(info["shared_identified"]) >= 20
    assert 0 < info["agreement_between_worms"] < 1
    one = json.loads(run("data", "info", str(next(tmp_path.glob("*.nwb"))), "--json").stdout)
    assert one["agreement_between_worms"] is None  # one worm: nothing to agree with
    assert 0 < one["agreement_within_worms"]["halves"] < 1  # but with itself, over time


def _text_file(path):
    path.write_text("plain text")
    return path


@pytest.mark.parametrize("make_input, message", [
    (lambda p: p / "missing.mat", "no such file"),
    (lambda p: p, "folder holds no recordings"),
    (lambda p: _text_file(p / "x.mat"), "not a MATLAB, HDF5, NWB or WormWideWeb JSON"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, make_input, message):
    target = make_input(tmp_path)
    result = run("data", "info", str(target))
    assert result.returncode == 2
    assert message in result.stderr and str(target) in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_simulate_bad_arguments(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    for args, message in ((["--worms", "0"], "at least 1"), (["--duration", "-1"], "positive"),
                          (["--trials", "2", "--stimulate"], "at least 3")):
        result = run("data", "simulate", "--out", str(tmp_path / "o"), *args)
        assert result.returncode == 2 and message in result.stderr
    result = run("data", "simulate", "--out", str(blocker / "sub"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert blocker.read_text() == "keep me"


def test_simulate_with_stimulation_writes_a_simulated_atlas_that_graph_scores(tmp_path):
    data, out = tmp_path / "sim", tmp_path / "graph"
    result = run("data", "simulate", "--worms", "2", "--seed", "3", "--duration", "150", "--stimulate", "--trials",
                 "5", "--out", str(data))
    assert result.returncode == 0, result.stderr
    assert "ordered pairs of named neurons tested" in result.stdout
    from wormgnn.sim.io import read_matrix_csv

    names, q = read_matrix_csv(data / "ground_truth" / "simulated_atlas_q.csv")
    _, response = read_matrix_csv(data / "ground_truth" / "simulated_atlas_response.csv")
    assert q.shape == response.shape == (len(names), len(names)) and np.isnan(np.diag(q)).all()
    tested = np.isfinite(q)
    assert tested.sum() > 0 and ((q[tested] >= 0) & (q[tested] <= 1)).all()
    result = run("graph", "--data", str(data), "--yardsticks-only", "--neurons", "named", "--out", str(out))
    assert result.returncode == 0, result.stderr
    graph = json.loads((out / "graph.json").read_text())
    atlas = graph["truths"]["simulated_atlas"]
    assert set(atlas) >= {"worms", "mean", "pooled", "shared"} and len(atlas["worms"]) == 2
    assert atlas["pooled"]["correlation"]["pairs"] == int(tested.sum())  # every tested pair was recorded together
    assert "simulated atlas" in graph["notes"][0]


def test_simulate_refuses_too_few_trials_and_keeps_an_existing_atlas(tmp_path):
    result = run("data", "simulate", "--worms", "1", "--duration", "120", "--stimulate", "--trials", "2", "--out",
                 str(tmp_path / "o"))
    assert result.returncode == 2 and "at least 3 trials" in result.stderr and "Traceback" not in result.stderr
    kept = tmp_path / "o2" / "ground_truth" / "simulated_atlas_q.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("mine")
    result = run("data", "simulate", "--worms", "1", "--duration", "120", "--stimulate", "--out", str(tmp_path / "o2"))
    assert result.returncode == 2 and kept.read_text() == "mine"


def test_simulate_calibrated_writes_the_worms_matched_to_real_recordings(tmp_path):
    from wormgnn.sim import simulate
    from wormgnn.sim.calibration import KATO_MATCHED

    result = run("data", "simulate", "--worms", "1", "--seed", "2", "--duration", "300", "--calibrated",
                 "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = load(tmp_path)[0]
    expected = simulate(worms=1, seed=2, duration_s=300, **KATO_MATCHED)[0][0]
    np.testing.assert_allclose(written.traces, expected.traces, atol=1e-6)
    assert not np.allclose(written.traces, simulate(worms=1, seed=2, duration_s=300)[0][0].traces, atol=1e-3)


def test_simulate_flavell_shaped_calibrated_worms(tmp_path):
    from wormgnn.sim import simulate
    from wormgnn.sim.calibration import FLAVELL_MATCHED, FLAVELL_SHAPE

    result = run("data", "simulate", "--worms", "1", "--seed", "4", "--duration", "60", "--shape", "flavell",
                 "--calibrated", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = load(tmp_path)[0]
    shape = {k: v for k, v in FLAVELL_SHAPE.items() if k not in ("worms", "duration_s")}
    expected = simulate(worms=1, seed=4, duration_s=60, **shape, **FLAVELL_MATCHED)[0][0]
    np.testing.assert_allclose(written.traces, expected.traces, atol=1e-6)
    assert abs(written.fps - FLAVELL_SHAPE["fps"]) < 0.1 * FLAVELL_SHAPE["fps"]  # not Kato's 2.9
    low, high = FLAVELL_SHAPE["identified"]
    assert low <= sum(bool(n) for n in written.neuron_names) <= high
    assert FLAVELL_SHAPE["neurons"][0] <= written.traces.shape[1] <= FLAVELL_SHAPE["neurons"][1]


def test_simulate_refuses_an_unknown_shape(tmp_path):
    result = run("data", "simulate", "--shape", "zimmer", "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "--shape zimmer: unknown (known: kato, flavell)" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()



def test_simulate_a_drive_that_turns_over_and_refuse_a_turnover_above_one(tmp_path):
    halves = {}
    for turnover in ("0", "0.4"):
        out = tmp_path / turnover
        result = run("data", "simulate", "--worms", "2", "--duration", "600", "--seed", "2", "--calibrated",
                     "--drive-turnover", turnover, "--out", str(out))
        assert result.returncode == 0, result.stderr
        halves[turnover] = json.loads(run("data", "info", str(out), "--json").stdout)["agreement_within_worms"]
    assert halves["0.4"]["halves"] < halves["0"]["halves"] - 0.15  # the correlations change over minutes
    bad = run("data", "simulate", "--drive-turnover", "1.5", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2 and "drive_turnover must lie in [0, 1]" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad").exists()
