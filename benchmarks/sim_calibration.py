"""How close simulated worms come to real recordings, and which simulator settings bring them
closest: how many neurons follow the motor program (``broad_drive``), how large each neuron's
slow drift is (``drift``), the measurement noise, how much of the broad drive changes
every 2 minutes (``drive_turnover``; chosen alone with ``--match halves_agreement``), and the
indicator's time constant (``--calcium-tau-s``; with the noise it sets how much of the
frame-to-frame changes is shared, ``changes_agreement``).

    python benchmarks/sim_calibration.py --data ../shared/data/kato2015/WT_NoStim.mat \
        --data flavell2023/ --json calibration.json

Prints, per dataset and per setting of the grid (5 worms of ``--seed``; ``--shape flavell``: 7
worms shaped like the named Flavell recordings), the statistics of
``wormgnn.sim.calibration.shared_dynamics`` averaged over worms, and for each dataset the
setting whose statistics lie nearest (``calibration.distance`` over ``MATCHED``:
principal-component shares, participation ratio, |correlation| quantiles, autocorrelation at
1 s and 5 s; ``--match`` adds or replaces them with ``calibration.UNMATCHED``). Trains nothing
and reads no truth: the atlas is a test set and plays no part.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from wormgnn.errors import WormGnnError
from wormgnn.files import atomic_write_text
from wormgnn.sim.calibration import MATCHED, SHAPES, UNMATCHED, dataset_statistics, distance, simulator_settings
from wormgnn.sim.simulator import simulate
from wormgnn.sources import load_dataset, source_of

KNOBS = {"broad_drive": "0,0.6,0.9,1.2,1.5", "drift": "0.03,0.2,0.3,0.4", "measurement_noise": "0.04,0.1,0.15",
         "drive_turnover": "", "calcium_tau_s": ""}
"""Each knob's values by default; an empty one is not varied (the simulator's own default)."""


def grid(values: dict[str, str]) -> list[str]:
    """Every combination, each as a settings text (``broad_drive=0.6,drift=0.2,...``); a knob
    given no values is left out."""
    lists = [[f"{knob}={v.strip()}" for v in text.split(",")] for knob, text in values.items() if text.strip()]
    return [",".join(combo) for combo in itertools.product(*lists)]


def calibrate(data: list[str], settings: list[str], seed: int = 0, worms: int = 5, duration_s: float = 1080.0,
              shape: str = "kato", match: tuple[str, ...] = MATCHED) -> dict:
    datasets = {Path(path).stem: dataset_statistics(list(load_dataset(source_of([path])))) for path in data}
    simulated = {}
    for text in settings:
        size = {"worms": worms, "duration_s": duration_s} | SHAPES[shape] | simulator_settings(text)
        simulated[text] = dataset_statistics(simulate(seed=seed, **size)[0])
        print(_row(text, simulated[text]), flush=True)
    chosen = {}
    for name, target in datasets.items():
        distances = {text: distance(stats, target, match) for text, stats in simulated.items()}
        best = min(distances, key=distances.get)
        chosen[name] = {"settings": simulator_settings(best), "distance": distances[best]}
    return {"seed": seed, "worms": worms, "shape": shape, "matched": list(match), "datasets": datasets,
            "simulated": simulated, "chosen": chosen}


def _row(label: str, stats: dict) -> str:
    return f"{label:<46} " + "  ".join(f"{k} {v:.3f}" if k != "neurons" else f"{k} {v:.0f}" for k, v in stats.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, help="recording file or folder (repeatable)")
    for knob, default in KNOBS.items():
        parser.add_argument(f"--{knob.replace('_', '-')}", default=default, help=f"{knob} values, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worms", type=int, default=5)
    parser.add_argument("--duration", type=float, default=1080.0, help="seconds per simulated worm")
    parser.add_argument("--shape", choices=tuple(SHAPES), default="kato",
                        help="simulated recordings shaped like Kato's (--worms, --duration) or like the named "
                        "Flavell recordings (7 worms, 800 frames at 1.662 fps, 87-110 named; overrides both)")
    parser.add_argument("--match", default=",".join(MATCHED),
                        help="statistics the nearest setting is chosen on, comma-separated (e.g. halves_agreement "
                        "to choose --drive-turnover with the other knobs fixed)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    try:
        match = tuple(k.strip() for k in args.match.split(",") if k.strip())
        unknown = sorted(set(match) - set(MATCHED) - set(UNMATCHED))
        if unknown or not match:
            raise WormGnnError(f"--match {args.match}: unknown statistics {', '.join(unknown) or '(none given)'}")
        settings = grid({knob: getattr(args, knob) for knob in KNOBS})
        for text in settings:
            simulator_settings(text)  # every value a number before anything runs
        result = calibrate(args.data, settings, args.seed, args.worms, args.duration, args.shape, match)
    except WormGnnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, stats in result["datasets"].items():
        print(_row(name, stats))
    for name, pick in result["chosen"].items():
        chosen = ",".join(f"{k}={v:g}" for k, v in pick["settings"].items())
        print(f"nearest to {name}: {chosen} (distance {pick['distance']:.3f})")
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
