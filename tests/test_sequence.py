import numpy as np
import pytest

from wormgnn.sequence import StateDynamics, choose_emissions, contiguous_runs, decode, fit_dynamics


def _sticky_truth(frames: int, dwell: int, classes: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out, state = [], 0
    while len(out) < frames:
        out += [state] * int(rng.integers(dwell // 2, 2 * dwell))
        state = (state + 1) % classes  # a cycle, like forward → reversal → turn
    return np.array(out[:frames])


def _noisy_scores(truth: np.ndarray, classes: int, right: float, seed: int) -> np.ndarray:
    """Per-frame probabilities that put ``right`` mass on the true state on average, flickering."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.0, (truth.size, classes))
    logits[np.arange(truth.size), truth] += right
    p = np.exp(logits)
    return p / p.sum(1, keepdims=True)


def test_transitions_are_counted_over_annotated_neighbours_only():
    d = StateDynamics.count([np.array([0, 0, 1, -1, 1, 1]), np.array([2, 2])], classes=3, pseudocount=0.0)
    np.testing.assert_allclose(d.transitions, [[0.5, 0.5, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(d.initial, [2 / 7, 3 / 7, 2 / 7])
    smoothed = StateDynamics.count([np.array([0, 0])], classes=3)
    assert (smoothed.transitions > 0).all() and np.allclose(smoothed.transitions.sum(1), 1)
    again = StateDynamics.from_dict(smoothed.to_dict())
    np.testing.assert_array_equal(again.transitions, smoothed.transitions)
    with pytest.raises(ValueError, match="row-stochastic"):
        StateDynamics.from_dict(smoothed.to_dict() | {"transitions": [[2.0]]})


def test_filtering_is_causal_and_smoothing_is_not():
    truth = _sticky_truth(300, 25, 4, seed=0)
    scores = _noisy_scores(truth, 4, 1.0, seed=1)
    d = StateDynamics.count([truth], 4)
    changed = scores.copy()
    changed[200:] = np.roll(changed[200:], 1, axis=1)
    np.testing.assert_allclose(d.filter(scores)[:200], d.filter(changed)[:200])
    assert not np.allclose(d.smooth(scores)[:200], d.smooth(changed)[:200])
    posterior = d.smooth(scores)
    np.testing.assert_allclose(posterior.sum(1), 1, rtol=1e-6)


def test_viterbi_by_brute_force_on_a_short_sequence():
    import itertools

    rng = np.random.default_rng(3)
    d = StateDynamics(rng.dirichlet(np.ones(3), 3), rng.dirichlet(np.ones(3)))
    scores = rng.dirichlet(np.ones(3), 5)

    def log_prob(path):
        value = np.log(d.initial[path[0]]) + np.log(scores[0, path[0]])
        for t in range(1, len(path)):
            value += np.log(d.transitions[path[t - 1], path[t]]) + np.log(scores[t, path[t]])
        return value

    best = max(itertools.product(range(3), repeat=5), key=log_prob)
    assert tuple(d.viterbi(scores)) == best


def test_sequence_decoding_removes_flicker_and_gains_accuracy():
    truth = _sticky_truth(3000, 25, 4, seed=0)
    scores = _noisy_scores(truth, 4, 1.2, seed=1)
    d = StateDynamics.count([_sticky_truth(3000, 25, 4, seed=2)], 4)
    frame = scores.argmax(1)
    path = d.viterbi(scores)
    filtered = d.filter(scores).argmax(1)
    assert (path == truth).mean() > (filtered == truth).mean() > (frame == truth).mean() + 0.1
    true_switches = (np.diff(truth) != 0).sum()
    assert (np.diff(frame) != 0).sum() > 10 * true_switches
    assert abs((np.diff(path) != 0).sum() / true_switches - 1) < 0.5


def test_contiguous_runs_split_at_gaps_and_worms():
    worm = np.array([1, 0, 0, 0, 1, 0])
    frame = np.array([5, 2, 3, 7, 6, 4])
    runs = contiguous_runs(worm, frame)
    assert [frame[r].tolist() for r in runs] == [[2, 3, 4], [7], [5, 6]]


def test_decode_and_sharpness_choice_on_seven_states():
    truth = _sticky_truth(1500, 25, 7, seed=4)
    scores = _noisy_scores(truth, 7, 1.0, seed=5)
    runs = contiguous_runs(np.zeros(1500, dtype=int), np.arange(1500))
    d = fit_dynamics([_sticky_truth(3000, 25, 7, seed=6)], 7, scores, truth, runs)
    assert set(d.sharpness) == set(d.balance) == {"filtered", "smoothed"}
    assert (d.sharpness["smoothed"], d.balance["smoothed"]) == choose_emissions(d, scores, truth, runs, "smoothed")
    probs, fine, coarse = decode(scores, runs, d, "smoothed")
    assert probs.shape == scores.shape and fine.shape == coarse.shape == (1500,)
    assert coarse.max() < 4 and (fine == truth).mean() > (scores.argmax(1) == truth).mean()
    same, frame_fine, _ = decode(scores, runs, d, "frame")
    assert same is scores and (frame_fine == scores.argmax(1)).all()
    with pytest.raises(ValueError, match="unknown decoding"):
        decode(scores, runs, d, "psychic")
