"""Truth sources: which ordered pairs each measures and which are positive, scored alike."""

import numpy as np
import pytest

from wormgnn.connectome import load_connectome
from wormgnn.relations.atlas import load_atlas
from wormgnn.relations.estimators import reference_relations
from wormgnn.relations.truths import AtlasTruth, PairTruth, TrueCoupling, Truth, WiringDiagram, score, truths_for
from wormgnn.windows import prepare


def test_wiring_diagram_measures_only_named_neurons_it_knows():
    names = ["AVAL", "AVAR", "PVDL", None, "XYZ9"]
    chem, gap, _ = load_connectome().submatrices(names[:3])
    truth = ((chem > 0) | (gap > 0)).astype(float)
    strength = np.zeros((5, 5))
    strength[:3, :3] = truth
    pairs = WiringDiagram().among(0, names)
    assert pairs.measured.sum() == 6 and not pairs.measured[3:].any() and not pairs.measured[:, 3:].any()
    assert pairs.absent == ["XYZ9"] and pairs.neurons == 3
    result = score(strength, pairs)
    assert result["auroc"] == pytest.approx(1.0) and result["pairs"] == 6
    assert result["positives"] == int(truth[~np.eye(3, dtype=bool)].sum())


def test_true_coupling_scores_every_pair_and_knows_which_worms_it_covers():
    coupling = np.array([[0, 0.5, 0], [0, 0, -0.2], [0, 0, 0]])
    truth = TrueCoupling([coupling, None])
    assert truth.among(1, ["A", "B", "C"]) is None
    pairs = truth.among(0, ["A", None, "C"])
    assert pairs.measured.sum() == 6 and pairs.positive.sum() == 2
    perfect = score(np.abs(coupling) + 0.01 * np.arange(9).reshape(3, 3), pairs)
    assert perfect["auroc"] == 1.0 and perfect["spearman"] > 0.5


def test_score_leaves_out_what_the_truth_does_not_measure():
    measured = np.array([[False, True, True], [True, False, False], [True, False, False]])
    positive = np.zeros((3, 3), dtype=bool)
    positive[0, 1] = True
    strength = np.array([[9.0, 2.0, 1.0], [0.0, 9.0, 9.0], [0.5, 9.0, 9.0]])  # unmeasured pairs would win
    result = score(strength, PairTruth(measured, positive))
    assert result["pairs"] == 4 and result["auroc"] == 1.0 and np.isnan(result["spearman"])


def test_truths_for_simulated_and_real_worms():
    truths, notes = truths_for([None], [np.zeros((2, 2))])
    assert [t.key for t in truths] == ["connectome", "ground_truth"] and "not the atlas" in notes[0]
    truths, notes = truths_for([None], [None])
    assert [t.key for t in truths] == ["connectome", "atlas"] and notes == []


def test_correlation_of_real_worms_predicts_the_atlas_as_measured_independently(kato_recordings):
    wt = AtlasTruth(load_atlas())
    prepared = prepare(kato_recordings, "shared")[0]
    names = prepared.names
    correlation = reference_relations(prepared.traces)["correlation"]
    result = score(correlation, wt.among(0, names))
    assert result["neurons"] == 22 and result["pairs"] == 343 and result["positives"] == 29
    assert 0.68 < result["auroc"] < 0.73 and result["auprc"] > 29 / 343
    assert np.isfinite(result["spearman"]) and result["absent"] == []
    # a named neuron the atlas lacks is left out and counted, never guessed
    padded = np.pad(correlation, ((0, 1), (0, 1)), constant_values=1.0)
    with_absent = score(padded, wt.among(0, names + ["AWCL"]))
    assert with_absent["absent"] == ["AWCL"] and with_absent["pairs"] == 343
    assert with_absent["auroc"] == result["auroc"]
    # a score that knows the answer gets AUROC 1
    sub = wt.atlas.among(names)
    oracle = np.nan_to_num(-np.log10(np.clip(sub["q"], 1e-9, 1)))
    assert score(oracle, wt.among(0, names))["auroc"] == 1.0


class EveryPairWithAVA(Truth):
    """Toy truth: a pair is positive when it involves AVAL or AVAR (measured among named neurons)."""

    key = "ava"
    label = "pairs with AVA"

    def among(self, worm, names):
        named = np.array([bool(n) for n in names])
        ava = np.array([n in ("AVAL", "AVAR") for n in names])
        measured = np.outer(named, named) & ~np.eye(len(names), dtype=bool)
        return PairTruth(measured, measured & (ava[:, None] | ava[None, :]), neurons=int(named.sum()))

    def panel(self, worm, names):
        return self.among(worm, names).positive.astype(float), "pairs with AVA", "1 = positive"


def test_a_registered_truth_is_scored_by_wormgnn_graph(tmp_path, monkeypatch):
    from conftest import write_sim_folder

    from wormgnn.relations import truths
    from wormgnn.relations.page import graph_report, render_terminal
    from wormgnn.relations.run import run_graph

    monkeypatch.setattr(truths, "TRUTH_SOURCES", [])
    truths.register_truth(lambda recordings, couplings: EveryPairWithAVA())
    data = tmp_path / "sim"
    write_sim_folder(data, worms=2, seed=3, duration_s=120)  # no ground truth: scored against the toy
    result = run_graph(str(data), tmp_path / "graph", profile_name="tiny", atlas_path=None)
    assert set(result["truths"]) >= {"connectome", "ava"}
    ava = result["truths"]["ava"]
    assert ava["label"] == "pairs with AVA" and len(ava["worms"]) == 2
    assert all(s["positives"] > 0 and 0 <= s["auroc"] <= 1 for w in ava["worms"].values() for s in w.values())
    assert "ava" in render_terminal(result).splitlines()[0]
    assert 'id="relation_auroc"' in graph_report(tmp_path / "graph").read_text()


def test_the_simulated_atlas_measures_the_named_pairs_it_tested():
    from wormgnn.relations.truths import SimulatedAtlasTruth

    q = np.array([[np.nan, 0.01, 0.5], [0.2, np.nan, np.nan], [0.03, 0.9, np.nan]])
    response = np.array([[np.nan, 0.4, -0.1], [0.05, np.nan, np.nan], [-0.3, 0.0, np.nan]])
    truth = SimulatedAtlasTruth({"names": ["AVAL", "AVAR", "RIML"], "q": q, "response": response})
    pairs = truth.among(0, ["RIML", None, "AVAL", "XYZ"])
    # rows stimulated, columns responding, in the worm's order; unnamed and unknown neurons are not measured
    assert pairs.measured.tolist() == [[False, False, True, False], [False] * 4, [True, False, False, False],
                                       [False] * 4]
    assert pairs.positive[0, 2] and pairs.positive[2, 0] is np.False_
    assert pairs.amplitude[0, 2] == pytest.approx(0.3) and pairs.absent == ["XYZ"] and pairs.neurons == 2
    assert truth.by_name and truths_for([], [np.zeros((2, 2))], simulated_atlas={"names": ["AVAL"], "q": q[:1, :1],
                                        "response": response[:1, :1]})[0][1].key == "simulated_atlas"
