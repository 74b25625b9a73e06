"""Continuous behavior as a task: velocity and head curvature, R² and Pearson r."""

import numpy as np
import pytest

import wormgnn
from wormgnn.data import Recording
from wormgnn.errors import WormGnnError
from wormgnn.tasks import get_task
from wormgnn.tasks.regression import r2_and_pearson

VELOCITY = get_task("velocity")


def test_r2_and_pearson_by_hand():
    measured = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
    assert r2_and_pearson(measured, measured) == {"r2": 1.0, "pearson": 1.0, "mse": 0.0}
    flat = r2_and_pearson(np.full(5, 2.75), measured)
    assert flat["r2"] == pytest.approx(0.0) and np.isnan(flat["pearson"])


def _worms(n=3, frames=400):
    rng = np.random.default_rng(0)
    out = []
    for k in range(n):
        x = rng.normal(size=(frames, 4))
        velocity = 0.05 * x[:, 0] - 0.02 * x[:, 1] + 0.005 * rng.normal(size=frames)
        velocity[::50] = np.nan  # unmeasured frames are not scored
        out.append(Recording(traces=x, neuron_names=["AVAL", "AVBL", "RIML", "SMDVL"], fps=1.7, worm_id=f"w{k}",
                             behavior={"velocity": velocity}, units={"velocity": "mm/s"}))
    return out


def test_a_linear_readout_of_the_window_is_found_on_unseen_worms(tmp_path):
    worms = _worms()
    labels = VELOCITY.frame_labels(worms[0])
    assert (labels[::50] == -1).all() and (labels[1:50] == 0).all()
    model = wormgnn.Model("linear", "velocity", profile="tiny").fit(worms[:2])
    decoded = model.predict(worms[2])
    measured = worms[2].behavior["velocity"][decoded["frames"]]
    scores = r2_and_pearson(decoded["values"], measured)
    assert scores["r2"] > 0.8 and scores["pearson"] > 0.9
    model.save(tmp_path / "v.safetensors")
    again = wormgnn.Model.load(tmp_path / "v.safetensors").predict(worms[2])
    np.testing.assert_allclose(again["values"], decoded["values"], rtol=1e-5)


def test_a_recording_without_the_variable_is_one_line(kato_recordings):
    with pytest.raises(WormGnnError, match="has no velocity measurements"):
        VELOCITY.check_recordings(kato_recordings[:1])
    assert get_task("head-curvature").variable == "head_curvature"
