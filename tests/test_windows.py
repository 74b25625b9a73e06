import numpy as np
import pytest
import torch

from wormgnn.data import Recording
from wormgnn.data.states import FINE_STATES, KATO_STATES
from wormgnn.errors import WormGnnError
from wormgnn.windows import identity_vocabulary, make_windows, prepare, zscore


def _rec(worm, names, frames=50, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(frames) % len(KATO_STATES)
    return Recording(traces=rng.normal(3.0, 2.0, size=(frames, len(names))), neuron_names=names, fps=3.0,
                     worm_id=worm, labels=labels, state_names=KATO_STATES)


def test_zscore_per_neuron():
    z = zscore(np.random.default_rng(0).normal(5, 3, size=(200, 4)))
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-4)


def test_shared_set_orders_names_identically():
    a = _rec("a", ["AVAL", None, "RIML", "SMDVR"])
    b = _rec("b", ["SMDVR", "AVAL", "RIML", None, None], seed=1)
    pa, pb = prepare([a, b], "shared")
    assert pa.names == pb.names == ["AVAL", "RIML", "SMDVR"]
    col = b.neuron_names.index("SMDVR")
    np.testing.assert_allclose(pb.traces[:, 2], zscore(b.traces)[:, col], rtol=1e-5)
    assert pa.scored.all()


def test_all_set_pads_and_masks():
    a = _rec("a", ["AVAL", None, "RIML"])
    b = _rec("b", ["RIML", "AVAL", None, None, "XYZ"], seed=1)
    pa, pb = prepare([a, b], "all")
    assert pa.traces.shape[1] == pb.traces.shape[1] == 5
    assert pa.mask.tolist() == [True, True, True, False, False]
    assert (pa.traces[:, 3:] == 0).all()
    assert pa.scored.tolist() == [True, False, True, False, False]
    vocab = identity_vocabulary([pa])
    assert set(vocab) == {"AVAL", "RIML"} and 0 not in vocab.values()


def test_windows_contents_and_segments():
    rec = _rec("a", ["AVAL", "RIML"], frames=40)
    (p,) = prepare([rec], "shared")
    w = make_windows([p], [(0, 5, 30)], window=4, horizon=3, stride=2)
    ends = w.frame.numpy()
    assert ends[0] == 5 + 3 and ends[-1] <= 30 - 3 - 1 and np.all(np.diff(ends) == 2)
    k = 2
    t = int(ends[k])
    np.testing.assert_array_equal(w.x[k].numpy(), p.traces[t - 3:t + 1])
    np.testing.assert_array_equal(w.y[k].numpy(), p.traces[t + 1:t + 4])
    assert int(w.labels[k]) == p.labels[t]


def test_lookahead_windows_end_k_frames_after_the_decoded_frame():
    rec = _rec("a", ["AVAL", "RIML"], frames=40)
    (p,) = prepare([rec], "shared")
    causal = make_windows([p], [(0, 5, 30)], window=4, horizon=0)
    ahead = make_windows([p], [(0, 5, 30)], window=4, horizon=0, lookahead=3)
    t = ahead.frame.numpy()
    assert t[0] == 5 and t[-1] == 30 - 1 - 3  # every frame used lies inside the segment
    for k in (0, 7, len(ahead) - 1):
        np.testing.assert_array_equal(ahead.x[k].numpy(), p.traces[t[k] - 3 + 3:t[k] + 3 + 1])
        assert int(ahead.labels[k]) == p.labels[t[k]]
    assert causal.frame.numpy()[0] == 5 + 3  # causal: the first 3 frames have no full window
    far = make_windows([p], [(0, 0, 40)], window=4, horizon=0, lookahead=6)  # K ≥ W: only later frames
    np.testing.assert_array_equal(far.x[0].numpy(), p.traces[3:7])
    assert int(far.frame[0]) == 0
    # the option is checked by the tasks (test_tasks); a window refuses what it cannot be
    with pytest.raises(ValueError, match="lookahead -1"):
        make_windows([p], [(0, 0, 40)], window=4, horizon=0, lookahead=-1)
    with pytest.raises(ValueError, match="one or the other"):
        make_windows([p], [(0, 0, 40)], window=4, horizon=2, lookahead=1)
    with pytest.raises(WormGnnError, match="no complete window"):
        make_windows([p], [(0, 0, 40)], window=4, horizon=0, lookahead=40)


def test_labelled_only_drops_unscored_frames():
    rec = _rec("a", ["AVAL"], frames=60)
    (p,) = prepare([rec], "shared")
    w = make_windows([p], [(0, 0, 60)], window=4, horizon=0, labelled_only=True)
    assert (w.labels >= 0).all() and (w.labels < len(FINE_STATES)).all()
    nostate = KATO_STATES.index("nostate")
    assert not np.isin(w.frame.numpy() % len(KATO_STATES), [nostate]).any()


def test_errors():
    with pytest.raises(WormGnnError, match="unknown neuron set"):
        prepare([_rec("a", ["AVAL"])], "some")
    with pytest.raises(WormGnnError, match="shared' set is empty"):
        prepare([_rec("a", ["AVAL"]), _rec("b", ["RIML"])], "shared")
    (p,) = prepare([_rec("a", ["AVAL"])], "shared")
    with pytest.raises(WormGnnError, match="no complete window"):
        make_windows([p], [(0, 0, 5)], window=4, horizon=3)
    assert isinstance(torch.zeros(1), torch.Tensor)


def test_sample_neurons_keeps_scored_first_and_draws_the_rest():
    a = _rec("a", ["AVAL", None, "RIML", None, None, "XYZ"], frames=40)
    b = _rec("b", ["RIML", "AVAL", None], frames=40, seed=1)
    prepared = prepare([a, b], "all")
    w = make_windows(prepared, [(0, 0, 40), (1, 0, 40)], window=4, horizon=2)
    draws = []
    for seed in range(6):
        s = w.sample_neurons(3, torch.Generator().manual_seed(seed))
        assert s.x.shape == (len(w), 4, 3) and s.y.shape == (len(w), 2, 3)
        assert (s.scored.sum(1) == 2).all()  # AVAL and RIML always kept
        first = s.worm == 0
        assert s.mask[first].all()  # worm a has enough real neurons to fill every column
        # worm b has exactly 3 real neurons: all of them, in their original order
        rows_b = (~first).nonzero()[:, 0]
        assert torch.equal(s.x[rows_b], w.x[rows_b][..., :3])
        # every kept column carries the data of its source column
        for r in (0, int(first.sum()) - 1):
            source = [c for c in range(w.x.shape[2]) if torch.equal(w.x[r, :, c], s.x[r, :, 2])]
            assert source and int(w.ids[r, source[0]]) == int(s.ids[r, 2])
        draws.append(s.x[first][:, :, 2].sum().item())
    assert len(set(draws)) > 1  # the unscored third column is drawn anew
    assert w.sample_neurons(w.x.shape[2], torch.Generator()) is w


def test_the_named_set_keeps_each_worms_identified_neurons():
    from wormgnn.data import Recording

    a = Recording(traces=np.random.default_rng(0).normal(size=(40, 4)), neuron_names=["AVAL", None, "RIML", "AVBL"],
                  fps=3.0, worm_id="a")
    b = Recording(traces=np.random.default_rng(1).normal(size=(40, 3)), neuron_names=["AVAL", "SMDVL", None],
                  fps=3.0, worm_id="b")
    pa, pb = prepare([a, b], "named")
    assert pa.names == ["AVAL", "RIML", "AVBL"] and pb.names == ["AVAL", "SMDVL", None]
    assert pb.mask.tolist() == [True, True, False]
    assert pa.scored.tolist() == [True, False, False]  # scored on the names every worm shares
    np.testing.assert_allclose(pa.traces[:, 2], zscore(a.traces)[:, 3])


def test_a_named_worm_keeps_only_the_names_its_model_learned():
    from wormgnn.windows import learned_names_only

    a = Recording(traces=np.random.default_rng(0).normal(size=(40, 3)), neuron_names=["AVAL", "RIML", "AVBL"],
                  fps=3.0, worm_id="a")
    b = Recording(traces=np.random.default_rng(1).normal(size=(40, 4)), neuron_names=["SMDVL", "AVAL", None, "AVBL"],
                  fps=3.0, worm_id="b")
    pa, pb = prepare([a, b], "named")
    vocab = identity_vocabulary([pa])  # trained on worm a alone: SMDVL was never seen
    kept = learned_names_only(pb, vocab)
    assert kept.names == ["AVAL", "AVBL", None] and kept.mask.tolist() == [True, True, False]
    np.testing.assert_allclose(kept.traces[:, :2], pb.traces[:, [1, 2]])
    assert (kept.traces[:, 2] == 0).all() and kept.scored.tolist() == [True, True, False]
    windows = make_windows([kept], [(0, 0, 40)], 8, 1, vocabulary=vocab)
    assert (windows.ids[:, :2] > 0).all()  # every neuron it keeps has a learned identity
    assert learned_names_only(pa, vocab).names == pa.names  # a training worm loses nothing
