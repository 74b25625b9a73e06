"""Behavioral state vocabularies of Kato et al. 2015 and the coarse grouping we score."""

from __future__ import annotations

import numpy as np

FINE_STATES: tuple[str, ...] = ("fwd", "slow", "dt", "vt", "rev1", "rev2", "revsus")
"""The 7 scored Kato states (``nostate`` is not scored)."""

NOSTATE = "nostate"
KATO_STATES: tuple[str, ...] = FINE_STATES + (NOSTATE,)

COARSE_STATES: tuple[str, ...] = ("FORWARD", "REVERSAL", "VENTRAL_TURN", "DORSAL_TURN")
FINE_TO_COARSE: dict[str, str] = {
    "fwd": "FORWARD",
    "slow": "FORWARD",
    "rev1": "REVERSAL",
    "rev2": "REVERSAL",
    "revsus": "REVERSAL",
    "vt": "VENTRAL_TURN",
    "dt": "DORSAL_TURN",
}

UNSCORED = -1
"""Label index of a frame that carries no scored state."""


def fine_labels(labels: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Map a recording's per-frame labels to indices into FINE_STATES (UNSCORED elsewhere)."""
    lookup = np.array(
        [FINE_STATES.index(s) if s in FINE_STATES else UNSCORED for s in vocabulary] + [UNSCORED]
    )
    return lookup[np.where(labels < 0, len(vocabulary), labels)]


def fine_to_coarse_matrix() -> np.ndarray:
    """(fine, coarse) 0/1 matrix: coarse probabilities are fine probabilities summed."""
    m = np.zeros((len(FINE_STATES), len(COARSE_STATES)), dtype=np.float32)
    for i, s in enumerate(FINE_STATES):
        m[i, COARSE_STATES.index(FINE_TO_COARSE[s])] = 1.0
    return m


def coarse_labels(fine: np.ndarray) -> np.ndarray:
    """Coarse index of each fine index (UNSCORED stays UNSCORED)."""
    lookup = np.array([COARSE_STATES.index(FINE_TO_COARSE[s]) for s in FINE_STATES] + [UNSCORED])
    return lookup[np.where(fine < 0, len(FINE_STATES), fine)]
