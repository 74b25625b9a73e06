"""The Python face, mirroring the CLI: ``Model(...).fit(recordings)``, ``.predict(recording)``,
``.save(path)``, ``Model.load(path)``, and ``benchmark(...)``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from wormgnn.data import Recording
from wormgnn.data.states import COARSE_STATES, FINE_STATES
from wormgnn.errors import DataError, WormGnnError
from wormgnn.models import TaskSpec, build_model, model_entry
from wormgnn.models.baselines import class_weights
from wormgnn.persist import load_model, require, save_model
from wormgnn.profiles import PROFILES, get_profile
from wormgnn.sequence import DECODINGS, StateDynamics, contiguous_runs, decode, fit_dynamics
from wormgnn.splits import LOWO_VAL_FRACTION
from wormgnn.train import fit, predict, resolve_device
from wormgnn.windows import NEURON_SETS, frames_needed, identity_vocabulary, make_windows, prepare


class Model:
    """A model trained on whole worms (last 15% of each validates), ready for new worms."""

    def __init__(self, name: str = "gnn", task: str = "behavior", neurons: str = "shared",
                 profile: str = "quick", seed: int = 0, device: str = "cpu", lookahead: int = 0, **overrides):
        entry = model_entry(name)
        if task not in entry.cls.tasks:
            raise WormGnnError(f"model '{name}' does not do the {task} task")
        if lookahead < 0:
            raise WormGnnError(f"--lookahead {lookahead}: must be 0 (causal decoding) or more")
        if lookahead and task != "behavior":
            raise WormGnnError("--lookahead is for decoding behavior; a forecast already looks ahead by its horizon")
        if neurons == "all" and entry.cls.fixed_neurons:
            raise WormGnnError(f"model '{name}' needs a fixed neuron set: use --neurons shared")
        self.name, self.task, self.neurons, self.seed, self.lookahead = name, task, neurons, seed, lookahead
        self.profile = get_profile(profile)
        self.device = resolve_device(device)
        self.overrides = {**self.profile.model_overrides, **overrides}
        self.module = None
        self.shared: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.width = 0
        self.trained_on: list[str] = []
        self.dynamics: StateDynamics | None = None

    @property
    def forecast(self) -> bool:
        return self.task == "forecast"

    @property
    def frames_needed(self) -> int:
        """The fewest frames a recording needs for this model to decode one window."""
        return frames_needed(self.profile.window, self.lookahead)

    def fit(self, recordings: list[Recording]) -> Model:
        p = self.profile
        if not self.forecast and any(r.labels is None for r in recordings):
            raise WormGnnError("behavior needs recordings with behavioral states")
        prepared = prepare(recordings, self.neurons)
        self.shared = [n for n in prepared[0].names if n] if self.neurons == "shared" else []
        self.width = prepared[0].traces.shape[1]
        self.vocabulary = identity_vocabulary(prepared)
        horizon = p.horizon if self.forecast else 0
        cuts = [int(round(r.frames * (1 - LOWO_VAL_FRACTION))) for r in recordings]
        train_parts = [(i, 0, c) for i, c in enumerate(cuts)]
        val_parts = [(i, c + p.window, r.frames) for i, (c, r) in enumerate(zip(cuts, recordings, strict=True))]

        def windows(parts, stride=1, labelled_only=not self.forecast):
            return make_windows(prepared, parts, p.window, horizon, stride, self.vocabulary,
                                labelled_only=labelled_only, lookahead=self.lookahead)

        train, val = windows(train_parts, p.stride(self.task)), windows(val_parts)
        spec = TaskSpec(self.task, p.window, p.horizon, self.width,
                        identities=tuple(sorted(self.vocabulary, key=self.vocabulary.get)))
        torch.manual_seed(self.seed)
        self.module = build_model(self.name, spec, self.overrides)
        weights = None if self.forecast else class_weights(train.labels, spec.n_classes)
        fit(self.module, train, val, p.train_config(self.device), self.seed, weights)
        if not self.forecast:  # state dynamics for sequence decoding: counted on training frames,
            every = windows(val_parts, labelled_only=False)  # emission settings chosen on validation
            self.dynamics = fit_dynamics([prepared[i].labels[a:b] for i, a, b in train_parts], spec.n_classes,
                                         predict(self.module, every), every.labels.numpy(),
                                         contiguous_runs(every.worm.numpy(), every.frame.numpy()))
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
                import warnings

                from wormgnn.data.cleaning import DataWarning

                how = "masked out" if not self.module.fixed_neurons else "filled with their mean (zero)"
                warnings.warn(f"{recording.source or recording.worm_id}: worm {recording.worm_id} lacks "
                              f"{len(missing)} of the model's neurons ({', '.join(missing)}); {how}",
                              DataWarning, stacklevel=2)
            return prepare([recording], "shared", shared=self.shared, allow_missing=True)[0]
        return prepare([recording], "all", width=self.width)[0]

    def predict(self, recording: Recording, decoding: str = "frame") -> dict:
        """Per decodable frame: state probabilities and states (behavior; ``decoding`` one of
        sequence.DECODINGS), or the next H frames (forecast). With a lookahead K the last K
        frames cannot be decoded; the first decodable frame is max(W − 1 − K, 0)."""
        self._require_fitted()
        if decoding not in DECODINGS:
            raise WormGnnError(f"--decode {decoding}: unknown decoding (known: {', '.join(DECODINGS)})")
        p = self.profile
        need = self.frames_needed
        if recording.frames < need:
            raise WormGnnError(f"{recording.source or recording.worm_id}: worm {recording.worm_id} has "
                               f"{recording.frames} frames, fewer than one window needs ({need})")
        prep = self._prepare(recording)
        horizon = 0
        windows = make_windows([prep], [(0, 0, recording.frames)], p.window, horizon, 1, self.vocabulary,
                               lookahead=self.lookahead if not self.forecast else 0)
        out = predict(self.module, windows)
        frames = windows.frame.numpy()
        if self.forecast:
            names = [n or f"#{i}" for i, n in enumerate(prep.names)]
            keep = prep.mask
            return {"frames": frames, "forecast": out[:, :, keep], "neurons": [n for n, k in zip(names, keep,
                                                                                                  strict=True) if k]}
        runs = contiguous_runs(windows.worm.numpy(), frames)
        probabilities, fine, coarse = decode(out, runs, self.dynamics, decoding)
        return {"frames": frames, "probabilities": probabilities, "states": [FINE_STATES[i] for i in fine],
                "coarse": [COARSE_STATES[i] for i in coarse], "decoding": decoding, "lookahead": self.lookahead}

    def save(self, path: str | Path) -> Path:
        self._require_fitted()
        return save_model(self.module, path, self.name, task=self.task, neurons=self.neurons,
                          shared=self.shared, vocabulary=self.vocabulary, width=self.width,
                          profile=self.profile.name, seed=self.seed, trained_on=self.trained_on,
                          lookahead=self.lookahead,
                          dynamics=self.dynamics.to_dict() if self.dynamics is not None else None)

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
        if lookahead < 0 or (lookahead and task != "behavior"):
            raise DataError(path, f"model file metadata: impossible lookahead {lookahead} for {task}")
        model = cls(header["model"], task, neurons, profile, require(path, meta, "seed", int, "meta."), device,
                    lookahead)
        if task == "behavior":
            try:
                model.dynamics = StateDynamics.from_dict(require(path, meta, "dynamics", dict, "meta."))
            except (KeyError, TypeError, ValueError) as exc:
                raise DataError(path, f"model file state dynamics are not valid ({exc})") from None
        model.module, model.shared, model.vocabulary = module, shared, vocabulary
        model.width, model.trained_on = require(path, meta, "width", int, "meta."), trained_on
        model.version = require(path, header, "version", str)
        return model


def predict_recordings(model: Model, recordings: list[Recording], decoding: str = "frame") -> list[tuple]:
    """(recording, prediction) for every recording long enough for one window; the others are
    reported as warnings and left out (none left is an error)."""
    import warnings

    from wormgnn.data.cleaning import DataWarning

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
    """One CSV for every worm: worm, frame, time and the decoded state with its probabilities
    (of the decoding asked for), or the forecast of each neuron at every horizon (z-scored
    units). Written atomically."""
    import csv
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        header_written = False
        for rec, result in results:
            if model.forecast:
                h = result["forecast"].shape[1]
                header = ["worm", "frame", "time_s"] + [f"{n}@+{k + 1}" for n in result["neurons"] for k in range(h)]
            else:
                header = ["worm", "frame", "time_s", "state", "coarse_state"] + [f"p_{s}" for s in FINE_STATES]
            if not header_written:
                writer.writerow(header)
                header_written = True
            for i, frame in enumerate(result["frames"]):
                lead = [rec.worm_id, int(frame), f"{frame / rec.fps:.3f}"]
                if model.forecast:
                    values = result["forecast"][i].T.reshape(-1)
                    writer.writerow(lead + [f"{v:.5g}" for v in values])
                else:
                    writer.writerow(lead + [result["states"][i], result["coarse"][i]]
                                    + [f"{v:.5f}" for v in result["probabilities"][i]])
    os.replace(tmp, path)
    return path


def annotation_labels(result: dict, frames: int) -> np.ndarray:
    """Per frame of the recording, the decoded fine state's index (-1 where no window decodes it)."""
    labels = np.full(frames, -1, dtype=np.int64)
    labels[result["frames"]] = [FINE_STATES.index(s) for s in result["states"]]
    return labels


def benchmark(data: str | None = None, out: str | Path = "runs/benchmark", **options) -> dict:
    """``wormgnn benchmark`` from Python; options as BenchmarkConfig's fields."""
    from wormgnn.sweep import BenchmarkConfig, run_benchmark

    return run_benchmark(BenchmarkConfig(data=data, out=Path(out), **options), progress=False)


__all__ = ["Model", "annotation_labels", "benchmark", "predict_recordings", "write_predictions"]
