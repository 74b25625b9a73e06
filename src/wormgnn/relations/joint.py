"""A relation model fitted to every worm at once (``wormgnn graph --model joint``): coupling
among named neurons shared by all worms, beside each worm's own low-rank drive.

Per worm, the correlations of named neurons mix two things: the shared drive (the motor
program that moves whole groups of neurons together, and whatever unrecorded neurons
add) and the coupling between pairs. A latent-variable Gaussian graphical model
(Chandrasekaran, Parrilo & Willsky 2012) separates them: the precision of worm w's named
neurons is

    K_w = S[w's names] + diag(exp(d_w)) − U_w U_wᵀ,

with S the coupling, one matrix over every name of every worm (and every lab); d_w each
neuron's own variance in that worm, and U_w (neurons × rank) the worm's drive, so no worm's
drive has to be anyone else's. Fitted by maximum likelihood on each worm's drift-free
correlations, a small absolute-value (sparsity) penalty on S, scaled to the amount of data
as the graphical lasso's is (``default_sparsity``); its reading is |S[i, j]|, averaged
over a few fits from different random drives (one fit's reading moves with its start by about
±0.02 AUROC), then over each pair's left/right variants (AVAL→RIML reads as the mean of AVAL→RIML,
AVAL→RIMR, AVAR→RIML and AVAR→RIMR): the two sides are wired near mirror-symmetrically, and
each variant is a separate, noisy estimate of one class-level relation. Settings (rank,
penalty, drift window, the bilateral mean) were chosen on simulated atlases of worms matched
to real recordings (docs/relations.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from wormgnn.errors import WormGnnError

READING = "joint coupling"
"""The reading's name in ``graph.json``."""
PRIVATE = "\x00unnamed "
"""Prefix of the fit's name for a worm's unnamed neuron (``config.unnamed``): no real name starts so."""
SMOOTHING = 1e-6
"""|s| is penalised as sqrt(s² + SMOOTHING), so that Adam's gradient exists at 0."""
SPARSITY_SCALE = 0.3
"""The default penalty is SPARSITY_SCALE·sqrt(ln(names) / frames): 0.005 on worms shaped like
Kato's (5 × 3,100 frames, ~80 names; chosen there on simulated atlases), 0.009 on worms shaped
like Flavell's (7 × 800 frames, ~180 names), where a grid on simulated atlases of that shape
put the best penalty at 0.01 (docs/relations.md)."""


@dataclass(frozen=True)
class JointCouplingConfig:
    rank: int = 3
    """Dimensions of each worm's own drive."""
    ridge: float = 0.0
    """Squared penalty on the shared coupling (off by default: the sparsity penalty read better)."""
    sparsity: float | None = None
    """Absolute-value penalty on the shared coupling (smoothed at 0): few pairs coupled, as in a
    wiring diagram. None: scaled to the data (``default_sparsity``)."""
    drift_window_s: float = 60.0
    """Each neuron's running mean over this long is removed first (slow drift, bleaching)."""
    epoch_s: float | None = 120.0
    """Cut each worm's frames into epochs of about this long, each with a drive and variances of
    its own (S stays shared): in real worms the correlations change over minutes (a recording's
    halves agree far less than its interleaved blocks), which one drive per worm cannot absorb.
    None: one epoch per worm. 120 s was chosen on simulated atlases whose drive changes as the
    real worms' correlations do (docs/relations.md, "Sixth step")."""
    steps: int = 2500
    learning_rate: float = 0.02
    fits: int = 3
    """Fits from different random drives, their |S| averaged: one fit's reading moves with its start."""
    seed: int = 0
    homologs: bool = True
    """Read each pair as the mean over its left/right variants (``estimators.bilateral_average``)."""
    unnamed: bool = False
    """Fit each worm's unnamed neurons too, as nodes of that worm alone, so that the coupling of
    named pairs is conditioned on them (``wormgnn graph --neurons all``); off, they are left out.
    On simulated atlases it gained where worms are long and mostly unnamed (Kato-shaped) and lost
    where they are short (Flavell-shaped), tying over both; on the real atlas it lost a little on
    both labs, so it is not the default (docs/relations.md, "Eighth step")."""


@dataclass
class JointCoupling:
    names: list[str]
    coupling: np.ndarray
    """The reading over ``names``: |S| averaged over fits (and over left/right variants with
    ``homologs``), symmetric."""
    loss: float
    """The mean over fits of the final penalised negative log-likelihood."""
    sparsity: float = 0.0
    """The absolute-value penalty the fit used (``config.sparsity`` or the data's default)."""

    def among(self, names: list[str | None]) -> np.ndarray:
        """The coupling among one worm's neurons, in its order (an unnamed neuron: 0)."""
        index = {n: i for i, n in enumerate(self.names)}
        rows = np.array([index.get(n, -1) if n else -1 for n in names])
        out = self.coupling[np.ix_(np.maximum(rows, 0), np.maximum(rows, 0))].copy()
        out[rows < 0] = 0.0
        out[:, rows < 0] = 0.0
        np.fill_diagonal(out, 0.0)
        return out


def default_sparsity(names: int, frames: int) -> float:
    """The graphical lasso's usual rate, sqrt(ln p / n), times ``SPARSITY_SCALE``: fewer frames
    or more names make each correlation noisier, and the penalty has to rise with the noise."""
    return SPARSITY_SCALE * math.sqrt(math.log(max(names, 2)) / max(frames, 1))


def drift_free_correlation(traces: np.ndarray, fps: float, window_s: float) -> np.ndarray:
    """Correlation matrix of the traces less each neuron's running mean over ``window_s``."""
    return drift_free_correlations(traces, fps, window_s)[0]


def epoch_frames(frames: int, fps: float, epoch_s: float | None) -> list[np.ndarray]:
    """Each epoch's frames: split as evenly as they go into as many epochs of ``epoch_s`` or
    more as fit (one if the recording is shorter, or with no ``epoch_s``)."""
    epochs = 1 if epoch_s is None else max(frames // max(int(round(epoch_s * fps)), 1), 1)
    return np.array_split(np.arange(frames), epochs)


def drift_free_correlations(traces: np.ndarray, fps: float, window_s: float,
                            epoch_s: float | None = None) -> list[np.ndarray]:
    """``drift_free_correlation`` of each epoch (``epoch_frames``), the drift removed over the
    whole recording first."""
    from wormgnn.relations.estimators import without_slow_drift

    x = traces.astype(np.float64)
    if window_s > 0:
        x = without_slow_drift(x, fps, window_s)
    out = []
    for rows in epoch_frames(len(x), fps, epoch_s):
        part = x[rows] - x[rows].mean(0)
        part = part / np.maximum(part.std(0), 1e-9)
        out.append(part.T @ part / len(part))
    return out


def fit_joint_coupling(traces: list[np.ndarray], names: list[list[str]], fps: list[float],
                       config: JointCouplingConfig = JointCouplingConfig()) -> JointCoupling:
    """Fit S, d_w and U_w to every worm's named neurons (``traces[w]`` columns named
    ``names[w]``, all named), ``config.fits`` times from different random drives; the
    reading is the mean |S|."""
    import torch

    if not traces:
        raise WormGnnError("joint coupling: no worms to fit")
    vocabulary = sorted({n for worm in names for n in worm})
    index = {n: i for i, n in enumerate(vocabulary)}
    rows, correlations, weights = [], [], []
    for x, f, worm in zip(traces, fps, names, strict=True):  # a worm's epochs: a batch with a drive each
        epochs = drift_free_correlations(x, f, config.drift_window_s, config.epoch_s)
        frames = [float(len(rows)) for rows in epoch_frames(len(x), f, config.epoch_s)]
        rows.append(torch.tensor([index[n] for n in worm]))
        # one epoch unbatched: the same arithmetic, to the last bit, as before epochs existed
        correlations.append(torch.tensor(np.stack(epochs) if len(epochs) > 1 else epochs[0]))
        weights.append(torch.tensor(frames if len(epochs) > 1 else frames[0], dtype=torch.float64))
    total_frames = float(sum(w.sum() for w in weights))
    weights = [w / total_frames for w in weights]
    if config.sparsity is None:
        config = replace(config, sparsity=default_sparsity(len(vocabulary), int(total_frames)))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the fit is sensitive at round-off: one thread reads the same on every machine
    try:
        fits = [_fit_once(correlations, rows, weights, len(vocabulary), config, config.seed + k)
                for k in range(max(config.fits, 1))]
    finally:
        torch.set_num_threads(threads)
    coupling = np.mean([np.abs(s) for s, _ in fits], axis=0)
    if config.homologs:
        from wormgnn.relations.estimators import bilateral_average

        coupling = bilateral_average(vocabulary, coupling)
    return JointCoupling(vocabulary, coupling, float(np.mean([loss for _, loss in fits])), config.sparsity)


def _fit_once(correlations: list, rows: list, weights: list, m: int, config: JointCouplingConfig,
              seed: int) -> tuple[np.ndarray, float]:
    """One maximum-likelihood fit by Adam from a random drive (S = 0, d from each epoch's shrunk
    precision): a step that leaves some K not positive definite is undone, Adam's momentum
    forgotten and the step halved (it grows back slowly). ``correlations[w]`` holds worm w's
    epochs (epochs × n × n), ``weights[w]`` their shares of all frames. Returns S and the loss."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    coupling = torch.zeros((m, m), dtype=torch.float64, requires_grad=True)
    own = [torch.log(torch.diagonal(torch.linalg.inv(0.9 * c + 0.1 * torch.eye(c.shape[-1])), dim1=-2, dim2=-1))
           .requires_grad_() for c in correlations]
    drive = [(0.01 * torch.randn(*c.shape[:-1], config.rank, dtype=torch.float64, generator=generator))
             .requires_grad_() for c in correlations]
    params = [coupling, *own, *drive]
    off_diagonal = 1 - torch.eye(m, dtype=torch.float64)

    def objective() -> torch.Tensor | None:
        shared = (coupling + coupling.T) / 2 * off_diagonal
        total = config.ridge * (shared ** 2).sum()
        if config.sparsity:
            total = total + config.sparsity * torch.sqrt(shared ** 2 + SMOOTHING).sum()
        for w, (r, c) in enumerate(zip(rows, correlations, strict=True)):
            precision = shared[r][:, r] + torch.diag_embed(torch.exp(own[w])) - drive[w] @ drive[w].mT
            factor, info = torch.linalg.cholesky_ex(precision)
            if (info > 0).any():
                return None
            log_det = 2 * torch.log(torch.diagonal(factor, dim1=-2, dim2=-1)).sum(-1)
            total = total + (weights[w] * (-log_det + (c * precision).sum((-2, -1)))).sum()
        return total

    rate = config.learning_rate
    optimizer = torch.optim.Adam(params, lr=rate)
    loss = objective()
    for _ in range(config.steps):
        saved = [p.detach().clone() for p in params]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        stepped = objective()
        if stepped is None:
            with torch.no_grad():
                for p, s in zip(params, saved, strict=True):
                    p.copy_(s)
            rate /= 2
            optimizer = torch.optim.Adam(params, lr=rate)
            stepped = objective()
        elif rate < config.learning_rate:
            rate = min(config.learning_rate, rate * 1.02)
            for group in optimizer.param_groups:
                group["lr"] = rate
        loss = stepped
    return ((coupling + coupling.T) / 2 * off_diagonal).detach().numpy(), float(loss.detach())


def joint_readings(traces: list[np.ndarray], names: list[list[str | None]], fps: list[float],
                   config: JointCouplingConfig = JointCouplingConfig()) -> tuple[JointCoupling, list[np.ndarray], dict]:
    """The fitted model over the named neurons, each worm's reading of one model fitted to all of them
    (an unnamed neuron reads 0), and the fit's log. Unnamed neurons enter the fit only with
    ``config.unnamed``, each under a name of its worm's alone."""
    named = [[i for i, n in enumerate(worm) if n] for worm in names]
    if not any(named):
        raise WormGnnError("--model joint: no worm has named neurons (it pools neurons by name)")
    kept = [list(range(len(worm))) if config.unnamed else idx for worm, idx in zip(names, named, strict=True)]
    fit_names = [[worm[i] or f"{PRIVATE}{w}#{i}" for i in idx]
                 for w, (worm, idx) in enumerate(zip(names, kept, strict=True))]
    used = [w for w, idx in enumerate(named) if idx]
    fitted = fit_joint_coupling([traces[w][:, kept[w]] for w in used], [fit_names[w] for w in used],
                                [fps[w] for w in used], config)
    fitted = _named_only(fitted)
    log = {"joint_loss": fitted.loss, "joint_names": len(fitted.names), "joint_rank": config.rank,
           "joint_ridge": config.ridge, "joint_sparsity": fitted.sparsity, "joint_fits": config.fits,
           "joint_homologs": config.homologs, "joint_epoch_s": config.epoch_s, "joint_unnamed": config.unnamed}
    return fitted, [fitted.among(worm) for worm in names], log


def _named_only(fitted: JointCoupling) -> JointCoupling:
    """The fit's reading among named neurons: a worm's own unnamed nodes condition it, nothing reads them."""
    keep = [i for i, n in enumerate(fitted.names) if not n.startswith(PRIVATE)]
    return replace(fitted, names=[fitted.names[i] for i in keep], coupling=fitted.coupling[np.ix_(keep, keep)])
