"""Relations estimated from traces: the yardsticks, and the wiring diagram as a score."""

import numpy as np
import pytest

from wormgnn.relations.estimators import (
    BILATERAL_PARTIAL,
    DRIFT_FREE_PARTIAL,
    anatomy,
    bilateral_average,
    extended_estimates,
    ledoit_wolf_partial,
    reference_relations,
    stimulated_response,
)
from wormgnn.relations.scoring import auroc


def test_reference_estimators_recover_a_known_linear_graph():
    rng = np.random.default_rng(0)
    n, frames = 8, 4000
    coupling = np.zeros((n, n))
    for i in range(n):  # a directed ring: i drives i + 1
        coupling[i, (i + 1) % n] = 0.6
    x = np.zeros((frames, n))
    for t in range(1, frames):
        x[t] = 0.3 * x[t - 1] + x[t - 1] @ coupling + rng.normal(size=n)
    x = (x - x.mean(0)) / x.std(0)
    scores = reference_relations(x)
    off = ~np.eye(n, dtype=bool)
    assert auroc(scores["granger"][off], (coupling != 0)[off]) > 0.95
    # correlation cannot tell direction: its matrix is symmetric
    np.testing.assert_allclose(scores["correlation"], scores["correlation"].T)
    assert auroc(scores["correlation"][off], ((coupling + coupling.T) != 0)[off]) > 0.95


def test_lagged_correlation_is_directed_and_state_means_are_removed():
    rng = np.random.default_rng(0)
    source = rng.normal(size=2000)
    follower = np.roll(source, 1) + 0.3 * rng.normal(size=2000)  # 0 acts on 1 one frame later
    labels = np.repeat([0, 1], 1000)
    x = np.stack([source, follower, rng.normal(size=2000)], axis=1)
    lagged = extended_estimates(x, labels)["lagged correlation 1"]
    assert lagged[0, 1] > 0.9 and lagged[1, 0] < 0.2
    # a state-locked drive shared by neurons 0 and 2 makes them look related; removing it does not
    drive = np.where(labels == 1, 3.0, 0.0)
    scores = extended_estimates(x + np.stack([drive, 0 * drive, drive], axis=1), labels)
    assert scores["correlation"][0, 2] > 0.5 and scores["correlation | state"][0, 2] < 0.1
    assert all(s.shape == (3, 3) for s in scores.values())


def test_anatomy_is_the_log_of_contacts_and_zero_for_unknown_names():
    score = anatomy(["AVAL", "AVAR", None])
    assert score.shape == (3, 3) and (score[2] == 0).all() and (score[:, 2] == 0).all()
    assert score[0, 1] > 0  # AVAL and AVAR are joined by gap junctions


def test_ledoit_wolf_partial_correlation_separates_direct_from_indirect():
    rng = np.random.default_rng(1)
    a = rng.normal(size=3000)
    b = a + 0.5 * rng.normal(size=3000)  # a → b → c: a and c correlate only through b
    c = b + 0.5 * rng.normal(size=3000)
    x = np.stack([a, b, c], axis=1)
    partial = ledoit_wolf_partial((x - x.mean(0)) / x.std(0))
    correlation = reference_relations(x)["correlation"]
    assert correlation[0, 2] > 0.6 and partial[0, 2] < 0.1 and partial[0, 1] > 0.5
    np.testing.assert_allclose(partial, partial.T)
    # more neurons than frames: the shrunk covariance is still invertible, the sample one is not
    wide = rng.normal(size=(20, 50))
    assert np.all(np.isfinite(ledoit_wolf_partial(wide))) and np.linalg.matrix_rank(np.cov(wide.T)) < 50


def test_stimulating_a_linear_model_reaches_neurons_through_others():
    step = np.zeros((3, 3))
    step[0, 1] = step[1, 2] = 0.5  # 0 → 1 → 2, no direct 0 → 2
    response = stimulated_response(step + 0.5 * np.eye(3), frames=10)
    assert response[0, 2] > 0 and response[2, 0] == 0 and response[0, 1] > response[0, 2]
    grows = stimulated_response(2.0 * np.eye(2) + 0.1, frames=200)  # an unstable fit is made to decay
    assert np.all(np.isfinite(grows))
    x = np.random.default_rng(0).normal(size=(500, 4))
    assert set(reference_relations(x, fps=2.0)) == {"correlation", "partial correlation (LW)",
                                                     "derivative correlation", "granger", "linear model stimulated",
                                                     "partial correlation (LW), drift removed"}


def test_removing_principal_components_takes_out_a_shared_drive():
    from wormgnn.relations.estimators import abs_correlation, without_components

    rng = np.random.default_rng(0)
    drive = rng.normal(size=(2000, 1))
    x = drive @ rng.uniform(1, 2, size=(1, 6)) + 0.3 * rng.normal(size=(2000, 6))
    before, after = abs_correlation(x), abs_correlation(without_components(x, 1))
    off = ~np.eye(6, dtype=bool)
    assert before[off].min() > 0.8 and after[off].max() < before[off].min()
    np.testing.assert_allclose(without_components(x, 6), 0, atol=1e-9)


def test_removing_slow_drift_keeps_fast_coupling_and_drops_chance_correlation():
    from wormgnn.relations.estimators import abs_correlation, without_slow_drift

    rng = np.random.default_rng(1)
    frames, fps = 3000, 3.0
    t = np.arange(frames) / fps
    fast = rng.normal(size=frames)
    coupled = np.c_[fast, fast + 0.5 * rng.normal(size=frames)]  # 0 and 1 share fast activity
    drift = 3 * np.sin(2 * np.pi * t[:, None] / np.array([500.0, 700.0, 600.0]))  # slow, unrelated
    x = np.c_[coupled, rng.normal(size=frames)] + drift
    before, after = abs_correlation(x), abs_correlation(without_slow_drift(x, fps, 60.0))
    assert before[0, 2] > 0.3 and after[0, 2] < 0.1  # chance correlation of two drifts, gone
    assert after[0, 1] > 0.8 > before[0, 1]


def test_the_bilateral_mean_averages_each_pairs_left_right_variants_and_never_a_self_pair():
    names = ["AVAL", "AVAR", "RID", "RIML", "RIMR"]
    rng = np.random.default_rng(0)
    matrix = rng.random((5, 5))
    matrix = matrix + matrix.T
    np.fill_diagonal(matrix, 0.0)
    out = bilateral_average(names, matrix)
    a, b, rid, c, d = range(5)
    assert out[a, c] == pytest.approx(np.mean([matrix[a, c], matrix[a, d], matrix[b, c], matrix[b, d]]))
    assert out[a, c] == out[b, d] == out[a, d] == out[b, c]  # one class-level reading for all four variants
    assert out[rid, a] == pytest.approx((matrix[rid, a] + matrix[rid, b]) / 2)  # RID has no partner
    assert out[a, b] == pytest.approx(matrix[a, b])  # AVAL-AVAR's variants are itself and its mirror
    assert np.allclose(out, out.T) and (np.diag(out) == 0).all()
    alone = bilateral_average(["AVAL", "RIML"], matrix[np.ix_([a, c], [a, c])])  # partners absent: unchanged
    np.testing.assert_array_equal(alone, matrix[np.ix_([a, c], [a, c])])
    unnamed = bilateral_average(["AVAL", None, "AVAR"], matrix[np.ix_([a, rid, b], [a, rid, b])])
    assert unnamed[1, 0] == pytest.approx((matrix[rid, a] + matrix[rid, b]) / 2)  # an unnamed neuron stands alone


def test_given_names_the_yardsticks_add_the_drift_free_partial_correlation_read_bilaterally():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4))
    names = ["AVAL", "AVAR", "RIML", None]
    plain, named = reference_relations(x, fps=2.0), reference_relations(x, fps=2.0, names=names)
    assert BILATERAL_PARTIAL not in plain and set(named) == set(plain) | {BILATERAL_PARTIAL}
    np.testing.assert_allclose(named[BILATERAL_PARTIAL], bilateral_average(names, plain[DRIFT_FREE_PARTIAL]))
