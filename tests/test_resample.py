"""Putting recordings of different rates on one rate."""

import numpy as np
import pytest

from wormgnn.data import Recording
from wormgnn.data.resample import common_rate, on_rate, resample


def _recording(fps=3.0, frames=301):
    t = np.arange(frames) / fps
    traces = np.stack([np.sin(t), np.cos(0.5 * t)], axis=1)
    labels = (t >= 50).astype(int)
    return Recording(traces=traces, neuron_names=["AVAL", None], fps=fps, worm_id="w", labels=labels,
                     state_names=("other", "reversal"), behavior={"velocity": t / 100}, units={"velocity": "mm/s"})


def test_resampling_keeps_time_signals_and_states():
    rec = _recording()
    slow = resample(rec, 1.5)
    assert slow.fps == 1.5 and slow.frames == 151
    t = np.arange(slow.frames) / 1.5
    np.testing.assert_allclose(slow.traces[:, 0], np.sin(t), atol=0.02)
    np.testing.assert_allclose(slow.behavior["velocity"], t / 100, atol=1e-9)
    assert slow.labels[t < 49.5].max() == 0 and slow.labels[t > 50.5].min() == 1
    assert "resampled from 3.000 to 1.500" in slow.notes[-1] and slow.units == rec.units


def test_the_common_rate_is_the_slowest_and_close_rates_stay():
    a, b = _recording(3.0), _recording(1.7)
    assert common_rate([a, b], None) == 1.7 and common_rate([a, b], 2.0) == 2.0
    same, moved = on_rate([_recording(1.71), a], 1.7)
    assert same.fps == 1.71 and moved.fps == pytest.approx(1.7)
