import numpy as np
import pytest
from matfiles import kato_fields, write_v5, write_v73

from wormgnn.data import load
from wormgnn.data.loader import sniff
from wormgnn.errors import DataError


def test_decides_by_content_not_extension(tmp_path):
    rng = np.random.default_rng(1)
    v73 = write_v73(tmp_path / "a_v73.dat", "Data", kato_fields(rng))
    v5 = write_v5(tmp_path / "b_v5.nwb", "Data", kato_fields(rng))  # misleading extension
    assert sniff(v73) == "mat73" and sniff(v5) == "mat5"
    assert len(load(v73)) == 2 and len(load(v5)) == 2


def test_folder_reads_every_recording(tmp_path):
    rng = np.random.default_rng(2)
    write_v73(tmp_path / "one.mat", "Data", kato_fields(rng))
    write_v5(tmp_path / "two.mat", "Data", kato_fields(rng, worms=3))
    assert len(load(tmp_path)) == 5


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "nope.mat")


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="folder holds no recordings"):
        load(tmp_path)


def test_not_a_recording(tmp_path):
    junk = tmp_path / "junk.mat"
    junk.write_text("this is plain text, not MATLAB")
    with pytest.raises(DataError, match="not a MATLAB, HDF5 or NWB file"):
        load(junk)


def test_truncated_hdf5(tmp_path, kato_path):
    cut = tmp_path / "cut.mat"
    cut.write_bytes(kato_path.read_bytes()[:200_000])
    with pytest.raises(DataError, match="cut.mat"):
        load(cut)
