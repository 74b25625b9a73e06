"""Readings per named pair over worms, the two pair sets, and the paired bootstrap."""

import subprocess
import sys

import numpy as np
import pytest

from wormgnn.relations.pairsets import bootstrap_auroc, pair_sets, resample_counts, score_pair_set
from wormgnn.relations.scoring import auroc, by_name
from wormgnn.relations.truths import PairTruth


class NamedTruth:
    """Positive where the first name's letter precedes the second's; every pair measured."""

    def among(self, worm, names):
        n = len(names)
        measured = ~np.eye(n, dtype=bool)
        positive = np.array([[a < b for b in names] for a in names]) & measured
        return PairTruth(measured, positive, np.where(measured, positive * 2.0 + 0.1, np.nan), n)


def test_pair_sets_and_ranks_by_name():
    names = [["A", "B", "C"], ["B", "C", "D", None]]
    sets = pair_sets(names)
    assert ("A", "B") in sets["pooled"] and ("A", "D") not in sets["pooled"]  # never recorded together
    assert sets["shared"] == {("B", "C"), ("C", "B")}
    first = np.array([[0, 3, 1], [2, 0, 5], [4, 6, 0]], dtype=float)
    second = np.arange(16, dtype=float).reshape(4, 4)
    pooled = by_name([first, second], names)
    assert pooled[("A", "B")] == pytest.approx(3 / 6)  # rank 3 of 6 in the first worm only
    assert pooled[("B", "C")] == pytest.approx((5 / 6 + 1 / 12) / 2)  # both worms, each ranked in its own
    assert all(None not in pair for pair in pooled)


def test_weighted_bootstrap_auroc_is_the_auroc_of_the_drawn_sample():
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=200), 1)  # ties on purpose
    positive = rng.random(200) < 0.2
    ones = np.ones((1, 200))
    assert bootstrap_auroc(scores, positive, ones)[0] == pytest.approx(auroc(scores, positive))
    counts = rng.multinomial(200, np.full(200, 1 / 200), size=3).astype(float)
    for row in counts:
        drawn = np.repeat(np.arange(200), row.astype(int))
        assert bootstrap_auroc(scores, positive, row[None])[0] == pytest.approx(auroc(scores[drawn], positive[drawn]))


def test_senders_are_resampled_with_all_their_pairs():
    pairs = [("A", "B"), ("A", "C"), ("B", "C"), ("C", "A")]
    counts = resample_counts(pairs, 0, by_sender=True)
    assert counts.shape == (1000, 4) and np.all(counts[:, 0] == counts[:, 1])
    assert np.allclose(resample_counts(pairs, 0, False).sum(1), 4)


def test_a_reading_that_knows_the_truth_beats_correlation_with_an_interval_above_zero():
    rng = np.random.default_rng(0)
    names = [[f"N{i:02d}" for i in range(30)] for _ in range(2)]
    truth = NamedTruth()
    positive = truth.among(0, names[0]).positive
    good = [positive + 0.8 * rng.random((30, 30)) for _ in names]
    noise = [rng.random((30, 30)) for _ in names]
    readings = {"correlation": by_name(noise, names), "model": by_name(good, names)}
    scored = score_pair_set(readings, {"model": "model"}, pair_sets(names)["pooled"], truth)
    model, corr = scored["model"], scored["correlation"]
    assert model["pairs"] == 870 and model["positives"] == 435 and model["kind"] == "model"
    assert corr["kind"] == "yardstick" and corr["delta_vs_corr"] == 0
    assert model["auroc"] > 0.9 and 0 < model["delta_ci"][0] < model["delta_vs_corr"] < model["delta_ci"][1]
    assert model["delta_ci_senders"][0] > 0 and model["spearman"] > 0.5 and 0 < model["auprc"] <= 1
    assert set(model) >= {"auroc", "auprc", "spearman", "pairs", "positives", "delta_vs_corr", "delta_ci", "kind"}


def test_a_model_reading_is_paired_with_every_yardstick_and_the_baseline_entry_agrees():
    rng = np.random.default_rng(1)
    names = [[f"N{i:02d}" for i in range(30)] for _ in range(2)]
    truth = NamedTruth()
    positive = truth.among(0, names[0]).positive
    matrices = {"correlation": [rng.random((30, 30)) for _ in names],
                "partial": [positive + 1.5 * rng.random((30, 30)) for _ in names],
                "model": [positive + 0.5 * rng.random((30, 30)) for _ in names],
                "other model": [rng.random((30, 30)) for _ in names]}
    readings = {name: by_name(m, names) for name, m in matrices.items()}
    kinds = {"model": "model", "other model": "model"}
    scored = score_pair_set(readings, kinds, pair_sets(names)["pooled"], truth)
    versus = scored["model"]["versus"]
    assert set(versus) == {"correlation", "partial"}  # yardsticks only, never another model reading
    assert versus["correlation"]["delta"] == scored["model"]["delta_vs_corr"]
    assert versus["correlation"]["delta_ci"] == scored["model"]["delta_ci"]
    assert versus["partial"]["delta"] == pytest.approx(scored["model"]["auroc"] - scored["partial"]["auroc"])
    assert 0 < versus["partial"]["delta_ci"][0] < versus["partial"]["delta"] < versus["partial"]["delta_ci"][1]
    assert scored["other model"]["versus"]["partial"]["delta_ci_senders"][1] < 0
    assert "versus" not in scored["partial"]


def test_yardsticks_alone_on_real_worms_reproduce_the_atlas_pair_counts(tmp_path, kato_path):
    import json

    out = tmp_path / "graph"
    result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "graph", "--data", str(kato_path), "--out",
                             str(out), "--yardsticks-only", "--neurons", "named"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    atlas = json.loads((out / "graph.json").read_text())["truths"]["atlas"]
    pooled, shared = atlas["pooled"], atlas["shared"]
    # 1,851 measured ordered pairs (127 positive) among names recorded together; 343 (29) among the 22 shared
    assert pooled["correlation"]["pairs"] == 1851 and pooled["correlation"]["positives"] == 127
    assert shared["correlation"]["pairs"] == 343 and shared["correlation"]["positives"] == 29
    assert 0.58 < pooled["correlation"]["auroc"] < 0.62 and 0.62 < atlas["mean"]["correlation"]["auroc"] < 0.65
    assert all(e["kind"] == "yardstick" for e in pooled.values()) and not (out / "model.safetensors").exists()
    assert "pooled: 1851 pairs, 127 positive" in result.stdout and max(map(len, result.stdout.splitlines()[:-1])) <= 100
    assert "95% (stimulated neurons)" in (out / "report.html").read_text()
