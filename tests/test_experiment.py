import numpy as np

from wormgnn.experiment import RunSpec, execute
from wormgnn.sources import dataset_fingerprint, load_dataset, sim_source


def _spec(task, split, fold, model, neurons="shared", seed=0, lookahead=0):
    src = sim_source(3, 11)
    return RunSpec(src, dataset_fingerprint(src), task, split, fold, model, neurons, seed, "tiny",
                   lookahead=lookahead)


def test_lowo_forecast_row():
    worms = [r.worm_id for r in load_dataset(sim_source(3, 11))]
    row = execute(_spec("forecast", "lowo", worms[1], "linear"))
    assert row["fold"] == worms[1] and row["n_test"] > 1000
    assert set(row["metrics"]) == {"mse", "skill"} and set(row["metrics"]["skill"]) == {str(h) for h in range(1, 9)}
    assert row["metrics"]["skill"]["8"] > 0  # ridge beats persistence on simulated worms
    # the same metrics on the training worms' validation tail, where variants are compared
    val = row["val_metrics"]
    assert set(val) == {"mse", "skill"} and val["skill"]["8"] > 0
    assert val["mse"] != row["metrics"]["mse"]


def test_behavior_row_has_both_granularities_and_confusion():
    worms = [r.worm_id for r in load_dataset(sim_source(3, 11))]
    row = execute(_spec("behavior", "transfer", worms[0], "mlp"))
    assert {"coarse", "fine", "filtered", "smoothed"} == set(row["metrics"])
    fine = np.array(row["confusion"]["fine"])
    assert fine.shape == (7, 7) and fine.sum() == row["n_test"]
    assert "finetune" in row["train_log"]
    assert set(row["val_metrics"]) == {"coarse", "fine", "filtered", "smoothed"}
    assert row["val_metrics"]["fine"] != row["metrics"]["fine"]


def test_behavior_rows_score_state_sequences_beside_frames():
    worms = [r.worm_id for r in load_dataset(sim_source(3, 11))]
    row = execute(_spec("behavior", "lowo", worms[1], "linear"))
    frame, smoothed = row["metrics"]["coarse"], row["metrics"]["smoothed"]["coarse"]
    for block in (frame, smoothed, row["metrics"]["filtered"]["fine"]):
        assert {"balanced_accuracy", "switches_per_min", "annotated_switches_per_min", "switch_ratio",
                "segment_f1"} <= set(block)
    assert frame["annotated_switches_per_min"] == smoothed["annotated_switches_per_min"] > 0
    # the offline sequence flickers less than the per-frame decoder and matches more segments
    assert smoothed["switches_per_min"] <= frame["switches_per_min"]
    assert smoothed["segment_f1"] >= frame["segment_f1"]
    assert set(row["dynamics"]["sharpness"]) == {"filtered", "smoothed"}


def test_lookahead_decodes_earlier_frames_and_enters_the_key():
    worm = load_dataset(sim_source(3, 11))[2].worm_id
    causal = _spec("behavior", "lowo", worm, "linear")
    ahead = _spec("behavior", "lowo", worm, "linear", lookahead=4)
    assert ahead.key == causal.key + "|lookahead=4"
    a, b = execute(causal), execute(ahead)
    assert b["lookahead"] == 4 and b["metrics"] != a["metrics"]
    # the same frames are decoded, K frames earlier in the window: the held-out worm's test set keeps
    # every frame with a window (the first W-1-K frames have none)
    assert b["n_test"] >= a["n_test"]


def test_behavior_trains_on_the_profiles_behavior_stride(monkeypatch):
    from dataclasses import replace

    from wormgnn import profiles

    worm = load_dataset(sim_source(3, 11))[0].worm_id
    strided = execute(_spec("behavior", "lowo", worm, "mlp"))["n_train"]
    forecast = execute(_spec("forecast", "lowo", worm, "mlp"))["n_train"]
    monkeypatch.setitem(profiles.PROFILES, "tiny", replace(profiles.PROFILES["tiny"], behavior_train_stride=1))
    every = execute(_spec("behavior", "lowo", worm, "mlp"))["n_train"]
    assert 7.5 * strided < every < 8.5 * strided
    assert execute(_spec("forecast", "lowo", worm, "mlp"))["n_train"] == forecast  # forecasting keeps its stride


def test_a_changed_profile_changes_the_run_key(monkeypatch):
    from dataclasses import replace

    from wormgnn import profiles

    spec = _spec("forecast", "lowo", "w1", "mlp")
    before = spec.key
    assert spec.key == before and "|tiny@" in before
    monkeypatch.setitem(profiles.PROFILES, "tiny", replace(profiles.PROFILES["tiny"], max_epochs=3))
    assert spec.key != before


def test_a_changed_model_default_changes_the_run_key(monkeypatch):
    from dataclasses import dataclass

    from wormgnn.models.base import REGISTRY, ModelEntry

    spec = _spec("forecast", "lowo", "w1", "mlp")
    before, variant = spec.key, _spec("forecast", "lowo", "w1", "mlp:hidden=999").key
    entry = REGISTRY["mlp"]

    @dataclass(frozen=True)
    class Wider(entry.config_cls):
        hidden: int = 999

    monkeypatch.setitem(REGISTRY, "mlp", ModelEntry(entry.name, entry.cls, Wider, entry.description))
    assert spec.key != before
    assert spec.key.replace("|mlp@", "|mlp:hidden=999@") == variant  # same settings, same fingerprint


def test_graph_model_on_all_neurons_scores_shared_only():
    row = execute(_spec("forecast", "within", "all", "gnn-connectome", neurons="all"))
    assert row["neurons"] == "all" and np.isfinite(row["metrics"]["mse"]["1"])


def test_same_spec_same_row():
    worms = [r.worm_id for r in load_dataset(sim_source(3, 11))]
    a = execute(_spec("behavior", "lowo", worms[2], "lstm", seed=4))
    b = execute(_spec("behavior", "lowo", worms[2], "lstm", seed=4))
    assert a["metrics"] == b["metrics"]


def test_a_transfer_adapts_on_the_minutes_asked_for_and_says_so_in_its_key():
    src = sim_source(3, 11)
    worm = load_dataset(src)[1]
    spec = RunSpec(src, dataset_fingerprint(src), "forecast", "transfer", worm.worm_id, "linear", "shared", 0, "tiny",
                   adapt_minutes=2.0)
    assert spec.key.endswith("|adapt_minutes=2")
    row = execute(spec)
    assert row["n_test"] > 0 and row["adapt_minutes"] == 2.0 and "finetune" in row["train_log"]
    default = execute(RunSpec(src, dataset_fingerprint(src), "forecast", "transfer", worm.worm_id, "linear",
                              "shared", 0, "tiny"))
    # two minutes at the simulator's rate are fewer frames than its first 20%: more is left to test
    assert row["n_test"] > default["n_test"]


def test_runs_sharing_a_training_give_the_rows_each_would_alone(tmp_path):
    from conftest import write_sim_folder

    from wormgnn.experiment import execute_group

    first, second = tmp_path / "lab_a", tmp_path / "lab_b"
    write_sim_folder(first, worms=2, seed=2, duration_s=120)
    write_sim_folder(second, worms=2, seed=9, duration_s=240)
    src = (str(first), str(second))
    worms = [r.worm_id for r in load_dataset(src) if r.dataset == "lab_b"]
    specs = [RunSpec(src, dataset_fingerprint(src), "forecast", "transfer", worm, "mlp", "shared", 1, "tiny",
                     adapt_minutes=1.5) for worm in worms]
    together = [row for _, row in execute_group(specs)]
    for spec, row in zip(specs, together, strict=True):
        alone = execute(spec)
        assert row["key"] == alone["key"] and row["training_shared_by"] == 2
        assert row["metrics"] == alone["metrics"] and row["val_metrics"] == alone["val_metrics"]
        assert row["train_log"]["finetune"]["best_epoch"] == alone["train_log"]["finetune"]["best_epoch"]
    # each test worm fine-tunes its own copy: the two rows differ
    assert together[0]["metrics"] != together[1]["metrics"]
