"""Where recordings come from: a path (file or folder), a simulator spec
(``sim:worms=5,seed=0``) or several of them (a tuple: one dataset each), with the truths
known for them (a simulator's coupling, kept in memory or as ``ground_truth/*.csv`` beside
the files ``wormgnn data simulate`` wrote)."""

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


Source = str | tuple[str, ...]
"""One data source, or several (each a dataset of its own)."""


def source_of(data: str | Path | list | tuple | None) -> Source:
    """``--data`` (once or repeated) as a source: the paths (which must exist), or 5 simulated worms."""
    if data is None or (isinstance(data, (list, tuple)) and not data):
        return sim_source(5, 0)
    items = [str(d) for d in data] if isinstance(data, (list, tuple)) else [str(data)]
    for item in items:
        if not item.startswith(SIM_PREFIX) and not Path(item).exists():
            raise WormGnnError(f"{item}: no such file or directory")
    if len(set(items)) != len(items):
        raise WormGnnError(f"--data {items[0]}: given twice")
    return items[0] if len(items) == 1 else tuple(items)


def dataset_name(source: str) -> str:
    """The name a source's worms carry as their dataset: the file's or folder's name."""
    return "sim" if source.startswith(SIM_PREFIX) else Path(source).stem


def _sim_params(source: str) -> tuple[int, int]:
    try:
        params = dict(item.split("=") for item in source[len(SIM_PREFIX):].split(","))
        return int(params["worms"]), int(params["seed"])
    except (KeyError, ValueError):
        raise WormGnnError(f"{source}: not a simulator spec (expected {sim_source(5, 0)})") from None


@lru_cache(maxsize=2)
def simulated_worms_of(source: str) -> tuple:
    """The simulated worms of 'sim:worms=5,seed=0' with their networks, simulated once per process."""
    from wormgnn.sim.simulator import simulated_worms

    worms, seed = _sim_params(source)
    return tuple(simulated_worms(worms=worms, seed=seed))


def simulated(source: str) -> tuple[tuple[Recording, ...], tuple[np.ndarray, ...]]:
    """Recordings and true couplings of 'sim:worms=5,seed=0'."""
    worms = simulated_worms_of(source)
    return tuple(w.recording for w in worms), tuple(w.truth for w in worms)


SIMULATED_ATLAS_FILES = ("simulated_atlas_q.csv", "simulated_atlas_response.csv")
"""Beside simulated worms' files (``ground_truth/``): the atlas experiment run on them."""


@lru_cache(maxsize=2)
def simulated_atlas_of(source: Source) -> dict | None:
    """The atlas experiment on a source's simulated worms (``sim.atlas``): run for a simulator
    spec, read from ``ground_truth/`` for files that ``data simulate --stimulate`` wrote; None
    for real data (and for several datasets at once)."""
    from wormgnn.sim.io import read_matrix_csv

    if isinstance(source, tuple):
        return None
    if source.startswith(SIM_PREFIX):
        from wormgnn.sim.atlas import simulated_atlas

        return simulated_atlas(list(simulated_worms_of(source)), seed=_sim_params(source)[1])
    folder = (Path(source) if Path(source).is_dir() else Path(source).parent) / "ground_truth"
    paths = [folder / name for name in SIMULATED_ATLAS_FILES]
    if not all(p.exists() for p in paths):
        return None
    (names, q), (_, response) = (read_matrix_csv(p) for p in paths)
    return {"names": names, "q": q.astype(np.float64), "response": response.astype(np.float64)}


@lru_cache(maxsize=4)
def _load_one(source: str, min_confidence: float) -> tuple[Recording, ...]:
    if source.startswith(SIM_PREFIX):
        return simulated(source)[0]
    return tuple(load(source, min_confidence=min_confidence))


@lru_cache(maxsize=4)
def load_dataset(source: Source, rate: float = 0.0, min_confidence: float = 0.0) -> tuple[Recording, ...]:
    """Recordings of a source, cached once per process. Several sources: each worm keeps its
    dataset (worm ids made unique), and every recording is put on one rate (``rate``, or the
    slowest recording's) so that windows and horizons mean the same time in every worm; one
    source is resampled only when ``rate`` is given."""
    from dataclasses import replace

    from wormgnn.data.resample import common_rate, on_rate

    sources = source if isinstance(source, tuple) else (source,)
    recordings = []
    for item in sources:
        recordings += [r if r.dataset else replace(r, dataset=dataset_name(item))
                       for r in _load_one(item, min_confidence)]
    ids = [r.worm_id for r in recordings]
    recordings = [replace(r, worm_id=f"{r.dataset}/{r.worm_id}") if ids.count(r.worm_id) > 1 else r
                  for r in recordings]
    if len(sources) > 1 or rate:
        recordings = on_rate(recordings, common_rate(recordings, rate))
    return tuple(recordings)


def dataset_fingerprint(source: Source) -> str:
    """Identity of the data for resuming: the simulator's parameters, or a file's size and time."""
    if isinstance(source, tuple):
        return "+".join(dataset_fingerprint(s) for s in source)
    if source.startswith(SIM_PREFIX):
        return source
    path = Path(source)
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    stats = [(p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in files if p.is_file()]
    return f"{path.name}:{hashlib.sha1(json.dumps(stats).encode()).hexdigest()[:10]}"


def true_couplings(source: Source, recordings) -> list[np.ndarray | None]:
    """Each recording's true coupling where one is known: in memory for simulated worms, or
    ground_truth/<worm>.csv beside simulated NWB files whose labels match the recording."""
    from wormgnn.sim.io import neuron_labels, read_matrix_csv

    if isinstance(source, tuple):
        return [None] * len(recordings)  # several datasets: no coupling known for all of them
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
