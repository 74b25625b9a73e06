"""The joint coupling (``wormgnn graph --model joint``) fitted to the worms of several labs at
once, and scored against the signal propagation atlas lab by lab: does a coupling shared with
another lab's worms read a lab's own pairs better than one fitted to that lab alone?

    python benchmarks/joint_across_labs.py --data ../shared/data/kato2015/WT_NoStim.mat \\
        --data flavell2023/ --json across.json

For each lab prints, on its pooled and shared atlas pairs (each worm's named neurons), the
AUROC of |correlation|, of the joint coupling fitted to that lab alone (what ``wormgnn graph
--model joint`` reads) and of the one fitted to every lab, with the paired 95% interval of each
difference to |correlation|. Each recording keeps its own frame rate (the fit reads
correlations only). ``--ridge`` and ``--sparsity`` set the penalty on the coupling, ``--no-homologs``
reads each pair without its left/right variants (the defaults are the package's).

Simulated labs (``wormgnn data simulate --calibrated --shape kato|flavell --stimulate``) are
scored against their simulated atlas instead: the simulator gives every lab the same coupling,
so pooling labs should help there: the yardstick the real labs are compared with.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from wormgnn.files import atomic_write_text
from wormgnn.relations.estimators import abs_correlation
from wormgnn.relations.joint import JointCouplingConfig, joint_readings
from wormgnn.relations.pairsets import pair_sets, score_pair_set
from wormgnn.relations.run import neuron_traces, source_truths
from wormgnn.relations.scoring import by_name
from wormgnn.sources import load_dataset

ALONE, ACROSS = "joint coupling, this lab", "joint coupling, every lab"


def named_traces(source: str):
    """A lab's recordings, each worm's named neurons' z-scored traces and names, its atlas (for
    simulated worms written with ``--stimulate``, their simulated atlas, as ``wormgnn graph`` scores them)."""
    recordings = list(load_dataset(source))
    traces, names, _ = neuron_traces(recordings, "named")
    truths, _, couplings = source_truths(source, recordings)
    simulated = any(c is not None for c in couplings)
    atlas = [t for t in truths if t.key == ("simulated_atlas" if simulated else "atlas")]
    if not atlas:
        raise SystemExit(f"{source}: " + ("simulated without --stimulate: no simulated atlas to score against"
                                          if simulated else "the atlas covers none of its worms"))
    return recordings, traces, names, atlas[0]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", required=True, help="a lab's recordings; repeat for each lab")
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--steps", type=int, default=JointCouplingConfig.steps, help="Adam steps of each fit")
    parser.add_argument("--fits", type=int, default=JointCouplingConfig.fits, help="fits averaged")
    parser.add_argument("--ridge", type=float, default=JointCouplingConfig.ridge, help="squared penalty on S")
    parser.add_argument("--sparsity", type=float, default=JointCouplingConfig.sparsity,
                        help="|S| penalty (default: scaled to each fit's data, relations.joint.default_sparsity)")
    parser.add_argument("--homologs", action=argparse.BooleanOptionalAction, default=JointCouplingConfig.homologs,
                        help="read each pair as the mean over its left/right variants")
    parser.add_argument("--epoch", type=float, default=JointCouplingConfig.epoch_s,
                        help="seconds of each worm with a drive of its own (0: one drive per worm)")
    args = parser.parse_args(argv)
    config = JointCouplingConfig(steps=args.steps, fits=args.fits, ridge=args.ridge, sparsity=args.sparsity,
                                 homologs=args.homologs, epoch_s=args.epoch or None)
    labs = {source: named_traces(source) for source in args.data}
    every = joint_readings([x for lab in labs.values() for x in lab[1]], [n for lab in labs.values() for n in lab[2]],
                           [r.fps for lab in labs.values() for r in lab[0]], config)[1]
    report, start = {}, 0
    for source, (recordings, traces, names, atlas) in labs.items():
        alone = joint_readings(traces, names, [r.fps for r in recordings], config)[1]
        readings = {"correlation": by_name([abs_correlation(x) for x in traces], names),
                    ALONE: by_name(alone, names), ACROSS: by_name(every[start:start + len(traces)], names)}
        start += len(traces)
        report[source] = {key: score_pair_set(readings, {ALONE: "model", ACROSS: "model"}, pairs, atlas)
                          for key, pairs in pair_sets(names).items()}
        for key, scored in report[source].items():
            for name, s in scored.items():
                print(f"{Path(source).name:16s} {key:6s} {name:28s} AUROC {s['auroc']:.3f}  "
                      f"Δ {s['delta_vs_corr']:+.3f} "
                      f"[{s['delta_ci'][0]:+.3f}, {s['delta_ci'][1]:+.3f}]  ({s['pairs']} pairs, "
                      f"{s['positives']} responding)", flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {"config": asdict(config), "labs": report}
    atomic_write_text(args.json, json.dumps(report, indent=1, default=float))
    return report


if __name__ == "__main__":
    np.seterr(invalid="ignore")
    main()
