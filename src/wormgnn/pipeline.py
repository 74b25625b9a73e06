"""The one way a model is trained from recordings, used by a benchmark run, the Python API
and the relation readings: prepare → identities → windows → seed → build → weights → fit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from wormgnn.data import Recording
from wormgnn.models import build_model, model_entry
from wormgnn.models.base import WormModel, grid_choices
from wormgnn.profiles import Profile
from wormgnn.splits import SplitPlan
from wormgnn.tasks import Evaluation, Scores, Task, TaskSpec, get_task
from wormgnn.train import TrainConfig, fit, predict
from wormgnn.windows import Prepared, Segment, Windows, identity_vocabulary, learned_names_only, make_windows, prepare


@dataclass
class Trained:
    """A trained model and everything that made it, to score or use it."""

    model: WormModel
    task: Task
    spec: TaskSpec
    prepared: list[Prepared]
    vocabulary: dict[str, int]
    parts: SplitPlan
    windows: Callable[..., Windows]
    """``windows(segments, stride=1, labelled_only=task.labelled_only)`` on the prepared worms."""
    train: Windows
    val: Windows
    log: dict = field(default_factory=dict)

    def labels_of(self, segments: list[Segment]) -> list[np.ndarray]:
        return [self.prepared[i].labels[a:b] for i, a, b in segments]

    def evaluate(self, fps: list[float]) -> tuple[Scores, Evaluation]:
        """The task's scores on the test part and on the validation part that chose the epoch
        (the fine-tuning's, after a transfer), every frame's window in both."""
        parts = self.parts
        chosen = parts.finetune_val if parts.finetune_val else parts.val
        ev = Evaluation(predict=lambda data: predict(self.model, data), spec=self.spec,
                        val=self.windows(chosen, labelled_only=False),
                        test=self.windows(parts.test, labelled_only=False),
                        train_labels=self.labels_of(parts.train + parts.finetune_train), fps=fps)
        with self.model.fast_path():
            return self.task.evaluate(ev), ev


def _fit_choosing(model_name: str, spec: TaskSpec, settings: dict, train: Windows, val: Windows, cfg: TrainConfig,
                  seed: int, weights) -> tuple[WormModel, dict]:
    """The model fitted with the choice of its grid whose validation loss (the training worms'
    held-out part; the test part plays no role) is lowest after a short probe fit of
    ``cfg.patience`` epochs each, then fitted afresh with that choice and the full budget —
    exactly the fit a model with those settings gets."""
    choices = grid_choices(model_name)
    tried, spent = {}, 0.0
    if len(choices) > 1:
        probe = replace(cfg, max_epochs=min(cfg.patience, cfg.max_epochs))
        for choice in choices:
            torch.manual_seed(seed)
            log = fit(build_model(model_name, spec, {**settings, **choice}), train, val, probe, seed, weights)
            tried[",".join(f"{key}={value}" for key, value in choice.items())] = log["val_loss"]
            spent += log["seconds"]
    choice = choices[int(np.argmin(list(tried.values())))] if tried else choices[0]
    torch.manual_seed(seed)
    model = build_model(model_name, spec, {**settings, **choice})
    log = fit(model, train, val, cfg, seed, weights)
    if tried:
        log |= {"chosen": choice, "grid": tried, "seconds": spent + log["seconds"]}
    return model, log


def train_model(recordings: list[Recording], task_name: str, model_name: str, neurons: str, profile: Profile,
                parts: SplitPlan, seed: int = 0, device: str = "cpu", precision: str = "fp32", lookahead: int = 0,
                overrides: dict | None = None) -> Trained:
    """Train ``model_name`` for a task on the training part of ``parts`` (early stopping on its
    validation part), then fine-tune on ``parts.finetune_train`` where the plan has one.
    ``overrides`` replace the profile's model settings."""
    task = get_task(task_name)
    task.check_recordings(recordings)
    task.check_lookahead(lookahead)
    prepared = prepare(recordings, neurons, targets=task.frame_labels, values=task.frame_values)
    vocabulary = identity_vocabulary([prepared[i] for i in parts.train_worms])
    if neurons == "named":  # a worm tested on the model may carry names it never learned
        prepared = [learned_names_only(p, vocabulary) for p in prepared]
    horizon = task.horizon(profile)

    def windows(segments, stride=1, labelled_only=task.labelled_only):
        return make_windows(prepared, segments, profile.window, horizon, stride, vocabulary,
                            labelled_only=labelled_only, lookahead=lookahead)

    spec = task.spec(profile, prepared[0].traces.shape[1], tuple(sorted(vocabulary, key=vocabulary.get)))
    # the stride saves SGD epochs; a closed-form fit is cheap enough to use every window
    closed_form = model_entry(model_name).cls.closed_form
    train = windows(parts.train, 1 if closed_form else task.train_stride(profile))
    val = windows(parts.val)
    weights = task.class_weights(train, spec)
    settings = profile.model_overrides if overrides is None else overrides
    model, log = _fit_choosing(model_name, spec, settings, train, val, profile.train_config(device, precision),
                               seed, weights)
    model.to(device)
    trained = Trained(model, task, spec, prepared, vocabulary, parts, windows, train, val, log)
    return adapted(trained, parts, profile, seed, device, precision)


def adapted(trained: Trained, parts: SplitPlan, profile: Profile, seed: int = 0, device: str = "cpu",
            precision: str = "fp32") -> Trained:
    """``trained`` set to test ``parts.test``, fine-tuned first on a copy where the plan has a
    ``finetune_train`` part. ``parts`` must train on what ``trained`` was trained on: the folds
    of one direction across datasets then share a single training."""
    if not parts.finetune_train:
        return replace(trained, parts=parts)
    model, log = trained.model.clone(), dict(trained.log)
    config = profile.train_config(device, precision)
    weights = trained.task.class_weights(trained.train, trained.spec)
    tune_val = trained.windows(parts.finetune_val)
    if model.closed_form:  # closed-form models refit on both sources together
        log["finetune"] = fit(model, trained.windows(parts.train + parts.finetune_train), tune_val, config, seed,
                              weights)
    else:
        log["finetune"] = fit(model, trained.windows(parts.finetune_train), tune_val,
                              profile.train_config(device, precision, profile.finetune_lr), seed, weights)
    model.to(device)
    return replace(trained, model=model, parts=parts, log=log)
