"""What differs between datasets' recordings once they share a frame rate: why a model of one
lab's worms may not forecast or decode another lab's.

    python benchmarks/lab_contrast.py --data WT_NoStim.mat --data flavell2023/ --json contrast.json

Per worm, on the names identified in every worm and on the common rate that ``benchmark``
uses (z-scored as the models see them): the one-step persistence error (the variance of
frame-to-frame changes), the lag-1 autocorrelation of those changes (positive: smooth traces
whose recent trend continues; negative: changes dominated by frame-to-frame noise, which a
forecaster should damp rather than extrapolate), the lag-1 autocorrelation of the traces, and
where reversals are annotated their share of frames and the mean of the AVA pair inside
reversals minus outside. Where velocity is measured: its SD per worm and each neuron's
correlation with it, and the names that follow it with opposite signs in different worms
(|r| > 0.2 both ways), which no decoder shared by the worms can read. Prints a row per
dataset (mean over worms); trains nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from wormgnn.data import Recording, shared_names
from wormgnn.errors import WormGnnError
from wormgnn.files import atomic_write_text
from wormgnn.sim.calibration import mean_autocorrelation
from wormgnn.sources import load_dataset, source_of
from wormgnn.windows import zscore

REVERSAL_NEURONS = ("AVAL", "AVAR")


def worm_contrast(recording: Recording, names: list[str]) -> dict:
    from wormgnn.tasks import get_task

    traces = zscore(recording.traces[:, [recording.neuron_names.index(n) for n in names]]).astype(np.float64)
    changes = np.diff(traces, axis=0)
    out = {"worm": recording.worm_id, "dataset": recording.dataset, "frames": recording.frames,
           "fps": round(float(recording.fps), 4), "persistence_mse": float(np.mean(changes ** 2)),
           "change_lag1": mean_autocorrelation(changes, 1), "trace_lag1": mean_autocorrelation(traces, 1)}
    labels = get_task("reversal").frame_labels(recording)
    ava = [names.index(n) for n in REVERSAL_NEURONS if n in names]
    if labels is not None and (labels == 1).any() and (labels == 0).any():
        out["reversal_share"] = float(np.mean(labels[labels >= 0] == 1))
        if ava:
            level = traces[:, ava].mean(1)
            out["ava_in_minus_out"] = float(level[labels == 1].mean() - level[labels == 0].mean())
    if "velocity" in recording.behavior:
        velocity = recording.behavior["velocity"]
        out["velocity_sd"] = float(np.std(velocity))
        out["velocity_r"] = {n: float(np.corrcoef(traces[:, k], velocity)[0, 1]) for k, n in enumerate(names)}
    return out


def sign_flips(worms: list[dict], threshold: float = 0.2) -> dict[str, list[float]]:
    """Names whose correlation with velocity exceeds ``threshold`` in one worm and falls below
    ``-threshold`` in another: their r in every worm that measured velocity."""
    measured = [w["velocity_r"] for w in worms if "velocity_r" in w]
    flips = {}
    for name in measured[0] if measured else []:
        r = [m[name] for m in measured]
        if max(r) > threshold and min(r) < -threshold:
            flips[name] = r
    return flips


def contrast(data: list[str], rate: float = 0.0) -> dict:
    recordings = list(load_dataset(source_of(data), rate))
    names = shared_names(recordings)
    if not names:
        raise WormGnnError("no neuron is identified in every worm of these datasets")
    worms = [worm_contrast(r, names) for r in recordings]
    datasets = {}
    for name in dict.fromkeys(w["dataset"] for w in worms):
        mine = [w for w in worms if w["dataset"] == name]
        keys = [k for k in mine[0] if isinstance(mine[0][k], float) and k != "fps"]
        datasets[name] = {"worms": len(mine), **{k: float(np.mean([w[k] for w in mine if k in w])) for k in keys}}
    return {"names": names, "rate_hz": round(float(recordings[0].fps), 4), "datasets": datasets, "worms": worms,
            "velocity_sign_flips": sign_flips(worms)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    try:
        result = contrast(args.data, args.rate)
    except WormGnnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(result['names'])} shared names at {result['rate_hz']:g} frames/s: {' '.join(result['names'])}")
    for name, row in result["datasets"].items():
        print(f"{name:<14} " + "  ".join(f"{k} {v:.3f}" for k, v in row.items() if k != "worms")
              + f"  ({row['worms']} worms)")
    sds = [w["velocity_sd"] for w in result["worms"] if "velocity_sd" in w]
    if sds:
        print(f"velocity SD per worm: {min(sds):.3f}–{max(sds):.3f}; names following velocity with opposite "
              "signs in different worms: " + (", ".join(f"{n} ({min(r):+.2f} … {max(r):+.2f})"
                                                        for n, r in result["velocity_sign_flips"].items()) or "none"))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
