"""From per-frame state probabilities to state sequences that look like behavior.

A per-frame decoder ignores that Kato's states last ~25 frames and follow a cycle (forward →
reversal → turn → forward), so its output flickers. A hidden Markov model whose transitions
are counted on the training worms' annotations and whose emission scores are the decoder's
probabilities turns them into sequences: forward filtering for causal use (each frame sees
only the past), Viterbi for offline annotation (the most probable whole sequence), and
forward–backward for offline per-frame posteriors.

Emission scores are the decoder's probabilities raised to a ``sharpness`` and divided by the
state occupancy raised to a ``balance``, both chosen on validation frames. Every behavior
model trains with class-balanced weights, so its outputs already behave like likelihoods
under a uniform prior; but windows overlap, so successive scores are far from independent
(a sharpness < 1 tempers them), and the transitions bring the states' frequencies back in,
which favours long common states over short rare ones (turns): a balance > 0 evens that out,
as the balanced accuracy we score asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from wormgnn.data.states import fine_to_coarse_matrix

SHARPNESS_CHOICES = (0.5, 1.0, 2.0)
BALANCE_CHOICES = (0.0, 0.5, 1.0)
DECODINGS = ("frame", "filtered", "smoothed")
"""frame: the decoder's own argmax; filtered: HMM forward filtering (causal); smoothed: Viterbi
path with forward–backward posteriors (offline)."""

_FLOOR = 1e-6


@dataclass
class StateDynamics:
    """Transition matrix and initial distribution over the fine states, from annotations."""

    transitions: np.ndarray  # (C, C) row-stochastic: from state (row) to state (column)
    initial: np.ndarray  # (C,)
    sharpness: dict[str, float] = field(default_factory=lambda: {"filtered": 1.0, "smoothed": 1.0})
    """Emission exponent per decoding, chosen on validation frames (``choose_emissions``)."""
    balance: dict[str, float] = field(default_factory=lambda: {"filtered": 0.0, "smoothed": 0.0})
    """Exponent of the state occupancy that emissions are divided by, per decoding."""

    @classmethod
    def count(cls, sequences: list[np.ndarray], classes: int, pseudocount: float = 1.0) -> StateDynamics:
        """Counts of state → next state over consecutive annotated frames (``-1`` breaks a
        sequence), each row smoothed by ``pseudocount`` so that no transition is impossible."""
        counts = np.full((classes, classes), pseudocount, dtype=np.float64)
        occupancy = np.full(classes, pseudocount, dtype=np.float64)
        for labels in sequences:
            labels = np.asarray(labels)
            both = (labels[:-1] >= 0) & (labels[1:] >= 0)
            np.add.at(counts, (labels[:-1][both], labels[1:][both]), 1.0)
            scored = labels[labels >= 0]
            np.add.at(occupancy, scored, 1.0)
        return cls(counts / counts.sum(1, keepdims=True), occupancy / occupancy.sum())

    def to_dict(self) -> dict:
        return {"transitions": self.transitions.tolist(), "initial": self.initial.tolist(),
                "sharpness": self.sharpness, "balance": self.balance}

    @classmethod
    def from_dict(cls, raw: dict) -> StateDynamics:
        transitions = np.asarray(raw["transitions"], dtype=np.float64)
        initial = np.asarray(raw["initial"], dtype=np.float64)
        classes = initial.shape[0]
        if (transitions.shape != (classes, classes) or (transitions < 0).any() or (initial < 0).any()
                or not np.allclose(transitions.sum(1), 1) or not np.isclose(initial.sum(), 1)):
            raise ValueError("state dynamics must be a row-stochastic matrix and a distribution")
        sharpness = {k: float(v) for k, v in dict(raw["sharpness"]).items() if k in DECODINGS[1:]}
        balance = {k: float(v) for k, v in dict(raw["balance"]).items() if k in DECODINGS[1:]}
        return cls(transitions, initial, sharpness, balance)

    def _emissions(self, probabilities: np.ndarray, decoding: str) -> np.ndarray:
        scores = np.clip(probabilities, _FLOOR, None) ** self.sharpness.get(decoding, 1.0)
        return scores / self.initial ** self.balance.get(decoding, 0.0)

    def filter(self, probabilities: np.ndarray) -> np.ndarray:
        """P(state at t | scores up to t), (T, C): causal."""
        return self._forward(self._emissions(probabilities, "filtered"))[0]

    def _forward(self, emissions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        alpha = np.empty_like(emissions)
        scale = np.empty(len(emissions))
        belief = self.initial
        for t, e in enumerate(emissions):
            joint = belief * e
            scale[t] = joint.sum()
            alpha[t] = joint / scale[t]
            belief = alpha[t] @ self.transitions
        return alpha, scale

    def smooth(self, probabilities: np.ndarray) -> np.ndarray:
        """P(state at t | every score), (T, C): offline forward–backward."""
        emissions = self._emissions(probabilities, "smoothed")
        alpha, scale = self._forward(emissions)
        beta = np.ones_like(alpha)
        for t in range(len(emissions) - 2, -1, -1):
            beta[t] = self.transitions @ (emissions[t + 1] * beta[t + 1]) / scale[t + 1]
        posterior = alpha * beta
        return posterior / posterior.sum(1, keepdims=True)

    def viterbi(self, probabilities: np.ndarray) -> np.ndarray:
        """The most probable state sequence, (T,): offline."""
        log_e = np.log(self._emissions(probabilities, "smoothed"))
        log_t = np.log(self.transitions)
        score = np.log(self.initial) + log_e[0]
        back = np.zeros(log_e.shape, dtype=np.int64)
        for t in range(1, len(log_e)):
            candidates = score[:, None] + log_t  # (from, to)
            back[t] = candidates.argmax(0)
            score = candidates.max(0) + log_e[t]
        path = np.empty(len(log_e), dtype=np.int64)
        path[-1] = int(score.argmax())
        for t in range(len(log_e) - 1, 0, -1):
            path[t - 1] = back[t, path[t]]
        return path


def contiguous_runs(worm: np.ndarray, frame: np.ndarray) -> list[np.ndarray]:
    """Indices of windows grouped into runs of consecutive frames of one worm, in frame order:
    the sequences an HMM may decode as one."""
    order = np.lexsort((frame, worm))
    breaks = np.nonzero((np.diff(worm[order]) != 0) | (np.diff(frame[order]) != 1))[0] + 1
    return [run for run in np.split(order, breaks) if run.size]


def decode(probabilities: np.ndarray, runs: list[np.ndarray], dynamics: StateDynamics | None,
           decoding: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fine-state probabilities (M, C), the fine path (M,) and the coarse path (M,) under a
    decoding (see DECODINGS). Coarse paths come from summed probabilities, except Viterbi's,
    which maps the fine path."""
    if decoding not in DECODINGS:
        raise ValueError(f"unknown decoding {decoding!r} (known: {', '.join(DECODINGS)})")
    to_coarse = fine_to_coarse_matrix()
    if decoding == "frame" or dynamics is None:
        return probabilities, probabilities.argmax(1), (probabilities @ to_coarse).argmax(1)
    posterior = np.empty_like(probabilities, dtype=np.float64)
    fine = np.empty(len(probabilities), dtype=np.int64)
    for run in runs:
        if decoding == "filtered":
            posterior[run] = dynamics.filter(probabilities[run])
            fine[run] = posterior[run].argmax(1)
        else:
            posterior[run] = dynamics.smooth(probabilities[run])
            fine[run] = dynamics.viterbi(probabilities[run])
    coarse_of_fine = to_coarse.argmax(1)
    coarse = coarse_of_fine[fine] if decoding == "smoothed" else (posterior @ to_coarse).argmax(1)
    return posterior.astype(np.float32), fine, coarse


def choose_emissions(dynamics: StateDynamics, probabilities: np.ndarray, labels: np.ndarray,
                     runs: list[np.ndarray], decoding: str) -> tuple[float, float]:
    """(sharpness, balance) for ``decoding`` with the best sum of fine and coarse balanced
    accuracy on validation frames (never the test worm's)."""
    from wormgnn.data.states import coarse_labels
    from wormgnn.metrics import classification_metrics

    scored = labels >= 0
    best = (-1.0, (1.0, 0.0))
    for sharpness in SHARPNESS_CHOICES:
        for balance in BALANCE_CHOICES:
            trial = replace(dynamics, sharpness={**dynamics.sharpness, decoding: sharpness},
                            balance={**dynamics.balance, decoding: balance})
            _, fine, coarse = decode(probabilities, runs, trial, decoding)
            value = (classification_metrics(labels[scored], fine[scored], dynamics.initial.size)["balanced_accuracy"]
                     + classification_metrics(coarse_labels(labels[scored]), coarse[scored], 4)["balanced_accuracy"])
            if value > best[0] + 1e-9:
                best = (value, (sharpness, balance))
    return best[1]


def fit_dynamics(train_sequences: list[np.ndarray], classes: int, val_probabilities: np.ndarray,
                 val_labels: np.ndarray, val_runs: list[np.ndarray]) -> StateDynamics:
    """Transitions counted on the training annotations, each decoding's emission settings
    chosen on the validation windows."""
    dynamics = StateDynamics.count(train_sequences, classes)
    for decoding in DECODINGS[1:]:
        sharpness, balance = choose_emissions(dynamics, val_probabilities, val_labels, val_runs, decoding)
        dynamics.sharpness[decoding], dynamics.balance[decoding] = sharpness, balance
    return dynamics
