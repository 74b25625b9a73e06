"""WormWideWeb JSON recordings (Dag et al. 2023, Flavell lab), real files and broken ones."""

import json
import subprocess
import sys

import numpy as np
import pytest

from wormgnn.data import load
from wormgnn.data.loader import sniff
from wormgnn.data.wormwideweb import read_wormwideweb
from wormgnn.errors import DataError


def test_the_real_folder_reads_by_content(flavell_dir):
    recordings = load(flavell_dir)
    assert len(recordings) == 9 and sniff(flavell_dir / "2022-07-26-31.json") == "wormwideweb"
    by_id = {r.worm_id: r for r in recordings}
    rec = by_id["2022-07-26-31"]
    raw = json.loads((flavell_dir / "2022-07-26-31.json").read_text())
    assert rec.traces.shape == (800, 146)
    np.testing.assert_allclose(rec.traces[:, 2], np.array(raw["trace_array"][2]), rtol=1e-6)
    assert rec.neuron_names[2] == "RIAR"  # labeled "3" is the third trace
    assert abs(1 / rec.fps - 0.6016) < 1e-3 and rec.timestamps.shape == (800,)
    assert set(rec.behavior) == {"velocity", "head_curvature", "angular_velocity", "body_curvature"}
    assert rec.units["velocity"] == "mm/s"
    # 99 named: the one label ending in '?' is left unidentified
    assert len(rec.identified) == 99 and not any(n.endswith("?") for n in rec.identified)
    unnamed = by_id["2022-01-16-01"]
    assert unnamed.identified == [] and "pumping" in unnamed.behavior and unnamed.events["patchEncounter"] == [325]


def test_reversal_events_become_frames(flavell_dir):
    rec = read_wormwideweb(flavell_dir / "2022-07-26-31.json")[0]
    raw = json.loads((flavell_dir / "2022-07-26-31.json").read_text())
    start, end = raw["reversal_events"][0]  # [28, 31]: frames 29..31 (1-based) reverse
    reversing = rec.labels == rec.state_names.index("reversal")
    assert not reversing[start - 1] and reversing[start:end].all() and not reversing[end]
    total = sum(e - s for s, e in raw["reversal_events"] if s > 1) + sum(e for s, e in raw["reversal_events"] if s == 1)
    assert reversing.sum() == total


def test_a_name_on_two_traces_is_left_unidentified_and_said(flavell_dir):
    rec = read_wormwideweb(flavell_dir / "2022-07-27-38.json")[0]
    assert "URADL" not in rec.identified
    assert any(note.startswith("URADL labels traces") for note in rec.notes)


def test_min_confidence_keeps_only_confident_labels(flavell_dir):
    every = read_wormwideweb(flavell_dir / "2022-07-26-31.json")[0]
    sure = read_wormwideweb(flavell_dir / "2022-07-26-31.json", min_confidence=4)[0]
    assert 0 < len(sure.identified) < len(every.identified) and set(sure.identified) <= set(every.identified)


def _file(tmp_path, **changes):
    traces = np.random.default_rng(0).normal(size=(3, 20))
    data = {"uid": "w1", "max_t": 20, "num_neurons": 3, "avg_timestep": 0.01,
            "timestamp_confocal": list(np.arange(20) * 0.6), "trace_array": traces.tolist(),
            "labeled": {"1": {"label": "AVAL", "confidence": 4.0}}, "reversal_events": [[2, 5]],
            "velocity": list(np.zeros(20))}
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / "w1.json"
    path.write_text(json.dumps(data))
    return path


def test_older_exports_and_missing_optional_keys_are_read(tmp_path):
    traces = np.random.default_rng(0).normal(size=(20, 3))
    path = _file(tmp_path, trace_array=None, trace_original=traces.tolist(), timestamp_confocal=None,
                 velocity=None, labeled=None, reversal_events=None)
    rec = read_wormwideweb(path)[0]
    np.testing.assert_allclose(rec.traces, traces, rtol=1e-6)  # time × neurons, as the older exporter wrote
    assert rec.fps == pytest.approx(1 / 0.6) and rec.timestamps is None and rec.behavior == {}
    assert (rec.labels == 0).all()


@pytest.mark.parametrize("changes, message", [
    ({"trace_array": None}, "no trace_array or trace_original"),
    ({"timestamp_confocal": [0.0, 1.0]}, "timestamp_confocal has 2 entries for 20 frames"),
    ({"timestamp_confocal": None, "avg_timestep": None}, "no timing"),
    ({"num_neurons": 4}, "3 neurons, num_neurons says 4"),
    ({"max_t": 21}, "20 frames, max_t says 21"),
    ({"reversal_events": [[5, 25]]}, "reversal event 1 \\[5, 25\\] is out of range \\(1..20\\)"),
    ({"reversal_events": [[5]]}, "reversal event 1 is not a \\[start, end\\] pair"),
    ({"labeled": {"9": {"label": "AVAL"}}}, "labeled trace 9 is out of range \\(1..3\\)"),
    ({"velocity": [1.0, 2.0]}, "velocity has 2 values for 20 frames"),
    ({"trace_array": [[1.0, 2.0], [3.0]]}, "not a rectangular array"),
])
def test_a_broken_file_is_one_line_naming_it(tmp_path, changes, message):
    path = _file(tmp_path, **changes)
    with pytest.raises(DataError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


def test_truncated_and_foreign_json_through_the_cli(tmp_path):
    good = _file(tmp_path)
    cut = tmp_path / "cut.json"
    cut.write_bytes(good.read_bytes()[:200])
    other = tmp_path / "other.json"
    other.write_text('["a list"]')
    for path, message in ((cut, "not valid JSON (truncated?)"), (other, "not a")):
        result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "data", "info", str(path)], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 2 and message in result.stderr and str(path) in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
