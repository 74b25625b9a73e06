"""Shared fixtures: the real Kato data (required, never skipped) and tiny synthetic files."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

# the compiled fast path of the gnn encoder costs tens of seconds of compilation per process;
# the suite runs the eager reference, and test_gnn checks that both agree
os.environ.setdefault("WORMGNN_COMPILE", "0")

REPO = Path(__file__).resolve().parents[1]
KATO_FILE = REPO.parent / "shared" / "data" / "kato2015" / "WT_NoStim.mat"
FLAVELL_DIR = REPO.parent / "shared" / "data" / "flavell2023"


@pytest.fixture(scope="session")
def kato_path() -> Path:
    if not KATO_FILE.exists():
        raise FileNotFoundError(
            f"real data missing: {KATO_FILE} (the tests read it from ../shared/data, see README)"
        )
    return KATO_FILE


@pytest.fixture(scope="session")
def flavell_dir() -> Path:
    if not (FLAVELL_DIR / "2022-07-26-31.json").exists():
        raise FileNotFoundError(f"real data missing: {FLAVELL_DIR} (the tests read it from ../shared/data, see README)")
    return FLAVELL_DIR


@pytest.fixture(scope="session")
def kato_recordings(kato_path):
    from wormgnn import load

    return load(kato_path)


@pytest.fixture(scope="session")
def sim_small():
    """Three short simulated worms: enough for windows, splits and tiny training runs."""
    from wormgnn.sim import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return simulate(worms=3, seed=7, duration_s=200.0)


def write_sim_folder(folder: Path, worms: int, seed: int, duration_s: float, ground_truth: bool = False):
    """Short simulated worms as NWB files (the layout `wormgnn data simulate` writes)."""
    from wormgnn.data.nwb import write_nwb
    from wormgnn.sim import simulate
    from wormgnn.sim.io import write_ground_truth

    folder.mkdir(parents=True, exist_ok=True)
    recs, truths = simulate(worms=worms, seed=seed, duration_s=duration_s)
    for rec, truth in zip(recs, truths, strict=True):
        write_nwb(rec, folder / f"{rec.worm_id}.nwb")
        if ground_truth:
            write_ground_truth(rec, truth, folder / "ground_truth" / f"{rec.worm_id}.csv")
    return recs
