"""Scoring relations: AUROC, AUPRC, consensus over worms, agreement between worms."""

import numpy as np
import pytest

from wormgnn.relations.scoring import auprc, auroc, consensus, consistency, spearman


def test_auroc_and_auprc_by_hand():
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    truth = np.array([1, 0, 1, 0])
    assert auroc(scores, truth) == pytest.approx(3 / 4)
    assert auprc(scores, truth) == pytest.approx((1 + 2 / 3) / 2)
    assert np.isnan(auroc(scores, np.zeros(4)))


def test_consistency_matches_named_neurons_across_orders():
    a = np.random.default_rng(0).random((4, 4))
    order = [2, 0, 3, 1]
    b = a[np.ix_(order, order)]
    names_a = ["A", "B", "C", "D"]
    names_b = [names_a[i] for i in order]
    assert consistency([a, b], [names_a, names_b])["mean_correlation"] == pytest.approx(1.0)


def test_consensus_averages_ranks_of_named_pairs_over_the_worms_that_have_both():
    a = np.array([[0, 3, 1], [2, 0, 5], [4, 6, 0]], dtype=float)  # names A B C
    b = np.array([[0, 10, 30], [20, 0, 40], [50, 60, 0]], dtype=float)  # names B A D
    pooled = consensus([a, b], [["A", "B", "C"], ["B", "A", "D"]])
    rank_a = {(0, 1): 3 / 6, (1, 0): 2 / 6}  # A→B and B→A among worm a's 6 off-diagonal scores
    rank_b = {(1, 0): 2 / 6, (0, 1): 1 / 6}  # A→B is b[1, 0], B→A is b[0, 1]
    assert pooled[0][0, 1] == pytest.approx((rank_a[(0, 1)] + rank_b[(1, 0)]) / 2)
    assert pooled[0][1, 0] == pytest.approx((rank_a[(1, 0)] + rank_b[(0, 1)]) / 2)
    assert pooled[1][0, 1] == pooled[0][1, 0]  # the same named pair gets the same score in both worms
    assert pooled[0][0, 2] == pytest.approx(1 / 6)  # A→C is in worm a only: its own rank
    assert np.all(np.diag(pooled[0]) == 0)


def test_spearman_uses_the_magnitude_where_the_amplitude_is_known():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    amplitude = np.array([-1.0, 2.0, np.nan, -4.0, 5.0])
    assert spearman(values, amplitude) == pytest.approx(1.0)
    assert np.isnan(spearman(np.ones(5), amplitude))
