"""Mean ± std over seeds × folds, and each model's paired difference to the best
structure-agnostic model (the comparison the paper makes)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from wormgnn.files import atomic_write_text
from wormgnn.tasks import TASKS, get_task


def is_reference(model: str) -> bool:
    """Whether rows of this model may be the reference others are paired with: a trained
    structure-agnostic model (its kind is declared by its class; see models.base)."""
    from wormgnn.models.base import model_entry, reference_candidate

    return reference_candidate(model_entry(model).cls)


def setting(row: dict) -> str:
    """The split a row was measured on, with the datasets when several were combined (which
    trained → which was tested) and its lookahead when it decodes with one: rows of different
    directions or lookaheads are never averaged or paired together."""
    lookahead = int(row.get("lookahead", 0) or 0)
    name = row["split"]
    if int(row.get("n_datasets", 1) or 1) > 1:
        train, test = row["train_dataset"], row["test_dataset"]
        name += f" {test}" if train == test else f" {train}→{test}"
    if row.get("adapt_minutes"):
        name += f" {row['adapt_minutes']:g}min"
    return name if not lookahead else f"{name}_lookahead{lookahead}"


def flatten(row: dict) -> dict[str, float]:
    return get_task(row["task"]).flatten(row["metrics"])


def tasks_of(summary: dict) -> list[str]:
    """The tasks a summary holds, in registration order."""
    present = {g["task"] for g in summary["groups"]}
    return [t for t in TASKS if t in present]


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if arr.size > 1 else 0.0,
            "n": int(arr.size)}


FAILED = "failed.json"
"""Beside results.jsonl: the planned runs of the last sweep that have no row, with the reason."""


def failed_runs(folder: Path) -> list[dict]:
    path = Path(folder) / FAILED
    return json.loads(path.read_text()) if path.exists() else []


def summarize(rows: list[dict], failed: list[dict] | tuple = (), reference: str | None = None) -> dict:
    """{'groups': [...], 'paired': [...], 'failed': [...]} — plain data for JSON, Markdown and
    the report. A structure-agnostic model with failed runs in a task and split is never the
    reference there: its mean over the runs that finished would not be comparable.
    ``reference`` pairs every model with that one instead of the best structure-agnostic one."""
    incomplete = {(f["task"], setting(f), f["model"]) for f in failed if f["neurons"] == "shared"}
    cells: dict[tuple, dict[tuple, float]] = defaultdict(dict)
    for row in rows:
        for metric, value in flatten(row).items():
            group = (row["task"], setting(row), row["model"], row["neurons"], metric)
            cells[group][(row["fold"], row["seed"])] = value
    groups = [
        {"task": t, "split": s, "model": m, "neurons": n, "metric": k, **_stats(list(v.values()))}
        for (t, s, m, n, k), v in sorted(cells.items())
    ]
    paired = []
    by_metric = defaultdict(list)
    for g in groups:
        by_metric[(g["task"], g["split"], g["metric"])].append(g)
    for (task, split, metric), members in sorted(by_metric.items()):
        kind = get_task(task)
        if not kind.compared(metric):
            continue
        agnostic = [g for g in members if is_reference(g["model"]) and g["neurons"] == "shared"
                    and (task, split, g["model"]) not in incomplete and g["model"] == (reference or g["model"])]
        if not agnostic:
            continue
        lower_is_better = kind.lower_is_better(metric)
        pick = min if lower_is_better else max
        best = pick(agnostic, key=lambda g: g["mean"])
        paired_with = cells[(task, split, best["model"], "shared", metric)]
        for g in members:
            values = cells[(task, split, g["model"], g["neurons"], metric)]
            common = sorted(set(values) & set(paired_with))
            if not common or (g["model"], g["neurons"]) == (best["model"], "shared"):
                continue
            diffs = [values[k] - paired_with[k] for k in common]
            better = [(d < 0) if lower_is_better else (d > 0) for d in diffs]
            paired.append({"task": task, "split": split, "metric": metric, "model": g["model"],
                           "neurons": g["neurons"], "reference": best["model"], **_stats(diffs),
                           "wins": int(sum(better))})
    return {"groups": groups, "paired": paired, "failed": list(failed)}


def failure_lines(summary: dict) -> list[str]:
    """One line per task, split, model and neuron set with failed runs, with the first reason."""
    by_group: dict[tuple, list[dict]] = defaultdict(list)
    for f in summary.get("failed", []):
        by_group[(f["task"], setting(f), f["model"], f["neurons"])].append(f)
    lines = []
    for (task, split, model, neurons), items in sorted(by_group.items()):
        reason = items[0]["error"].splitlines()[0] if items[0]["error"] else "no row"
        lines.append(f"{model} ({neurons}) {task} {split}: {len(items)} run(s) without a result — {reason}")
    return lines


def _fmt(stat: dict) -> str:
    return f"{stat['mean']:.3f} ± {stat['std']:.3f}"


def render_markdown(summary: dict, title: str = "wormgnn benchmark") -> str:
    lines = [f"# {title}", "",
             "Mean ± std over seeds × folds. Δ = paired difference (same fold and seed) to the best "
             "structure-agnostic model on shared neurons; wins = pairs where the model is better.", ""]
    failures = failure_lines(summary)
    if failures:
        lines += [f"**Incomplete: {len(summary['failed'])} planned run(s) have no result.** Their models are "
                  "averaged over the runs that finished and are never the Δ reference; rerun the same command "
                  "to retry them.", ""] + [f"- {line}" for line in failures] + [""]
    groups = summary["groups"]
    paired = {(p["task"], p["split"], p["model"], p["neurons"], p["metric"]): p for p in summary["paired"]}
    for task in tasks_of(summary):
        for split in sorted({g["split"] for g in groups if g["task"] == task}):
            metrics = [m for m in get_task(task).headline if any(g["metric"] == m for g in groups)]
            lines += [f"## {task} — {split}", "",
                      "| model | neurons | n | " + " | ".join(metrics) + " |",
                      "|---|---|---|" + "---|" * len(metrics)]
            rows = sorted({(g["model"], g["neurons"]) for g in groups
                           if g["task"] == task and g["split"] == split})
            for model, neurons in rows:
                cells, n = [], 0
                for metric in metrics:
                    g = next((g for g in groups if (g["task"], g["split"], g["model"], g["neurons"],
                                                    g["metric"]) == (task, split, model, neurons, metric)),
                             None)
                    if g is None:
                        cells.append("–")
                        continue
                    n = g["n"]
                    p = paired.get((task, split, model, neurons, metric))
                    delta = f" (Δ {p['mean']:+.3f}, {p['wins']}/{p['n']} wins vs {p['reference']})" if p else ""
                    cells.append(_fmt(g) + delta)
                lines.append(f"| {model} | {neurons} | {n} | " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines)


def write_summary(folder: Path, rows: list[dict], failed: list[dict] | tuple = ()) -> dict:
    summary = summarize(rows, failed)
    atomic_write_text(folder / FAILED, json.dumps(list(failed), indent=1))
    atomic_write_text(folder / "summary.json", json.dumps(summary, indent=1))
    atomic_write_text(folder / "summary.md", render_markdown(summary))
    return summary


def render_terminal(summary: dict, width: int = 100) -> str:
    """The headline metrics of every task and split, mean ± std with the paired Δ to the best
    structure-agnostic model and its wins, in at most ``width`` columns (the full table is
    summary.md's)."""
    groups = summary["groups"]
    paired = {(p["task"], p["split"], p["model"], p["neurons"], p["metric"]): p for p in summary["paired"]}
    stats = {(g["task"], g["split"], g["model"], g["neurons"], g["metric"]): g for g in groups}
    lines = []
    for task in tasks_of(summary):
        for split in sorted({g["split"] for g in groups if g["task"] == task}):
            metrics = [m for m in get_task(task).terminal if (task, split, m) in
                       {(g["task"], g["split"], g["metric"]) for g in groups}]
            refs = sorted({p["reference"] for p in summary["paired"] if (p["task"], p["split"]) == (task, split)
                           and p["metric"] in metrics})
            lines += ["", f"{task} — {split}" + (f" (Δ, wins: paired with {', '.join(refs)})" if refs else "")]
            cell = max(8, (width - 26) // max(len(metrics), 1) - 1)
            heads = [m.replace("balanced_accuracy", "bal. acc.") for m in metrics]
            lines.append(f"{'model':<18} {'neurons':<7}" + "".join(f" {h[:cell]:<{cell}}" for h in heads))
            for model, neurons in sorted({(g["model"], g["neurons"]) for g in groups
                                          if (g["task"], g["split"]) == (task, split)}):
                cells = []
                for metric in metrics:
                    g = stats.get((task, split, model, neurons, metric))
                    p = paired.get((task, split, model, neurons, metric))
                    text = "–" if g is None else f"{g['mean']:.3f}±{g['std']:.3f}"
                    text += f" {p['mean']:+.3f} {p['wins']}/{p['n']}" if p else ""
                    cells.append(f" {text[:cell]:<{cell}}")
                lines.append(f"{model[:18]:<18} {neurons[:7]:<7}" + "".join(cells))
    return "\n".join(line.rstrip() for line in lines).strip("\n")
