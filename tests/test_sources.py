"""Data sources: paths and simulator specs, with the truths known for them."""

import os

import numpy as np
import pytest
from conftest import write_sim_folder

from wormgnn.errors import WormGnnError
from wormgnn.sources import dataset_fingerprint, load_dataset, sim_source, simulated, source_of, true_couplings


def test_sim_source_is_cached_and_deterministic():
    a = load_dataset(sim_source(3, 11))
    assert load_dataset(sim_source(3, 11)) is a
    assert len(a) == 3


def test_a_missing_path_or_a_bad_spec_is_one_line(tmp_path):
    with pytest.raises(WormGnnError, match="nowhere.mat: no such file or directory"):
        source_of(tmp_path / "nowhere.mat")
    assert source_of(None) == sim_source(5, 0)
    with pytest.raises(WormGnnError, match="not a simulator spec"):
        simulated("sim:worms=two")


def test_fingerprint_changes_when_a_file_changes(tmp_path):
    write_sim_folder(tmp_path, worms=2, seed=1, duration_s=60)
    before = dataset_fingerprint(str(tmp_path))
    first = sorted(tmp_path.glob("*.nwb"))[0]
    os.utime(first, (1, 1))
    assert dataset_fingerprint(str(tmp_path)) != before
    assert dataset_fingerprint(sim_source(3, 1)) == sim_source(3, 1)


def test_true_couplings_from_memory_and_from_files_beside_the_recordings(tmp_path):
    recs = write_sim_folder(tmp_path / "with", worms=2, seed=1, duration_s=60, ground_truth=True)
    loaded = load_dataset(str(tmp_path / "with"))
    couplings = true_couplings(str(tmp_path / "with"), loaded)
    assert all(c is not None and c.shape == (r.n_neurons,) * 2 for c, r in zip(couplings, recs, strict=True))
    write_sim_folder(tmp_path / "without", worms=2, seed=1, duration_s=60)
    assert true_couplings(str(tmp_path / "without"), load_dataset(str(tmp_path / "without"))) == [None, None]
    memory = true_couplings(sim_source(3, 11), load_dataset(sim_source(3, 11)))
    assert len(memory) == 3 and all(isinstance(c, np.ndarray) for c in memory)


def test_several_sources_keep_their_dataset_and_share_one_rate(kato_path, flavell_dir, tmp_path):
    named = tmp_path / "flavell2023"
    named.mkdir()
    for name in ("2022-07-26-31", "2022-07-27-31"):
        (named / f"{name}.json").symlink_to(flavell_dir / f"{name}.json")
    source = source_of([kato_path, named])
    assert source == (str(kato_path), str(named))
    recordings = load_dataset(source)
    assert [r.dataset for r in recordings] == ["WT_NoStim"] * 5 + ["flavell2023"] * 2
    rates = {round(r.fps, 2) for r in recordings}
    assert len(rates) == 1 and abs(rates.pop() - 1.66) < 0.01  # the slowest: Flavell's 0.6 s frames
    assert dataset_fingerprint(source).count("+") == 1
    with pytest.raises(WormGnnError, match="given twice"):
        source_of([kato_path, kato_path])
    alone = load_dataset(str(kato_path))
    assert {round(r.fps, 2) for r in alone} != {1.66}  # one dataset keeps its own rates
