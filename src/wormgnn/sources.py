"""Where recordings come from: a path (file or folder) or a simulator spec
(``sim:worms=5,seed=0``), with the truths known for them (a simulator's coupling, kept in
memory or as ``ground_truth/*.csv`` beside the files ``wormgnn data simulate`` wrote)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from wormgnn.data import Recording, load
from wormgnn.errors import WormGnnError

SIM_PREFIX = "sim:"


def sim_source(worms: int = 5, seed: int = 0) -> str:
    return f"{SIM_PREFIX}worms={worms},seed={seed}"


def source_of(data: str | Path | None) -> str:
    """``--data`` as a source: the path (which must exist), or 5 simulated worms."""
    if data is None:
        return sim_source(5, 0)
    if not str(data).startswith(SIM_PREFIX) and not Path(data).exists():
        raise WormGnnError(f"{data}: no such file or directory")
    return str(data)


@lru_cache(maxsize=2)
def simulated(source: str) -> tuple[tuple[Recording, ...], tuple[np.ndarray, ...]]:
    """Recordings and true couplings of 'sim:worms=5,seed=0', simulated once per process."""
    from wormgnn.sim import simulate

    try:
        params = dict(item.split("=") for item in source[len(SIM_PREFIX):].split(","))
        worms, seed = int(params["worms"]), int(params["seed"])
    except (KeyError, ValueError):
        raise WormGnnError(f"{source}: not a simulator spec (expected {sim_source(5, 0)})") from None
    recordings, truths = simulate(worms=worms, seed=seed)
    return tuple(recordings), tuple(truths)


@lru_cache(maxsize=4)
def load_dataset(source: str) -> tuple[Recording, ...]:
    """Recordings of a path, or of 'sim:worms=5,seed=0'; cached once per process."""
    if source.startswith(SIM_PREFIX):
        return simulated(source)[0]
    return tuple(load(source))


def dataset_fingerprint(source: str) -> str:
    """Identity of the data for resuming: the simulator's parameters, or a file's size and time."""
    if source.startswith(SIM_PREFIX):
        return source
    path = Path(source)
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    stats = [(p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in files if p.is_file()]
    return f"{path.name}:{hashlib.sha1(json.dumps(stats).encode()).hexdigest()[:10]}"


def true_couplings(source: str, recordings) -> list[np.ndarray | None]:
    """Each recording's true coupling where one is known: in memory for simulated worms, or
    ground_truth/<worm>.csv beside simulated NWB files whose labels match the recording."""
    from wormgnn.sim.io import neuron_labels, read_matrix_csv

    if source.startswith(SIM_PREFIX):
        return list(simulated(source)[1])
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    truths = []
    for rec in recordings:
        path = folder / "ground_truth" / f"{rec.worm_id}.csv"
        if not path.exists():
            truths.append(None)
            continue
        labels, matrix = read_matrix_csv(path)
        truths.append(matrix if labels == neuron_labels(rec) else None)
    return truths
