"""benchmarks/lab_contrast.py: what differs between datasets at one frame rate."""

import json
import sys
from pathlib import Path

import numpy as np
from conftest import write_sim_folder

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from lab_contrast import main, worm_contrast  # noqa: E402

from wormgnn.data import Recording  # noqa: E402
from wormgnn.data.states import KATO_STATES  # noqa: E402


def _worm(noise: float, seed: int = 0) -> Recording:
    rng = np.random.default_rng(seed)
    smooth = np.cumsum(np.cumsum(rng.normal(size=(2000, 3)), axis=0), axis=0)  # trends that persist
    smooth /= smooth.std(0)
    labels = np.where(np.arange(2000) % 100 < 30, KATO_STATES.index("rev1"), KATO_STATES.index("fwd"))
    smooth[:, 0] += 2.0 * (labels == KATO_STATES.index("rev1"))  # AVAL rises in reversals
    traces = smooth + noise * rng.normal(size=smooth.shape)
    return Recording(traces, ["AVAL", "AVAR", "RID"], 2.0, "w", labels=labels, state_names=KATO_STATES)


def test_noise_turns_the_changes_autocorrelation_negative_and_raises_persistence_error():
    names = ["AVAL", "AVAR", "RID"]
    clean, noisy = worm_contrast(_worm(0.0), names), worm_contrast(_worm(0.3), names)
    assert clean["change_lag1"] > 0.5 and noisy["change_lag1"] < -0.2
    assert noisy["persistence_mse"] > 5 * clean["persistence_mse"]
    assert clean["reversal_share"] == 0.3 and clean["ava_in_minus_out"] > 0.5


def test_two_datasets_give_a_row_each(tmp_path, capsys):
    first, second = tmp_path / "lab_a", tmp_path / "lab_b"
    write_sim_folder(first, worms=2, seed=2, duration_s=120)
    write_sim_folder(second, worms=2, seed=9, duration_s=120)
    assert main(["--data", str(first), "--data", str(second), "--json", str(tmp_path / "c.json")]) == 0
    result = json.loads((tmp_path / "c.json").read_text())
    assert set(result["datasets"]) == {"lab_a", "lab_b"} and len(result["worms"]) == 4
    assert all(row["worms"] == 2 and row["persistence_mse"] > 0 for row in result["datasets"].values())
    assert "lab_a" in capsys.readouterr().out


def test_missing_data_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "nothing.mat")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_name_that_follows_velocity_with_opposite_signs_is_named():
    from lab_contrast import sign_flips

    rng = np.random.default_rng(1)
    worms = []
    for sign in (1.0, -1.0):
        velocity = rng.normal(size=3000)
        traces = np.stack([sign * velocity + 0.5 * rng.normal(size=3000), velocity + 0.5 * rng.normal(size=3000),
                           rng.normal(size=3000)], axis=1)
        rec = Recording(traces, ["OLQDL", "AVBL", "RID"], 1.7, f"w{sign}", behavior={"velocity": velocity})
        worms.append(worm_contrast(rec, ["OLQDL", "AVBL", "RID"]))
    assert worms[0]["velocity_sd"] > 0.9 and worms[0]["velocity_r"]["OLQDL"] > 0.8
    flips = sign_flips(worms)
    assert list(flips) == ["OLQDL"] and flips["OLQDL"][0] > 0.8 > -0.8 > flips["OLQDL"][1]
