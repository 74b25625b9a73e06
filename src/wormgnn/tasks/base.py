"""What a task is to the rest of the package: its targets, its output, its loss, how a
trained model is scored on it and how its predictions are written. Nothing outside a task
asks which task it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch

from wormgnn.errors import WormGnnError

if TYPE_CHECKING:
    from wormgnn.data import Recording
    from wormgnn.profiles import Profile
    from wormgnn.windows import Windows


@dataclass(frozen=True)
class TaskSpec:
    """What a model must produce, and on what neuron axis (saved in every model file)."""

    task: str
    window: int = 16
    horizon: int = 8
    n_neurons: int = 0
    n_classes: int = 7
    identities: tuple[str, ...] = ()
    """Names of the learned identities 1..V (0 = unknown), for models that look names up."""

    @property
    def vocab_size(self) -> int:
        return len(self.identities) + 1

    @property
    def output(self) -> str:
        """What a model outputs: ``per_neuron`` ``(B, H, N)``, every neuron's next H frames;
        ``classes`` ``(B, C)`` logits; ``value`` ``(B, 1)``, one number per window. Models build
        their heads and fits from this, never from the task's name."""
        from wormgnn.tasks import get_task

        return get_task(self.task).output

    @property
    def per_neuron(self) -> bool:
        return self.output == "per_neuron"


@dataclass
class Evaluation:
    """A trained model and the windows a task scores it on (every frame's window; metrics
    leave out the frames they do not score)."""

    predict: Callable[[Windows], np.ndarray]
    spec: TaskSpec
    val: Windows
    """Validation windows of the part that chose the epoch: variants are compared there, so
    that no setting is picked on the held-out worm."""
    test: Windows
    train_labels: list[np.ndarray]
    """Per-frame targets of the training segments (for decoders that learn their dynamics)."""
    fps: list[float]


@dataclass
class Scores:
    metrics: dict
    val_metrics: dict
    predictions: np.ndarray
    decoded: dict | None = None
    """Per decoding beyond a frame's own (behavior: sequence.DECODINGS), what it decoded."""
    extra: dict = field(default_factory=dict)
    """Task-specific row fields (confusion matrices, state dynamics)."""


class Task:
    """One task. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    output: ClassVar[str] = "classes"
    """``per_neuron``, ``classes`` or ``value`` (see ``TaskSpec.output``)."""
    n_classes: ClassVar[int] = 7
    labelled_only: ClassVar[bool] = True
    """Windows that train and choose the epoch need a target at their frame."""
    accepts_lookahead: ClassVar[bool] = False
    headline: ClassVar[tuple[str, ...]] = ()
    """Flattened metric names of the summary's table, in order."""
    terminal: ClassVar[tuple[str, ...]] = ()
    """The few the terminal shows (the summary has them all)."""
    figures: ClassVar[tuple[str, ...]] = ()
    """The metrics of the report's comparison figure; the first also picks the example run."""
    report: ClassVar[tuple[str, ...]] = ()
    """The columns of the report page's table."""
    has_decoder: ClassVar[bool] = False
    """Whether trained models carry a decoder beyond a frame's own (saved in model files)."""
    needs: ClassVar[str] = "targets"
    """What a recording must carry for this task, as the error message names it."""

    @property
    def per_neuron(self) -> bool:
        return self.output == "per_neuron"

    # ---- targets and options
    def frame_labels(self, recording: Recording) -> np.ndarray | None:
        """Per-frame target index (-1 where unscored), or None when the recording has none."""
        return None

    def frame_values(self, recording: Recording) -> np.ndarray | None:
        """Per-frame continuous target (regression tasks), or None."""
        return None

    def check_recordings(self, recordings: list[Recording]) -> None:
        if not self.labelled_only:
            return
        for rec in recordings:
            if self.frame_labels(rec) is None:
                raise WormGnnError(f"{rec.source or rec.worm_id}: worm {rec.worm_id} has no {self.needs} "
                                   f"(the {self.name} task needs them)")

    def check_lookahead(self, lookahead: int) -> None:
        if lookahead < 0:
            raise WormGnnError(f"--lookahead {lookahead}: must be 0 (causal decoding) or more")
        if lookahead and not self.accepts_lookahead:
            raise WormGnnError(f"--lookahead is for decoding a state; the {self.name} task does not take one")

    def horizon(self, profile: Profile) -> int:
        """Target frames after each window (0: the target is about the window's own frame)."""
        return 0

    def train_stride(self, profile: Profile) -> int:
        """Every how many windows an SGD model trains on."""
        return profile.behavior_train_stride

    def spec(self, profile: Profile, n_neurons: int, identities: tuple[str, ...]) -> TaskSpec:
        return TaskSpec(self.name, profile.window, profile.horizon, n_neurons, self.n_classes, identities)

    # ---- training
    def class_weights(self, train: Windows, spec: TaskSpec) -> torch.Tensor | None:
        return None

    def loss_scale(self, train: Windows) -> torch.Tensor | None:
        """What the loss divides by, from the training windows (None: nothing)."""
        return None

    def loss(self, spec: TaskSpec, class_weights: torch.Tensor | None, scale: torch.Tensor | None,
             unscored_weight: float) -> Callable:
        raise NotImplementedError

    def outputs(self, out: torch.Tensor) -> torch.Tensor:
        """The model's raw output as predictions (e.g. logits → probabilities)."""
        return out

    def scored(self, windows: Windows) -> int:
        """How many windows the metrics count."""
        return int((windows.labels >= 0).sum())

    # ---- scoring
    def evaluate(self, ev: Evaluation) -> Scores:
        raise NotImplementedError

    def fit_decoder(self, val_outputs: np.ndarray, train_labels: list[np.ndarray], val: Windows) -> object:
        """A decoder beyond a frame's own, from the model's predictions on the validation
        windows ``val`` and the training segments' targets; None for tasks without one."""
        return None

    def flatten(self, metrics: dict) -> dict[str, float]:
        """A row's metrics as flat names (``summary``, the report)."""
        return dict(_flat(metrics))

    def lower_is_better(self, metric: str) -> bool:
        return False

    def compared(self, metric: str) -> bool:
        """Whether a paired difference on this metric means better or worse."""
        return True

    # ---- predictions of a trained model
    def decoder_to_dict(self, decoder: object) -> dict | None:
        return None

    def decoder_from_dict(self, raw: dict | None) -> object:
        return None

    def predict_recording(self, outputs: np.ndarray, windows: Windows, names: list[str], decoder: object,
                          decoding: str) -> dict:
        raise NotImplementedError

    def csv_header(self, result: dict) -> list[str]:
        raise NotImplementedError

    def csv_row(self, result: dict, i: int) -> list[str]:
        raise NotImplementedError

    def confusion_labels(self) -> dict[str, tuple[str, ...]]:
        """Class names of each confusion matrix a row of this task carries."""
        return {}

    def example(self, scores: Scores, ev: Evaluation, names: list[str | None]) -> dict[str, np.ndarray] | None:
        """Arrays of one held-out worm (the first of the test windows) that the report draws, with
        a ``kind`` naming the figure; or None."""
        return None


def _flat(block: dict, prefix: str = ""):
    for key, value in block.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)):
            yield f"{prefix}{key}", float(value)


def first_worm(windows: Windows) -> np.ndarray:
    """Which windows belong to the first worm of a set (the held-out worm of a fold)."""
    return (windows.worm == windows.worm[0]).numpy()
