"""How well simple estimators recover the simulated worms' relations: their true coupling, or
their simulated atlas (stimulation in the simulator, ``--against simulated-atlas``). The
ceiling a learned relation reading is held against, and the place to choose among readings.

    python benchmarks/relation_estimators.py --json estimators.json              # seeds 0 and 1
    python benchmarks/relation_estimators.py --json e.json --seeds 3 --duration 3240
    python benchmarks/relation_estimators.py --json a.json --against simulated-atlas
    python benchmarks/relation_estimators.py --json j.json --against simulated-atlas --simulator calibrated \
        --joint 3x1,2x0.3 --baseline "partial correlation (LW)"

For each simulated seed (5 worms) prints, against the true coupling, the mean AUROC over
worms on their shared identified neurons, and against the simulated atlas the AUROC on the
pooled pairs of named neurons (each worm's every named neuron, readings pooled by name over
worms as ``wormgnn graph`` does) with the paired 95% interval of its difference to
|correlation|, of: |correlation|, |lagged correlation| at lags 1–3 (i's past against j's
present: directed), |partial correlation| (ridge-regularised precision), a ridge one-step
Granger model, the yardsticks after removing each behavioral state's mean (the motor
program's drive), and correlation after removing the first principal components; with
``--joint RANKxRIDGE[xSPARSITY],...`` (SPARSITY a number, or ``scaled`` for the package's
default, scaled to the data) also the joint coupling (``relations.joint``) fitted to
every worm of the seed at once, per setting, read twice: each pair on its own, and
averaged over its left/right variants (", bilateral mean": what ``wormgnn graph`` reads).
``--baseline`` names the reading every interval is paired with (default |correlation|);
``--pair-set shared`` scores the pairs among the names every worm has instead; ``--joint-unnamed``
fits each joint coupling to every worm's unnamed neurons too, as ``graph --neurons all`` does.
``--simulator flavell-shaped`` simulates 7 worms shaped like the named Flavell recordings
(``sim.calibration.FLAVELL_SHAPE``) instead of 5 like Kato's; settings may follow it
(``flavell-shaped,drive_turnover=0.3``: broad drives that change every 2 minutes).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wormgnn.files import atomic_write_text
from wormgnn.relations.estimators import BILATERAL_PARTIAL, DRIFT_FREE_PARTIAL, bilateral_average
from wormgnn.relations.estimators import extended_estimates as estimates
from wormgnn.relations.joint import JointCoupling, JointCouplingConfig, joint_readings
from wormgnn.relations.truths import TrueCoupling, score
from wormgnn.sim import simulate
from wormgnn.sim.calibration import simulator_settings
from wormgnn.windows import prepare

BILATERAL = ", bilateral mean"
"""Suffix of a joint reading averaged over each pair's left/right variants (what ``graph`` reads)."""


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--seeds", default="0,1", help="simulation seeds, comma-separated")
    parser.add_argument("--duration", type=float, default=1080.0, help="seconds per simulated worm")
    parser.add_argument("--against", choices=("coupling", "simulated-atlas"), default="coupling")
    parser.add_argument("--trials", type=int, default=100, help="simulated atlas: trials per named neuron and worm")
    parser.add_argument("--simulator", default="",
                        help="simulator settings (broad_drive=1.2,drift=0.3), calibrated (matched to Kato's "
                        "recordings) or flavell-shaped (7 worms shaped like and matched to Flavell's)")
    parser.add_argument("--joint", default="",
                        help="simulated atlas: joint couplings RANKxRIDGE[xSPARSITY|xscaled[xEPOCH]], comma-separated")
    parser.add_argument("--joint-steps", type=int, default=JointCouplingConfig.steps, help="Adam steps of a joint fit")
    parser.add_argument("--joint-fits", type=int, default=JointCouplingConfig.fits, help="joint fits averaged")
    parser.add_argument("--joint-unnamed", action="store_true",
                        help="fit each joint coupling to every worm's unnamed neurons too (graph --neurons all)")
    parser.add_argument("--baseline", default="correlation", help="simulated atlas: the reading intervals pair with")
    parser.add_argument("--pair-set", choices=("pooled", "shared"), default="pooled",
                        help="simulated atlas: the pair set scored (pooled or shared)")
    args = parser.parse_args(argv)
    settings = simulator_settings(args.simulator)
    joint = joint_settings(args.joint)
    report = {"duration_s": args.duration, "against": args.against, "simulator": settings, "baseline": args.baseline,
              "pair_set": args.pair_set,
              "joint": [list(j) for j in joint], "joint_steps": args.joint_steps, "joint_fits": args.joint_fits,
              "joint_unnamed": args.joint_unnamed, "seeds": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        if args.against == "simulated-atlas":
            report["seeds"][seed] = against_simulated_atlas(seed, args.duration, args.trials, settings, joint,
                                                            args.baseline, (args.joint_steps, args.joint_fits),
                                                            args.pair_set, args.joint_unnamed)
            for name, s in report["seeds"][seed].items():
                print(f"seed {seed}  {name:36s} AUROC {s['auroc']:.3f}  Δ {s.get('delta_vs_corr', 0):+.3f} "
                      f"[{s['delta_ci'][0]:+.3f}, {s['delta_ci'][1]:+.3f}]  ({s['pairs']} pairs, "
                      f"{s['positives']} responding)", flush=True)
                for other, paired in s.get("versus", {}).items():
                    if other.startswith("partial correlation (LW)"):
                        print(f"seed {seed}  {name} against {other}: Δ {paired['delta']:+.3f} "
                              f"[{paired['delta_ci'][0]:+.3f}, {paired['delta_ci'][1]:+.3f}]", flush=True)
            continue
        recordings, truths = simulate(seed=seed, **({"worms": 5, "duration_s": args.duration} | settings))
        scores: dict[str, list[float]] = {}
        for rec, prep, truth in zip(recordings, prepare(recordings, "shared"), truths, strict=True):
            n = int(prep.mask.sum())
            index = [rec.neuron_names.index(name) for name in prep.names[:n]]
            pairs = TrueCoupling([truth[np.ix_(index, index)]]).among(0, prep.names[:n])
            for name, value in estimates(prep.traces[:, :n], np.asarray(rec.labels), rec.fps).items():
                scores.setdefault(name, []).append(score(value, pairs)["auroc"])
        report["seeds"][seed] = {name: {"mean": float(np.mean(v)), "min": float(np.min(v)), "max": float(np.max(v))}
                                 for name, v in scores.items()}
        for name, s in report["seeds"][seed].items():
            print(f"seed {seed}  {name:24s} AUROC {s['mean']:.3f}  ({s['min']:.3f}–{s['max']:.3f})", flush=True)
    if args.against == "simulated-atlas":
        report["over_seeds"] = over_seeds(report["seeds"])
        for name, s in report["over_seeds"].items():
            print(f"over seeds  {name:36s} AUROC {s['auroc']:.3f}  Δ {s['delta_vs_corr']:+.3f}  "
                  f"(interval above 0 on {s['seeds_above']} of {s['seeds']} seeds, below on {s['seeds_below']})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.json, json.dumps(report, indent=1))
    return report


def over_seeds(seeds: dict[int, dict]) -> dict:
    """Per estimator: mean AUROC and Δ to |correlation| over seeds, and on how many seeds its
    interval lies wholly above or below 0 (a choice should hold on every seed, not on average)."""
    out = {}
    for name in next(iter(seeds.values())):
        scored = [s[name] for s in seeds.values()]
        out[name] = {"auroc": float(np.mean([s["auroc"] for s in scored])),
                     "delta_vs_corr": float(np.mean([s.get("delta_vs_corr", 0.0) for s in scored])),
                     "seeds": len(scored), "seeds_above": sum(s["delta_ci"][0] > 0 for s in scored),
                     "seeds_below": sum(s["delta_ci"][1] < 0 for s in scored)}
    return out


def joint_settings(text: str) -> list[tuple[int, float, float | None, float | None]]:
    """``"3x1,3x0x0.003,3x0xscaled,3x0xscaledx120"`` → [(3, 1.0, 0.0, None), (3, 0.0, 0.003, None),
    (3, 0.0, None, None), (3, 0.0, None, 120.0)]: (rank, ridge, sparsity, epoch) of each joint
    coupling to fit; ``scaled`` is the package's default penalty, scaled to the data
    (``joint.default_sparsity``); an epoch (seconds) gives each epoch of a worm its own drive."""
    try:
        settings = [item.split("x") for item in text.split(",") if item]
        if any(len(parts) not in (2, 3, 4) for parts in settings):
            raise ValueError
        return [(int(parts[0]), float(parts[1]),
                 (None if parts[2] == "scaled" else float(parts[2])) if len(parts) >= 3 else 0.0,
                 float(parts[3]) if len(parts) == 4 else None)
                for parts in settings]
    except ValueError:
        raise SystemExit(f"--joint {text}: expected RANKxRIDGE[xSPARSITY[xEPOCH]] (SPARSITY a number or scaled, "
                         "EPOCH seconds), e.g. 3x1,3x0x0.003,3x0xscaled,3x0xscaledx120") from None


def against_simulated_atlas(seed: int, duration: float, trials: int = 100, settings: dict | None = None,
                            joint: list[tuple[int, float, float | None, float | None]] = (),
                            baseline: str = "correlation",
                            joint_fit: tuple[int, int] = (JointCouplingConfig.steps, JointCouplingConfig.fits),
                            pair_set: str = "pooled", joint_unnamed: bool = False) -> dict:
    """Every estimator per worm on its named neurons, pooled by name, and each joint coupling
    fitted to all the seed's worms (with ``joint_unnamed`` their unnamed neurons too), scored on
    one pair set (``pooled`` or ``shared``) against the simulated atlas of the same worms."""
    from wormgnn.relations.pairsets import pair_sets, score_pair_set
    from wormgnn.relations.run import neuron_traces
    from wormgnn.relations.scoring import by_name
    from wormgnn.relations.truths import SimulatedAtlasTruth
    from wormgnn.sim.atlas import StimulationProtocol, simulated_atlas
    from wormgnn.sim.simulator import simulated_worms

    worms = simulated_worms(seed=seed, **({"worms": 5, "duration_s": duration} | (settings or {})))
    truth = SimulatedAtlasTruth(simulated_atlas(worms, StimulationProtocol(trials=trials), seed=seed))
    recordings = [w.recording for w in worms]
    traces, names, _ = neuron_traces(recordings, "named")
    per_worm = [estimates(x, np.asarray(rec.labels), rec.fps) for rec, x in zip(recordings, traces, strict=True)]
    for worm, worm_names in zip(per_worm, names, strict=True):  # as ``wormgnn graph`` adds it
        worm[BILATERAL_PARTIAL] = bilateral_average(worm_names, worm[DRIFT_FREE_PARTIAL])
    readings = {name: by_name([worm[name] for worm in per_worm], names) for name in per_worm[0]}
    models = {}
    fitted_on = neuron_traces(recordings, "all")[:2] if joint_unnamed else (traces, names)
    for rank, ridge, sparsity, epoch in joint:
        config = JointCouplingConfig(rank=rank, ridge=ridge, sparsity=sparsity, steps=joint_fit[0], fits=joint_fit[1],
                                     homologs=False, epoch_s=epoch, unnamed=joint_unnamed)
        fitted, _, _ = joint_readings(*fitted_on, [r.fps for r in recordings], config)
        sides_apart = [fitted.among(worm) for worm in names]
        averaged = JointCoupling(fitted.names, bilateral_average(fitted.names, fitted.coupling), fitted.loss,
                                 fitted.sparsity)
        name = f"joint coupling rank {rank} ridge {ridge:g}" + (
            " sparsity scaled" if sparsity is None else f" sparsity {sparsity:g}" if sparsity else "") + (
            f" epochs {epoch:g} s" if epoch else "") + (" with unnamed" if joint_unnamed else "")
        readings[name] = by_name(sides_apart, names)
        readings[name + BILATERAL] = by_name([averaged.among(worm) for worm in names], names)
        models[name] = models[name + BILATERAL] = "model"  # paired with every other reading too (``versus``)
    if baseline not in readings:
        raise SystemExit(f"--baseline {baseline}: not a reading here (one of: {', '.join(readings)})")
    return score_pair_set(readings, models, pair_sets(names)[pair_set], truth, baseline=baseline)


if __name__ == "__main__":
    main()
