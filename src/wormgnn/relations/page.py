"""The relations page of ``wormgnn graph`` and its terminal table, rendered from graph.json
and the arrays the run kept (example.npz): nothing is trained or read from recordings here."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from wormgnn.figures import Figures, pyplot, relation_panel, write_page
from wormgnn.relations.run import EXAMPLE
from wormgnn.relations.scoring import finite_mean


def mean_table(result: dict, metric: str = "auroc") -> tuple[list[str], list[str], dict]:
    """(readings, truths, {(reading, truth): mean over worms}) of a graph result."""
    truths = list(result["truths"])
    readings = list(result["readings"])
    values = {(r, t): result["truths"][t]["mean"][r][metric] for t in truths for r in readings
              if r in result["truths"][t]["mean"]}
    return readings, truths, values


def render_terminal(result: dict) -> str:
    """One compact table: every reading × truth, the mean AUROC over worms."""
    readings, truths, values = mean_table(result)
    width = max(len(r) for r in readings) + 2
    head = f"{'reading (AUROC, mean over ' + str(len(result['worms'])) + ' worms)':<{max(width, 40)}}"
    lines = [head + "".join(f"{t[:14]:>15}" for t in truths)]
    for reading in readings:
        cells = "".join(f"{values[(reading, t)]:>15.3f}" if (reading, t) in values else f"{'–':>15}" for t in truths)
        lines.append(f"{reading:<{max(width, 40)}}" + cells)
    for key in truths:
        worms = result["truths"][key]["worms"]
        first = next(iter(worms.values()), {})
        some = next(iter(first.values()), None)
        if some is not None:
            lines.append(f"{key}: {some['pairs']} pairs, {some['positives']} positive in {list(worms)[0]} "
                         f"({len(worms)} worm(s) scored)")
    return "\n".join(lines)


def graph_report(out: Path) -> Path:
    """OUT/report.html and OUT/figures/: the first worm's inferred relations beside the truth,
    and every reading's AUROC against the yardsticks, from OUT/graph.json."""
    out = Path(out)
    result = json.loads((out / "graph.json").read_text())
    with np.load(out / EXAMPLE, allow_pickle=False) as data:
        example = {k: data[k] for k in data.files}
    figs = Figures(out)
    _matrices_figure(figs, result, example)
    key = list(result["truths"])[-1]
    truth = result["truths"][key]
    aurocs = {r: [w[r]["auroc"] for w in truth["worms"].values()] for r in truth["mean"]}
    _auroc_figure(figs, result, aurocs, truth["label"])
    readings, truths, values = mean_table(result)
    head = "".join(f"<th>{html.escape(t)}</th>" for t in truths)
    rows = "".join(f"<tr><td>{html.escape(r)}</td>" + "".join(
        f"<td>{values[(r, t)]:.3f}</td>" if (r, t) in values else "<td>–</td>" for t in truths) + "</tr>"
                   for r in readings)
    per_worm = "".join(f"<th>{html.escape(w)}</th>" for w in truth["worms"])
    worm_rows = "".join(f"<tr><td>{html.escape(r)}</td>" + "".join(f"<td>{v:.3f}</td>" for v in aurocs[r])
                        + f"<td><b>{truth['mean'][r]['auroc']:.3f}</b></td></tr>" for r in aurocs)
    body = (f"<h2>Mean AUROC over worms, every truth</h2><table><tr><th>reading</th>{head}</tr>{rows}</table>"
            f"<h2>AUROC against the {html.escape(truth['label'])}, per worm</h2><table><tr><th>reading</th>"
            f"{per_worm}<th>mean</th></tr>{worm_rows}</table>"
            + "".join(f"<p>{html.escape(note)}</p>" for note in result.get("notes", [])))
    intro = (f"Relations inferred by {html.escape(result['model'])} ({html.escape(result['measure'])}) on "
             f"{html.escape(str(result['source']))}, profile {html.escape(result['profile'])}, seed {result['seed']}.")
    return write_page(out / "report.html", "wormgnn relations", intro, body, figs)


def _matrices_figure(figs: Figures, result: dict, example: dict) -> None:
    names = [str(n) for n in example["names"]]
    model = result["model"]
    panels = [(example["model"], f"{model} ({result['measure']})", "relation strength"),
              (example["correlation"], "|correlation| (yardstick)", "|r|"),
              (example["truth"], str(example["truth_title"]), str(example["truth_unit"]))]
    fig, axes = pyplot().subplots(1, 3, figsize=(19, 6), gridspec_kw={"wspace": 0.45})
    for ax, (matrix, title, unit) in zip(axes, panels, strict=True):
        shown = np.array(matrix, dtype=float)
        np.fill_diagonal(shown, np.nan)
        relation_panel(fig, ax, np.ma.masked_invalid(shown), names, title, unit, fontsize=6)
    label = list(result["truths"].values())[-1]["label"]
    fig.suptitle(f"Relations i → j inferred on worm {example['worm']}, beside the {label}", fontsize=11)
    figs.save(fig, "relations_vs_truth", f"Inferred relations on {example['worm']} beside the {label}.")


def _auroc_figure(figs: Figures, result: dict, aurocs: dict[str, list[float]], label: str) -> None:
    model = result["model"]
    fig, ax = pyplot().subplots(figsize=(8, 4))
    order = sorted(aurocs, key=lambda r: (not r.startswith(model), r))
    means = [finite_mean(aurocs[r]) for r in order]
    # the mean of equal values can round past them; matplotlib refuses a negative bar
    low = [max(m - float(np.nanmin(aurocs[r])), 0.0) for m, r in zip(means, order, strict=True)]
    high = [max(float(np.nanmax(aurocs[r])) - m, 0.0) for m, r in zip(means, order, strict=True)]
    ax.bar(range(len(order)), means, yerr=[low, high], capsize=4,
           color=["#2166ac" if r.startswith(model) else "#999999" for r in order])
    ax.axhline(0.5, color="r", ls=":", lw=1, label="chance")
    if "correlation" in aurocs:
        ax.axhline(finite_mean(aurocs["correlation"]), color="k", ls="--", lw=1, label="|correlation|")
    ax.set_xticks(range(len(order)), order, rotation=25, ha="right")
    ax.set_ylim(0.3, 1.0)
    ax.set_ylabel(f"AUROC against the {label}")
    ax.set_title(f"Every reading against the yardsticks (mean, range over {len(result['worms'])} worms)")
    ax.legend(fontsize=8)
    figs.save(fig, "relation_auroc", f"AUROC of each relation reading against the {label}.")
