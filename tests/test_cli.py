"""The command line: user mistakes are one line on stderr and exit code 2, whichever command."""

import subprocess
import sys

import pytest


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "wormgnn.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (["benchmark", "--task", "juggling", "--no-report"], "--task juggling: unknown task"),
    (["benchmark", "--profile", "huge", "--no-report"], "--profile huge: unknown profile"),
    (["benchmark", "--models", "linear,transformer", "--no-report"], "unknown model 'transformer'"),
    (["benchmark", "--neurons", "some", "--no-report"], "--neurons some: unknown neuron set"),
    (["benchmark", "--precision", "fp8", "--no-report"], "--precision fp8: unknown precision"),
    (["graph", "--neurons", "some"], "--neurons some: unknown neuron set"),
    (["graph", "--model", "gnn-connectome"], "infers no relations"),
    (["train", "--data", "nowhere.mat", "--task", "forecast", "--out", "m.safetensors"], "nowhere.mat"),
    (["report", "no-such-folder"], "no-such-folder: no results.jsonl"),
])
def test_a_mistake_is_one_line_and_exit_2(tmp_path, args, message):
    args = [a if not a.endswith((".mat", ".safetensors")) and a != "no-such-folder" else str(tmp_path / a)
            for a in args]
    if args[0] in ("benchmark", "graph"):
        args += ["--out", str(tmp_path / "out")]
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_models_lists_the_registry():
    result = run("models")
    assert result.returncode == 0 and "relation-inferring" in result.stdout and "structure-agnostic" in result.stdout
