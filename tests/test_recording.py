import numpy as np
import pytest

from wormgnn.data.recording import Recording, canonical_name, shared_names
from wormgnn.errors import DataError


def _rec(**kw):
    base = dict(traces=np.zeros((10, 2)), neuron_names=["AVAL", None], fps=3.0, worm_id="w")
    base.update(kw)
    return Recording(**base)


def test_canonical_names():
    assert canonical_name("DB01") == "DB1"
    assert canonical_name("VA12") == "VA12"
    assert canonical_name("17") is None
    assert canonical_name("") is None
    assert canonical_name("AVAL?") is None
    assert canonical_name(" SMDVR ") == "SMDVR"


def test_validation_rejects_bad_recordings():
    with pytest.raises(DataError, match="3 neuron names for 2 traces"):
        _rec(neuron_names=["A", "B", "C"])
    with pytest.raises(DataError, match="NaN"):
        _rec(traces=np.full((10, 2), np.nan))
    with pytest.raises(DataError, match="4 state labels for 10 frames"):
        _rec(labels=np.zeros(4), state_names=("fwd",))
    with pytest.raises(DataError, match="outside its vocabulary"):
        _rec(labels=np.full(10, 3), state_names=("fwd",))
    with pytest.raises(DataError, match="repeated: AVAL"):
        _rec(neuron_names=["AVAL", "AVAL"])
    with pytest.raises(DataError, match="frame rate"):
        _rec(fps=0.0)


def test_summary_and_shared_names():
    a = _rec(labels=np.array([0] * 6 + [1] * 3 + [-1]), state_names=("fwd", "rev1"))
    s = a.summary()
    assert s["frames"] == 10 and s["identified"] == 1 and s["states"] == {"fwd": 6, "rev1": 3}
    assert s["duration_s"] == pytest.approx(3.3, abs=0.05)
    b = _rec(neuron_names=["AVAL", "RIML"], traces=np.zeros((10, 2)))
    c = _rec(neuron_names=["RIML", "SMDVR"])
    assert shared_names([a, b]) == ["AVAL"]
    assert shared_names([a, b, c]) == []
