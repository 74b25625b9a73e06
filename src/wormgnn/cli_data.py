"""``wormgnn data``: read, inspect, convert and simulate recordings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer

from wormgnn.errors import WormGnnError
from wormgnn.files import refuse_overwrite, writable_dir

data_app = typer.Typer(no_args_is_help=True, help="Read, inspect, convert and simulate recordings.")


@data_app.command("info")
def data_info(
    path: Path = typer.Argument(..., help="A recording file (Kato .mat, NWB, WormWideWeb JSON) or a folder of them."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    min_confidence: float = typer.Option(0.0, "--min-confidence", help="Leave names below this annotator "
                                         "confidence (WormWideWeb, 1-5) unidentified."),
) -> None:
    """Per worm: frames, frame rate, duration, neurons recorded and identified, state counts; how
    much correlation structure the worms share (what a model pooled over worms relies on), and
    how much it holds within each worm over time."""
    from wormgnn.data import load, shared_names
    from wormgnn.sim.calibration import agreement_within_worm, between_worm_agreement

    recordings = load(path, min_confidence=min_confidence)
    summaries = [r.summary() for r in recordings]
    shared = shared_names(recordings)
    agreement = between_worm_agreement(recordings)
    per_worm = [agreement_within_worm(r) for r in recordings]
    within = {}
    for key in ("halves", "blocks", "changes"):  # over the worms where it is defined; None where it is nowhere
        values = [w[f"{key}_agreement"] for w in per_worm if np.isfinite(w[f"{key}_agreement"])]
        within[key] = float(np.mean(values)) if values else None
    if as_json:
        typer.echo(json.dumps({"recordings": summaries, "shared_identified": shared,
                               "agreement_between_worms": agreement if np.isfinite(agreement) else None,
                               "agreement_within_worms": within}, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=str(path))
    for column in ("worm", "frames", "fps", "duration (s)", "neurons", "identified", "states (frames)"):
        table.add_column(column, justify="left" if column in ("worm", "states (frames)") else "right")
    for s in summaries:
        states = " ".join(f"{k}:{v}" for k, v in s["states"].items()) or "-"
        table.add_row(s["worm"], str(s["frames"]), f"{s['fps']:.3f}", f"{s['duration_s']:.0f}",
                      str(s["neurons"]), str(s["identified"]), states)
    console = Console(width=160)
    console.print(table)
    console.print(f"{len(shared)} names identified in all {len(recordings)} worms: {' '.join(shared)}")
    if np.isfinite(agreement):
        console.print(f"agreement between worms {agreement:.3f}: Spearman correlation of two worms' |correlation| "
                      "over the pairs both name, mean over pairs of worms")
    if within["halves"] is not None and within["blocks"] is not None:
        console.print(f"agreement within worms: halves {within['halves']:.3f}, "
                      f"alternate 30 s blocks {within['blocks']:.3f} (the same between a worm's two halves, or its "
                      "odd and even blocks; halves far below blocks: the correlations change over minutes)")
    if within["changes"] is not None:
        console.print(f"agreement of frame-to-frame changes between halves {within['changes']:.3f} (near 0: fast "
                      "fluctuations are each neuron's own noise; high: they are shared in a stable pattern)")


@data_app.command("convert")
def data_convert(
    path: Path = typer.Argument(..., help="A recording file or folder."),
    to: str = typer.Option("nwb", "--to", help="Output format (nwb)."),
    out: Path = typer.Option(..., "--out", help="Folder for one file per worm."),
    overwrite: bool = typer.Option(False, help="Replace existing files of the same name."),
) -> None:
    """Write every worm as its own NWB file."""
    from wormgnn.data import load
    from wormgnn.data.nwb import write_nwb

    if to != "nwb":
        raise WormGnnError(f"--to {to}: unknown format (known: nwb)")
    recordings = load(path)
    writable_dir(out)
    targets = [out / f"{r.worm_id}.nwb" for r in recordings]
    refuse_overwrite(targets, overwrite)
    for rec, target in zip(recordings, targets, strict=True):
        write_nwb(rec, target)
        typer.echo(f"wrote {target}")


@data_app.command("simulate")
def data_simulate(
    out: Path = typer.Option(..., "--out", help="Folder for one NWB file per worm."),
    worms: int | None = typer.Option(None, "--worms", help="Number of worms (default: 5, or the shape's)."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same worms."),
    duration: float | None = typer.Option(None, "--duration", help="Seconds per worm (default: 1080, or the "
                                          "shape's)."),
    stimulate: bool = typer.Option(False, "--stimulate", help="Also run the signal propagation atlas "
                                   "experiment on the worms (each named neuron stimulated in repeated trials)."),
    trials: int = typer.Option(100, "--trials", help="--stimulate: trials per named neuron and worm."),
    calibrated: bool = typer.Option(False, "--calibrated", help="Worms whose shared dynamics, slow drift and "
                                    "noise match the recordings of the shape's lab (docs/relations.md)."),
    shape: str = typer.Option("kato", "--shape", help="Recordings shaped like kato's (5 worms, 18 min at 2.9 "
                              "fps, 30-47 named) or flavell's (7 worms, 800 frames at 1.66 fps, 87-110 named "
                              "of 130-146)."),
    drive_turnover: float | None = typer.Option(None, "--drive-turnover", help="Fraction of the broadly driven "
                                                "neurons that take a new phase and loading every 2 minutes: "
                                                "correlations that change over minutes (0.3 matches the Flavell "
                                                "recordings' agreement within worms, 0.05 Kato's; default 0)."),
    overwrite: bool = typer.Option(False, help="Replace existing files of the same name."),
) -> None:
    """Simulated worms on the real wiring diagram; ground-truth couplings (and, with --stimulate,
    the simulated atlas: q-values and responses by name) under OUT/ground_truth/."""
    from wormgnn.data.nwb import write_nwb
    from wormgnn.sim import SimulationConfig
    from wormgnn.sim.atlas import StimulationProtocol, simulated_atlas
    from wormgnn.sim.calibration import lab_settings
    from wormgnn.sim.io import write_ground_truth, write_matrix_csv
    from wormgnn.sim.simulator import simulated_worms
    from wormgnn.sources import SIMULATED_ATLAS_FILES

    settings = {"worms": SimulationConfig.worms, "duration_s": SimulationConfig.duration_s} | lab_settings(
        shape, calibrated)
    settings |= {key: value for key, value in (("worms", worms), ("duration_s", duration),
                                               ("drive_turnover", drive_turnover)) if value is not None}
    worms, duration = settings.pop("worms"), settings.pop("duration_s")
    SimulationConfig(worms=worms, seed=seed, duration_s=duration, **settings).validate()
    if stimulate and trials < 3:
        raise WormGnnError(f"--trials {trials}: a response needs at least 3 trials to be tested")
    writable_dir(out)
    made = simulated_worms(worms=worms, seed=seed, duration_s=duration, **settings)
    targets = [out / f"{w.recording.worm_id}.nwb" for w in made]
    atlas_files = [out / "ground_truth" / name for name in SIMULATED_ATLAS_FILES] if stimulate else []
    refuse_overwrite(targets + atlas_files, overwrite)
    try:
        atlas = simulated_atlas(made, StimulationProtocol(trials=trials), seed=seed) if stimulate else None
    except ValueError as exc:
        raise WormGnnError(f"--stimulate: {exc}") from None
    for worm, target in zip(made, targets, strict=True):
        write_nwb(worm.recording, target, extra_description="Simulated by wormgnn.sim.")
        write_ground_truth(worm.recording, worm.truth, out / "ground_truth" / f"{worm.recording.worm_id}.csv")
    if atlas is not None:
        for path, key in zip(atlas_files, ("q", "response"), strict=True):
            write_matrix_csv(atlas[key], atlas["names"], path)
        tested = np.isfinite(atlas["q"])
        typer.echo(f"simulated atlas: {int(tested.sum())} ordered pairs of named neurons tested, "
                   f"{int((atlas['q'][tested] < 0.05).sum())} responding (q < 0.05)")
    typer.echo(f"wrote {len(made)} worms to {out} (ground truth in {out / 'ground_truth'})")
