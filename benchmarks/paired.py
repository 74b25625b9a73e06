"""Every model of a finished sweep paired with one named reference, fold by fold and seed by
seed (the summary pairs with the best structure-agnostic model instead).

    python benchmarks/paired.py runs/kato --reference linear --metric skill@1 --metric skill@8 --json p.json

Prints, per task, split and metric: each model's mean, its paired difference to the
reference (mean ± std) and the pairs it wins; reads ``results.jsonl``, trains nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wormgnn.files import atomic_write_text
from wormgnn.store import ResultStore
from wormgnn.summary import summarize


def paired_table(folder: Path, reference: str, metrics: list[str]) -> list[dict]:
    rows = ResultStore(folder).rows()
    summary = summarize(rows, reference=reference)
    means = {(g["task"], g["split"], g["model"], g["metric"]): g["mean"] for g in summary["groups"]
             if g["neurons"] == "shared"}
    out = []
    for p in summary["paired"]:
        if p["neurons"] != "shared" or (metrics and p["metric"] not in metrics):
            continue
        out.append({"task": p["task"], "split": p["split"], "metric": p["metric"], "model": p["model"],
                    "reference": p["reference"], "mean": means[(p["task"], p["split"], p["model"], p["metric"])],
                    "reference_mean": means[(p["task"], p["split"], p["reference"], p["metric"])],
                    "delta": p["mean"], "delta_std": p["std"], "wins": p["wins"], "pairs": p["n"]})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--metric", action="append", default=[])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not (args.folder / "results.jsonl").exists():
        print(f"{args.folder}: no results.jsonl (not a benchmark folder)", file=sys.stderr)
        return 2
    table = paired_table(args.folder, args.reference, args.metric)
    if not table:
        print(f"{args.folder}: no rows pair with '{args.reference}'", file=sys.stderr)
        return 2
    for r in table:
        print(f"{r['task']:<9} {r['split']:<10} {r['metric']:<28} {r['model']:<16} {r['mean']:7.3f}  "
              f"Δ vs {r['reference']} {r['delta']:+.3f} ± {r['delta_std']:.3f}  {r['wins']}/{r['pairs']}")
    if args.json:
        atomic_write_text(args.json, json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
