"""Which frames train, validate and test a run: within worms, leave-one-worm-out, transfer,
and across datasets (train on one lab's worms, test on the other's).

Cuts are chronological with a gap of one window at each cut, and a window only
belongs to a part when every frame it uses (inputs and targets) lies inside it,
so no frame is seen on both sides of a cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wormgnn.errors import WormGnnError
from wormgnn.windows import Segment

SPLITS = ("within", "lowo", "transfer", "cross-dataset")
"""lowo holds out a worm and trains on the other worms of its dataset; transfer does the same
(or, with several datasets, trains on the other datasets) then fine-tunes on the held-out
worm's start; cross-dataset trains on every worm of the other datasets."""
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


def folds(split: str, worm_ids: list[str], datasets: list[str] | None = None) -> list[str]:
    """Fold names: 'all' for within, the held-out worm otherwise (lowo: worms whose dataset
    has another worm to train on)."""
    if split not in SPLITS:
        raise WormGnnError(f"--split {split}: unknown split (known: {', '.join(SPLITS)})")
    if split == "within":
        return ["all"]
    datasets = datasets or [""] * len(worm_ids)
    if split == "cross-dataset" and len(set(datasets)) < 2:
        raise WormGnnError("--split cross-dataset needs two datasets: give --data twice")
    if split == "lowo" or (split == "transfer" and len(set(datasets)) < 2):
        held = [w for w, d in zip(worm_ids, datasets, strict=True) if datasets.count(d) > 1]
        if not held:
            raise WormGnnError(f"--split {split} needs at least 2 worms, the data has {len(worm_ids)}")
        return held
    return list(worm_ids)


def training_worms(split: str, held: int, datasets: list[str]) -> list[int]:
    """Who trains when worm ``held`` is tested: the other worms of its dataset (lowo, and
    transfer within one dataset), or every worm of the other datasets."""
    across = split == "cross-dataset" or (split == "transfer" and len(set(datasets)) > 1)
    if across:
        return [i for i, d in enumerate(datasets) if d != datasets[held]]
    return [i for i, d in enumerate(datasets) if d == datasets[held] and i != held]


def _cut(frames: int, fraction: float) -> int:
    return int(round(frames * fraction))


def plan(split: str, fold: str, worm_ids: list[str], frames: list[int], gap: int,
         datasets: list[str] | None = None, adapt_frames: int = 0) -> SplitPlan:
    """Segments of each part for one fold; ``gap`` frames are left out at every cut. A
    transfer fine-tunes on the held-out worm's first ``adapt_frames`` (default: its first 20%)."""
    datasets = datasets or [""] * len(worm_ids)
    folds(split, worm_ids, datasets)
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
    others = training_worms(split, held, datasets)
    if not others:
        raise WormGnnError(f"fold {fold}: no worm to train on")
    train = [(i, 0, _cut(frames[i], 1 - LOWO_VAL_FRACTION)) for i in others]
    val = [(i, _cut(frames[i], 1 - LOWO_VAL_FRACTION) + gap, frames[i]) for i in others]
    if split in ("lowo", "cross-dataset"):
        return SplitPlan(train, val, [(held, 0, frames[held])], train_worms=others)
    t = frames[held]
    tune_end = adapt_frames if adapt_frames else _cut(t, TRANSFER_FRACTION)
    if tune_end + 2 * gap >= t:
        raise WormGnnError(f"fold {fold}: adapting on {tune_end} of its {t} frames leaves none to test")
    tune_val_start = (int(round(adapt_frames * (1 - TRANSFER_VAL_SHARE))) if adapt_frames
                      else _cut(t, TRANSFER_FRACTION * (1 - TRANSFER_VAL_SHARE)))
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
