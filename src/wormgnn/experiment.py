"""One run = dataset × task × split × fold × model × neurons × seed → one result row."""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from dataclasses import asdict, dataclass, replace

import numpy as np

from wormgnn import __version__
from wormgnn.errors import WormGnnError
from wormgnn.pipeline import Trained, train_model
from wormgnn.profiles import get_profile
from wormgnn.sources import load_dataset
from wormgnn.splits import plan
from wormgnn.store import EXAMPLE_KEY
from wormgnn.tasks import Evaluation, Scores


def _fingerprint(settings: dict) -> str:
    return hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:8]


def profile_fingerprint(name: str) -> str:
    return _fingerprint(get_profile(name).describe())


def model_fingerprint(text: str) -> str:
    """The model's full settings (its config defaults with the variant applied): a row
    trained under an older default is not reused when the default changes."""
    from wormgnn.models.base import model_settings

    return _fingerprint(model_settings(text))


@dataclass(frozen=True)
class RunSpec:
    source: str | tuple[str, ...]
    dataset: str
    task: str
    split: str
    fold: str
    model: str
    neurons: str
    seed: int
    profile: str
    device: str = "cpu"
    precision: str = "fp32"
    lookahead: int = 0
    """Decode the state K frames before the window's last frame (0 = causal)."""
    rate: float = 0.0
    """Frames per second every recording is put on (0: as recorded; see sources.load_dataset)."""
    min_confidence: float = 0.0
    """Leave names below this annotator confidence unidentified (WormWideWeb)."""
    adapt_minutes: float = 0.0
    """Transfer: fine-tune on the held-out worm's first minutes (0: its first 20%)."""

    @property
    def key(self) -> str:
        """Stable identity of a run for resuming (the device does not change what is measured;
        reduced precision may, so it is part of the key when used, as is a lookahead). The
        profile and the model enter with a fingerprint of their settings: a row trained under
        other epochs, strides or model defaults is not reused."""
        parts = [self.dataset, self.task, self.split, self.fold, f"{self.model}@{model_fingerprint(self.model)}",
                 self.neurons, str(self.seed),
                 f"{self.profile}@{profile_fingerprint(self.profile)}"]
        parts += [self.precision] if self.precision != "fp32" else []
        parts += [f"lookahead={self.lookahead}"] if self.lookahead else []
        parts += [f"rate={self.rate:g}"] if self.rate else []
        parts += [f"min_confidence={self.min_confidence:g}"] if self.min_confidence else []
        return "|".join(parts + ([f"adapt_minutes={self.adapt_minutes:g}"] if self.adapt_minutes else []))


def execute(spec: RunSpec) -> dict:
    """Train and test one model; returns the result row (with the report's example arrays
    under ``EXAMPLE_KEY`` for seed 0)."""
    ((_, row),) = list(execute_group([spec]))
    return row


def execute_group(specs: list[RunSpec]):
    """Rows of runs that differ only in the held-out worm and train on the same worms (one
    direction across datasets), from one training: yields (spec, row) as each test worm is
    scored. Every row is what ``execute`` of its spec alone would give (a transfer fine-tunes
    a copy of the shared model per worm)."""
    start = time.perf_counter()
    from wormgnn.pipeline import adapted
    from wormgnn.train import resolve_device

    first = replace(specs[0], device=resolve_device(specs[0].device))  # 'auto' resolves where the run executes
    profile = get_profile(first.profile)
    recordings = list(load_dataset(first.source, first.rate, first.min_confidence))
    plans = [_plan(spec, recordings, profile) for spec in specs]
    if len({(tuple(p.train), tuple(p.val)) for p, _ in plans}) > 1:
        raise ValueError("execute_group: these runs do not train on the same worms")
    base = train_model(recordings, first.task, first.model, first.neurons, profile,
                       replace(plans[0][0], finetune_train=[], finetune_val=[]), first.seed, first.device,
                       first.precision, first.lookahead)
    shared = time.perf_counter() - start
    for index, (spec, (parts, held)) in enumerate(zip(specs, plans, strict=True)):
        begun = time.perf_counter()
        spec = replace(spec, device=first.device)
        trained = adapted(base, parts, profile, spec.seed, spec.device, spec.precision)
        scores, ev = trained.evaluate([r.fps for r in recordings])
        row = {
            "key": spec.key, **{k: v for k, v in asdict(spec).items() if k != "source"},
            "seconds": round(shared + time.perf_counter() - begun, 3),
            "metrics": scores.metrics, "val_metrics": scores.val_metrics, **scores.extra,
            "n_train": len(trained.train), "n_val": trained.task.scored(trained.val),
            "n_test": trained.task.scored(ev.test),
            "train_log": {k: v for k, v in trained.log.items() if isinstance(v, (int, float, str, dict))},
            "version": __version__, "pid": os.getpid(), **_setting_fields(trained, profile, recordings, parts, held),
        }
        if len(specs) > 1:
            row["training_shared_by"] = len(specs)
        if spec.seed == 0:
            # one reading of the shared model's relations is enough for the report (at N ≈ 100 one costs minutes)
            row[EXAMPLE_KEY] = example(trained, scores, ev, relations=index == 0)
            trained.model.to(spec.device)  # the relation reading moved it; the next worm is scored where it was
        yield spec, row


def _plan(spec: RunSpec, recordings, profile):
    datasets = [r.dataset for r in recordings]
    held = next((i for i, r in enumerate(recordings) if r.worm_id == spec.fold), None)
    adapt = int(round(spec.adapt_minutes * 60 * recordings[held].fps)) if spec.adapt_minutes and held is not None else 0
    parts = plan(spec.split, spec.fold, [r.worm_id for r in recordings], [r.frames for r in recordings],
                 gap=profile.window, datasets=datasets, adapt_frames=adapt)
    return parts, held


def _setting_fields(trained: Trained, profile, recordings, parts, held: int | None) -> dict:
    """Which datasets trained and tested the run, how many neurons its model saw and was
    scored on, and its time base (windows and horizons in seconds as well as frames)."""
    rate = float(np.mean([recordings[i].fps for i in parts.train_worms]))
    out = {"train_dataset": "+".join(sorted({recordings[i].dataset for i in parts.train_worms})),
           "test_dataset": recordings[held].dataset if held is not None else "+".join(
               sorted({r.dataset for r in recordings})),
           "n_datasets": len({r.dataset for r in recordings}), "n_neurons": int(trained.spec.n_neurons),
           "n_scored": int(trained.prepared[0].scored.sum()),
           "rate_hz": round(rate, 4), "window_s": round(trained.spec.window / rate, 3)}
    horizon = trained.task.horizon(profile)
    return out | ({"horizon_s": round(horizon / rate, 3)} if horizon else {})


def example(trained: Trained, scores: Scores, ev: Evaluation, relations: bool = True) -> dict[str, np.ndarray]:
    """What the report draws of this run's first test worm: the task's example, and (with
    ``relations``) the relations a relation-inferring model reads there."""
    worm = int(ev.test.worm[0])
    prepared = trained.prepared[worm]
    out = trained.task.example(scores, ev, prepared.names) or {}
    if relations and trained.model.infers_relations:
        from wormgnn.relations.readouts import infer_relations, resolve_measure

        measure = resolve_measure(trained.model, None)
        trained.model.cpu()
        out |= {"relations": infer_relations(trained.model, prepared, trained.vocabulary, trained.spec.window,
                                             measure),
                "relation_names": np.array([n or "" for n in prepared.names[:int(prepared.mask.sum())]]),
                "relation_measure": np.array(measure), "worm_id": np.array(prepared.worm_id)}
    return out


def run_group_safely(specs: list[RunSpec]):
    """``execute_group`` that yields (spec, row, None) per run, or (spec, None, the reason) for
    every run it could not finish: one failure must not end a sweep."""
    done = set()
    try:
        for spec, row in execute_group(specs):
            done.add(spec.key)
            yield spec, row, None
    except Exception as exc:
        error = str(exc) if isinstance(exc, WormGnnError) else (
            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
        for spec in specs:
            if spec.key not in done:
                yield spec, None, error
