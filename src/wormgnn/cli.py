"""The ``wormgnn`` command line: user mistakes end in one line on stderr and exit code 2."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import typer

from wormgnn.cli_data import data_app
from wormgnn.cpu import keep_freed_memory
from wormgnn.errors import WormGnnError
from wormgnn.files import refuse_overwrite, writable_dir

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Machine learning on whole-brain C. elegans activity.")
app.add_typer(data_app, name="data")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(2)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    typer.echo(f"warning: {message}", err=True)


def _csv(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())


RATE_HELP = ("Frames per second to put every recording on (default: as recorded, or the slowest recording's "
             "when several datasets are combined).")
CONFIDENCE_HELP = "Leave names below this annotator confidence (WormWideWeb, 1-5) unidentified."


@app.command("benchmark")
def benchmark_cmd(
    data: list[Path] = typer.Option(None, "--data", help="Recording file or folder; repeat for several datasets "
                                    "(default: 5 simulated worms)."),
    out: Path = typer.Option(Path("runs/benchmark"), "--out", help="Results folder (resumes if it exists)."),
    task: str = typer.Option("both", "--task", help="forecast, behavior, reversal, velocity, head-curvature, "
                             "comma-separated, or both (forecast and behavior)."),
    split: list[str] = typer.Option(None, "--split", help="within, lowo, transfer, cross-dataset (repeatable; "
                                    "default: the profile's)."),
    models: str = typer.Option(None, "--models", help="Comma-separated model names (default: the profile's)."),
    neurons: str = typer.Option("shared", "--neurons", help="shared, all, named, or several comma-separated."),
    seeds: int = typer.Option(None, "--seeds", min=1, help="Seeds per configuration (default: the profile's)."),
    profile: str = typer.Option("quick", "--profile", help="quick or paper."),
    workers: int = typer.Option(2, "--workers", min=1, help="Local worker processes."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
    precision: str = typer.Option("fp32", "--precision", help="fp32, or bf16 (autocast; for GPUs)."),
    executor: str = typer.Option("local", "--executor", help="local or ray."),
    address: str = typer.Option(None, "--address", help="Ray cluster address (with --executor ray)."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write report.html at the end."),
    lookahead: int = typer.Option(0, "--lookahead", help="Behavior: decode frame t from a window ending at "
                                  "t + K (offline annotation; 0 = causal)."),
    rate: float = typer.Option(0.0, "--rate", help=RATE_HELP),
    min_confidence: float = typer.Option(0.0, "--min-confidence", help=CONFIDENCE_HELP),
    adapt_minutes: float = typer.Option(0.0, "--adapt-minutes", help="Transfer: fine-tune on the held-out worm's "
                                        "first M minutes (default: its first 20%)."),
) -> None:
    """Every model on both tasks, within worms and on unseen worms, with error bars."""
    from wormgnn.summary import render_terminal
    from wormgnn.sweep import BenchmarkConfig, run_benchmark
    from wormgnn.tasks import parse_tasks

    cfg = BenchmarkConfig(
        data=tuple(str(d) for d in data) if data else None, out=out, tasks=parse_tasks(task),
        splits=_csv(split), models=_csv([models] if models else None), neurons=_csv([neurons]) or ("shared",),
        seeds=seeds, profile=profile, workers=workers, device=device, precision=precision, executor=executor,
        address=address, lookahead=lookahead, rate=rate, min_confidence=min_confidence, adapt_minutes=adapt_minutes,
    )
    result = run_benchmark(cfg)
    for note in result["notes"]:
        typer.echo(f"note: {note}", err=True)
    typer.echo(render_terminal(result["summary"]))
    typer.echo(f"full table: {out / 'summary.md'}")
    typer.echo(f"{result['runs']} runs ({result['skipped']} already done), results in {out / 'results.jsonl'}")
    if report:
        from wormgnn.report import build_report

        typer.echo(f"report: {build_report(out)}")
    if result["failed"]:
        for failure in result["failed"]:
            typer.echo(f"failed: {failure.splitlines()[0]}", err=True)
        raise typer.Exit(1)


@app.command("graph")
def graph_cmd(
    data: list[Path] = typer.Option(None, "--data", help="Recording file or folder; repeat for several datasets "
                                    "(default: 5 simulated worms)."),
    out: Path = typer.Option(Path("runs/graph"), "--out", help="Folder for relations/*.csv and graph.json."),
    neurons: str = typer.Option("shared", "--neurons", help="shared, named (every identified neuron of each worm: "
                                "the pooled pair set grows) or all (every recorded neuron: the partial "
                                "correlations and --model joint are conditioned on the unnamed ones too)."),
    profile: str = typer.Option("quick", "--profile", help="quick or paper."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
    model: str = typer.Option("gnn", "--model", help="gnn or a variant, e.g. gnn:centered=true; or joint (one "
                                "coupling fitted to every worm at once, no gnn trained; joint:homologs=false "
                                "reads left and right neurons apart, joint:sparsity=X:rank=N:ridge=X sets the fit)."),
    relations: str = typer.Option("sensitivity", "--relations",
                                  help="sensitivity (of j's forecast to i) or encoder (P(relation))."),
    atlas: Path = typer.Option(None, "--atlas", help="funatlas.h5 of the signal propagation atlas (default: the "
                               "installed wormgnn[atlas] extra's)."),
    atlas_strain: str = typer.Option("wt", "--atlas-strain", help="wt or unc31."),
    rate: float = typer.Option(0.0, "--rate", help=RATE_HELP),
    min_confidence: float = typer.Option(0.0, "--min-confidence", help=CONFIDENCE_HELP),
    yardsticks_only: bool = typer.Option(False, "--yardsticks-only", help="Train nothing: score the yardsticks "
                                         "(|correlation|, partial correlation, …) alone, in seconds."),
    drift_window: float = typer.Option(0.0, "--drift-window", help="Train and read the model on traces less each "
                                       "neuron's running mean over this many seconds (slow drift removed; the "
                                       "yardsticks keep the recorded traces). 0: off."),
) -> None:
    """Relations the GNN infers between neurons, per worm, against the wiring diagram, the
    signal propagation atlas (real worms) or the true coupling (simulated worms)."""
    from wormgnn.options import check_neurons
    from wormgnn.profiles import get_profile
    from wormgnn.relations.page import graph_report, render_terminal
    from wormgnn.relations.run import YARDSTICKS_ONLY, run_graph
    from wormgnn.sources import source_of
    from wormgnn.train import resolve_device

    check_neurons(neurons)
    get_profile(profile)
    if not drift_window >= 0:
        raise WormGnnError(f"--drift-window {drift_window}: must be 0 (off) or a number of seconds")
    source = source_of(data)
    writable_dir(out)
    model = YARDSTICKS_ONLY if yardsticks_only else model
    result = run_graph(source, out, neurons, profile, seed, resolve_device(device), model_name=model,
                       measure=relations, atlas_path=str(atlas) if atlas else None, atlas_strain=atlas_strain,
                       rate=rate, min_confidence=min_confidence, drift_window_s=drift_window)
    page = graph_report(out)
    typer.echo(render_terminal(result))
    for note in result["notes"]:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"consistency between worms (Pearson r over shared pairs): "
               f"{result['consistency']['mean_correlation']:.3f}")
    typer.echo(f"wrote {out}/: graph.json (every score per worm), relations/*.csv, {page.name}")


@app.command("train")
def train_cmd(
    data: list[Path] = typer.Option(..., "--data", help="Recording file or folder to train on (repeatable)."),
    task: str = typer.Option(..., "--task", help="forecast, behavior, reversal, velocity or head-curvature."),
    model: str = typer.Option("gnn", "--model", help="Model name (see the benchmark's models)."),
    out: Path = typer.Option(..., "--out", help="Where to write the trained model (a .safetensors file)."),
    exclude_worm: list[str] = typer.Option(None, "--exclude-worm", help="Worm id to hold out (repeatable)."),
    neurons: str = typer.Option("shared", "--neurons", help="shared, all or named."),
    profile: str = typer.Option("quick", "--profile", help="quick or paper."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
    lookahead: int = typer.Option(0, "--lookahead", help="Behavior: decode frame t from a window ending at "
                                  "t + K (for annotating finished recordings; 0 = causal)."),
    rate: float = typer.Option(0.0, "--rate", help=RATE_HELP),
    min_confidence: float = typer.Option(0.0, "--min-confidence", help=CONFIDENCE_HELP),
    overwrite: bool = typer.Option(False, help="Replace an existing model file."),
) -> None:
    """Train one model on every worm of a file (or all but the excluded ones) and save it."""
    from wormgnn.api import Model
    from wormgnn.sources import load_dataset, source_of
    from wormgnn.tasks import get_task

    get_task(task)
    refuse_overwrite([out], overwrite)
    source = source_of(data)
    recordings = list(load_dataset(source, rate, min_confidence))
    ids = [r.worm_id for r in recordings]
    unknown = [w for w in exclude_worm or [] if w not in ids]
    if unknown:
        raise WormGnnError(f"--exclude-worm {unknown[0]}: no such worm in {data} (worms: {', '.join(ids)})")
    keep = [r for r in recordings if r.worm_id not in set(exclude_worm or [])]
    if not keep:
        raise WormGnnError("every worm is excluded: nothing to train on")
    resampled = isinstance(source, tuple) or rate
    trained = Model(model, task, neurons, profile, seed, device, lookahead,
                    rate=keep[0].fps if resampled else 0.0).fit(keep)
    trained.save(out)
    ahead = f", lookahead {lookahead}" if lookahead else ""
    typer.echo(f"trained {model} ({task}, {neurons} neurons{ahead}) on {len(keep)} worm(s); saved {out}")


DECODE_HELP = ("frame (the decoder's own), filtered (state sequence, causal) or smoothed (state sequence, "
               "offline: Viterbi with forward-backward probabilities)")


def _trained_and_recordings(model: Path, data: Path, device: str):
    from wormgnn.api import Model
    from wormgnn.data import load

    return Model.load(model, device), load(data)


@app.command("predict")
def predict_cmd(
    model: Path = typer.Option(..., "--model", help="A model file written by 'wormgnn train'."),
    data: Path = typer.Option(..., "--data", help="Recording file or folder to decode."),
    out: Path = typer.Option(..., "--out", help="CSV to write (one row per frame)."),
    decode: str = typer.Option("frame", "--decode", help=f"Behavior: {DECODE_HELP}."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
    overwrite: bool = typer.Option(False, help="Replace an existing CSV."),
) -> None:
    """Per frame: the decoded state and its probabilities, or the forecast of every neuron.
    A behavior model decodes with the lookahead it was trained with."""
    from wormgnn.api import predict_recordings, write_predictions

    refuse_overwrite([out], overwrite)
    trained, recordings = _trained_and_recordings(model, data, device)
    results = predict_recordings(trained, recordings, decode)
    write_predictions(trained, results, out)
    ahead = f", lookahead {trained.lookahead}" if trained.lookahead else ""
    typer.echo(f"wrote {out} ({len(results)} worm(s), model {trained.name}, {trained.task}{ahead})")


@app.command("annotate")
def annotate_cmd(
    model: Path = typer.Option(..., "--model", help="A behavior model file written by 'wormgnn train'."),
    data: Path = typer.Option(..., "--data", help="Recording file or folder to annotate."),
    out: Path = typer.Option(..., "--out", help="CSV to write: per frame the fine and coarse state and the "
                             "probabilities."),
    decode: str = typer.Option("smoothed", "--decode", help=DECODE_HELP + "."),
    nwb: Path = typer.Option(None, "--nwb", help="Also write each worm as OUT_DIR/<worm>.nwb: a copy of its NWB "
                             "file (or the recording as NWB) with the decoded states as a behavioral series."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
    overwrite: bool = typer.Option(False, help="Replace existing output files."),
) -> None:
    """Annotate finished recordings with Kato's behavioral states, as a careful annotator
    would: by default a state sequence decoded offline (train the model with --lookahead 4)."""
    from wormgnn.api import annotation_labels, predict_recordings, write_predictions
    from wormgnn.data.nwb import write_annotation

    refuse_overwrite([out], overwrite)
    trained, recordings = _trained_and_recordings(model, data, device)
    if trained.forecast:
        raise WormGnnError(f"{model}: a forecasting model; annotate needs a behavior model")
    if nwb is not None:
        writable_dir(nwb)
        refuse_overwrite([nwb / f"{r.worm_id}.nwb" for r in recordings], overwrite)
    results = predict_recordings(trained, recordings, decode)
    write_predictions(trained, results, out)
    typer.echo(f"wrote {out} ({len(results)} worm(s), {decode} decoding, lookahead {trained.lookahead})")
    if nwb is None:
        return
    for rec, result in results:
        path, series = write_annotation(
            rec, annotation_labels(result, rec.frames, trained.kind.classes), trained.kind.classes,
            nwb / f"{rec.worm_id}.nwb",
            f"Decoded by wormgnn {trained.version} ({trained.name}, {decode} decoding, lookahead "
            f"{trained.lookahead}).")
        typer.echo(f"wrote {path} (/processing/Behavior/{series})")


@app.command("report")
def report_cmd(
    folder: Path = typer.Argument(..., help="A benchmark output folder."),
    examples: bool = typer.Option(True, "--examples/--no-examples",
                                  help="Draw the best runs' traces, ethogram and relations (kept by the runs)."),
) -> None:
    """Write FOLDER/report.html (self-contained) and FOLDER/figures/*.png."""
    from wormgnn.report import build_report

    typer.echo(f"wrote {build_report(folder, examples)}")


@app.command("models")
def models_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Every registered model: its kind, the tasks it does, its settings and what it is."""
    from wormgnn.models.base import describe_models

    described = describe_models()
    if as_json:
        typer.echo(json.dumps(described, indent=1, default=list))
        return
    for m in described:
        reference = ", can be the reference" if m["reference"] else ""
        typer.echo(f"{m['name']:<16} {m['kind']}{reference}; tasks: {', '.join(m['tasks'])}")
        typer.echo(f"{'':<16} {m['description']}")
        settings = " ".join(f"{k}={v}" for k, v in m["settings"].items())
        if settings:
            typer.echo(f"{'':<16} settings: {settings}")


def main() -> None:
    """Entry point: user errors become one line and exit code 2 (usage errors too, via click)."""
    warnings.showwarning = _show_warning
    keep_freed_memory()  # commands that train in this process (graph, train) gain as workers do
    try:
        app()
    except WormGnnError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
