import numpy as np
import pytest
from matfiles import kato_fields, write_v5, write_v73

from wormgnn.data.kato import read_kato_mat
from wormgnn.errors import DataError

EXPECTED = [(3137, 109, 38), (3134, 135, 44), (3059, 131, 32), (3311, 125, 47), (3021, 129, 31)]


def test_real_file_shapes_and_identities(kato_recordings):
    got = [(r.frames, r.n_neurons, len(r.identified)) for r in kato_recordings]
    assert got == EXPECTED
    common = set.intersection(*(set(r.identified) for r in kato_recordings))
    assert len(common) == 22
    assert {"AVAL", "AVAR", "SMDVR", "VB2"} <= common  # VB02 canonicalised to VB2
    first = kato_recordings[0]
    assert first.traces.dtype == np.float32
    assert abs(first.fps - 2.9046) < 1e-3
    assert first.state_counts()["fwd"] == 681 and first.state_counts()["nostate"] == 22


@pytest.mark.parametrize("writer", [write_v73, write_v5], ids=["v7.3", "v5"])
@pytest.mark.parametrize("spelling", ["kato", "sister"])
@pytest.mark.parametrize("states", ["struct", "codes"])
def test_both_spellings_and_state_forms(tmp_path, writer, spelling, states):
    rng = np.random.default_rng(0)
    fields = kato_fields(rng, spelling=spelling, states=states)
    path = writer(tmp_path / "small.mat", "Data", fields)
    recs = read_kato_mat(path)
    assert len(recs) == 2
    traces_field = "deltaFOverF_bc" if spelling == "kato" else "traces"
    np.testing.assert_allclose(recs[1].traces, fields[traces_field][1].astype(np.float32))
    assert recs[0].neuron_names == ["AVAL", None, "SMDVR", "DB1", None]
    assert abs(recs[0].fps - (2.9 if spelling == "kato" else 2.5)) < 1e-6
    vocab = recs[0].state_names
    decoded = [vocab[i] for i in recs[0].labels[:6]]
    assert decoded == ["fwd", "rev1", "vt", "fwd", "rev1", "vt"]


def test_struct_without_traces(tmp_path):
    rng = np.random.default_rng(0)
    fields = kato_fields(rng)
    del fields["deltaFOverF_bc"]
    path = write_v73(tmp_path / "notraces.mat", "Data", fields)
    with pytest.raises(DataError, match="no struct with a traces field"):
        read_kato_mat(path)


def test_names_and_traces_mismatch(tmp_path):
    rng = np.random.default_rng(0)
    fields = kato_fields(rng)
    fields["NeuronNames"][1] = ["AVAL", "2"]
    path = write_v5(tmp_path / "mismatch.mat", "Data", fields)
    with pytest.raises(DataError, match="2 neuron names for 5 traces"):
        read_kato_mat(path)


def test_states_and_frames_mismatch(tmp_path):
    rng = np.random.default_rng(0)
    fields = kato_fields(rng)
    fields["States"][0] = {"fwd": np.ones(10)}
    path = write_v73(tmp_path / "states.mat", "Data", fields)
    with pytest.raises(DataError, match="state 'fwd' has 10 frames, traces 60"):
        read_kato_mat(path)


def test_codes_without_key(tmp_path):
    rng = np.random.default_rng(0)
    fields = kato_fields(rng, states="codes")
    del fields["stateKey"]
    path = write_v5(tmp_path / "nokey.mat", "Data", fields)
    with pytest.raises(DataError, match="no state key"):
        read_kato_mat(path)
