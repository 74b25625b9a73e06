"""The relations page and terminal table, rendered from a graph result alone."""

import json

import numpy as np

from wormgnn.relations.page import graph_report, mean_table, render_terminal, short_label
from wormgnn.relations.run import EXAMPLE


def _result():
    scores = {"auroc": 0.7, "auprc": 0.4, "spearman": 0.1, "pairs": 12, "positives": 3}
    truth = {"worms": {"w1": {"gnn": scores, "correlation": {**scores, "auroc": 0.8}}},
             "mean": {"gnn": {"auroc": 0.7, "auprc": 0.4, "spearman": 0.1},
                      "correlation": {"auroc": 0.8, "auprc": 0.4, "spearman": 0.1}}}
    return {"model": "gnn", "measure": "sensitivity", "source": "toy", "profile": "tiny", "seed": 0,
            "worms": [{"worm": "w1", "neurons": 4}], "readings": {"gnn": "model", "correlation": "yardstick",
                                                               "anatomy": "yardstick"},
            "truths": {"connectome": {"label": "wiring diagram", **truth},
                       "atlas": {"label": "signal propagation atlas", **truth}}, "notes": ["a note"]}


def test_the_terminal_table_is_one_line_a_reading_within_100_columns():
    readings, truths, values = mean_table(_result())
    assert truths == ["connectome", "atlas"] and values[("correlation", "atlas")] == 0.8
    lines = render_terminal(_result()).splitlines()
    assert lines[0].split()[-2:] == ["connectome", "atlas"]
    assert [line.split()[0] for line in lines[1:4]] == ["gnn", "correlation", "anatomy"]
    assert lines[3].split()[-1] == "–"  # anatomy was not scored
    assert max(len(line) for line in lines) <= 100


def test_the_page_is_drawn_from_graph_json_and_the_kept_matrices(tmp_path):
    (tmp_path / "graph.json").write_text(json.dumps(_result()))
    m = np.random.default_rng(0).random((4, 4))
    np.savez(tmp_path / EXAMPLE, worm=np.array("w1"), names=np.array(["A", "B", "C", "D"]), model=m,
             correlation=m, truth=m, truth_title=np.array("truth"), truth_unit=np.array("unit"))
    page = graph_report(tmp_path).read_text()
    assert 'id="relations_vs_truth"' in page and 'id="relation_auroc"' in page and "a note" in page
    assert "<td>0.800</td>" in page


def test_the_pair_sets_show_the_shown_reading_against_the_best_yardstick(tmp_path):
    def entry(value, kind, versus=None):
        scored = {"auroc": value, "auprc": 0.2, "spearman": 0.1, "pairs": 900, "positives": 60, "kind": kind,
                  "delta_vs_corr": value - 0.56, "delta_ci": [value - 0.59, value - 0.53]}
        return scored | ({"versus": versus} if versus else {})

    paired = {"delta": 0.014, "delta_ci": [-0.01, 0.04], "delta_ci_senders": [-0.02, 0.05]}
    pooled = {"gnn": entry(0.61, "model", {"correlation": {**paired, "delta": 0.05}, "partial": paired,
                                           "weak": {**paired, "delta": 0.2}}),
              "correlation": entry(0.56, "yardstick"), "partial": entry(0.596, "yardstick"),
              "weak": entry(0.41, "yardstick")}
    result = _result()
    result["truths"]["atlas"]["pooled"] = pooled
    lines = render_terminal(result).splitlines()
    assert "  pooled: gnn vs best yardstick, partial: Δ +0.014 [-0.010, +0.040]" in lines
    (tmp_path / "graph.json").write_text(json.dumps(result))
    m = np.eye(4)
    np.savez(tmp_path / EXAMPLE, worm=np.array("w1"), names=np.array(["A", "B", "C", "D"]), model=m,
             correlation=m, truth=m, truth_title=np.array("truth"), truth_unit=np.array("unit"))
    page = graph_report(tmp_path).read_text()
    assert "<td>gnn</td><td>partial</td><td>+0.014</td><td>[-0.010, +0.040]</td><td>[-0.020, +0.050]</td>" in page


def test_long_reading_names_get_short_distinct_terminal_labels():
    both = ["partial correlation (LW), drift removed", "partial correlation (LW), drift removed, bilateral mean"]
    labels = [short_label(name) for name in both]
    assert len(set(labels)) == 2 and all(len(label) <= 26 for label in labels)
    assert short_label("joint coupling") == "joint coupling"
    elided = short_label("a reading whose name runs far past the column")
    assert len(elided) == 26 and elided.startswith("a reading") and elided.endswith("the column")
