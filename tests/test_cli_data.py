"""``wormgnn data``: info, convert, simulate."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from wormgnn.data import load


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


def test_data_info_table(kato_path):
    result = run("data", "info", str(kato_path))
    assert result.returncode == 0
    assert "WT_NoStim_worm2" in result.stdout and "3134" in result.stdout


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
    for args, message in ((["--worms", "0"], "at least 1"), (["--duration", "-1"], "positive")):
        result = run("data", "simulate", "--out", str(tmp_path / "o"), *args)
        assert result.returncode == 2 and message in result.stderr
    result = run("data", "simulate", "--out", str(blocker / "sub"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert blocker.read_text() == "keep me"
