"""The one training assembly: a benchmark run, the API and the relation readings train alike."""

import numpy as np
import torch

from wormgnn.api import Model
from wormgnn.experiment import RunSpec, execute
from wormgnn.pipeline import train_model
from wormgnn.profiles import get_profile
from wormgnn.sources import dataset_fingerprint, load_dataset, sim_source
from wormgnn.splits import fit_all, plan

SOURCE = sim_source(3, 11)


def _recordings():
    return list(load_dataset(SOURCE))


def _held_out_first(recordings, profile):
    return plan("lowo", recordings[0].worm_id, [r.worm_id for r in recordings], [r.frames for r in recordings],
                profile.window)


def test_the_api_trains_the_model_the_assembly_trains():
    recordings = _recordings()
    profile = get_profile("tiny")
    trained = train_model(recordings, "forecast", "mlp", "shared", profile,
                          fit_all([r.frames for r in recordings], profile.window), seed=3)
    model = Model("mlp", "forecast", profile="tiny", seed=3).fit(recordings)
    for (name, a), (_, b) in zip(trained.model.state_dict().items(), model.module.state_dict().items(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)


def test_closed_form_models_use_every_window_and_sgd_models_the_stride():
    recordings = _recordings()
    profile = get_profile("tiny")
    parts = _held_out_first(recordings, profile)
    linear = train_model(recordings, "forecast", "linear", "shared", profile, parts)
    mlp = train_model(recordings, "forecast", "mlp", "shared", profile, parts)
    assert len(linear.train) > 6 * len(mlp.train) and linear.log["epochs"] == 0 and mlp.log["epochs"] >= 1
    assert len(linear.val) == len(mlp.val)


def test_transfer_fine_tunes_and_scores_on_the_fine_tuning_validation():
    recordings = _recordings()
    profile = get_profile("tiny")
    parts = plan("transfer", recordings[1].worm_id, [r.worm_id for r in recordings],
                 [r.frames for r in recordings], profile.window)
    trained = train_model(recordings, "behavior", "mlp", "shared", profile, parts)
    assert "finetune" in trained.log
    scores, ev = trained.evaluate([r.fps for r in recordings])
    assert set(np.unique(ev.val.worm.numpy())) == {1} and set(np.unique(ev.test.worm.numpy())) == {1}
    assert ev.val.frame.numpy().max() < ev.test.frame.numpy().min()
    row = execute(RunSpec(SOURCE, dataset_fingerprint(SOURCE), "behavior", "transfer", recordings[1].worm_id, "mlp",
                          "shared", 0, "tiny"))
    assert row["metrics"] == scores.metrics  # a benchmark run is this assembly


def test_a_grid_is_chosen_on_the_validation_part_and_recorded():
    recordings = _recordings()
    profile = get_profile("tiny")
    parts = _held_out_first(recordings, profile)
    trained = train_model(recordings, "forecast", "tsmixer", "shared", profile, parts)
    tried, chosen = trained.log["grid"], trained.log["chosen"]
    assert len(tried) == 4 and tried[",".join(f"{k}={v}" for k, v in chosen.items())] == min(tried.values())
    assert all(getattr(trained.model.config, key) == value for key, value in chosen.items())
    # the chosen settings then get exactly the fit a model named with them gets
    named = ":".join(f"{k}={v}" for k, v in chosen.items())
    pinned = train_model(recordings, "forecast", f"tsmixer:{named}", "shared", profile, parts)
    assert "grid" not in pinned.log
    for (name, a), (_, b) in zip(trained.model.state_dict().items(), pinned.model.state_dict().items(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    half = train_model(recordings, "forecast", f"tsmixer:blocks={chosen['blocks']}", "shared", profile, parts)
    assert len(half.log["grid"]) == 2 and "blocks" not in half.log["chosen"]
