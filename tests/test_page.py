"""The relations page and terminal table, rendered from a graph result alone."""

import json

import numpy as np

from wormgnn.relations.page import graph_report, mean_table, render_terminal
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
