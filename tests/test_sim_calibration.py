"""benchmarks/sim_calibration.py: the simulator settings nearest to real recordings."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from sim_calibration import grid, main  # noqa: E402


def test_the_grid_is_every_combination():
    assert grid({"broad_drive": "0,1", "drift": "0.1"}) == ["broad_drive=0,drift=0.1", "broad_drive=1,drift=0.1"]
    assert grid({"broad_drive": "0", "drive_turnover": ""}) == ["broad_drive=0"]  # no values: not varied


def test_recordings_of_a_broad_drive_are_matched_by_that_setting(tmp_path, capsys):
    # the "real" data here: simulated worms of another seed, with broad drive and drift
    from wormgnn.data.nwb import write_nwb
    from wormgnn.sim import simulate

    data = tmp_path / "broad"
    data.mkdir()
    for rec in simulate(worms=2, seed=7, broad_drive=0.9, drift=0.2)[0]:
        write_nwb(rec, data / f"{rec.worm_id}.nwb")
    out = tmp_path / "c.json"
    assert main(["--data", str(data), "--broad-drive", "0,0.9", "--drift", "0.03,0.2", "--measurement-noise", "0.04",
                 "--worms", "2", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["chosen"]["broad"]["settings"] == {"broad_drive": 0.9, "drift": 0.2, "measurement_noise": 0.04}
    assert len(result["simulated"]) == 4
    assert "nearest to broad: broad_drive=0.9,drift=0.2,measurement_noise=0.04" in capsys.readouterr().out


def test_the_flavell_shape_simulates_seven_worms_of_800_frames(tmp_path):
    from wormgnn.data.nwb import write_nwb
    from wormgnn.sim import simulate

    data = tmp_path / "real"
    data.mkdir()
    write_nwb(simulate(worms=1, seed=7, duration_s=300)[0][0], data / "w.nwb")
    out = tmp_path / "c.json"
    assert main(["--data", str(data), "--broad-drive", "1.5", "--drift", "0.2", "--measurement-noise", "0.04",
                 "--shape", "flavell", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    simulated = result["simulated"]["broad_drive=1.5,drift=0.2,measurement_noise=0.04"]
    assert result["shape"] == "flavell" and 130 <= simulated["neurons"] <= 146  # Kato's shape records 100-135


def _calibrated_on_simulated(folder: Path, worms: dict, grid_args: list[str]) -> dict:
    """The benchmark's JSON for 2 simulated worms of seed ``worms["seed"]`` written to ``folder``."""
    from wormgnn.data.nwb import write_nwb
    from wormgnn.sim import simulate

    folder.mkdir()
    for rec in simulate(worms=2, duration_s=600, **worms)[0]:
        write_nwb(rec, folder / f"{rec.worm_id}.nwb")
    out = folder.parent / "c.json"
    assert main(["--data", str(folder), *grid_args, "--worms", "2", "--duration", "600", "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_a_drive_that_turns_over_is_matched_on_the_halves_agreement_alone(tmp_path):
    result = _calibrated_on_simulated(tmp_path / "turning", {"seed": 7, "broad_drive": 1.5, "drive_turnover": 0.3},
                                      ["--broad-drive", "1.5", "--drift", "0.03", "--measurement-noise", "0.04",
                                       "--drive-turnover", "0,0.3", "--match", "halves_agreement"])
    assert result["chosen"]["turning"]["settings"]["drive_turnover"] == 0.3
    assert result["matched"] == ["halves_agreement"]
    steady = result["simulated"]["broad_drive=1.5,drift=0.03,measurement_noise=0.04,drive_turnover=0"]
    assert steady["halves_agreement"] > result["datasets"]["turning"]["halves_agreement"] + 0.15


def test_shared_fast_fluctuations_are_matched_on_the_changes_agreement(tmp_path):
    result = _calibrated_on_simulated(tmp_path / "quiet", {"seed": 8, "broad_drive": 1.2, "measurement_noise": 0.01},
                                      ["--broad-drive", "1.2", "--drift", "0.03", "--measurement-noise", "0.1,0.01",
                                       "--calcium-tau-s", "1.2", "--match", "changes_agreement"])
    assert result["chosen"]["quiet"]["settings"] == {"broad_drive": 1.2, "drift": 0.03, "measurement_noise": 0.01,
                                                     "calcium_tau_s": 1.2}
    noisy = result["simulated"]["broad_drive=1.2,drift=0.03,measurement_noise=0.1,calcium_tau_s=1.2"]
    assert noisy["changes_agreement"] < result["datasets"]["quiet"]["changes_agreement"] - 0.15


def test_bad_settings_and_missing_data_are_one_line_errors(tmp_path, capsys):
    assert main(["--data", str(tmp_path), "--match", "pc1,speed"]) == 2
    assert "--match pc1,speed: unknown statistics speed" in capsys.readouterr().err
    assert main(["--data", str(tmp_path), "--broad-drive", "zero"]) == 2
    assert main(["--data", str(tmp_path / "missing"), "--broad-drive", "0", "--drift", "0.1",
                 "--measurement-noise", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "'zero' is not a number" in err and "missing" in err and "Traceback" not in err
