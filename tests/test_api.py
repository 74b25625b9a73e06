import csv
import subprocess
import sys

import numpy as np
import pytest
from conftest import write_sim_folder

from wormgnn import Model, load
from wormgnn.data import Recording
from wormgnn.errors import WormGnnError


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    return folder, write_sim_folder(folder, worms=3, seed=4, duration_s=120)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "wormgnn.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name, task", [("gnn", "behavior"), ("lstm", "forecast")])
def test_fit_predict_save_load(tmp_path, tiny_file, name, task):
    _, recs = tiny_file
    model = Model(name, task, profile="tiny").fit(recs[:2])
    before = model.predict(recs[2])
    loaded = Model.load(model.save(tmp_path / "m.safetensors"))
    after = loaded.predict(recs[2])
    key = "probabilities" if task == "behavior" else "forecast"
    np.testing.assert_array_equal(before[key], after[key])
    assert before["frames"][0] == 15 and len(before["frames"]) == recs[2].frames - 15
    assert loaded.version and loaded.trained_on == [r.worm_id for r in recs[:2]]


def test_cli_train_then_predict(tmp_path, tiny_file):
    folder, recs = tiny_file
    model_path = tmp_path / "model.safetensors"
    held = recs[2].worm_id
    result = _cli("train", "--data", str(folder), "--task", "behavior", "--model", "mlp", "--profile", "tiny",
                  "--exclude-worm", held, "--out", str(model_path))
    assert result.returncode == 0, result.stderr
    assert "on 2 worm(s)" in result.stdout
    single = tmp_path / "held"
    single.mkdir()
    (single / f"{held}.nwb").write_bytes((folder / f"{held}.nwb").read_bytes())
    pred = tmp_path / "pred.csv"
    result = _cli("predict", "--model", str(model_path), "--data", str(single), "--out", str(pred))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(pred)))
    assert len(rows) == recs[2].frames - 15
    assert rows[0]["worm"] == held and rows[0]["state"] in {"fwd", "slow", "dt", "vt", "rev1", "rev2", "revsus"}
    probs = np.array([[float(r[k]) for k in r if k.startswith("p_")] for r in rows])
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-3)
    again = _cli("predict", "--model", str(model_path), "--data", str(single), "--out", str(pred))
    assert again.returncode == 2 and "exists" in again.stderr


def test_predict_refuses_incompatible_recording(tmp_path, tiny_file):
    folder, recs = tiny_file
    model_path = tmp_path / "model.safetensors"
    assert _cli("train", "--data", str(folder), "--task", "forecast", "--model", "linear", "--profile", "tiny",
                "--out", str(model_path)).returncode == 0
    stranger = Recording(traces=np.random.default_rng(0).normal(size=(100, 3)), neuron_names=["ASHL", None, "PVDR"],
                         fps=3.0, worm_id="stranger")
    from wormgnn.data.nwb import write_nwb

    write_nwb(stranger, tmp_path / "stranger.nwb")
    result = _cli("predict", "--model", str(model_path), "--data", str(tmp_path / "stranger.nwb"),
                  "--out", str(tmp_path / "p.csv"))
    assert result.returncode == 2 and "stranger" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "p.csv").exists()
    bad = _cli("predict", "--model", str(tmp_path / "stranger.nwb"), "--data", str(folder),
               "--out", str(tmp_path / "q.csv"))
    assert bad.returncode == 2 and "not a wormgnn model file" in bad.stderr


def test_model_argument_errors(tiny_file):
    _, recs = tiny_file
    with pytest.raises(WormGnnError, match="fixed neuron set"):
        Model("mlp", "behavior", neurons="all")
    with pytest.raises(WormGnnError, match="not trained"):
        Model("mlp", "behavior").predict(recs[0])
    assert len(load(tiny_file[0])) == 3


def test_load_checks_the_saved_metadata(tmp_path, tiny_file):
    from wormgnn.persist import save_model

    _, recs = tiny_file
    model = Model("mlp", "behavior", profile="tiny").fit(recs[:2])
    path = tmp_path / "m.safetensors"
    save_model(model.module, path, "mlp", task="behavior", neurons="shared", profile="tiny", seed=0,
               shared=model.shared, vocabulary={"AVAL": "one"}, width=model.width, trained_on=[])
    with pytest.raises(WormGnnError, match="m.safetensors: model file metadata: neuron names"):
        Model.load(path)
    save_model(model.module, path, "mlp", task="forecast", neurons="shared", profile="tiny", seed=0)
    with pytest.raises(WormGnnError, match="metadata is inconsistent"):
        Model.load(path)
    save_model(model.module, path, "mlp", task="behavior")
    with pytest.raises(WormGnnError, match="lacks 'meta.neurons'"):
        Model.load(path)


def test_lookahead_model_decodes_sequences_and_round_trips(tmp_path, tiny_file):
    _, recs = tiny_file
    model = Model("linear", "behavior", profile="tiny", lookahead=4).fit(recs[:2])
    frame = model.predict(recs[2])
    assert frame["frames"][0] == 15 - 4 and frame["frames"][-1] == recs[2].frames - 1 - 4
    smoothed = model.predict(recs[2], "smoothed")
    np.testing.assert_allclose(smoothed["probabilities"].sum(1), 1, rtol=1e-5)
    switches = {k: sum(a != b for a, b in zip(r["states"], r["states"][1:], strict=False))
                for k, r in (("frame", frame), ("smoothed", smoothed))}
    assert switches["smoothed"] <= switches["frame"]
    loaded = Model.load(model.save(tmp_path / "m.safetensors"))
    assert loaded.lookahead == 4 and loaded.dynamics.to_dict() == model.dynamics.to_dict()
    assert loaded.predict(recs[2], "smoothed")["states"] == smoothed["states"]
    with pytest.raises(WormGnnError, match="unknown decoding"):
        loaded.predict(recs[2], "psychic")
    short = Recording(traces=recs[2].traces[:10], neuron_names=recs[2].neuron_names, fps=recs[2].fps,
                      worm_id="short")
    with pytest.raises(WormGnnError, match="short has 10 frames, fewer than one window needs \\(16\\)"):
        loaded.predict(short)
    with pytest.raises(WormGnnError, match="--lookahead is for decoding behavior"):
        Model("linear", "forecast", lookahead=2)
    with pytest.raises(WormGnnError, match="--lookahead -1"):
        Model("linear", "behavior", lookahead=-1)


def test_cli_annotate_writes_csv_and_nwb_copies(tmp_path, tiny_file):
    from wormgnn.data.nwb import read_nwb

    folder, recs = tiny_file
    model_path = tmp_path / "ahead.safetensors"
    assert _cli("train", "--data", str(folder), "--task", "behavior", "--model", "linear", "--profile", "tiny",
                "--lookahead", "4", "--out", str(model_path)).returncode == 0
    unannotated = tmp_path / "new"
    unannotated.mkdir()
    from wormgnn.data.nwb import write_nwb

    fresh = Recording(traces=recs[2].traces, neuron_names=recs[2].neuron_names, fps=recs[2].fps, worm_id="fresh")
    write_nwb(fresh, unannotated / "fresh.nwb")
    out = tmp_path / "annotation.csv"
    result = _cli("annotate", "--model", str(model_path), "--data", str(unannotated), "--out", str(out),
                  "--nwb", str(tmp_path / "annotated"))
    assert result.returncode == 0, result.stderr
    assert "smoothed decoding, lookahead 4" in result.stdout and "/processing/Behavior/BehavioralState" in result.stdout
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == recs[2].frames - 15 and rows[0]["frame"] == "11"
    (back,) = read_nwb(tmp_path / "annotated" / "fresh.nwb")  # the reader finds the decoded states
    decoded = [back.state_names[i] for i in back.labels[11:recs[2].frames - 4]]
    assert decoded == [r["state"] for r in rows] and (back.labels[:11] == -1).all()
    np.testing.assert_array_equal(back.traces, read_nwb(unannotated / "fresh.nwb")[0].traces)
    # an annotated recording keeps its annotation; the decoded states go beside it
    again = _cli("annotate", "--model", str(model_path), "--data", str(folder), "--out", str(out), "--overwrite",
                 "--nwb", str(tmp_path / "annotated2"))
    assert again.returncode == 0 and "DecodedBehavioralState" in again.stdout
    (kept,) = read_nwb(tmp_path / "annotated2" / f"{recs[0].worm_id}.nwb")
    np.testing.assert_array_equal(kept.labels, recs[0].labels)
    refused = _cli("annotate", "--model", str(model_path), "--data", str(folder), "--out", str(out))
    assert refused.returncode == 2 and "exists" in refused.stderr
