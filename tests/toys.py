"""Small systems whose answers are known, for the model tests."""

from __future__ import annotations

import functools

import numpy as np
import torch

from wormgnn.data import Recording
from wormgnn.data.states import KATO_STATES
from wormgnn.windows import make_windows, prepare

NAMES = ["AVAL", "AVBL", "RIML", "SMDVL", "SMDDL", "RIBL"]


def coupled_system(frames: int, seed: int, coupling: np.ndarray, names=NAMES) -> Recording:
    """x_j(t+1) = 0.6 x_j(t) + Σ_i C[i, j] tanh(x_i(t)) + noise; behavior = sign of neuron 0."""
    rng = np.random.default_rng(seed)
    n = coupling.shape[0]
    x = np.zeros((frames, n))
    for t in range(1, frames):
        x[t] = 0.6 * x[t - 1] + np.tanh(x[t - 1]) @ coupling + rng.normal(0, 1.0, n)
    fwd, rev = KATO_STATES.index("fwd"), KATO_STATES.index("rev1")
    labels = np.where(x[:, 0] > 0, rev, fwd)
    return Recording(traces=x, neuron_names=list(names[:n]), fps=3.0, worm_id=f"toy{seed}",
                     labels=labels, state_names=KATO_STATES)


def chain_coupling(n: int = 6, strength: float = 0.9) -> np.ndarray:
    """A directed ring 0 → 1 → 2 → … → 0: each neuron driven by one other."""
    c = np.zeros((n, n))
    for i in range(n):
        c[i, (i + 1) % n] = strength
    return c


def toy_windows(task: str, worms: int = 3, frames: int = 600, window: int = 8, horizon: int = 2,
                coupling: np.ndarray | None = None, neurons: str = "shared"):
    coupling = chain_coupling() if coupling is None else coupling
    recs = [coupled_system(frames, seed, coupling) for seed in range(worms)]
    prepared = prepare(recs, neurons)
    h = horizon if task == "forecast" else 0
    vocab = {n: i + 1 for i, n in enumerate(sorted(NAMES))}
    train = make_windows(prepared, [(i, 0, frames) for i in range(worms - 1)], window, h, 1, vocab,
                         labelled_only=task == "behavior")
    test = make_windows(prepared, [(worms - 1, 0, frames)], window, h, 1, vocab,
                        labelled_only=task == "behavior")
    return train, test, tuple(sorted(NAMES)), recs


@functools.lru_cache(maxsize=1)
def trained_ring_gnn():
    """A gnn forecaster trained on two toy worms of the directed ring; the third worm held out.
    Shared by the tests of its forecasts and of the relations read from it (trained once)."""
    from wormgnn.models import TaskSpec, build_model
    from wormgnn.train import TrainConfig, fit

    train, test, ids, recs = toy_windows("forecast", worms=3, frames=800)
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec("forecast", 8, 2, 6, identities=ids))
    fit(model, train, test, TrainConfig(max_epochs=20, patience=20, lr=3e-3), seed=0)
    return model.eval(), test, ids, recs
