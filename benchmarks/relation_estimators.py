"""How well simple estimators recover the simulated worms' true coupling: the ceiling that a
learned relation reading is held against.

    python benchmarks/relation_estimators.py --json estimators.json              # seeds 0 and 1
    python benchmarks/relation_estimators.py --json e.json --seeds 3 --duration 3240

For each simulated seed (5 worms, shared identified neurons, as ``wormgnn graph`` scores
them) prints the mean AUROC over worms against the true coupling of: |correlation|,
|lagged correlation| at lags 1–3 (i's past against j's present: directed), |partial
correlation| (ridge-regularised precision), a ridge one-step Granger model, and correlation
and Granger after removing each behavioral state's mean (the motor program's drive).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wormgnn.files import atomic_write_text
from wormgnn.relations.estimators import extended_estimates as estimates
from wormgnn.relations.truths import TrueCoupling, score
from wormgnn.sim import simulate
from wormgnn.windows import prepare


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--seeds", default="0,1", help="simulation seeds, comma-separated")
    parser.add_argument("--duration", type=float, default=1080.0, help="seconds per simulated worm")
    args = parser.parse_args(argv)
    report = {"duration_s": args.duration, "seeds": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        recordings, truths = simulate(worms=5, seed=seed, duration_s=args.duration)
        scores: dict[str, list[float]] = {}
        for rec, prep, truth in zip(recordings, prepare(recordings, "shared"), truths, strict=True):
            n = int(prep.mask.sum())
            index = [rec.neuron_names.index(name) for name in prep.names[:n]]
            pairs = TrueCoupling([truth[np.ix_(index, index)]]).among(0, prep.names[:n])
            for name, value in estimates(prep.traces[:, :n], np.asarray(rec.labels)).items():
                scores.setdefault(name, []).append(score(value, pairs)["auroc"])
        report["seeds"][seed] = {name: {"mean": float(np.mean(v)), "min": float(np.min(v)), "max": float(np.max(v))}
                                 for name, v in scores.items()}
        for name, s in report["seeds"][seed].items():
            print(f"seed {seed}  {name:24s} AUROC {s['mean']:.3f}  ({s['min']:.3f}–{s['max']:.3f})", flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.json, json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
