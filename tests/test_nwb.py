from datetime import UTC, datetime

import numpy as np
import pynwb
import pytest
from pynwb.ophys import DfOverF, Fluorescence, ImageSegmentation, OpticalChannel, RoiResponseSeries

from wormgnn.data import load
from wormgnn.data.nwb import read_nwb, write_nwb
from wormgnn.errors import DataError


def test_round_trip_of_the_real_worm(tmp_path, kato_recordings):
    rec = kato_recordings[1]
    path = write_nwb(rec, tmp_path / "worm.nwb")
    (back,) = load(path)
    np.testing.assert_array_equal(back.traces, rec.traces)
    assert back.neuron_names == rec.neuron_names
    np.testing.assert_array_equal(back.labels, rec.labels)
    assert back.state_names == rec.state_names
    assert back.fps == pytest.approx(rec.fps)
    assert back.worm_id == rec.worm_id
    # and plain pynwb, without wormgnn, sees the same thing
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        series = nwb.processing["CalciumActivity"]["SignalDFoF"]
        np.testing.assert_array_equal(series.data[:], rec.traces)
        labels = list(series.rois.table["ID_labels"][:])
        assert labels == [n or "" for n in rec.neuron_names]
        states = nwb.processing["Behavior"]["BehavioralState"].data[:]
        np.testing.assert_array_equal(states, rec.labels)


def _dandi_like(path, labels, frames=40):
    """The layout of DANDI C. elegans sets: series inside containers, labels with '' and '?'."""
    nwb = pynwb.NWBFile(session_description="t", identifier="x",
                        session_start_time=datetime(2020, 1, 1, tzinfo=UTC))
    nwb.subject = pynwb.file.Subject(subject_id="dandi_worm", species="Caenorhabditis elegans")
    device = nwb.create_device(name="scope")
    plane = nwb.create_imaging_plane(
        name="plane", optical_channel=OpticalChannel(name="c", description="c", emission_lambda=500.0),
        description="d", device=device, excitation_lambda=480.0, indicator="GCaMP", location="head")
    seg = ImageSegmentation()
    ps = seg.create_plane_segmentation(name="NeuronIDs", description="d", imaging_plane=plane)
    ps.add_column(name="ID_labels", description="ids")
    for lab in labels:
        ps.add_roi(voxel_mask=[(0, 0, 0, 1.0)], ID_labels=lab)
    module = nwb.create_processing_module("CalciumActivity", "ca")
    module.add(seg)
    region = ps.create_roi_table_region(region=list(range(len(labels))), description="all")
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(frames, len(labels)))
    dff = rng.normal(size=(frames, len(labels)))
    module.add(Fluorescence(roi_response_series=RoiResponseSeries(
        name="SignalRawFluor", data=raw, rois=region, unit="a.u.", rate=4.0)))
    module.add(DfOverF(roi_response_series=RoiResponseSeries(
        name="SignalDFoF", data=dff, rois=region, unit="dF/F", timestamps=np.arange(frames) / 4.0)))
    nwb.add_acquisition(pynwb.TimeSeries(name="raw_volumes", data=np.zeros((frames, 2, 2)),
                                         unit="a.u.", rate=4.0))
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return dff


def test_dandi_layout(tmp_path):
    dff = _dandi_like(tmp_path / "d.nwb", ["AVAL", "", "RIML?", "SMDDR"])
    (rec,) = read_nwb(tmp_path / "d.nwb")
    np.testing.assert_allclose(rec.traces, dff.astype(np.float32))  # ΔF/F preferred over raw
    assert rec.neuron_names == ["AVAL", None, None, "SMDDR"]  # '?' = uncertain = unidentified
    assert rec.fps == pytest.approx(4.0)
    assert rec.labels is None and rec.worm_id == "dandi_worm"


def test_nwb_without_calcium_activity(tmp_path):
    nwb = pynwb.NWBFile(session_description="t", identifier="x",
                        session_start_time=datetime(2020, 1, 1, tzinfo=UTC))
    with pynwb.NWBHDF5IO(str(tmp_path / "empty.nwb"), "w") as io:
        io.write(nwb)
    with pytest.raises(DataError, match="no RoiResponseSeries"):
        load(tmp_path / "empty.nwb")


def test_write_is_atomic(tmp_path, kato_recordings):
    target = tmp_path / "w.nwb"
    target.write_bytes(b"previous content")
    write_nwb(kato_recordings[0], target)
    assert not list(tmp_path.glob(".*.tmp"))
    assert len(load(target)) == 1


def test_a_wormwideweb_recording_converts_to_nwb_and_reads_back(flavell_dir, tmp_path):
    from wormgnn.data import load

    original = load(flavell_dir / "2022-07-26-31.json")[0]
    path = write_nwb(original, tmp_path / "w.nwb")
    back = read_nwb(path)[0]
    assert back.neuron_names == original.neuron_names and back.state_names == ("other", "reversal")
    assert (back.labels == original.labels).all() and back.fps == pytest.approx(original.fps)
    assert set(back.behavior) == set(original.behavior) and back.units["velocity"] == "mm/s"
    np.testing.assert_allclose(back.behavior["head_curvature"], original.behavior["head_curvature"])
    np.testing.assert_allclose(back.traces, original.traces, rtol=1e-6)
