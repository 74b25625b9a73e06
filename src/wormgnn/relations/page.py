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
    lines += pair_set_lines(result)
    for key in truths:
        worms = result["truths"][key]["worms"]
        first = next(iter(worms.values()), {})
        some = next(iter(first.values()), None)
        if some is not None:
            lines.append(f"{key}: {some['pairs']} pairs, {some['positives']} positive in {list(worms)[0]} "
                         f"({len(worms)} worm(s) scored)")
    return "\n".join(lines)


def pair_set_key(result: dict) -> str | None:
    """The truth whose pair sets are shown: the last one scored per named pair (the atlas on
    real worms)."""
    keyed = [k for k, t in result["truths"].items() if t.get("pooled")]
    return keyed[-1] if keyed else None


def interval(entry: dict) -> str:
    """'0.596 (Δ +0.036 [+0.013, +0.062])': an AUROC never stands without its paired interval."""
    if "delta_ci" not in entry:
        return f"{entry['auroc']:.3f}"
    low, high = entry["delta_ci"]
    return f"{entry['auroc']:.3f} (Δ {entry['delta_vs_corr']:+.3f} [{low:+.3f}, {high:+.3f}])"


SHORT_LABELS = {"partial correlation (LW), drift removed": "partial corr., drift-free",
                "partial correlation (LW), drift removed, bilateral mean": "partial, drift-free, L/R"}
"""Terminal labels of readings whose names differ only past 26 characters."""


def short_label(reading: str, width: int = 26) -> str:
    """A reading's name in ``width`` characters for the terminal (graph.json and the page keep it whole)."""
    label = SHORT_LABELS.get(reading, reading)
    return label if len(label) <= width else label[: width - 12] + "…" + label[-11:]


def pair_set_lines(result: dict) -> list[str]:
    """Per reading: AUROC on the pooled and shared pair sets with the paired 95% interval of
    its difference to |correlation| (pairs resampled)."""
    key = pair_set_key(result)
    if key is None:
        return []
    truth = result["truths"][key]
    sets = [name for name in ("pooled", "shared") if truth.get(name)]
    heads = [f"{name}: {next(iter(truth[name].values()))['pairs']} pairs, "
             f"{next(iter(truth[name].values()))['positives']} positive" for name in sets]
    lines = [f"{key}, per named pair over worms: AUROC (Δ to |correlation|'s, 95% interval)",
             (f"  {'reading':<26}  " + "  ".join(f"{head:<34}" for head in heads)).rstrip()]
    for reading in truth[sets[0]]:
        cells = "  ".join(f"{interval(truth[name][reading]):<34}" if reading in truth[name] else f"{'–':<34}"
                          for name in sets)
        lines.append(f"  {short_label(reading):<26}  {cells}".rstrip())
    shown = result.get("shown", result["model"])
    for name in sets:  # the shown reading against the best yardstick there (every pairing is in graph.json)
        versus = truth[name].get(shown, {}).get("versus")
        if versus:
            best = max(versus, key=lambda other: truth[name][other]["auroc"])
            low, high = versus[best]["delta_ci"]
            lines.append(f"  {name}: {shown} vs best yardstick, {short_label(best)}: Δ {versus[best]['delta']:+.3f} "
                         f"[{low:+.3f}, {high:+.3f}]")
    return lines


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
            + _pair_set_tables(result)
            + "".join(f"<p>{html.escape(note)}</p>" for note in result.get("notes", [])))
    intro = (f"Relations inferred by {html.escape(result['model'])} ({html.escape(result['measure'])}) on "
             f"{html.escape(str(result['source']))}, profile {html.escape(result['profile'])}, seed {result['seed']}.")
    return write_page(out / "report.html", "wormgnn relations", intro, body, figs)


def _pair_set_tables(result: dict) -> str:
    """Per pair set: every reading's AUROC with the paired 95% intervals of its difference to
    |correlation| (pairs resampled; stimulated neurons resampled), AUPRC and Spearman."""
    key = pair_set_key(result)
    if key is None:
        return ""

    def ci(entry, name):
        return f"[{entry[name][0]:+.3f}, {entry[name][1]:+.3f}]" if name in entry else "–"

    out = ""
    for name in ("pooled", "shared"):
        scores = result["truths"][key].get(name) or {}
        if not scores:
            continue
        first = next(iter(scores.values()))
        rows = "".join(
            f"<tr><td>{html.escape(r)}</td><td>{e['kind']}</td><td>{e['auroc']:.3f}</td>"
            f"<td>{e.get('delta_vs_corr', float('nan')):+.3f}</td><td>{ci(e, 'delta_ci')}</td>"
            f"<td>{ci(e, 'delta_ci_senders')}</td><td>{e['auprc']:.3f}</td><td>{e['spearman']:.3f}</td></tr>"
            for r, e in scores.items())
        out += (f"<h2>{html.escape(result['truths'][key]['label'])}, {name} pairs ({first['pairs']} pairs, "
                f"{first['positives']} positive), per named pair over worms</h2><table><tr><th>reading</th>"
                "<th>kind</th><th>AUROC</th><th>Δ vs |corr|</th><th>95% (pairs)</th><th>95% (stimulated "
                f"neurons)</th><th>AUPRC</th><th>Spearman</th></tr>{rows}</table>")
        versus = "".join(
            f"<tr><td>{html.escape(r)}</td><td>{html.escape(other)}</td><td>{p['delta']:+.3f}</td>"
            f"<td>{ci(p, 'delta_ci')}</td><td>{ci(p, 'delta_ci_senders')}</td></tr>"
            for r, e in scores.items() for other, p in e.get("versus", {}).items())
        if versus:
            out += (f"<h3>Model readings against every yardstick, {name} pairs (paired AUROC difference)</h3>"
                    "<table><tr><th>model reading</th><th>yardstick</th><th>Δ AUROC</th><th>95% (pairs)</th>"
                    f"<th>95% (stimulated neurons)</th></tr>{versus}</table>")
    return out


def _matrices_figure(figs: Figures, result: dict, example: dict) -> None:
    names = [str(n) for n in example["names"]]
    model = result["model"]
    shown = result.get("shown", model)
    title = f"{model} ({result['measure']})" if shown == model else f"{shown} (yardstick)"
    panels = [(example["model"], title, "relation strength"),
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
