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
