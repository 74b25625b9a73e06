"""Reversals, in both labs' annotations: Kato's rev1/rev2/revsus against the other states,
WormWideWeb's reversal frames against the rest. The one behavioral task the immobilized
(Kato) and freely moving (Flavell) worms share."""

from __future__ import annotations

import numpy as np

from wormgnn.tasks.classification import ClassificationTask

REVERSING = ("rev1", "rev2", "revsus", "reversal")
NOT_REVERSING = ("fwd", "slow", "dt", "vt", "other")
"""Annotated states that count as not reversing; anything else (Kato's ``nostate``) is unscored."""


class Reversal(ClassificationTask):
    name = "reversal"
    description = "is the worm reversing at the window's frame (Kato rev1/rev2/revsus; WormWideWeb reversals)"
    classes = ("other", "reversal")
    n_classes = 2
    needs = "reversal annotations"

    def frame_labels(self, recording) -> np.ndarray | None:
        if recording.labels is None or not set(recording.state_names) & set(REVERSING):
            return None
        lookup = np.array([1 if s in REVERSING else 0 if s in NOT_REVERSING else -1 for s in recording.state_names]
                          + [-1])
        return lookup[np.where(recording.labels < 0, len(recording.state_names), recording.labels)]
