"""Kato's behavioral states: 7 fine states, scored also as 4 coarse ones, decoded per frame
and as state sequences (``sequence``)."""

from __future__ import annotations

import numpy as np

from wormgnn.data.states import COARSE_STATES, FINE_STATES, coarse_labels, fine_labels, fine_to_coarse_matrix
from wormgnn.metrics import behavior_metrics, confusion
from wormgnn.sequence import DECODINGS, StateDynamics, contiguous_runs, decode, fit_dynamics
from wormgnn.tasks.base import Evaluation, Scores, first_worm
from wormgnn.tasks.classification import ClassificationTask


def _runs(windows) -> list[np.ndarray]:
    return contiguous_runs(windows.worm.numpy(), windows.frame.numpy())


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


class Behavior(ClassificationTask):
    name = "behavior"
    description = ("Kato's 7 behavioral states at a window's frame (also scored as 4 coarse ones), "
                   "per frame and as HMM state sequences")
    classes = FINE_STATES
    n_classes = len(FINE_STATES)
    needs = "behavioral states"
    has_decoder = True
    headline = ("coarse.balanced_accuracy", "fine.balanced_accuracy",
                "filtered.coarse.balanced_accuracy", "filtered.fine.balanced_accuracy",
                "smoothed.coarse.balanced_accuracy", "smoothed.fine.balanced_accuracy",
                "coarse.switch_ratio", "smoothed.coarse.switch_ratio", "smoothed.fine.switch_ratio",
                "smoothed.coarse.segment_f1", "smoothed.fine.segment_f1", "coarse.macro_f1", "fine.macro_f1")
    """Frame-level (the decoder's argmax), 'filtered' (HMM forward filtering, causal) and
    'smoothed' (Viterbi, offline) decodings; switch_ratio = decoded / annotated switches per minute."""
    terminal = ("coarse.balanced_accuracy", "fine.balanced_accuracy", "smoothed.coarse.balanced_accuracy")
    figures = ("coarse.balanced_accuracy", "fine.balanced_accuracy")
    report = ("coarse.balanced_accuracy", "fine.balanced_accuracy", "filtered.coarse.balanced_accuracy",
              "smoothed.coarse.balanced_accuracy", "smoothed.fine.balanced_accuracy", "coarse.switch_ratio",
              "smoothed.coarse.switch_ratio")

    def frame_labels(self, recording) -> np.ndarray | None:
        if recording.labels is None or not set(recording.state_names) & set(FINE_STATES):
            return None
        return fine_labels(recording.labels, recording.state_names)

    def fit_decoder(self, val_outputs, train_labels, val) -> StateDynamics:
        """State dynamics for sequence decoding: transitions counted on training frames,
        emission settings chosen on the validation windows."""
        return fit_dynamics(train_labels, self.n_classes, val_outputs, val.labels.numpy(), _runs(val))

    def evaluate(self, ev: Evaluation) -> Scores:
        val_probabilities = ev.predict(ev.val)
        dynamics = self.fit_decoder(val_probabilities, ev.train_labels, ev.val)
        val_metrics = sequence_scores(val_probabilities, ev.val, _runs(ev.val), dynamics, ev.fps)[0]
        predictions = ev.predict(ev.test)
        metrics, decoded = sequence_scores(predictions, ev.test, _runs(ev.test), dynamics, ev.fps)
        true = ev.test.labels.numpy()
        scored = true >= 0
        extra = {"confusion": {
            "fine": confusion(true[scored], predictions[scored].argmax(1), ev.spec.n_classes).tolist(),
            "coarse": confusion(coarse_labels(true[scored]),
                                (predictions[scored] @ fine_to_coarse_matrix()).argmax(1), 4).tolist(),
        }, "dynamics": dynamics.to_dict()}
        return Scores(metrics, val_metrics, predictions, decoded, extra)

    def flatten(self, metrics: dict) -> dict[str, float]:
        out = {}
        for prefix, block in (("", metrics), ("filtered.", metrics.get("filtered", {})),
                              ("smoothed.", metrics.get("smoothed", {}))):
            for level in ("coarse", "fine"):
                out |= {f"{prefix}{level}.{name}": v for name, v in block.get(level, {}).items()}
        return out

    def compared(self, metric: str) -> bool:
        # a switch rate is best near the annotated one, neither high nor low
        return "switch" not in metric

    def confusion_labels(self) -> dict[str, tuple[str, ...]]:
        return {"coarse": COARSE_STATES, "fine": FINE_STATES}

    def decoder_to_dict(self, decoder) -> dict | None:
        return decoder.to_dict() if decoder is not None else None

    def decoder_from_dict(self, raw) -> StateDynamics:
        return StateDynamics.from_dict(raw)

    def predict_recording(self, outputs, windows, names, decoder, decoding) -> dict:
        probabilities, fine, coarse = decode(outputs, _runs(windows), decoder, decoding)
        return {"frames": windows.frame.numpy(), "probabilities": probabilities,
                "states": [FINE_STATES[i] for i in fine], "coarse": [COARSE_STATES[i] for i in coarse],
                "decoding": decoding}

    def csv_header(self, result: dict) -> list[str]:
        return ["state", "coarse_state"] + [f"p_{s}" for s in FINE_STATES]

    def csv_row(self, result: dict, i: int) -> list[str]:
        return [result["states"][i], result["coarse"][i]] + [f"{v:.5f}" for v in result["probabilities"][i]]

    def example(self, scores: Scores, ev: Evaluation, names) -> dict:
        """Annotated and decoded coarse states of one held-out worm, per frame and as a sequence."""
        sel = first_worm(ev.test)
        return {"kind": np.array("ethogram"), "states": np.array(COARSE_STATES),
                "fps": np.array(ev.fps[int(ev.test.worm[0])]), "frames": ev.test.frame.numpy()[sel],
                "annotated": coarse_labels(ev.test.labels.numpy()[sel]),
                "decoded per frame": scores.decoded["frame"][2][sel],
                "decoded sequence (HMM, offline)": scores.decoded["smoothed"][2][sel]}
