from dataclasses import replace

import numpy as np
import pytest

from wormgnn.errors import WormGnnError
from wormgnn.relations.estimators import bilateral_average
from wormgnn.relations.joint import (
    JointCoupling,
    JointCouplingConfig,
    default_sparsity,
    fit_joint_coupling,
    joint_readings,
)
from wormgnn.relations.scoring import auroc

NAMES = [f"N{i:02d}" for i in range(14)]


def _worms(seed: int = 0, frames: int = 3000):
    """Three worms sharing a sparse coupling among 14 names (each records 11 of them), each
    with a strong drive of its own that moves every neuron together."""
    rng = np.random.default_rng(seed)
    m = len(NAMES)
    edges = np.zeros((m, m), dtype=bool)
    for i in range(m):  # a ring and a few chords: sparse, every name coupled
        edges[i, (i + 1) % m] = edges[(i + 1) % m, i] = True
    for i, j in [(0, 7), (3, 10), (5, 12)]:
        edges[i, j] = edges[j, i] = True
    precision = np.eye(m) - 0.3 * edges
    covariance = np.linalg.inv(precision)
    traces, names = [], []
    for _ in range(3):
        keep = sorted(rng.choice(m, size=11, replace=False))
        drive = rng.normal(0, 1.5, size=(len(keep), 1))
        sigma = covariance[np.ix_(keep, keep)] + drive @ drive.T
        x = rng.multivariate_normal(np.zeros(len(keep)), sigma, size=frames)
        traces.append(x)
        names.append([NAMES[i] for i in keep])
    return traces, names, edges


def _auroc_on_edges(matrix, names, edges):
    index = [NAMES.index(n) for n in names]
    truth = edges[np.ix_(index, index)]
    off = ~np.eye(len(index), dtype=bool)
    return auroc(matrix[off], truth[off])


def test_the_shared_coupling_is_recovered_where_each_worms_drive_hides_it_from_correlation():
    traces, names, edges = _worms()
    # each worm's drive is one-dimensional, and holds for the whole recording
    config = JointCouplingConfig(rank=1, drift_window_s=0, epoch_s=None, steps=600, fits=1)
    fitted = fit_joint_coupling(traces, names, [1.0] * 3, config)
    assert sorted(fitted.names) == fitted.names and set(fitted.names) <= set(NAMES)
    assert np.allclose(fitted.coupling, fitted.coupling.T) and (np.diag(fitted.coupling) == 0).all()
    joint = _auroc_on_edges(fitted.coupling, fitted.names, edges)
    correlation = np.mean([_auroc_on_edges(np.abs(np.corrcoef(x.T)), n, edges)
                           for x, n in zip(traces, names, strict=True)])
    assert joint > 0.9 and joint > correlation + 0.1
    without_drive = fit_joint_coupling(traces, names, [1.0] * 3, replace(config, rank=0))
    assert joint > _auroc_on_edges(without_drive.coupling, without_drive.names, edges)


def test_the_fit_is_reproducible_and_reads_each_worm_in_its_own_order():
    traces, names, _ = _worms(frames=800)
    config = JointCouplingConfig(drift_window_s=0, epoch_s=None, steps=50, fits=2)
    first, readings, log = joint_readings(traces, names, [1.0] * 3, config)
    again = fit_joint_coupling(traces, names, [1.0] * 3, config)
    np.testing.assert_allclose(first.coupling, again.coupling, rtol=0, atol=1e-12)
    alone = [fit_joint_coupling(traces, names, [1.0] * 3, replace(config, fits=1, seed=s)).coupling for s in (0, 1)]
    assert not np.allclose(alone[0], alone[1])  # each fit starts from its own random drive
    np.testing.assert_allclose(first.coupling, (alone[0] + alone[1]) / 2, rtol=0, atol=1e-12)
    assert log["joint_names"] == len(first.names) and log["joint_rank"] == 3 and log["joint_fits"] == 2
    for reading, worm in zip(readings, names, strict=True):
        i, j = first.names.index(worm[0]), first.names.index(worm[1])
        assert reading.shape == (11, 11) and reading[0, 1] == first.coupling[i, j]


def test_unnamed_neurons_read_zero_and_a_worm_without_names_is_refused():
    fitted = JointCoupling(["A", "B"], np.array([[0.0, 0.4], [0.4, 0.0]]), 0.0)
    reading = fitted.among(["B", None, "A"])
    np.testing.assert_array_equal(reading, [[0, 0, 0.4], [0, 0, 0], [0.4, 0, 0]])
    with pytest.raises(WormGnnError, match="no worm has named neurons"):
        joint_readings([np.zeros((50, 2))], [[None, None]], [1.0])


def test_a_sparsity_penalty_sets_the_uncoupled_pairs_nearer_zero_than_the_coupled_ones():
    traces, names, edges = _worms()
    base = JointCouplingConfig(rank=1, ridge=0.0, sparsity=0.0, drift_window_s=0, epoch_s=None, steps=600, fits=1)
    plain = fit_joint_coupling(traces, names, [1.0] * 3, base)
    sparse = fit_joint_coupling(traces, names, [1.0] * 3, replace(base, sparsity=0.05))
    index = [NAMES.index(n) for n in sparse.names]
    uncoupled = ~edges[np.ix_(index, index)] & ~np.eye(len(index), dtype=bool)
    assert np.median(sparse.coupling[uncoupled]) < 0.5 * np.median(plain.coupling[uncoupled])
    assert np.median(sparse.coupling[edges[np.ix_(index, index)]]) > 0.15  # the coupled pairs (0.3) survive


def test_the_default_sparsity_rises_as_the_data_shrink_and_the_fit_records_what_it_used():
    assert default_sparsity(80, 15_600) == pytest.approx(0.005, abs=3e-4)  # worms shaped like Kato's
    assert default_sparsity(180, 5_600) == pytest.approx(0.009, abs=3e-4)  # like the named Flavell worms
    assert default_sparsity(80, 5_000) > default_sparsity(80, 15_000)
    assert default_sparsity(200, 5_000) > default_sparsity(50, 5_000)
    traces, names, _ = _worms(frames=400)
    config = JointCouplingConfig(drift_window_s=0, epoch_s=None, steps=40, fits=1)
    fitted, _, log = joint_readings(traces, names, [1.0] * 3, config)
    assert fitted.sparsity == pytest.approx(default_sparsity(len(fitted.names), 3 * 400))
    assert log["joint_sparsity"] == fitted.sparsity and log["joint_epoch_s"] is None
    assert JointCouplingConfig().epoch_s == 120.0  # by default each 2 minutes of a worm has a drive of its own
    scaled = fit_joint_coupling(traces, names, [1.0] * 3, config)
    same = fit_joint_coupling(traces, names, [1.0] * 3, replace(config, sparsity=scaled.sparsity))
    other = fit_joint_coupling(traces, names, [1.0] * 3, replace(config, sparsity=0.1))
    np.testing.assert_array_equal(same.coupling, scaled.coupling)  # the default is the penalty the fit used
    assert other.sparsity == 0.1 and not np.allclose(other.coupling, scaled.coupling)


def test_the_fit_reads_left_right_variants_alike_unless_told_not_to():
    rng = np.random.default_rng(1)
    names = [["AVAL", "AVAR", "RIML", "RIMR", "RID"]] * 2
    traces = [rng.normal(size=(400, 5)) for _ in range(2)]
    config = JointCouplingConfig(drift_window_s=0, epoch_s=None, steps=30, fits=1)
    fitted, _, log = joint_readings(traces, names, [1.0] * 2, config)
    apart = fit_joint_coupling(traces, names, [1.0] * 2, replace(config, homologs=False))
    np.testing.assert_allclose(fitted.coupling, bilateral_average(apart.names, apart.coupling), rtol=0, atol=1e-12)
    i, j, k, m = (fitted.names.index(n) for n in ("AVAL", "AVAR", "RIML", "RIMR"))
    # alike up to the order the four variants are summed in; apart, they differ well beyond it
    assert abs(fitted.coupling[i, k] - fitted.coupling[j, m]) <= 1e-12
    assert abs(apart.coupling[i, k] - apart.coupling[j, m]) > 1e-6
    assert log["joint_homologs"] is True


def test_the_fit_runs_on_one_thread_so_it_reads_alike_on_every_machine_and_restores_the_setting():
    import torch

    traces, names, _ = _worms(frames=400)
    config = JointCouplingConfig(drift_window_s=0, epoch_s=None, steps=40, fits=1)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        two = fit_joint_coupling(traces, names, [1.0] * 3, config).coupling
        assert torch.get_num_threads() == 2  # the caller's setting is given back
        torch.set_num_threads(1)
        one = fit_joint_coupling(traces, names, [1.0] * 3, config).coupling
    finally:
        torch.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


def _turning_worms(seed: int = 0, frames: int = 2400):
    """``_worms`` with each worm's strong drive replaced by another one halfway through: the
    correlation structure changes within the recording."""
    rng = np.random.default_rng(seed)
    traces, names, edges = _worms(seed, frames=frames)
    covariance = np.linalg.inv(np.eye(len(NAMES)) - 0.3 * edges)
    out = []
    for worm in names:
        keep = [NAMES.index(n) for n in worm]
        halves = []
        for _ in range(2):
            drive = rng.normal(0, 2.0, size=(len(keep), 1))
            sigma = covariance[np.ix_(keep, keep)] + drive @ drive.T
            halves.append(rng.multivariate_normal(np.zeros(len(keep)), sigma, size=frames // 2))
        out.append(np.vstack(halves))
    return out, names, edges


def test_epochs_give_each_stretch_its_own_drive_where_the_drive_changes_within_a_worm():
    from wormgnn.relations.joint import drift_free_correlation, drift_free_correlations

    traces, names, edges = _turning_worms()
    x = traces[0]
    whole = drift_free_correlations(x, 2.0, 0.0)
    assert len(whole) == 1 and np.allclose(whole[0], drift_free_correlation(x, 2.0, 0.0))
    parts = drift_free_correlations(x, 2.0, 0.0, epoch_s=600.0)  # 2,400 frames at 2 fps: 20 min, 2 epochs
    assert len(parts) == 2 and all(np.allclose(np.diag(c), 1.0) for c in parts)
    assert len(drift_free_correlations(x, 2.0, 0.0, epoch_s=500.0)) == 2  # two of 1,200 frames, not three
    assert np.allclose(parts[0], np.corrcoef(x[:1200].T))
    config = JointCouplingConfig(rank=1, drift_window_s=0, epoch_s=None, steps=600, fits=1, homologs=False)
    one_drive = fit_joint_coupling(traces, names, [2.0] * 3, config)
    per_epoch = fit_joint_coupling(traces, names, [2.0] * 3, replace(config, epoch_s=600.0))
    assert per_epoch.names == one_drive.names
    assert per_epoch.sparsity == one_drive.sparsity  # the same frames: the same penalty
    assert _auroc_on_edges(per_epoch.coupling, per_epoch.names, edges) > \
        _auroc_on_edges(one_drive.coupling, one_drive.names, edges) + 0.05


def test_unnamed_neurons_condition_the_named_coupling_only_when_asked_and_are_read_by_nobody():
    # in each worm A and B follow an unnamed neuron they share, and are not coupled to each other
    rng = np.random.default_rng(2)
    traces, names = [], []
    for _ in range(3):
        hidden = rng.normal(size=(1500, 1))
        x = np.hstack([hidden + rng.normal(size=(1500, 2)), rng.normal(size=(1500, 2)), hidden])
        traces.append(x)
        names.append(["A", "B", "C", "D", None])
    config = JointCouplingConfig(rank=0, sparsity=0.0, drift_window_s=0, epoch_s=None, steps=600, fits=1)
    left_out, readings, log = joint_readings(traces, names, [1.0] * 3, config)
    conditioned, conditioned_readings, conditioned_log = joint_readings(traces, names, [1.0] * 3,
                                                                        replace(config, unnamed=True))
    assert conditioned.names == left_out.names == ["A", "B", "C", "D"]  # the worms' own nodes are not read
    assert not log["joint_unnamed"] and conditioned_log["joint_unnamed"]
    a_b = [fitted.coupling[0, 1] for fitted in (left_out, conditioned)]
    assert a_b[0] > 0.3 and a_b[1] < 0.2 * a_b[0]  # through the unnamed neuron, not to each other
    for reading in (*readings, *conditioned_readings):
        assert reading.shape == (5, 5) and not reading[4].any() and not reading[:, 4].any()
