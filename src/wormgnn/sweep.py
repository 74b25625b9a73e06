"""The benchmark sweep: every requested model × task × split × fold × seed, resumable."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from wormgnn.errors import WormGnnError
from wormgnn.executors import run_groups
from wormgnn.experiment import RunSpec
from wormgnn.files import atomic_write_text
from wormgnn.models import model_entry
from wormgnn.options import check_long_enough, check_lookahead, check_neurons, check_precision
from wormgnn.profiles import get_profile
from wormgnn.sources import dataset_fingerprint, load_dataset, source_of
from wormgnn.splits import folds, training_worms
from wormgnn.store import FolderLock, ResultStore
from wormgnn.summary import write_summary
from wormgnn.tasks import DEFAULT_TASKS, get_task
from wormgnn.train import resolve_device


@dataclass
class BenchmarkConfig:
    data: str | tuple[str, ...] | None = None
    """A recording file or folder, several (one dataset each), or None: 5 simulated worms."""
    out: Path = Path("runs/benchmark")
    tasks: tuple[str, ...] = DEFAULT_TASKS
    splits: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    neurons: tuple[str, ...] = ("shared",)
    seeds: int | None = None
    profile: str = "quick"
    workers: int = 1
    device: str = "cpu"
    precision: str = "fp32"
    executor: str = "local"
    address: str | None = None
    lookahead: int = 0
    """Behavior: decode the state K frames before each window's last frame (0 = causal)."""
    rate: float = 0.0
    """Frames per second to put every recording on (0: as recorded, or the slowest recording's
    when datasets of several rates are combined)."""
    min_confidence: float = 0.0
    adapt_minutes: float = 0.0
    notes: list[str] = field(default_factory=list)


def plan_runs(cfg: BenchmarkConfig) -> list[RunSpec]:
    """Validate the options and list every run; raises WormGnnError on a bad option."""
    profile = get_profile(cfg.profile)
    check_precision(cfg.precision)
    tasks = [get_task(task) for task in cfg.tasks]
    splits = cfg.splits or profile.splits
    for neurons in cfg.neurons:
        check_neurons(neurons)
    check_lookahead(cfg.tasks, cfg.lookahead)
    models = cfg.models or profile.models
    entries = [(m, model_entry(m)) for m in models]
    source = source_of(cfg.data)
    if cfg.rate < 0 or cfg.min_confidence < 0 or cfg.adapt_minutes < 0:
        raise WormGnnError("--rate, --min-confidence and --adapt-minutes must not be negative")
    recordings = load_dataset(source, cfg.rate, cfg.min_confidence)
    worm_ids = [r.worm_id for r in recordings]
    datasets = [r.dataset for r in recordings]
    _note_data(cfg, source, recordings)
    for split in splits:
        folds(split, worm_ids, datasets)  # an unknown split, or too few worms for it, stops before any run
    for task in tasks:
        task.check_recordings(list(recordings))
    check_long_enough(recordings, profile.window, cfg.lookahead)
    fingerprint = dataset_fingerprint(source)
    specs = []
    for task in tasks:
        for split in splits:
            for fold in folds(split, worm_ids, datasets):
                for model, entry in entries:
                    if not entry.cls.supports(task):
                        continue
                    for neurons in cfg.neurons:
                        if neurons != "shared" and entry.cls.fixed_neurons:
                            continue
                        for seed in range(cfg.seeds or profile.seeds):
                            specs.append(RunSpec(source, fingerprint, task.name, split, fold, model,
                                                 neurons, seed, profile.name, cfg.device, cfg.precision,
                                                 cfg.lookahead if task.accepts_lookahead else 0, cfg.rate,
                                                 cfg.min_confidence,
                                                 cfg.adapt_minutes if split == "transfer" else 0.0))
    wide = [n for n in cfg.neurons if n != "shared"]
    skipped = [m for m, e in entries if e.cls.fixed_neurons] if wide else []
    if skipped:
        cfg.notes.append(f"--neurons {','.join(wide)}: {', '.join(skipped)} need a fixed neuron set, run on shared "
                         "only")
    return specs


def training_groups(specs: list[RunSpec], worm_ids: list[str], datasets: list[str]) -> list[list[RunSpec]]:
    """Runs that differ only in a held-out worm trained on the same worms (the test worms of
    one direction across datasets), together: each group trains one model."""
    groups: dict[tuple, list[RunSpec]] = {}
    for spec in specs:
        held = worm_ids.index(spec.fold) if spec.fold in worm_ids else -1
        trains_on = tuple(training_worms(spec.split, held, datasets)) if held >= 0 else (spec.fold,)
        groups.setdefault((replace(spec, fold=""), trains_on), []).append(spec)
    return list(groups.values())


def _note_data(cfg: BenchmarkConfig, source, recordings) -> None:
    """Say once what combining the data did: the common rate, and the shared names."""
    from wormgnn.data import shared_names

    if isinstance(source, tuple) or cfg.rate:
        rates = sorted({round(r.fps, 3) for r in recordings})
        cfg.notes.append(f"every recording is at {rates[0]:g} frames/s" + ("" if cfg.rate else " (the slowest)")
                         + "; windows and horizons are reported in seconds too")
    shared = shared_names(list(recordings))
    cfg.notes.append(f"--neurons shared: {len(shared)} names identified in every worm"
                     + (f" ({' '.join(shared)})" if len(shared) <= 12 else ""))


def run_benchmark(cfg: BenchmarkConfig, progress: bool = True) -> dict:
    """Run what is not done yet, append rows as they finish, then write the summary."""
    if cfg.executor == "local":
        cfg.device = resolve_device(cfg.device)  # on Ray, each task resolves 'auto' on its own node
    with FolderLock(cfg.out):  # validates --out, and no second sweep writes there meanwhile
        return _run_locked(cfg, ResultStore(cfg.out), progress)


def _run_locked(cfg: BenchmarkConfig, store: ResultStore, progress: bool) -> dict:
    specs = plan_runs(cfg)
    done = store.done_keys()
    todo = [s for s in specs if s.key not in done]
    atomic_write_text(cfg.out / "config.json", json.dumps({
        "data": cfg.data or "simulated", "source": specs[0].source if specs else None, "rate": cfg.rate,
        "profile": get_profile(cfg.profile).describe(),
        "tasks": cfg.tasks, "splits": cfg.splits, "models": cfg.models, "neurons": cfg.neurons,
        "seeds": cfg.seeds, "lookahead": cfg.lookahead, "runs": len(specs)}, indent=1, default=str))
    failures: dict[str, str] = {}
    bar = _Progress(len(specs), len(specs) - len(todo), enabled=progress)

    def on_result(spec: RunSpec, row: dict | None, error: str | None) -> None:
        if row is not None:
            store.append(row)
        else:
            failures[spec.key] = error or "failed"
        bar.advance(spec, error)

    with bar:
        recordings = load_dataset(source_of(cfg.data), cfg.rate, cfg.min_confidence)
        groups = training_groups(todo, [r.worm_id for r in recordings], [r.dataset for r in recordings])
        run_groups(groups, on_result, cfg.workers, cfg.executor, cfg.address)
    keys = {s.key for s in specs}
    rows = [r for r in store.rows() if r["key"] in keys]
    finished = {r["key"] for r in rows}
    failed = [{"key": s.key, "task": s.task, "split": s.split, "fold": s.fold, "model": s.model,
               "neurons": s.neurons, "seed": s.seed, "lookahead": s.lookahead,
               "error": failures.get(s.key, "not finished")}
              for s in specs if s.key not in finished]
    summary = write_summary(cfg.out, rows, failed)
    return {"runs": len(specs), "skipped": len(specs) - len(todo),
            "failed": [f"{f['key']}: {f['error']}" for f in failed],
            "summary": summary, "rows": rows, "notes": cfg.notes}


class _Progress:
    """Runs done / total with an ETA, on stderr through rich."""

    def __init__(self, total: int, already: int, enabled: bool):
        self.total, self.done, self.enabled = total, already, enabled
        self.start = time.perf_counter()
        self.fresh = 0
        self._progress = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("ETA"), TimeRemainingColumn(),
                                      console=Console(stderr=True), transient=False)
            self._progress.start()
            self._task = self._progress.add_task("runs", total=self.total, completed=self.done)
        return self

    def advance(self, spec: RunSpec, error: str | None) -> None:
        self.done += 1
        if self._progress is not None:
            label = f"{spec.task}/{spec.split}/{spec.model}/{spec.fold}/s{spec.seed}"
            self._progress.update(self._task, advance=1, description=f"runs ({label})")
            if error:
                self._progress.console.print(f"[red]failed[/red] {spec.key}: {error.splitlines()[0]}")

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
