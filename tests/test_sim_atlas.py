"""The atlas experiment on simulated worms: stimulation, sham, pooled tests, q-values."""

import numpy as np
import pytest

from wormgnn.sim.atlas import StimulationProtocol, benjamini_hochberg, simulated_atlas, stimulate_worm
from wormgnn.sim.simulator import simulated_worms


@pytest.fixture(scope="module")
def worms():
    return simulated_worms(worms=2, seed=5, duration_s=240)


def test_benjamini_hochberg_matches_its_definition():
    p = np.array([0.01, 0.04, 0.03, 0.5, 0.001])
    q = benjamini_hochberg(p)
    order = np.argsort(p)
    expected = np.minimum.accumulate((p[order] * 5 / np.arange(1, 6))[::-1])[::-1]
    np.testing.assert_allclose(q[order], expected)
    assert (q >= p).all() and q.max() <= 1


def test_a_stimulated_neuron_responds_and_moves_the_neurons_it_drives(worms):
    worm = worms[0]
    names, responses = stimulate_worm(worm, StimulationProtocol(trials=40), np.random.default_rng(0), 0.04)
    assert responses.shape == (40, len(names), len(names))
    mean = responses.mean(0)
    assert (np.diag(mean) > 0.05).mean() > 0.9  # the stimulated neuron itself rises
    named = [worm.recording.neuron_names.index(n) for n in names]
    coupling = np.abs(worm.truth[np.ix_(named, named)])
    off = ~np.eye(len(names), dtype=bool)
    strong = off & (coupling > np.quantile(coupling[coupling > 0], 0.75))
    # responses follow the coupling: strongly coupled pairs move much more than uncoupled ones
    assert np.abs(mean[strong]).mean() > 2 * np.abs(mean[off & (coupling == 0)]).mean()


def test_the_atlas_pools_worms_by_name_and_is_reproducible(worms):
    protocol = StimulationProtocol(trials=30)
    atlas = simulated_atlas(list(worms), protocol, seed=1)
    names = atlas["names"]
    assert names == sorted({n for w in worms for n in w.recording.neuron_names if n})
    both = [n for n in names if all(n in w.recording.neuron_names for w in worms)]
    one = [n for n in names if n not in both]
    i, j = names.index(both[0]), names.index(both[1])
    assert atlas["trials"][i, j] == 60  # two worms' trials pooled
    k = names.index(one[0])
    assert atlas["trials"][k, i] == 30 and np.isnan(atlas["q"][k, k])
    tested = np.isfinite(atlas["q"])
    assert tested.sum() > 0.8 * (len(names) ** 2 - len(names)) and (atlas["q"][tested] < 0.05).any()
    again = simulated_atlas(list(worms), protocol, seed=1)
    np.testing.assert_array_equal(np.nan_to_num(atlas["q"], nan=-1), np.nan_to_num(again["q"], nan=-1))


def test_too_short_a_recording_is_refused(worms):
    with pytest.raises(ValueError, match="too short"):
        stimulate_worm(worms[0], StimulationProtocol(settle_s=500.0), np.random.default_rng(0), 0.04)
