"""wormgnn.sim.calibration: statistics of shared dynamics, and the distance between them."""

import numpy as np
import pytest

from wormgnn.data import Recording
from wormgnn.sim.calibration import MATCHED, dataset_statistics, distance, shared_dynamics


def _worm(shared: float, neurons: int = 40, frames: int = 4000, seed: int = 0) -> Recording:
    rng = np.random.default_rng(seed)
    state = np.repeat(rng.normal(size=frames // 20), 20)  # a slow global state, 20 frames a step
    traces = shared * state[:, None] * rng.choice([-1.0, 1.0], neurons) + rng.normal(size=(frames, neurons))
    return Recording(traces.astype(np.float32), [None] * neurons, 2.0, "w")


def test_one_shared_state_shows_in_the_first_component_and_the_correlations():
    independent, shared = shared_dynamics(_worm(0.0)), shared_dynamics(_worm(1.0))
    # unit variance state on unit noise: half of each neuron's variance is shared
    assert abs(shared["pc1"] - 0.5) < 0.05 and independent["pc1"] < 0.1
    assert abs(shared["median_abs_corr"] - 0.5) < 0.05 and independent["median_abs_corr"] < 0.05
    assert shared["participation"] < 5 < 30 < independent["participation"]
    # the state steps every 10 s: still there after 1 s, gone after 5 s only in part
    assert shared["autocorr_1s"] > 0.3 and abs(independent["autocorr_1s"]) < 0.05


def test_distance_is_zero_to_itself_and_grows_with_the_mismatch():
    stats = [dataset_statistics([_worm(s, seed=1)]) for s in (0.5, 0.7, 1.5)]
    assert distance(stats[0], stats[0]) == 0.0
    assert 0 < distance(stats[1], stats[0]) < distance(stats[2], stats[0])
    assert set(MATCHED) <= set(stats[0])


def test_a_silent_neuron_is_left_out():
    worm = _worm(1.0)
    worm.traces[:, 3] = 0.0
    assert shared_dynamics(worm)["neurons"] == 39


def test_flavell_shaped_settings_simulate_worms_shaped_like_the_named_flavell_recordings():
    from wormgnn.sim.calibration import FLAVELL_MATCHED, simulator_settings
    from wormgnn.sim.simulator import simulate

    settings = simulator_settings("flavell-shaped")
    assert settings["worms"] == 7 and FLAVELL_MATCHED.items() <= settings.items()
    recordings, _ = simulate(seed=3, **(settings | {"worms": 2}))  # two worms are enough to check the shape
    for rec in recordings:
        named = sum(n is not None for n in rec.neuron_names)
        assert 0.96 * 800 <= rec.traces.shape[0] <= 1.06 * 800  # each worm's rate jitters by a few %
        assert 0.96 * 1.662 <= rec.fps <= 1.06 * 1.662
        assert 130 <= rec.traces.shape[1] <= 146 and 87 <= named <= 110
    assert simulator_settings("calibrated").keys().isdisjoint({"worms", "duration_s", "fps"})
    turning = simulator_settings("flavell-shaped, drive_turnover=0.3")
    assert turning == settings | {"drive_turnover": 0.3}
    assert simulator_settings("drift=0.2") == {"drift": 0.2}


def test_a_lab_name_only_leads_the_settings_and_unknown_ones_are_refused():
    from wormgnn.errors import WormGnnError
    from wormgnn.sim.calibration import simulator_settings

    for bad in ("drive_turnover=0.3,flavell-shaped", "flavell-shaped,calibrated", "speed=2"):
        with pytest.raises(WormGnnError, match="unknown"):
            simulator_settings(bad)


def test_worms_sharing_one_correlation_structure_agree_and_worms_with_their_own_do_not():
    from wormgnn.sim.calibration import between_worm_agreement

    rng = np.random.default_rng(4)
    names = [f"N{i}" for i in range(12)]
    loadings = rng.normal(size=(12, 3))  # three shared factors, the same in both worms

    def worm(load, order):
        x = rng.normal(size=(3000, 3)) @ load.T + 0.5 * rng.normal(size=(3000, 12))
        return Recording(x[:, order].astype(np.float32), [names[i] for i in order], 2.0, "w")

    same = [worm(loadings, np.arange(12)), worm(loadings, rng.permutation(12))]  # names in another order
    own = [worm(loadings, np.arange(12)), worm(rng.normal(size=(12, 3)), np.arange(12))]
    assert between_worm_agreement(same) > 0.8 > 0.3 > between_worm_agreement(own)
    assert np.isnan(between_worm_agreement(same[:1]))  # one worm: nothing to agree with
    assert "agreement" in dataset_statistics(same) and "agreement" not in MATCHED


def test_a_worm_whose_correlations_change_halfway_agrees_with_itself_in_blocks_not_in_halves():
    from wormgnn.sim.calibration import agreement_within_worm

    rng = np.random.default_rng(5)
    halves = []
    for _ in range(2):  # three factors with loadings of their own in each half
        factors = np.repeat(rng.normal(size=(100, 3)), 20, axis=0)  # slow: 20 frames a step
        halves.append(factors @ rng.normal(size=(3, 30)) + rng.normal(size=(2000, 30)))
    changing = agreement_within_worm(Recording(np.vstack(halves).astype(np.float32), [None] * 30, 2.0, "w"))
    steady = agreement_within_worm(Recording(np.vstack([halves[0], halves[0][::-1]]).astype(np.float32),
                                             [None] * 30, 2.0, "w"))
    assert changing["halves_agreement"] < 0.3 < changing["blocks_agreement"]
    assert steady["halves_agreement"] > 0.9
    one = Recording(halves[0].astype(np.float32), [None] * 30, 2.0, "w")
    assert {"halves_agreement", "blocks_agreement"} <= dataset_statistics([one]).keys()
    two_neurons = agreement_within_worm(Recording(halves[0][:, :2].astype(np.float32), [None] * 2, 2.0, "w"))
    brief = agreement_within_worm(Recording(halves[0][:40].astype(np.float32), [None] * 30, 2.0, "w"))
    assert np.isnan(two_neurons["halves_agreement"]) and np.isnan(two_neurons["blocks_agreement"])
    assert np.isfinite(brief["halves_agreement"]) and np.isnan(brief["blocks_agreement"])  # 20 s: one block


def test_frame_to_frame_changes_agree_between_halves_only_where_fast_fluctuations_are_shared():
    from wormgnn.sim.calibration import UNMATCHED, agreement_within_worm

    rng = np.random.default_rng(6)
    waves = np.sin(np.arange(4000)[:, None] * 2 * np.pi / np.array([300, 470, 650]) + rng.uniform(0, 6, 3))
    slow = 2 * waves @ rng.normal(size=(3, 30))  # a stable slow pattern
    own_noise = slow + rng.normal(size=(4000, 30))
    shared_fast = own_noise + rng.normal(size=(4000, 4)) @ rng.normal(size=(4, 30))  # fast, in a fixed pattern
    own = agreement_within_worm(Recording(own_noise.astype(np.float32), [None] * 30, 2.0, "w"))
    shared = agreement_within_worm(Recording(shared_fast.astype(np.float32), [None] * 30, 2.0, "w"))
    assert abs(own["changes_agreement"]) < 0.15 < 0.6 < shared["changes_agreement"]
    assert own["halves_agreement"] > 0.6  # the slow pattern agrees either way
    assert "changes_agreement" in UNMATCHED and "changes_agreement" not in MATCHED
    assert np.isnan(agreement_within_worm(Recording(slow[:, :2].astype(np.float32), [None] * 2, 2.0, "w"))
                    ["changes_agreement"])
