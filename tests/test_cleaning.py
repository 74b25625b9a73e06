import numpy as np
import pytest

from wormgnn.data.cleaning import DataWarning, repair_nonfinite
from wormgnn.errors import DataError


def test_short_nan_runs_are_interpolated_with_a_warning():
    x = np.tile(np.arange(100.0)[:, None], (1, 3))
    x[10:13, 1] = np.nan
    with pytest.warns(DataWarning, match="interpolated 3 NaN"):
        out, names = repair_nonfinite(x, ["A", "B", "C"], "f.mat", "w1")
    np.testing.assert_allclose(out[:, 1], np.arange(100.0))
    assert names == ["A", "B", "C"]


def test_mostly_nan_neuron_is_dropped_with_a_warning():
    x = np.random.default_rng(0).normal(size=(100, 3))
    x[:80, 2] = np.inf
    with pytest.warns(DataWarning, match="dropped 1 mostly-NaN neuron"):
        out, names = repair_nonfinite(x, ["A", None, "C"], "f.mat", "w1")
    assert out.shape == (100, 2) and names == ["A", None]
    assert np.isfinite(out).all()


def test_too_many_nonfinite_samples_is_an_error():
    x = np.random.default_rng(0).normal(size=(100, 4))
    x[::4, :] = np.nan  # 25% everywhere, no neuron mostly NaN
    with pytest.raises(DataError, match=r"f\.mat: worm w1: 25\.0% of trace samples"):
        repair_nonfinite(x, [None] * 4, "f.mat", "w1")


def test_finite_input_passes_unchanged():
    x = np.arange(12.0).reshape(6, 2)
    out, names = repair_nonfinite(x, ["A", "B"], "f", "w")
    np.testing.assert_array_equal(out, x)
