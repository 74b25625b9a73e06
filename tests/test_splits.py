import pytest

from wormgnn.errors import WormGnnError
from wormgnn.splits import folds, plan

IDS = ["w1", "w2", "w3"]
FRAMES = [1000, 900, 1100]
W, H = 16, 8


def _frames_used(segments, horizon):
    """Frames any window inside the segments may touch (inputs and targets)."""
    used = set()
    for rec, start, stop in segments:
        used |= {(rec, f) for f in range(start, stop)}
    return used


def test_within_is_chronological_with_gaps():
    p = plan("within", "all", IDS, FRAMES, gap=W)
    for rec, t in enumerate(FRAMES):
        (_, a0, a1), (_, b0, b1), (_, c0, c1) = p.train[rec], p.val[rec], p.test[rec]
        assert a0 == 0 and c1 == t
        assert b0 - a1 == W and c0 - b1 == W
        assert abs(a1 / t - 0.70) < 0.01 and abs(b1 / t - 0.85) < 0.01
    parts = [_frames_used(s, H) for s in (p.train, p.val, p.test)]
    assert not (parts[0] & parts[1]) and not (parts[1] & parts[2]) and not (parts[0] & parts[2])


def test_lowo_holds_out_one_whole_worm():
    p = plan("lowo", "w2", IDS, FRAMES, gap=W)
    assert p.test == [(1, 0, 900)]
    assert {s[0] for s in p.train} == {0, 2} == {s[0] for s in p.val}
    assert p.train_worms == [0, 2]
    for (r, _, a1), (r2, b0, b1) in zip(p.train, p.val, strict=True):
        assert r == r2 and b0 - a1 == W and b1 == FRAMES[r]


def test_transfer_finetunes_on_first_fifth():
    p = plan("transfer", "w3", IDS, FRAMES, gap=W)
    (_, ft0, ft1), = p.finetune_train
    (_, fv0, fv1), = p.finetune_val
    (_, t0, t1), = p.test
    assert ft0 == 0 and fv1 == 220 and fv0 - ft1 == W and t0 - fv1 == W and t1 == 1100
    assert all(s[0] != 2 for s in p.train + p.val)


def test_folds_and_errors():
    assert folds("within", IDS) == ["all"]
    assert folds("lowo", IDS) == IDS
    with pytest.raises(WormGnnError, match="needs at least 2 worms"):
        folds("lowo", ["only"])
    with pytest.raises(WormGnnError, match="unknown split"):
        folds("kfold", IDS)
    with pytest.raises(WormGnnError, match="no such worm"):
        plan("lowo", "w9", IDS, FRAMES, gap=W)


def test_across_datasets_each_worm_is_tested_by_the_other_lab():
    ids, frames = ["k1", "k2", "f1", "f2", "f3"], [300, 300, 200, 200, 200]
    datasets = ["kato", "kato", "flavell", "flavell", "flavell"]
    assert folds("cross-dataset", ids, datasets) == ids
    cross = plan("cross-dataset", "f2", ids, frames, gap=16, datasets=datasets)
    assert cross.train_worms == [0, 1] and cross.test == [(3, 0, 200)]
    lowo = plan("lowo", "f2", ids, frames, gap=16, datasets=datasets)
    assert lowo.train_worms == [2, 4]  # within its own dataset
    transfer = plan("transfer", "k1", ids, frames, gap=16, datasets=datasets, adapt_frames=100)
    assert transfer.train_worms == [2, 3, 4]
    assert transfer.finetune_train == [(0, 0, 75)] and transfer.finetune_val == [(0, 91, 100)]
    assert transfer.test == [(0, 116, 300)]


def test_cross_dataset_needs_two_datasets_and_an_adaptation_must_leave_a_test():
    with pytest.raises(WormGnnError, match="needs two datasets"):
        folds("cross-dataset", ["a", "b"], ["x", "x"])
    with pytest.raises(WormGnnError, match="leaves none to test"):
        plan("transfer", "a", ["a", "b"], [100, 100], gap=16, adapt_frames=90)
    # lowo holds out only worms whose dataset has another worm to train on
    assert folds("lowo", ["a", "b", "c"], ["x", "x", "y"]) == ["a", "b"]
