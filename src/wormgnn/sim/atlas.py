"""The signal propagation atlas experiment (Randi et al. 2023) run on simulated worms.

The real atlas stimulates one neuron at a time in living worms and asks which others respond,
pooling trials over animals; it measures responses to stimulation, indirect paths included,
not direct coupling. To choose relation readings on a truth of that kind without touching the
real atlas, each simulated worm is stimulated the same way: at random moments of its
recording, a named neuron's input is raised for ``stimulus_s`` seconds, and every named
neuron's mean change over the next ``response_s`` seconds is compared with a sham trial run
from the same moment with its own noise. Trials are pooled by name over worms, each pair is
tested (one-sample t-test of stimulated minus sham), and q-values (Benjamini–Hochberg over all
tested pairs) mark the responding pairs, as the atlas marks them (q < 0.05).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wormgnn.sim.simulator import SimulatedWorm

CHUNK = 8
"""Stimulated neurons run side by side (memory: trials × CHUNK × 302 per frame)."""


@dataclass(frozen=True)
class StimulationProtocol:
    trials: int = 100
    """Stimulations of each named neuron in each worm, pooled over worms by name (5 worms: 500
    a core neuron; with 20 a worm no pair of the default simulator reaches q < 0.05, docs/relations.md)."""
    stimulus: float = 3.0
    """Added to the stimulated neuron's input: enough to drive its rate near saturation."""
    stimulus_s: float = 2.0
    response_s: float = 10.0
    """The response is the mean change over this long after the stimulus begins."""
    settle_s: float = 30.0
    """No trial starts before this: the start-up transient of the simulation is over."""


@dataclass
class TrialSums:
    """Per ordered named pair (stimulated i, responding j): trials, Σ d and Σ d² of the
    stimulated-minus-sham response, accumulated over worms."""

    names: list[str]
    count: np.ndarray
    total: np.ndarray
    squares: np.ndarray

    def add(self, names: list[str], differences: np.ndarray) -> None:
        """``differences`` (trials, stimulated, responding) over ``names`` in both axes."""
        index = np.array([self.names.index(n) for n in names])
        cells = np.ix_(index, index)
        self.count[cells] += differences.shape[0]
        self.total[cells] += differences.sum(0)
        self.squares[cells] += (differences ** 2).sum(0)

    def tested(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(q, mean response, trials) per ordered pair; q is NaN where a pair was not tested."""
        from scipy.stats import t as student

        n = self.count
        off = ~np.eye(len(self.names), dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.total / n
            variance = (self.squares - n * mean ** 2) / (n - 1)
            stat = mean / np.sqrt(variance / n)
            p = 2 * student.sf(np.abs(stat), n - 1)
        tested = off & (n >= 3) & np.isfinite(p)
        q = np.full(p.shape, np.nan)
        q[tested] = benjamini_hochberg(p[tested])
        return q, np.where(tested, mean, np.nan), n


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """q-values of the Benjamini–Hochberg procedure."""
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p, dtype=np.float64)
    out[order] = np.minimum(q, 1.0)
    return out


def _snapshots(worm: SimulatedWorm, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's (state, rate, calcium) at each start frame of its unperturbed recording:
    the recording is replayed on its own noise, so each trial starts from a moment it had."""
    network, n = worm.network, worm.noise.shape[1]
    state, rate, calcium = np.zeros(n), np.zeros(n), np.zeros(n)
    out = [np.empty((len(starts), n)) for _ in range(3)]
    order = np.argsort(starts)
    frame = 0
    for k in order:
        network.run(frame, worm.noise[frame:starts[k]], state, rate, calcium)
        frame = int(starts[k])
        for held, now in zip(out, (state, rate, calcium), strict=True):
            held[k] = now
    return out[0], out[1], out[2]


def stimulate_worm(worm: SimulatedWorm, protocol: StimulationProtocol, rng: np.random.Generator,
                   measurement_noise: float) -> tuple[list[str], np.ndarray]:
    """The worm's named neurons and the stimulated-minus-sham response of each (trials,
    stimulated, responding), as a recording would show it (indicator gain and measurement
    noise included). Every named neuron's trials run side by side."""
    rec, network = worm.recording, worm.network
    named = [(i, name) for i, name in enumerate(rec.neuron_names) if name]
    columns = np.array([worm.recorded[i] for i, _ in named])  # among the 302
    gains = worm.gain[[i for i, _ in named]]
    fps, frames, width = network.fps, rec.frames, network.coupling.shape[0]
    respond, hold = int(round(protocol.response_s * fps)), int(round(protocol.stimulus_s * fps))
    first_frame = int(round(protocol.settle_s * fps))
    if frames - respond <= first_frame:
        raise ValueError("recording too short for the stimulation protocol")
    trials, stimulated = protocol.trials, len(columns)
    sd = network.process_noise * np.sqrt(1.0 / fps)
    out = np.empty((trials, stimulated, stimulated))
    for first in range(0, stimulated, CHUNK):  # a few stimulated neurons at a time: bounded memory
        chunk = columns[first:first + CHUNK]
        batch = trials * len(chunk)
        starts = rng.integers(first_frame, frames - respond, size=batch)  # trial-major, then neuron
        state, rate, calcium = _snapshots(worm, starts)
        extra = np.zeros((respond, batch, width))
        extra[:hold, np.arange(batch), np.tile(chunk, trials)] = protocol.stimulus
        means = []
        for push in (extra, None):
            noise = rng.normal(0.0, sd, size=(respond, batch, width))
            trace = network.run(starts, noise, state.copy(), rate.copy(), calcium.copy(), push)
            measured = trace[:, :, columns] * gains + rng.normal(0.0, measurement_noise, (respond, batch, stimulated))
            means.append(measured.mean(0))
        out[:, first:first + len(chunk)] = (means[0] - means[1]).reshape(trials, len(chunk), stimulated)
    return [name for _, name in named], out


def simulated_atlas(worms: list[SimulatedWorm], protocol: StimulationProtocol | None = None, seed: int = 0,
                    measurement_noise: float = 0.04) -> dict[str, np.ndarray | list[str]]:
    """The atlas experiment pooled by name over ``worms``: ``names``, ``q`` (stimulated i,
    responding j; NaN where not tested), ``response`` (mean change of j) and ``trials``."""
    protocol = protocol or StimulationProtocol()
    names = sorted({n for w in worms for n in w.recording.neuron_names if n})
    size = (len(names), len(names))
    sums = TrialSums(names, np.zeros(size), np.zeros(size), np.zeros(size))
    for k, worm in enumerate(worms):
        rng = np.random.default_rng([seed, k, 4242])
        sums.add(*stimulate_worm(worm, protocol, rng, measurement_noise))
    q, response, trials = sums.tested()
    return {"names": names, "q": q, "response": response, "trials": trials}
