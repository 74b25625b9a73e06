import numpy as np
import pytest

from wormgnn.connectome import load_connectome
from wormgnn.data import shared_names
from wormgnn.data.states import FINE_STATES, KATO_STATES
from wormgnn.errors import WormGnnError
from wormgnn.sim import simulate
from wormgnn.sim.simulator import SimulationConfig

REVERSAL = [KATO_STATES.index(s) for s in ("rev1", "rev2", "revsus")]
FORWARD = [KATO_STATES.index(s) for s in ("fwd", "slow")]


@pytest.fixture(scope="module")
def full_sim():
    return simulate(worms=5, seed=1)


def test_shapes_and_ranges_like_kato(full_sim):
    recs, truths = full_sim
    assert len(recs) == 5
    for rec, truth in zip(recs, truths, strict=True):
        assert 100 <= rec.n_neurons <= 135
        assert 30 <= len(rec.identified) <= 47
        assert 2.7 <= rec.fps <= 3.1
        assert abs(rec.frames / rec.fps - 1080) < 1
        assert truth.shape == (rec.n_neurons, rec.n_neurons)
        assert set(rec.state_counts()) == set(KATO_STATES)
        assert all(rec.state_counts()[s] > 0 for s in FINE_STATES)
    assert len(shared_names(recs)) >= 20


def test_dwell_times_and_reversal_share(full_sim):
    recs, _ = full_sim
    for rec in recs:
        segments = np.count_nonzero(np.diff(rec.labels)) + 1
        assert 18 <= rec.frames / segments <= 35
        reversal = np.isin(rec.labels, REVERSAL).mean()
        assert 0.25 <= reversal <= 0.45


def test_program_drives_its_neurons(full_sim):
    recs, _ = full_sim
    for rec in recs:
        x = rec.traces
        labels = rec.labels
        ava = x[:, rec.neuron_names.index("AVAL")]
        assert ava[np.isin(labels, REVERSAL)].mean() > ava[np.isin(labels, FORWARD)].mean() + 0.1
        for neuron, turn in (("SMDVL", "vt"), ("SMDDL", "dt")):
            trace = x[:, rec.neuron_names.index(neuron)]
            means = [trace[labels == i].mean() for i, s in enumerate(KATO_STATES) if s in FINE_STATES]
            assert int(np.argmax(means)) == FINE_STATES.index(turn), (rec.worm_id, neuron)


def test_ground_truth_is_the_connectome_among_recorded_neurons():
    recs, truths = simulate(worms=2, seed=3, duration_s=60)
    strong = SimulationConfig().min_synapses
    conn = load_connectome()
    for rec, truth in zip(recs, truths, strict=True):
        # unidentified neurons are real neurons too: the truth covers them, names hidden
        assert truth.shape[0] == rec.n_neurons
        named = [i for i, n in enumerate(rec.neuron_names) if n]
        names = [rec.neuron_names[i] for i in named]
        chem, gap, _ = conn.submatrices(names)
        support = (chem >= strong) | (gap >= strong) | (gap.T >= strong)
        np.testing.assert_array_equal(truth[np.ix_(named, named)] != 0, support)


def test_deterministic_per_seed():
    a, ta = simulate(worms=2, seed=5, duration_s=50)
    b, tb = simulate(worms=2, seed=5, duration_s=50)
    c, _ = simulate(worms=2, seed=6, duration_s=50)
    np.testing.assert_array_equal(a[1].traces, b[1].traces)
    np.testing.assert_array_equal(ta[0], tb[0])
    assert a[0].neuron_names == b[0].neuron_names
    assert not np.array_equal(a[0].traces[:, :5], c[0].traces[:, :5])


@pytest.mark.parametrize("kwargs, message", [
    ({"worms": 0}, "at least 1"), ({"duration_s": -5}, "positive"), ({"duration_s": 5}, "under 64"),
    ({"broad_drive": -1.0}, "0 or more"), ({"drive_turnover": 1.5}, r"lie in \[0, 1\]"),
    ({"drive_epoch_s": 0.0}, "drive_epoch_s must be positive"),
    ({"fps": 1.662, "calcium_tau_s": 0.5}, "calcium_tau_s 0.5 s is under a frame at 1.662 frames/s"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(WormGnnError, match=message):
        simulate(**kwargs)


def test_broad_drive_spreads_the_motor_program_over_the_head_and_leaves_the_wiring_alone():
    from wormgnn.sim.calibration import dataset_statistics

    core_only, core_truth = simulate(worms=2, seed=4, duration_s=300)
    broad, broad_truth = simulate(worms=2, seed=4, duration_s=300, broad_drive=0.9)
    narrow, wide = dataset_statistics(core_only), dataset_statistics(broad)
    assert wide["pc1"] > narrow["pc1"] + 0.08 and wide["median_abs_corr"] > 2 * narrow["median_abs_corr"]
    assert wide["participation"] < narrow["participation"] / 2
    assert core_only[0].neuron_names == broad[0].neuron_names  # same worms, same recorded neurons
    np.testing.assert_array_equal(core_truth[1], broad_truth[1])


def test_a_turning_drive_changes_the_correlations_over_minutes_and_nothing_else():
    from wormgnn.sim.calibration import agreement_within_worm

    settings = {"worms": 2, "seed": 4, "duration_s": 720, "broad_drive": 1.5}
    steady, steady_truth = simulate(**settings)
    turning, turning_truth = simulate(**settings, drive_turnover=0.4)
    assert steady[0].neuron_names == turning[0].neuron_names  # same worms, same recorded neurons
    np.testing.assert_array_equal(steady_truth[1], turning_truth[1])  # the same wiring
    np.testing.assert_array_equal(steady[1].labels, turning[1].labels)  # and the same motor program
    assert not np.allclose(steady[0].traces, turning[0].traces)
    before = [agreement_within_worm(r) for r in steady]
    after = [agreement_within_worm(r) for r in turning]
    for b, a in zip(before, after, strict=True):  # the halves part; short blocks hold far better
        assert a["halves_agreement"] < b["halves_agreement"] - 0.15
        assert a["blocks_agreement"] > a["halves_agreement"] + 0.1
    again, _ = simulate(**settings, drive_turnover=0.4)
    np.testing.assert_array_equal(again[0].traces, turning[0].traces)
