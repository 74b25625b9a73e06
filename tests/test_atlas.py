"""The signal propagation atlas, read from the installed wormgnn[atlas] extra (the real file)."""

import h5py
import numpy as np
import pytest

from wormgnn.errors import DataError, WormGnnError
from wormgnn.relations import atlas as atlas_module
from wormgnn.relations.atlas import atlas_file, installed_atlas_file, load_atlas


@pytest.fixture(scope="module")
def real_atlas_file():
    path = installed_atlas_file()
    assert path is not None, "the atlas extra is required for the tests (make test installs wormgnn[atlas])"
    return path


def test_reads_both_strains_transposed_to_i_acts_on_j(real_atlas_file):
    wt = load_atlas()
    assert len(wt.names) == 300 and wt.q.shape == (300, 300) and wt.strain == "wt"
    with h5py.File(real_atlas_file) as fh:
        raw_q, raw_occ = fh["wt/q"][()], fh["wt/occ1"][()]
    i, j = wt.names.index("AVAL"), wt.names.index("AVAR")
    # the file: row = responding, column = stimulated; ours: [i, j] = i stimulated, j responds
    assert np.isclose(wt.q[i, j], raw_q[j, i], equal_nan=True) and wt.measured[i, j] == raw_occ[j, i]
    assert (wt.measured >= 0).all() and np.nanmax(wt.q) <= 1
    unc31 = load_atlas(strain="unc31")
    assert not np.array_equal(np.nan_to_num(unc31.q), np.nan_to_num(wt.q))
    with pytest.raises(WormGnnError, match="unknown strain"):
        load_atlas(strain="mutant")


def test_names_match_as_the_connectome_spells_them():
    wt = load_atlas()
    idx = wt.index(["VB02", "VB2", "DB01", "AVAL", None, "17", "XYZ1"])
    assert idx[0] == idx[1] == wt.names.index("VB2") and idx[2] == wt.names.index("DB1")
    assert idx[3] >= 0 and (idx[4:] == -1).all()
    sub = wt.among(["AVAL", "XYZ1", "AVAR"])
    assert sub["known"].tolist() == [True, False, True]
    assert np.isnan(sub["q"][1]).all() and (sub["measured"][:, 1] == 0).all()


@pytest.mark.parametrize("build, message", [
    (lambda p: p.write_bytes(b"not hdf5"), "not an atlas file \\(cannot open as HDF5"),
    (lambda p: h5py.File(p, "w").close(), "no neuron_ids"),
    (lambda p: _atlas_like(p, shape=(3, 4)), "wt/q has shape \\(3, 4\\)"),
    (lambda p: _atlas_like(p, strain="unc31"), "no strain 'wt'"),
    (lambda p: _atlas_like(p, drop="occ1"), "no wt/occ1"),
])
def test_a_file_that_is_not_an_atlas_is_refused_in_one_line(tmp_path, build, message):
    path = tmp_path / "funatlas.h5"
    build(path)
    with pytest.raises(DataError, match=message) as info:
        load_atlas(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def _atlas_like(path, shape=(3, 3), strain="wt", drop=None):
    with h5py.File(path, "w") as fh:
        fh["neuron_ids"] = np.array([b"AVAL", b"AVAR", b"RIML"])
        for name in ("q", "dFF", "occ1", "q_eq"):
            if name != drop:
                fh[f"{strain}/{name}"] = np.zeros(shape)


def test_a_missing_atlas_says_how_to_install_it(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="no such atlas file"):
        atlas_file(tmp_path / "nowhere.h5")
    monkeypatch.setattr(atlas_module, "installed_atlas_file", lambda: None)
    with pytest.raises(WormGnnError, match=r"pip install 'wormgnn\[atlas\]'"):
        atlas_file()
