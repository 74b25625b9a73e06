"""``wormgnn graph`` end to end: train, read, score against every truth, render."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import write_sim_folder


def test_graph_cli_end_to_end(tmp_path):
    data = tmp_path / "sim"
    recs = write_sim_folder(data, worms=2, seed=3, duration_s=120, ground_truth=True)
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(data), "--out", str(out),
                             "--profile", "tiny"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "graph.json").read_text())
    assert len(summary["worms"]) == 2 and set(summary["truths"]) == {"connectome", "ground_truth"}
    readings = {"gnn", "gnn encoder", "gnn pulse", "correlation", "granger", "partial correlation (LW)",
                "derivative correlation", "linear model stimulated", "partial correlation (LW), drift removed",
                "partial correlation (LW), drift removed, bilateral mean"}
    readings |= {f"{r} (consensus)" for r in readings}
    assert set(summary["readings"]) == readings | {"anatomy"}
    assert summary["readings"]["gnn pulse"] == "model" and summary["readings"]["granger"] == "yardstick"
    for key, truth in summary["truths"].items():  # every reading is scored the same way against every truth
        assert set(truth["worms"]) == {r.worm_id for r in recs}
        for scores in truth["worms"].values():
            expected = readings if key == "connectome" else readings | {"anatomy"}  # never the diagram on itself
            assert set(scores) == expected
            assert all(0 <= s["auroc"] <= 1 and s["pairs"] > s["positives"] > 0 for s in scores.values())
        assert set(truth["mean"]) == set(next(iter(truth["worms"].values())))
    assert summary["measure"] == "sensitivity"
    assert "true coupling, not the atlas" in summary["notes"][0]
    # the terminal shows one table, reading × truth, and the pair sets: one line a reading in each, not a block a worm
    table = result.stdout.splitlines()
    assert "connectome" in table[0] and "ground_truth" in table[0]
    assert sum(line.startswith("granger (consensus)") for line in table) == 1
    assert len(table) <= 2 * len(summary["readings"]) + 8 and max(len(line) for line in table[:-1]) <= 100
    assert 'id="relation_auroc"' in (out / "report.html").read_text()
    csv = (out / "relations" / f"{recs[0].worm_id}.csv").read_text().splitlines()
    assert len(csv) == summary["worms"][0]["neurons"] + 1 and "AVAL" in csv[0]
    from wormgnn.persist import load_model

    model, _ = load_model(out / "model.safetensors")
    # relations of every neuron are wanted: every neuron is a forecast target, on every pair
    assert model.config.unscored_weight == 1.0 and model.config.train_neurons == 0


def test_graph_cli_refuses_an_unknown_measure_before_training(tmp_path):
    data = tmp_path / "sim"
    write_sim_folder(data, worms=2, seed=3, duration_s=120)
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(data), "--out", str(out),
                             "--profile", "tiny", "--relations", "granger"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown measure" in result.stderr
    assert "Traceback" not in result.stderr and not (out / "model.safetensors").exists()


def test_graph_on_real_worms_scores_every_reading_against_the_atlas(tmp_path, kato_path):
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(out), "--profile", "tiny"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "graph.json").read_text())
    atlas = summary["truths"]["atlas"]
    assert atlas["strain"] == "wt" and len(atlas["worms"]) == 5 and "Randi" in atlas["citation"]
    for scores in atlas["worms"].values():
        assert {"gnn", "gnn encoder", "gnn pulse", "correlation", "granger", "anatomy",
                "gnn (consensus)", "correlation (consensus)"} <= set(scores)
        assert all(s["pairs"] == 343 and s["positives"] == 29 and 0 <= s["auroc"] <= 1 for s in scores.values())
    assert 0.68 < atlas["mean"]["correlation"]["auroc"] < 0.72
    assert set(summary["truths"]) == {"connectome", "atlas"}
    assert "atlas" in result.stdout.splitlines()[0] and "atlas: 343 pairs, 29 positive" in result.stdout
    page = (out / "report.html").read_text()
    assert 'id="relations_vs_truth"' in page and 'id="relation_auroc"' in page


def test_graph_refuses_a_bad_atlas_before_training(tmp_path, kato_path):
    bad = tmp_path / "funatlas.h5"
    bad.write_bytes(b"junk")
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(out), "--profile", "tiny", "--atlas", str(bad)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and "funatlas.h5: not an atlas file" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and not (out / "model.safetensors").exists()


def test_drift_window_trains_the_model_on_drift_free_traces_and_keeps_the_yardsticks(tmp_path):
    from wormgnn.relations.run import drift_free, run_graph
    from wormgnn.sources import load_dataset

    write_sim_folder(tmp_path / "sim", worms=2, seed=3, duration_s=120, ground_truth=True)
    source = str(tmp_path / "sim")
    plain = run_graph(source, tmp_path / "plain", profile_name="tiny")
    free = run_graph(source, tmp_path / "free", profile_name="tiny", drift_window_s=60.0)
    assert free["drift_window_s"] == 60.0 and plain["drift_window_s"] == 0.0
    coupling_plain, coupling_free = plain["truths"]["ground_truth"]["mean"], free["truths"]["ground_truth"]["mean"]
    assert coupling_free["correlation"] == coupling_plain["correlation"]  # yardsticks read the recorded traces
    assert coupling_free["gnn"] != coupling_plain["gnn"]
    recordings = list(load_dataset(source))
    free_traces = drift_free(recordings, 60.0)[0].traces
    assert free_traces.shape == recordings[0].traces.shape and not np.allclose(free_traces, recordings[0].traces)


def test_a_negative_drift_window_is_refused_before_anything_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--drift-window", "-5", "--out",
                             str(tmp_path / "g")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--drift-window -5" in result.stderr and "Traceback" not in result.stderr


def test_graph_joint_fits_one_coupling_to_every_worm_and_scores_it_as_a_model(tmp_path, kato_path):
    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(out), "--model", "joint", "--neurons", "named"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "graph.json").read_text())
    assert summary["model"] == "joint" and summary["shown"] == "joint coupling"
    assert summary["readings"]["joint coupling"] == "model" and summary["readings"]["correlation"] == "yardstick"
    pooled = summary["truths"]["atlas"]["pooled"]
    assert pooled["joint coupling"]["pairs"] == pooled["correlation"]["pairs"] == 1851
    assert pooled["joint coupling"]["kind"] == "model" and len(pooled["joint coupling"]["delta_ci"]) == 2
    versus = pooled["joint coupling"]["versus"]  # held against every yardstick, e.g. partial correlation
    assert versus["partial correlation (LW)"]["delta"] == pytest.approx(
        pooled["joint coupling"]["auroc"] - pooled["partial correlation (LW)"]["auroc"])
    assert "pooled: joint coupling vs best yardstick, derivative correlation: Δ" in result.stdout
    assert summary["train_log"]["joint_rank"] == 3 and not (out / "model.safetensors").exists()
    from wormgnn.sim.io import read_matrix_csv

    names, coupling = read_matrix_csv(out / "joint_coupling.csv")  # one matrix over every worm's names
    assert len(names) == summary["train_log"]["joint_names"] > max(w["neurons"] for w in summary["worms"])
    assert np.allclose(coupling, coupling.T) and (np.diag(coupling) == 0).all() and coupling.max() > 0
    worm = summary["worms"][0]["worm"]
    labels, reading = read_matrix_csv(out / "relations" / f"{worm}.csv")
    i, j = names.index(labels[0]), names.index(labels[1])
    assert np.isclose(reading[0, 1], coupling[i, j], rtol=1e-5)
    assert summary["train_log"]["joint_homologs"] is True  # left and right read alike: AVAL-RIML as AVAR-RIMR
    assert summary["train_log"]["joint_epoch_s"] == 120.0  # a drive for each 2 minutes of a worm
    assert summary["train_log"]["joint_unnamed"] is False  # named neurons only: nothing else recorded enters
    a, b, c, d = (names.index(n) for n in ("AVAL", "AVAR", "RIML", "RIMR"))
    assert np.isclose(coupling[a, c], coupling[b, d]) and np.isclose(coupling[a, c], coupling[a, d])


def test_the_joint_model_reads_left_and_right_apart_on_request_and_refuses_unknown_options(tmp_path, kato_path):
    from wormgnn.errors import WormGnnError
    from wormgnn.relations.run import joint_config

    apart = joint_config("joint:homologs=false", 30.0, 2)
    assert joint_config("joint", 0.0, 0).homologs is True and apart.homologs is False
    assert apart.drift_window_s == 30.0 and apart.seed == 2 and joint_config("gnn", 0.0, 0) is None
    chosen = joint_config("joint:sparsity=0.01:rank=4:ridge=1", 0.0, 0)
    assert (chosen.sparsity, chosen.rank, chosen.ridge, chosen.homologs) == (0.01, 4, 1.0, True)
    assert joint_config("joint", 0.0, 0).sparsity is None  # scaled to the data
    assert joint_config("joint:epoch=240", 0.0, 0).epoch_s == 240.0 and joint_config("joint", 0.0, 0).epoch_s == 120.0
    assert joint_config("joint:epoch=0", 0.0, 0).epoch_s is None  # one epoch per worm
    for bad in ("steps=4", "rank=2.5", "sparsity=-1", "sparsity=nan", "sparsity=lots", "epoch=-60"):
        with pytest.raises(WormGnnError, match=f"joint takes homologs=true|false, rank=N, .* not '{bad}'"):
            joint_config(f"joint:{bad}", 0.0, 0)
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(tmp_path / "g"), "--model", "joint:homologs=maybe"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "joint:homologs=maybe" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "g" / "graph.json").exists()


def test_with_every_neuron_the_joint_fit_is_conditioned_on_the_unnamed_ones_and_reads_the_named(tmp_path):
    from toys import chain_coupling, coupled_system

    from wormgnn.relations.joint import JointCouplingConfig
    from wormgnn.relations.run import _yardstick_readings
    from wormgnn.sim.io import read_matrix_csv

    names = ["AVAL", "AVBL", "RIML", None, None, None]
    recordings = [coupled_system(300, seed, chain_coupling(), names=names) for seed in range(2)]
    config = JointCouplingConfig(steps=20, fits=1, epoch_s=None)
    for neurons, unnamed in (("named", False), ("all", True)):
        out = tmp_path / neurons
        out.mkdir()
        per_worm, worm_names, _, log = _yardstick_readings(recordings, neurons, config, out)
        assert log["joint_unnamed"] is unnamed and log["joint_names"] == 3
        assert read_matrix_csv(out / "joint_coupling.csv")[0] == ["AVAL", "AVBL", "RIML"]
        reading = per_worm[0]["joint coupling"]
        assert reading.shape == (len(worm_names[0]),) * 2 == ((6, 6) if unnamed else (3, 3))
        assert reading[:3, :3].any() and not reading[3:].any()
