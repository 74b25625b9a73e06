"""``wormgnn report DIR``: one self-contained HTML page (figures embedded) plus figures/*.png,
rendered from what the runs wrote (results.jsonl and examples/); nothing is trained here."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from wormgnn.errors import WormGnnError
from wormgnn.figures import Figures, pyplot, relation_panel, write_page
from wormgnn.models.base import RELATION_INFERRING, STRUCTURE_AGNOSTIC
from wormgnn.store import ResultStore
from wormgnn.summary import failed_runs, failure_lines, is_reference, setting, summarize, tasks_of
from wormgnn.tasks import get_task

STATE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


def _group(summary, task, split, metric):
    return {(g["model"], g["neurons"]): g for g in summary["groups"]
            if (g["task"], g["split"], g["metric"]) == (task, split, metric)}


def _label(model: str, neurons: str) -> str:
    return model if neurons == "shared" else f"{model}\n({neurons})"


def _kind(model: str) -> str:
    from wormgnn.models.base import model_entry

    return model_entry(model).cls.kind


def _structure_agnostic(model: str) -> bool:
    return _kind(model) == STRUCTURE_AGNOSTIC


def _splits(summary: dict, task: str) -> list[str]:
    return sorted({g["split"] for g in summary["groups"] if g["task"] == task})


def comparison_figures(summary: dict, figs: Figures) -> None:
    for task in tasks_of(summary):
        metrics = get_task(task).figures
        for split in _splits(summary, task):
            fig, axes = pyplot().subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.8), squeeze=False)
            for ax, metric in zip(axes[0], metrics, strict=True):
                _comparison_panel(ax, summary, task, split, metric)
            fig.suptitle("mean ± std over seeds × folds (blue: graph models)", fontsize=9)
            figs.save(fig, f"comparison_{task}_{split}", f"Model comparison, {task}, split {split}.")


def _comparison_panel(ax, summary: dict, task: str, split: str, metric: str) -> None:
    groups = _group(summary, task, split, metric)
    keys = sorted(groups, key=lambda k: (not _structure_agnostic(k[0]), k))
    ax.bar(range(len(keys)), [groups[k]["mean"] for k in keys], yerr=[groups[k]["std"] for k in keys], capsize=4,
           color=["#999999" if _structure_agnostic(k[0]) else "#2166ac" for k in keys])
    ax.set_xticks(range(len(keys)), [_label(*k) for k in keys], rotation=30, ha="right")
    incomplete = {f["model"] for f in summary["failed"] if (f["task"], f["split"]) == (task, split)}
    agnostic = [groups[k]["mean"] for k in keys if is_reference(k[0]) and k[1] == "shared" and k[0] not in incomplete]
    if agnostic:
        ax.axhline(max(agnostic), ls="--", color="k", lw=1, label="best structure-agnostic")
    if metric.startswith("skill"):
        ax.axhline(0, color="r", ls=":", lw=1, label="persistence (skill 0)")
    elif "accuracy" in metric:
        ax.set_ylim(0, 1)
    ax.set_ylabel(metric.replace("@", " at h = ").replace(".", " ").replace("_", " ")
                  + (" (1 − MSE/MSE persistence)" if metric.startswith("skill") else ""))
    ax.set_title(f"{task}, {split}: {metric}")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)


def setting_figures(summary: dict, figs: Figures) -> None:
    """Each model in every setting of a task side by side: within a lab against across labs
    (the generalization the field asks for), where a sweep holds several."""
    for task in tasks_of(summary):
        settings = _splits(summary, task)
        if len(settings) < 2:
            continue
        metric = get_task(task).figures[0]
        keys = sorted({(g["model"], g["neurons"]) for g in summary["groups"] if g["task"] == task},
                      key=lambda k: (not _structure_agnostic(k[0]), k))
        fig, ax = pyplot().subplots(figsize=(max(6.0, 1.1 * len(keys) * len(settings) / 2), 4))
        width = 0.8 / len(settings)
        for j, split in enumerate(settings):
            groups = _group(summary, task, split, metric)
            xs = [i + (j - (len(settings) - 1) / 2) * width for i, k in enumerate(keys) if k in groups]
            ax.bar(xs, [groups[k]["mean"] for k in keys if k in groups], width,
                   yerr=[groups[k]["std"] for k in keys if k in groups], capsize=2, label=split)
        ax.set_xticks(range(len(keys)), [_label(*k) for k in keys], rotation=30, ha="right")
        ax.set_ylabel(metric)
        ax.set_title(f"{task}: {metric} in every setting (mean ± std over seeds × held-out worms)")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
        figs.save(fig, f"settings_{task}", f"Within a lab against across labs, {task}, {metric}.")


def horizon_figures(summary: dict, figs: Figures) -> None:
    """Skill against horizon, for every task and split with skill at several horizons."""
    for task in tasks_of(summary):
        for split in _splits(summary, task):
            series = defaultdict(dict)
            for g in summary["groups"]:
                if g["task"] == task and g["split"] == split and g["metric"].startswith("skill@"):
                    series[(g["model"], g["neurons"])][int(g["metric"].split("@")[1])] = g
            if not series:
                continue
            fig, ax = pyplot().subplots(figsize=(6, 4))
            for (model, neurons), by_h in sorted(series.items()):
                hs = sorted(by_h)
                mean = np.array([by_h[h]["mean"] for h in hs])
                std = np.array([by_h[h]["std"] for h in hs])
                ax.plot(hs, mean, marker="o", label=_label(model, neurons).replace("\n", " "))
                ax.fill_between(hs, mean - std, mean + std, alpha=0.15)
            ax.axhline(0, color="k", lw=0.8, ls=":")
            ax.set_xlabel("forecast horizon h (frames)")
            ax.set_ylabel("skill = 1 − MSE / MSE of persistence")
            ax.set_title(f"Forecast skill against horizon ({split})")
            ax.legend(fontsize=8)
            figs.save(fig, f"skill_vs_horizon_{split}", f"Forecast skill per horizon, split {split}.")


def _best(summary, task, split, metric):
    groups = _group(summary, task, split, metric)
    return max(groups, key=lambda k: groups[k]["mean"]) if groups else None


def _first_setting(rows: list[dict], task: str | None = None) -> str | None:
    """The setting the example figures show: unseen worms first, then the smallest lookahead."""
    order = {"lowo": 0, "transfer": 1, "within": 2}
    found = sorted({(order.get(r["split"], 3), int(r.get("lookahead", 0) or 0), setting(r)) for r in rows
                    if task is None or r["task"] == task})
    return found[0][2] if found else None


def _best_rows(rows: list[dict], summary: dict, task: str) -> tuple[str | None, tuple | None, list[dict]]:
    """The example setting of a task, its best model by the task's first figure metric, and
    that model's rows there."""
    split = _first_setting(rows, task)
    best = _best(summary, task, split, get_task(task).figures[0]) if split else None
    chosen = [r for r in rows if r["task"] == task and setting(r) == split and (r["model"], r["neurons"]) == best]
    return split, best, chosen


def confusion_figures(rows: list[dict], summary: dict, figs: Figures) -> None:
    for task in tasks_of(summary):
        split, best, chosen = _best_rows(rows, summary, task)
        chosen = [r for r in chosen if "confusion" in r]
        levels = get_task(task).confusion_labels()
        if not chosen or not levels:
            continue
        fig, axes = pyplot().subplots(1, len(levels), figsize=(6.5 * len(levels), 4.8), squeeze=False,
                                      gridspec_kw={"wspace": 0.45})
        for ax, (level, names) in zip(axes[0], levels.items(), strict=True):
            _confusion_panel(fig, ax, np.sum([np.array(r["confusion"][level]) for r in chosen], axis=0), names,
                             level)
        fig.suptitle(f"Confusion of {best[0]} ({best[1]} neurons) on held-out worms, {split}, "
                     f"summed over {len(chosen)} runs", fontsize=10)
        figs.save(fig, f"confusion_{task}_{split}",
                  f"Confusion matrices of the best decoder ({best[0]}), {task}, {split}.")


def _confusion_panel(fig, ax, matrix: np.ndarray, names, level: str) -> None:
    norm = matrix.astype(float) / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    im = ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(names)), [n.lower() for n in names], rotation=35, ha="right")
    ax.set_yticks(range(len(names)), [n.lower() for n in names])
    ax.set_xlabel("decoded state")
    ax.set_ylabel("annotated state")
    ax.set_title(f"{level} (row-normalised)")
    fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of annotated frames")


def example_figures(rows: list[dict], summary: dict, figs: Figures, store: ResultStore) -> list[str]:
    """The best model's held-out worm for each task (its first seed-0 run), and the relations a
    relation-inferring model read there, from the arrays the runs kept. Returns notes on what
    could not be drawn."""
    notes = []
    for task in tasks_of(summary):
        split, best, chosen = _best_rows(rows, summary, task)
        row = next((r for r in chosen if r["seed"] == 0), None)
        example = store.example(row) if row is not None else None
        if row is not None and example is None:
            notes.append(f"no example of {row['model']} ({task}): its folder predates stored examples; rerun the "
                         "benchmark into a new folder to draw it")
        if example is not None:
            DRAW[str(example["kind"])](figs, example, row, split)
    split = _first_setting(rows)
    for row in rows:  # only a relation-inferring model's example holds relations: read no other
        if (setting(row) == split and row["seed"] == 0 and row["neurons"] == "shared" and row.get("example")
                and _kind(row["model"]) == RELATION_INFERRING):
            example = store.example(row)
            if example is not None and "relations" in example:
                relation_figure(figs, example, row)
                break
    return notes


def trace_figure(figs: Figures, example: dict, row: dict, split: str) -> None:
    names = [str(n) for n in example["neurons"]]
    fps, t = float(example["fps"]), example["frames"] / float(example["fps"])
    fig, axes = pyplot().subplots(len(names), 1, figsize=(10, 1.8 * len(names)), sharex=True, squeeze=False)
    horizon = int(example["horizon"])
    for k, (ax, name) in enumerate(zip(axes[:, 0], names, strict=True)):
        ax.plot(t, example["recorded"][:, k], color="k", lw=0.8, label="recorded (next frame)")
        ax.plot(t, example["first"][:, k], color="#2166ac", lw=0.8, label="forecast h = 1")
        ax.plot(t + (horizon - 1) / fps, example["last"][:, k], color="#d6604d", lw=0.8, alpha=0.8,
                label=f"forecast h = {horizon}")
        ax.set_ylabel(f"{name}\nΔF/F (z)")
    axes[0, 0].legend(fontsize=8, ncol=3, loc="upper right")
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].set_title(f"{row['model']} forecasts on held-out worm {row['fold']} ({split})")
    figs.save(fig, f"traces_{row['task']}",
              f"Recorded vs forecast activity of named neurons, held-out worm {row['fold']}.")


def ethogram_figure(figs: Figures, example: dict, row: dict, split: str) -> None:
    states = [str(s) for s in example["states"]]
    t = example["frames"] / float(example["fps"])
    lines = [k for k in example if k == "annotated" or k.startswith("decoded")]
    lookahead = row.get("lookahead", 0)
    fig, ax = pyplot().subplots(figsize=(11, 1.2 + 0.8 * len(lines)))
    for row_y, line in zip(range(len(lines) - 1, -1, -1), lines, strict=True):
        for k, state in enumerate(states):
            ax.fill_between(t, row_y, row_y + 0.8, where=example[line] == k, color=STATE_COLORS[k % 7],
                            step="mid", label=state.lower().replace("_", " ") if line == "annotated" else None)
    label = {"decoded per frame": f"decoded per frame{f' (lookahead {lookahead})' if lookahead else ''}"}
    ax.set_yticks([y + 0.4 for y in range(len(lines) - 1, -1, -1)], [label.get(line, line) for line in lines])
    ax.set_xlabel("time (s)")
    ax.set_ylim(0, len(lines) - 0.1)
    ax.legend(ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    ax.set_title(f"Ethogram, held-out worm {row['fold']}: {row['model']} ({split})")
    figs.save(fig, f"ethogram_{row['task']}", f"Annotated vs decoded states over time, held-out worm {row['fold']}.")


def regression_figure(figs: Figures, example: dict, row: dict, split: str) -> None:
    t = example["frames"] / float(example["fps"])
    variable = str(example["variable"])
    fig, ax = pyplot().subplots(figsize=(11, 3))
    ax.plot(t, example["measured"], color="k", lw=0.8, label="measured")
    ax.plot(t, example["decoded"], color="#2166ac", lw=0.8, label=f"decoded by {row['model']}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(variable.replace("_", " "))
    r2, r = row["metrics"].get("r2", float("nan")), row["metrics"].get("pearson", float("nan"))
    ax.set_title(f"{variable}, held-out worm {row['fold']} ({split}): R² {r2:.2f}, Pearson r {r:.2f}")
    ax.legend(fontsize=8)
    figs.save(fig, f"decoded_{row['task']}", f"Decoded against measured {variable}, held-out worm {row['fold']}.")


DRAW = {"traces": trace_figure, "ethogram": ethogram_figure, "regression": regression_figure}
"""Example figures by the ``kind`` a task's example names."""


def relation_figure(figs: Figures, example: dict, row: dict) -> None:
    from wormgnn.relations.estimators import anatomy
    from wormgnn.relations.readouts import MEASURE_LABELS
    from wormgnn.relations.truths import WiringDiagram, score

    names = [str(n) or None for n in example["relation_names"]]
    strength = example["relations"]
    agreement = score(strength, WiringDiagram().among(0, names))
    fig, axes = pyplot().subplots(1, 2, figsize=(13, 5.8), gridspec_kw={"wspace": 0.5})
    for ax, matrix, title, label in (
        (axes[0], strength, f"inferred by {row['model']} on held-out {example['worm_id']}",
         MEASURE_LABELS[str(example["relation_measure"])]),
        (axes[1], anatomy(names), "Cook et al. 2019 connectome", "log(1 + synapses + gap junctions)"),
    ):
        relation_panel(fig, ax, matrix, [n or "?" for n in names], title, label, fontsize=7)
    fig.suptitle(f"Identified neurons: AUROC against the connectome {agreement['auroc']:.2f}, "
                 f"AUPRC {agreement['auprc']:.2f} (edge density {agreement['density']:.2f})", fontsize=10)
    figs.save(fig, "relations", "Relations inferred by the graph model next to the wiring diagram.")


def _summary_table(summary: dict) -> str:
    out = []
    for task in tasks_of(summary):
        metrics = get_task(task).report
        for split in _splits(summary, task):
            out.append(f"<h3>{task} — {html.escape(split)}</h3><table><tr><th>model</th><th>neurons</th>"
                       + "".join(f"<th>{html.escape(m)}</th>" for m in metrics) + "</tr>")
            keys = sorted({(g["model"], g["neurons"]) for g in summary["groups"]
                           if g["task"] == task and g["split"] == split})
            for key in keys:
                cells = []
                for m in metrics:
                    g = _group(summary, task, split, m).get(key)
                    cells.append(f"{g['mean']:.3f} ± {g['std']:.3f}" if g else "–")
                out.append(f"<tr><td>{key[0]}</td><td>{key[1]}</td>" + "".join(f"<td>{c}</td>" for c in cells)
                           + "</tr>")
            out.append("</table>")
    return "\n".join(out)


def build_report(folder: Path, examples: bool = True) -> Path:
    """Write DIR/report.html and DIR/figures/*.png from DIR/results.jsonl and DIR/examples/."""
    folder = Path(folder)
    if not (folder / "results.jsonl").exists():
        raise WormGnnError(f"{folder}: no results.jsonl (run 'wormgnn benchmark --out {folder}' first)")
    store = ResultStore(folder)
    rows = store.rows()
    if not rows:
        raise WormGnnError(f"{folder}/results.jsonl: holds no finished runs")
    config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").exists() else {}
    summary = summarize(rows, failed_runs(folder))
    figs = Figures(folder)
    comparison_figures(summary, figs)
    setting_figures(summary, figs)
    horizon_figures(summary, figs)
    confusion_figures(rows, summary, figs)
    notes = example_figures(rows, summary, figs, store) if examples else []
    intro = (f"{len(rows)} runs from {html.escape(str(config.get('data', 'unknown data')))}, profile "
             f"{html.escape(str(config.get('profile', {}).get('name', '?')))}. Traces are z-scored ΔF/F per "
             "neuron; skill is 1 − MSE/MSE of persistence; balanced accuracy is the mean recall over states.")
    failures = failure_lines(summary)
    warning = ("" if not failures else
               f'<div id="failures" style="border:2px solid #b2182b;padding:0.5em 1em"><b>Incomplete: '
               f"{len(summary['failed'])} planned run(s) have no result.</b> Their models are averaged over the "
               "runs that finished and are never the baseline.<ul>"
               + "".join(f"<li>{html.escape(line)}</li>" for line in failures) + "</ul></div>")
    body = (f"{warning}\n<h2>Summary (mean ± std over seeds × folds)</h2>\n{_summary_table(summary)}"
            + "".join(f"<p>{html.escape(note)}</p>" for note in notes))
    return write_page(folder / "report.html", "wormgnn benchmark report", intro, body, figs)
