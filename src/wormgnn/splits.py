"""Which frames train, validate and test a run: within worms, leave-one-worm-out, transfer.

Cuts are chronological with a gap of one window at each cut, and a window only
belongs to a part when every frame it uses (inputs and targets) lies inside it,
so no frame is seen on both sides of a cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wormgnn.errors import WormGnnError
from wormgnn.windows import Segment

SPLITS = ("within", "lowo", "transfer")
WITHIN_FRACTIONS = (0.70, 0.15)
LOWO_VAL_FRACTION = 0.15
TRANSFER_FRACTION = 0.20
TRANSFER_VAL_SHARE = 0.25
"""Of the held-out worm's first 20%, the last quarter validates the fine-tuning."""


@dataclass
class SplitPlan:
    train: list[Segment]
    val: list[Segment]
    test: list[Segment]
    finetune_train: list[Segment] = field(default_factory=list)
    finetune_val: list[Segment] = field(default_factory=list)
    train_worms: list[int] = field(default_factory=list)


def folds(split: str, worm_ids: list[str]) -> list[str]:
    """Fold names: 'all' for within, the held-out worm for lowo and transfer."""
    if split not in SPLITS:
        raise WormGnnError(f"--split {split}: unknown split (known: {', '.join(SPLITS)})")
    if split == "within":
        return ["all"]
    if len(worm_ids) < 2:
        raise WormGnnError(f"--split {split} needs at least 2 worms, the data has {len(worm_ids)}")
    return list(worm_ids)


def _cut(frames: int, fraction: float) -> int:
    return int(round(frames * fraction))


def plan(split: str, fold: str, worm_ids: list[str], frames: list[int], gap: int) -> SplitPlan:
    """Segments of each part for one fold; ``gap`` frames are left out at every cut."""
    folds(split, worm_ids)
    if split == "within":
        train, val, test = [], [], []
        for i, t in enumerate(frames):
            a = _cut(t, WITHIN_FRACTIONS[0])
            b = _cut(t, sum(WITHIN_FRACTIONS))
            train.append((i, 0, a))
            val.append((i, a + gap, b))
            test.append((i, b + gap, t))
        return SplitPlan(train, val, test, train_worms=list(range(len(frames))))
    if fold not in worm_ids:
        raise WormGnnError(f"fold {fold}: no such worm (worms: {', '.join(worm_ids)})")
    held = worm_ids.index(fold)
    others = [i for i in range(len(frames)) if i != held]
    train = [(i, 0, _cut(frames[i], 1 - LOWO_VAL_FRACTION)) for i in others]
    val = [(i, _cut(frames[i], 1 - LOWO_VAL_FRACTION) + gap, frames[i]) for i in others]
    if split == "lowo":
        return SplitPlan(train, val, [(held, 0, frames[held])], train_worms=others)
    t = frames[held]
    tune_end = _cut(t, TRANSFER_FRACTION)
    tune_val_start = _cut(t, TRANSFER_FRACTION * (1 - TRANSFER_VAL_SHARE))
    return SplitPlan(
        train, val, [(held, tune_end + gap, t)],
        finetune_train=[(held, 0, tune_val_start)],
        finetune_val=[(held, tune_val_start + gap, tune_end)],
        train_worms=others,
    )


def fit_all(frames: list[int], gap: int) -> SplitPlan:
    """Every worm trains, its last 15% validates (as the training worms of ``lowo`` do): a
    model made to be used on worms it never saw. No test part."""
    train = [(i, 0, _cut(t, 1 - LOWO_VAL_FRACTION)) for i, t in enumerate(frames)]
    val = [(i, _cut(t, 1 - LOWO_VAL_FRACTION) + gap, t) for i, t in enumerate(frames)]
    return SplitPlan(train, val, [], train_worms=list(range(len(frames))))
