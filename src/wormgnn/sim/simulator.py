"""Simulated worms: the Kato-like motor program driving a rate network on the real wiring diagram.

Real recordings cannot tell us which relations a model should infer; here we
know them (the coupling matrix), so relation inference can be scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wormgnn.connectome import load_connectome
from wormgnn.data.recording import Recording
from wormgnn.data.states import KATO_STATES
from wormgnn.errors import WormGnnError
from wormgnn.sim.program import annotate, motor_program

DRIVEN = {
    # state -> {neuron prefix: drive}; prefixes cover both sides (AVAL, AVAR)
    "rev1": {"AVA": 1.6, "AVE": 1.3, "AIB": 1.0, "RIM": 1.1, "AVB": -1.0, "RIB": -0.8},
    "rev2": {"AVA": 1.6, "AVE": 1.3, "AIB": 1.0, "RIM": 1.1, "AVB": -1.0, "RIB": -0.8},
    "revsus": {"AVA": 1.8, "AVE": 1.4, "AIB": 0.9, "RIM": 1.2, "AVB": -1.0, "RIB": -0.8},
    "fwd": {"AVB": 1.4, "RIB": 1.1, "AVA": -0.8, "RID": 0.8},
    "slow": {"AVB": 0.8, "RIB": 0.6, "AVA": -0.6},
    "vt": {"SMDV": 1.8, "RIV": 1.5, "AVA": -0.4},
    "dt": {"SMDD": 1.8, "AVA": -0.4},
}
CORE = (
    "AVAL AVAR AVEL AVER AIBL AIBR RIML RIMR AVBL AVBR RIBL RIBR SMDVL SMDVR RIVL RIVR "
    "SMDDL SMDDR RID ALA RMEL RMER RMED RMEV"
).split()
"""Always recorded and identified: the motor-program neurons Kato et al. identified in every worm."""
HEAD_EXCLUDED_PREFIXES = ("VA", "VB", "VD", "DA", "DB", "DD", "AS", "VC", "PV", "PH", "PL", "PD",
                          "LUA", "DV", "PQR", "ALN", "HSN", "CAN", "PLM", "PVD")
"""Body and tail neurons lie outside the imaged head (a few anterior motor neurons are allowed)."""


FPS_JITTER = (0.96, 1.06)
"""Each worm's frame rate is the configured one times a factor drawn from this range."""


@dataclass(frozen=True)
class SimulationConfig:
    worms: int = 5
    seed: int = 0
    duration_s: float = 1080.0
    fps: float = 2.9
    neurons: tuple[int, int] = (100, 135)
    identified: tuple[int, int] = (30, 47)
    coupling_gain: float = 0.9
    process_noise: float = 0.35
    measurement_noise: float = 0.04
    calcium_tau_s: float = 1.2
    broad_drive: float = 0.0
    """SD of the loading by which every other head neuron follows one phase of the motor
    program (reversal, forward, ventral or dorsal turn): in real recordings most neurons take
    part in the global dynamics (Kato et al. 2015), not only the core ones."""
    drive_turnover: float = 0.0
    """Fraction of the broadly driven neurons that take a new phase and loading every
    ``drive_epoch_s``: in freely moving worms the correlation structure changes over minutes
    (the two halves of a recording agree far less than interleaved blocks of it do)."""
    drive_epoch_s: float = 120.0
    drift: float = 0.03
    """Amplitude (ΔF/F) of each recorded neuron's slow drift (a sinusoid of period 200–600 s,
    bleaching residue and slow modulation), independent between neurons and not propagated."""
    min_synapses: int = 3
    """Contacts with fewer synapses carry no coupling: weak connections differ between
    individuals (Witvliet et al. 2021), and with them in, no estimator (not even a linear one on
    10× longer recordings) recovers the true graph, so relation inference could not be scored."""

    def validate(self) -> None:
        if self.worms < 1:
            raise WormGnnError(f"--worms must be at least 1, got {self.worms}")
        if not self.duration_s > 0:
            raise WormGnnError(f"--duration must be positive, got {self.duration_s}")
        if not self.fps > 0:
            raise WormGnnError(f"--fps must be positive, got {self.fps}")
        if not self.drift >= 0:
            raise WormGnnError(f"drift must be 0 or more, got {self.drift}")
        if not self.broad_drive >= 0:
            raise WormGnnError(f"broad_drive must be 0 or more, got {self.broad_drive}")
        if not 0 <= self.drive_turnover <= 1:
            raise WormGnnError(f"drive_turnover must lie in [0, 1], got {self.drive_turnover}")
        if not self.drive_epoch_s > 0:
            raise WormGnnError(f"drive_epoch_s must be positive, got {self.drive_epoch_s}")
        if not self.calcium_tau_s * self.fps * FPS_JITTER[0] >= 1:
            raise WormGnnError(f"calcium_tau_s {self.calcium_tau_s:g} s is under a frame at {self.fps:g} frames/s: "
                               "the simulator steps once a frame, and its calcium would overshoot")
        if self.duration_s * self.fps < 64:
            raise WormGnnError(f"{self.duration_s} s at {self.fps} frames/s is under 64 frames")


def _head_pool(names: tuple[str, ...]) -> list[str]:
    keep = []
    for n in names:
        anterior_motor = n in {"VA1", "VB1", "VB2", "DA1", "DB1", "DB2", "AS1", "VD1", "DD1"}
        if anterior_motor or not n.startswith(HEAD_EXCLUDED_PREFIXES):
            keep.append(n)
    return keep


def _signed_coupling(rng_bio: np.random.Generator, min_synapses: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Effective weights J[i, j] (i acts on j) among all 302 neurons, before per-worm scaling.

    Chemical synapses get a sign per presynaptic neuron (Dale's principle; ~30% inhibitory),
    gap junctions pull both neurons together. Fixed across worms: it is the species' wiring.
    """
    conn = load_connectome()
    n = len(conn.names)
    sign = np.where(rng_bio.random(n) < 0.3, -1.0, 1.0)
    chemical = np.log1p(conn.chemical * (conn.chemical >= min_synapses)) * sign[:, None]
    gap = np.log1p(conn.gap * (conn.gap >= min_synapses))
    return chemical, gap, conn.names


PHASES = {"reversal": ("rev1", "rev2", "revsus"), "forward": ("fwd", "slow"), "ventral": ("vt",), "dorsal": ("dt",)}


def _drive(labels: np.ndarray, names: tuple[str, ...], broad: np.ndarray | None = None) -> np.ndarray:
    drive = np.zeros((labels.shape[0], len(names)), dtype=np.float64)
    for state, targets in DRIVEN.items():
        frames = labels == KATO_STATES.index(state)
        for prefix, amount in targets.items():
            cols = [i for i, n in enumerate(names) if n.startswith(prefix)]
            drive[np.ix_(frames, cols)] += amount
    if broad is not None:
        for k, states in enumerate(PHASES.values()):
            in_phase = np.isin(labels, [KATO_STATES.index(s) for s in states]).astype(np.float64)
            drive += in_phase[:, None] * broad[k]
    return drive


def _broad_loadings(names: tuple[str, ...], scale: float) -> np.ndarray | None:
    """(phases, 302): each head neuron outside the driven core follows one phase of the motor
    program with a signed loading. Fixed across worms (a neuron's role is its identity) and
    drawn from a stream of its own, so that ``broad_drive = 0`` leaves the simulator as it was."""
    if scale == 0:
        return None
    rng = np.random.default_rng(2023)
    loadings = np.zeros((len(PHASES), len(names)))
    driven = tuple(prefix for targets in DRIVEN.values() for prefix in targets)
    for i, name in enumerate(names):
        if name in _head_pool((name,)) and not name.startswith(driven):
            loadings[rng.integers(len(PHASES)), i] = scale * rng.normal()
    return loadings


def _turning_drive(labels: np.ndarray, names: tuple[str, ...], broad: np.ndarray, cfg: SimulationConfig,
                   fps: float, rng: np.random.Generator) -> np.ndarray:
    """``_drive`` with the broad loadings changing over time: at the start of every
    ``drive_epoch_s`` after the first, each broadly driven neuron takes, with probability
    ``drive_turnover``, a new phase and loading (drawn as ``_broad_loadings`` draws them)."""
    loadings = broad.copy()
    columns = np.flatnonzero(np.abs(broad).sum(0) > 0)
    epoch = max(int(round(cfg.drive_epoch_s * fps)), 1)
    drive = np.empty((labels.shape[0], len(names)))
    for start in range(0, labels.shape[0], epoch):
        if start > 0:
            for c in columns[rng.random(columns.size) < cfg.drive_turnover]:
                loadings[:, c] = 0.0
                loadings[rng.integers(len(loadings)), c] = cfg.broad_drive * rng.normal()
        drive[start:start + epoch] = _drive(labels[start:start + epoch], names, loadings)
    return drive


@dataclass
class WormNetwork:
    """One simulated worm's rate network over all 302 neurons: everything its dynamics are made
    of, so that it can be run again from any moment, e.g. with a neuron stimulated (``sim.atlas``)."""

    coupling: np.ndarray
    """(302, 302): i acts on j."""
    drive: np.ndarray
    """(frames, 302): the motor program's input."""
    bias: np.ndarray
    tau: np.ndarray
    fps: float
    calcium_tau_s: float
    process_noise: float

    def run(self, start: int, noise: np.ndarray, state: np.ndarray, rate: np.ndarray, calcium: np.ndarray,
            extra: np.ndarray | None = None) -> np.ndarray:
        """Calcium over ``len(noise)`` frames from frame ``start`` (``noise`` (frames, …, 302);
        leading batch axes run side by side), from the given state, rate and calcium, which it
        updates in place; ``extra`` (frames, …, 302) is added to every neuron's input."""
        dt = 1.0 / self.fps
        ca_decay = dt / self.calcium_tau_s
        out = np.empty(noise.shape)
        for k in range(len(noise)):
            total = rate @ self.coupling + self.drive[start + k] + self.bias
            if extra is not None:
                total = total + extra[k]
            state += dt / self.tau * (-state + total) + noise[k]
            rate[...] = np.tanh(state)  # graded, signed: C. elegans neurons mostly do not spike
            calcium += ca_decay * (rate - calcium)
            out[k] = calcium
        return out


@dataclass
class SimulatedWorm:
    """A simulated recording with what made it: its true coupling among the recorded neurons,
    its network, the process noise it ran on, which of the 302 neurons were recorded (in the
    recording's order) and their indicator gains."""

    recording: Recording
    truth: np.ndarray
    network: WormNetwork
    noise: np.ndarray
    recorded: list[int]
    gain: np.ndarray


def _network(cfg: SimulationConfig, chem: np.ndarray, gap: np.ndarray, names: tuple[str, ...],
             rng: np.random.Generator) -> tuple[WormNetwork, np.ndarray]:
    """A worm's network and motor program (its labels), drawn in a fixed order from ``rng``."""
    fps = cfg.fps * rng.uniform(*FPS_JITTER)
    frames = int(round(cfg.duration_s * fps))
    labels = motor_program(frames, rng)
    # worm-to-worm variability in coupling strengths and gains
    n = len(names)
    jitter_chem = chem * rng.lognormal(0.0, 0.25, size=chem.shape)
    jitter_gap = gap * rng.lognormal(0.0, 0.25, size=gap.shape)
    coupling = jitter_chem + 0.5 * (jitter_gap + jitter_gap.T) / 2
    radius = np.max(np.abs(np.linalg.eigvals(coupling)))
    coupling *= cfg.coupling_gain * rng.uniform(0.85, 1.1) / radius
    broad = _broad_loadings(names, cfg.broad_drive)
    if broad is not None and cfg.drive_turnover > 0:
        # a stream of its own: the worm's other draws stay as they were
        drive = _turning_drive(labels, names, broad, cfg, fps, rng.spawn(1)[0])
    else:
        drive = _drive(labels, names, broad)
    drive = drive * rng.uniform(0.8, 1.2, size=n)
    bias = rng.normal(-0.2, 0.2, size=n)
    tau = rng.uniform(0.8, 1.6, size=n)  # seconds
    return WormNetwork(coupling, drive, bias, tau, fps, cfg.calcium_tau_s, cfg.process_noise), labels


def _simulate_worm(cfg: SimulationConfig, k: int, chem: np.ndarray, gap: np.ndarray,
                   names: tuple[str, ...], rng: np.random.Generator):
    network, labels = _network(cfg, chem, gap, names, rng)
    fps, frames, n = network.fps, labels.shape[0], len(names)
    noise = rng.normal(0.0, cfg.process_noise * np.sqrt(1.0 / fps), size=(frames, n))
    out = network.run(0, noise, np.zeros(n), np.zeros(n), np.zeros(n))
    # which neurons this worm's recording caught, and which of them were identified
    pool = _head_pool(names)
    core = [c for c in CORE if c in names]
    others = [p for p in pool if p not in core]
    n_rec = int(rng.integers(cfg.neurons[0], cfg.neurons[1] + 1))
    n_id = int(rng.integers(cfg.identified[0], cfg.identified[1] + 1))
    recorded = core + list(rng.choice(others, size=n_rec - len(core), replace=False))
    recorded = [recorded[i] for i in rng.permutation(len(recorded))]
    identified_extra = set(rng.choice([r for r in recorded if r not in core],
                                      size=max(0, n_id - len(core)), replace=False))
    index = [names.index(r) for r in recorded]
    # indicator gain, slow drift (bleaching residue), measurement noise: ΔF/F-like units
    gain = rng.lognormal(np.log(0.8), 0.3, size=len(index))
    t_s = np.arange(frames) / fps
    drift = cfg.drift * np.sin(2 * np.pi * t_s[:, None] / rng.uniform(200, 600, size=len(index))
                          + rng.uniform(0, 2 * np.pi, size=len(index)))
    traces = out[:, index] * gain + drift + rng.normal(0, cfg.measurement_noise, (frames, len(index)))
    public = [r if (r in core or r in identified_extra) else None for r in recorded]
    recording = Recording(
        traces=traces.astype(np.float32), neuron_names=public, fps=fps,
        worm_id=f"sim_s{cfg.seed}_worm{k + 1}", source=f"wormgnn.sim(seed={cfg.seed})",
        labels=annotate(labels, rng), state_names=KATO_STATES,
    )
    truth = network.coupling[np.ix_(index, index)].astype(np.float32)
    return SimulatedWorm(recording, truth, network, noise, index, gain)


def simulated_worms(worms: int = 5, seed: int = 0, duration_s: float = 1080.0, fps: float = 2.9,
                    **overrides) -> list[SimulatedWorm]:
    """Simulated worms with their networks (``simulate`` keeps only recordings and couplings)."""
    cfg = SimulationConfig(worms=worms, seed=seed, duration_s=duration_s, fps=fps, **overrides)
    cfg.validate()
    chem, gap, names = _signed_coupling(np.random.default_rng(2019), cfg.min_synapses)
    return [_simulate_worm(cfg, k, chem, gap, names, np.random.default_rng([seed, k])) for k in range(worms)]


def simulate(worms: int = 5, seed: int = 0, duration_s: float = 1080.0, fps: float = 2.9,
             **overrides) -> tuple[list[Recording], list[np.ndarray]]:
    """Simulated worms and, per worm, the true coupling ``J[i, j]`` (i acts on j) among its
    recorded neurons, in the recording's neuron order."""
    made = simulated_worms(worms, seed, duration_s, fps, **overrides)
    return [w.recording for w in made], [w.truth for w in made]
