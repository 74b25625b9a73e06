"""The Python face, mirroring the CLI: ``Model(...).fit(recordings)``, ``.predict(recording)``,
``.save(path)``, ``Model.load(path)``, and ``benchmark(...)``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from wormgnn.data import Recording
from wormgnn.data.cleaning import DataWarning
from wormgnn.errors import DataError, WormGnnError
from wormgnn.files import atomic_write
from wormgnn.models import model_entry
from wormgnn.options import NEURON_SETS, check_neurons, frames_needed
from wormgnn.persist import load_model, require, save_model
from wormgnn.pipeline import train_model
from wormgnn.profiles import PROFILES, get_profile
from wormgnn.sequence import DECODINGS
from wormgnn.splits import fit_all
from wormgnn.tasks import get_task
from wormgnn.train import predict, resolve_device
from wormgnn.windows import learned_names_only, make_windows, prepare


class Model:
    """A model trained on whole worms (last 15% of each validates), ready for new worms."""

    def __init__(self, name: str = "gnn", task: str = "behavior", neurons: str = "shared",
                 profile: str = "quick", seed: int = 0, device: str = "cpu", lookahead: int = 0, rate: float = 0.0,
                 **overrides):
        entry = model_entry(name)
        self.kind = get_task(task)
        if not entry.cls.supports(self.kind):
            raise WormGnnError(f"model '{name}' does not do the {task} task")
        self.kind.check_lookahead(lookahead)
        if check_neurons(neurons) != "shared" and entry.cls.fixed_neurons:
            raise WormGnnError(f"model '{name}' needs a fixed neuron set: use --neurons shared")
        self.name, self.task, self.neurons, self.seed, self.lookahead = name, task, neurons, seed, lookahead
        self.rate = float(rate)
        """Frames per second the model's recordings were put on (0: as recorded); predictions
        put a new recording on it too, so that a window spans the same time."""
        self.profile = get_profile(profile)
        self.device = resolve_device(device)
        self.overrides = {**self.profile.model_overrides, **overrides}
        self.module = None
        self.shared: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.width = 0
        self.trained_on: list[str] = []
        self.decoder = None
        """What decodes the task's outputs beyond a frame's own (behavior: the state dynamics)."""

    @property
    def forecast(self) -> bool:
        """Whether the model predicts every neuron's activity (rather than a state)."""
        return self.kind.per_neuron

    @property
    def dynamics(self):
        return self.decoder

    @property
    def frames_needed(self) -> int:
        """The fewest frames a recording needs for this model to decode one window."""
        return frames_needed(self.profile.window, self.lookahead)

    def fit(self, recordings: list[Recording]) -> Model:
        parts = fit_all([r.frames for r in recordings], gap=self.profile.window)
        trained = train_model(recordings, self.task, self.name, self.neurons, self.profile, parts, self.seed,
                              self.device, lookahead=self.lookahead, overrides=self.overrides)
        prepared = trained.prepared
        self.module, self.vocabulary = trained.model, trained.vocabulary
        self.shared = [n for n in prepared[0].names if n] if self.neurons == "shared" else []
        self.width = prepared[0].traces.shape[1]
        # decoding beyond a frame (state sequences): dynamics counted on training frames, emission
        # settings chosen on validation
        every = trained.windows(parts.val, labelled_only=False)
        self.decoder = self.kind.fit_decoder(predict(self.module, every), trained.labels_of(parts.train), every)
        self.trained_on = [r.worm_id for r in recordings]
        return self

    def _require_fitted(self) -> None:
        if self.module is None:
            raise WormGnnError("the model is not trained yet: call fit() first")

    def _prepare(self, recording: Recording):
        if self.neurons == "shared":
            present = [n for n in self.shared if n in recording.neuron_names]
            if not present:
                raise WormGnnError(f"{recording.source or recording.worm_id}: worm {recording.worm_id} has none of "
                                   f"the model's {len(self.shared)} neurons ({', '.join(self.shared[:5])}, ...)")
            missing = [n for n in self.shared if n not in recording.neuron_names]
            if missing:
                how = "masked out" if not self.module.fixed_neurons else "filled with their mean (zero)"
                warnings.warn(f"{recording.source or recording.worm_id}: worm {recording.worm_id} lacks "
                              f"{len(missing)} of the model's neurons ({', '.join(missing)}); {how}",
                              DataWarning, stacklevel=2)
            return prepare([recording], "shared", shared=self.shared, allow_missing=True)[0]
        prepared = prepare([recording], self.neurons, width=self.width)[0]
        return learned_names_only(prepared, self.vocabulary) if self.neurons == "named" else prepared

    def predict(self, recording: Recording, decoding: str = "frame") -> dict:
        """Per decodable frame: the task's prediction (behavior: state probabilities and states,
        ``decoding`` one of sequence.DECODINGS; forecast: the next H frames). With a lookahead
        K the last K frames cannot be decoded; the first decodable frame is max(W − 1 − K, 0)."""
        self._require_fitted()
        if decoding not in DECODINGS:
            raise WormGnnError(f"--decode {decoding}: unknown decoding (known: {', '.join(DECODINGS)})")
        need = self.frames_needed
        if recording.frames < need:
            raise WormGnnError(f"{recording.source or recording.worm_id}: worm {recording.worm_id} has "
                               f"{recording.frames} frames, fewer than one window needs ({need})")
        if self.rate:
            from wormgnn.data.resample import on_rate

            recording = on_rate([recording], self.rate)[0]
        prep = self._prepare(recording)
        windows = make_windows([prep], [(0, 0, recording.frames)], self.profile.window, 0, 1, self.vocabulary,
                               lookahead=self.lookahead)
        names = [n or f"#{i}" for i, n in enumerate(prep.names)]
        result = self.kind.predict_recording(predict(self.module, windows), windows, names, self.decoder, decoding)
        return result | ({"lookahead": self.lookahead} if self.kind.accepts_lookahead else {})

    def save(self, path: str | Path) -> Path:
        self._require_fitted()
        return save_model(self.module, path, self.name, task=self.task, neurons=self.neurons,
                          shared=self.shared, vocabulary=self.vocabulary, width=self.width,
                          profile=self.profile.name, seed=self.seed, trained_on=self.trained_on,
                          lookahead=self.lookahead, dynamics=self.kind.decoder_to_dict(self.decoder), rate=self.rate)

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu") -> Model:
        """A model written by ``save``; every field is checked, nothing in the file runs."""
        path = Path(path)
        module, header = load_model(path, resolve_device(device))
        meta = header["meta"]
        task = require(path, meta, "task", str, "meta.")
        neurons = require(path, meta, "neurons", str, "meta.")
        profile = require(path, meta, "profile", str, "meta.")
        if task != module.spec.task or neurons not in NEURON_SETS or profile not in PROFILES:
            raise DataError(path, f"model file metadata is inconsistent (task {task}, neurons {neurons}, "
                                  f"profile {profile})")
        shared = require(path, meta, "shared", list, "meta.")
        vocabulary = require(path, meta, "vocabulary", dict, "meta.")
        trained_on = require(path, meta, "trained_on", list, "meta.")
        if not all(isinstance(n, str) for n in shared + trained_on) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in vocabulary.values()):
            raise DataError(path, "model file metadata: neuron names and identities have the wrong types")
        lookahead = require(path, meta, "lookahead", int, "meta.")
        try:
            get_task(task).check_lookahead(lookahead)
        except WormGnnError:
            raise DataError(path, f"model file metadata: impossible lookahead {lookahead} for {task}") from None
        rate = meta.get("rate", 0.0)  # files saved before rates were kept: as recorded
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate < 0:
            raise DataError(path, f"model file field 'meta.rate' is not a frame rate ({rate!r})")
        model = cls(header["model"], task, neurons, profile, require(path, meta, "seed", int, "meta."), device,
                    lookahead, rate)
        if model.kind.has_decoder:
            try:
                model.decoder = model.kind.decoder_from_dict(require(path, meta, "dynamics", dict, "meta."))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise DataError(path, f"model file state dynamics are not valid ({exc})") from None
        model.module, model.shared, model.vocabulary = module, shared, vocabulary
        model.width, model.trained_on = require(path, meta, "width", int, "meta."), trained_on
        model.version = require(path, header, "version", str)
        return model


def predict_recordings(model: Model, recordings: list[Recording], decoding: str = "frame") -> list[tuple]:
    """(recording, prediction) for every recording long enough for one window; the others are
    reported as warnings and left out (none left is an error)."""
    results = []
    for rec in recordings:
        if rec.frames < model.frames_needed and len(recordings) > 1:
            warnings.warn(f"{rec.source or rec.worm_id}: worm {rec.worm_id} has {rec.frames} frames, fewer than "
                          f"one window needs ({model.frames_needed}); left out", DataWarning, stacklevel=2)
            continue
        results.append((rec, model.predict(rec, decoding)))
    if not results:
        raise WormGnnError("no recording is long enough for one window")
    return results


def write_predictions(model: Model, results: list[tuple], path: Path) -> Path:
    """One CSV for every worm: worm, frame, time and the task's prediction (the decoded state
    with its probabilities under the decoding asked for, or each neuron's forecast at every
    horizon in z-scored units). Written atomically."""
    import csv

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["worm", "frame", "time_s"] + model.kind.csv_header(results[0][1]))
            for rec, result in results:
                for i, frame in enumerate(result["frames"]):
                    writer.writerow([rec.worm_id, int(frame), f"{frame / rec.fps:.3f}"]
                                    + model.kind.csv_row(result, i))

    return atomic_write(Path(path), write)


def annotation_labels(result: dict, frames: int, classes: tuple[str, ...]) -> np.ndarray:
    """Per frame of the recording, the decoded state's index in ``classes`` (-1 where no window
    decodes it)."""
    labels = np.full(frames, -1, dtype=np.int64)
    labels[result["frames"]] = [classes.index(s) for s in result["states"]]
    return labels


def benchmark(data: str | None = None, out: str | Path = "runs/benchmark", **options) -> dict:
    """``wormgnn benchmark`` from Python; options as BenchmarkConfig's fields."""
    from wormgnn.sweep import BenchmarkConfig, run_benchmark

    return run_benchmark(BenchmarkConfig(data=data, out=Path(out), **options), progress=False)


__all__ = ["Model", "annotation_labels", "benchmark", "predict_recordings", "write_predictions"]
