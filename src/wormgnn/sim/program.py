"""The latent motor program: a worm's sequence of Kato behavioral states."""

from __future__ import annotations

import numpy as np

from wormgnn.data.states import KATO_STATES

MEAN_DWELL_FRAMES = {"fwd": 30, "slow": 30, "rev1": 14, "rev2": 16, "revsus": 34, "vt": 20, "dt": 18}
"""Mean frames per segment; averaging ~25 over segments as in Kato et al. 2015."""


def motor_program(frames: int, rng: np.random.Generator, ventral_bias: float = 0.6) -> np.ndarray:
    """Per-frame index into KATO_STATES, cycling forward → reversal → turn → forward.

    A forward bout is 1–3 segments of fwd/slow; a reversal starts with rev1 or rev2
    and usually sustains (revsus); it ends in a ventral (more often) or dorsal turn.
    Dwell times are gamma distributed (shape 3) so that very short segments are rare.
    """
    sequence: list[str] = []
    while len(sequence) < frames:
        bout = []
        for _ in range(rng.integers(1, 4)):
            bout.append("fwd" if rng.random() < 0.5 else "slow")
        bout.append("rev1" if rng.random() < 0.5 else "rev2")
        if rng.random() < 0.75:
            bout.append("revsus")
        bout.append("vt" if rng.random() < ventral_bias else "dt")
        for state in bout:
            dwell = max(3, int(round(rng.gamma(3.0, MEAN_DWELL_FRAMES[state] / 3.0))))
            sequence.extend([state] * dwell)
    index = {s: i for i, s in enumerate(KATO_STATES)}
    labels = np.array([index[s] for s in sequence[:frames]], dtype=np.int64)
    start = rng.integers(0, 40)  # do not always begin at the start of a forward bout
    return np.roll(labels, -start)


def annotate(program: np.ndarray, rng: np.random.Generator, stretches: int = 3) -> np.ndarray:
    """The annotator's labels: the program, with a few short stretches left as ``nostate``."""
    labels = program.copy()
    for _ in range(stretches):
        length = int(rng.integers(5, 16))
        start = int(rng.integers(0, max(1, labels.shape[0] - length)))
        labels[start:start + length] = KATO_STATES.index("nostate")
    return labels
