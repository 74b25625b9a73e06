"""One run = dataset × task × split × fold × model × neurons × seed → one result row."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from wormgnn import __version__
from wormgnn.data import Recording, load
from wormgnn.data.states import coarse_labels, fine_to_coarse_matrix
from wormgnn.errors import WormGnnError
from wormgnn.metrics import behavior_metrics, confusion, forecast_metrics
from wormgnn.models import TaskSpec, build_model
from wormgnn.models.baselines import class_weights
from wormgnn.models.gnn import fused_path
from wormgnn.profiles import get_profile
from wormgnn.sequence import DECODINGS, contiguous_runs, decode, fit_dynamics
from wormgnn.splits import plan
from wormgnn.train import fit, predict
from wormgnn.windows import identity_vocabulary, make_windows, prepare

SIM_PREFIX = "sim:"


def sim_source(worms: int = 5, seed: int = 0) -> str:
    return f"{SIM_PREFIX}worms={worms},seed={seed}"


@lru_cache(maxsize=2)
def simulated(source: str) -> tuple[tuple[Recording, ...], tuple[np.ndarray, ...]]:
    """Recordings and true couplings of 'sim:worms=5,seed=0', simulated once per process."""
    from wormgnn.sim import simulate

    params = dict(item.split("=") for item in source[len(SIM_PREFIX):].split(","))
    recordings, truths = simulate(worms=int(params["worms"]), seed=int(params["seed"]))
    return tuple(recordings), tuple(truths)


@lru_cache(maxsize=4)
def load_dataset(source: str) -> tuple[Recording, ...]:
    """Recordings of a path, or of 'sim:worms=5,seed=0'; cached once per process."""
    if source.startswith(SIM_PREFIX):
        return simulated(source)[0]
    return tuple(load(source))


def dataset_fingerprint(source: str) -> str:
    """Identity of the data for resuming: the simulator's parameters, or a file's size and time."""
    if source.startswith(SIM_PREFIX):
        return source
    path = Path(source)
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    stats = [(p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in files if p.is_file()]
    return f"{path.name}:{hashlib.sha1(json.dumps(stats).encode()).hexdigest()[:10]}"


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
    source: str
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
    """Behavior: decode the state K frames before the window's last frame (0 = causal)."""

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
        return "|".join(parts + ([f"lookahead={self.lookahead}"] if self.lookahead else []))


@dataclass
class RunOutput:
    row: dict
    model: torch.nn.Module
    test_windows: object
    predictions: np.ndarray
    vocabulary: dict
    decoded: dict | None = None
    """Behavior: per decoding (see sequence.DECODINGS), (probabilities, fine path, coarse path)."""


@fused_path()  # a run trains and evaluates thousands of batches: the compiled gnn encoder pays
def execute(spec: RunSpec, keep: bool = False) -> RunOutput | dict:
    """Train and test one model; returns the result row (and the model when ``keep``)."""
    start = time.perf_counter()
    from wormgnn.train import resolve_device

    spec = replace(spec, device=resolve_device(spec.device))  # 'auto' resolves where the run executes
    profile = get_profile(spec.profile)
    recordings = list(load_dataset(spec.source))
    forecast = spec.task == "forecast"
    if not forecast and any(r.labels is None for r in recordings):
        missing = next(r for r in recordings if r.labels is None)
        raise WormGnnError(f"{missing.source}: worm {missing.worm_id} has no behavioral states")
    prepared = prepare(recordings, spec.neurons)
    worm_ids = [r.worm_id for r in recordings]
    parts = plan(spec.split, spec.fold, worm_ids, [r.frames for r in recordings], gap=profile.window)
    vocabulary = identity_vocabulary([prepared[i] for i in parts.train_worms])
    horizon = profile.horizon if forecast else 0

    def windows(segments, stride=1, labelled_only=not forecast):
        return make_windows(prepared, segments, profile.window, horizon, stride, vocabulary,
                            labelled_only=labelled_only, lookahead=spec.lookahead)

    task = TaskSpec(spec.task, profile.window, profile.horizon, prepared[0].traces.shape[1],
                    identities=tuple(sorted(vocabulary, key=vocabulary.get)))
    torch.manual_seed(spec.seed)
    model = build_model(spec.model, task, profile.model_overrides)
    # the stride saves SGD epochs; a closed-form fit is cheap enough to use every window
    train = windows(parts.train, 1 if hasattr(model, "fit_direct") else profile.stride(spec.task))
    val = windows(parts.val)
    # behavior is scored on every frame's window: state sequences run through unannotated frames,
    # which the metrics then leave out (the windows that train and choose the epoch are annotated)
    test = windows(parts.test, labelled_only=False)
    weights = None if forecast else class_weights(train.labels, task.n_classes)
    log = fit(model, train, val, profile.train_config(spec.device, spec.precision), spec.seed, weights)
    chosen_on, chosen_parts = val, parts.val
    if spec.split == "transfer":
        tune = windows(parts.finetune_train)
        tune_val = windows(parts.finetune_val)
        chosen_on, chosen_parts = tune_val, parts.finetune_val
        if hasattr(model, "fit_direct"):  # closed-form models refit on both sources together
            both = windows(parts.train + parts.finetune_train)
            log["finetune"] = fit(model, both, tune_val, profile.train_config(spec.device, spec.precision),
                                  spec.seed, weights)
        else:
            log["finetune"] = fit(model, tune, tune_val,
                                  profile.train_config(spec.device, spec.precision, profile.finetune_lr),
                                  spec.seed, weights)
    model.to(spec.device)
    fps = [r.fps for r in recordings]
    if not forecast:  # behavior is scored on every frame's window (see the test windows above)
        chosen_on = windows(chosen_parts, labelled_only=False)
    extra: dict = {}
    if forecast:
        def score(data):
            predicted = predict(model, data)
            return predicted, forecast_metrics(predicted, data.y.numpy(), data.x[:, -1].numpy(),
                                               data.scored.numpy())

        # the same metrics on the validation windows that chose the epoch: variants (ablations,
        # settings) are compared there, so that no setting is picked on the held-out worm
        _, val_metrics = score(chosen_on)
        predictions, metrics = score(test)
        decoded = None
    else:
        labels_of = [prepared[i].labels[a:b] for i, a, b in parts.train + parts.finetune_train]
        val_probabilities = predict(model, chosen_on)
        val_runs = contiguous_runs(chosen_on.worm.numpy(), chosen_on.frame.numpy())
        dynamics = fit_dynamics(labels_of, task.n_classes, val_probabilities, chosen_on.labels.numpy(), val_runs)
        val_metrics = sequence_scores(val_probabilities, chosen_on, val_runs, dynamics, fps)[0]
        predictions = predict(model, test)
        metrics, decoded = sequence_scores(predictions, test, contiguous_runs(test.worm.numpy(),
                                                                               test.frame.numpy()), dynamics, fps)
        true = test.labels.numpy()
        scored = true >= 0
        extra = {"confusion": {
            "fine": confusion(true[scored], predictions[scored].argmax(1), task.n_classes).tolist(),
            "coarse": confusion(coarse_labels(true[scored]),
                                (predictions[scored] @ fine_to_coarse_matrix()).argmax(1), 4).tolist(),
        }, "dynamics": dynamics.to_dict()}
    row = {
        "key": spec.key, **{k: v for k, v in asdict(spec).items() if k != "source"},
        "seconds": round(time.perf_counter() - start, 3),
        "metrics": metrics, "val_metrics": val_metrics, **extra,
        "n_train": len(train), "n_val": _scored(val, forecast), "n_test": _scored(test, forecast),
        "train_log": {k: v for k, v in log.items() if isinstance(v, (int, float, str, dict))},
        "version": __version__, "pid": os.getpid(),
    }
    if keep:
        return RunOutput(row, model, test, predictions, vocabulary, decoded)
    return row


def _scored(windows, forecast: bool) -> int:
    return len(windows) if forecast else int((windows.labels >= 0).sum())


def sequence_scores(probabilities: np.ndarray, windows, runs: list, dynamics, fps: list[float]) -> tuple[dict, dict]:
    """Behavior metrics of every decoding (frame-level ones under 'coarse'/'fine', the HMM's
    under 'filtered' and 'smoothed'), and the decoded sequences themselves."""
    worm = windows.worm.numpy()
    true = windows.labels.numpy()
    run_fps = [fps[int(worm[run[0]])] for run in runs]
    metrics, decoded = {}, {}
    for decoding in DECODINGS:
        decoded[decoding] = decode(probabilities, runs, dynamics, decoding)
        _, fine, coarse = decoded[decoding]
        scores = behavior_metrics(probabilities, true, fine, coarse, runs, run_fps)
        if decoding == "frame":
            metrics |= scores
        else:
            metrics[decoding] = scores
    return metrics, decoded

