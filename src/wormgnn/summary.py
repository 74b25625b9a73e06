"""Mean ± std over seeds × folds, and each model's paired difference to the best
structure-agnostic model (the comparison the paper makes)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from wormgnn.store import atomic_write_text

STRUCTURE_AGNOSTIC = ("linear", "mlp", "lstm")
HEADLINE = {
    "forecast": ("skill@1", "skill@8", "mse@1", "mse@8"),
    "behavior": ("coarse.balanced_accuracy", "fine.balanced_accuracy", "coarse.macro_f1",
                 "fine.macro_f1", "coarse.accuracy", "fine.accuracy"),
}


def lower_is_better(metric: str) -> bool:
    return metric.startswith("mse")


def flatten(row: dict) -> dict[str, float]:
    m = row["metrics"]
    if row["task"] == "forecast":
        return {f"{kind}@{h}": v for kind in ("mse", "skill") for h, v in m[kind].items()}
    return {f"{level}.{name}": v for level in ("coarse", "fine") for name, v in m[level].items()}


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if arr.size > 1 else 0.0,
            "n": int(arr.size)}


def summarize(rows: list[dict]) -> dict:
    """{'groups': [...], 'paired': [...]} — plain data for JSON, Markdown and the report."""
    cells: dict[tuple, dict[tuple, float]] = defaultdict(dict)
    for row in rows:
        for metric, value in flatten(row).items():
            group = (row["task"], row["split"], row["model"], row["neurons"], metric)
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
        agnostic = [g for g in members if g["model"] in STRUCTURE_AGNOSTIC and g["neurons"] == "shared"]
        if not agnostic:
            continue
        pick = min if lower_is_better(metric) else max
        best = pick(agnostic, key=lambda g: g["mean"])
        reference = cells[(task, split, best["model"], "shared", metric)]
        for g in members:
            values = cells[(task, split, g["model"], g["neurons"], metric)]
            common = sorted(set(values) & set(reference))
            if not common or (g["model"], g["neurons"]) == (best["model"], "shared"):
                continue
            diffs = [values[k] - reference[k] for k in common]
            better = [(d < 0) if lower_is_better(metric) else (d > 0) for d in diffs]
            paired.append({"task": task, "split": split, "metric": metric, "model": g["model"],
                           "neurons": g["neurons"], "reference": best["model"], **_stats(diffs),
                           "wins": int(sum(better))})
    return {"groups": groups, "paired": paired}


def _fmt(stat: dict) -> str:
    return f"{stat['mean']:.3f} ± {stat['std']:.3f}"


def render_markdown(summary: dict, title: str = "wormgnn benchmark") -> str:
    lines = [f"# {title}", "",
             "Mean ± std over seeds × folds. Δ = paired difference (same fold and seed) to the best "
             "structure-agnostic model on shared neurons; wins = pairs where the model is better.", ""]
    groups = summary["groups"]
    paired = {(p["task"], p["split"], p["model"], p["neurons"], p["metric"]): p for p in summary["paired"]}
    for task in ("forecast", "behavior"):
        for split in sorted({g["split"] for g in groups if g["task"] == task}):
            metrics = [m for m in HEADLINE[task] if any(g["metric"] == m for g in groups)]
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


def write_summary(folder: Path, rows: list[dict]) -> dict:
    summary = summarize(rows)
    atomic_write_text(folder / "summary.json", json.dumps(summary, indent=1))
    atomic_write_text(folder / "summary.md", render_markdown(summary))
    return summary
