"""NWB reading (DANDI C. elegans layout) and writing (one file per worm)."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from wormgnn.data.cleaning import repair_nonfinite
from wormgnn.data.recording import Recording, canonical_name
from wormgnn.errors import DataError
from wormgnn.files import atomic_write

STATE_SERIES = "BehavioralState"
DECODED_SERIES = "DecodedBehavioralState"
_PREFERRED_SERIES = ("dff", "dfof", "deltaf", "calciumimresponse", "signal", "activity", "trace")


def _quiet_pynwb():
    """pynwb warns about cached namespaces it cannot resolve; the reader does not need them."""
    warnings.filterwarnings("ignore", module="hdmf")
    warnings.filterwarnings("ignore", module="pynwb")
    import pynwb

    return pynwb


def _roi_series(container) -> list:
    """Every RoiResponseSeries at or below a processing module's data interface."""
    from pynwb.ophys import RoiResponseSeries

    found = []
    if isinstance(container, RoiResponseSeries):
        found.append(container)
    for child in getattr(container, "children", []) or []:
        found.extend(_roi_series(child))
    return found


def _pick_series(series: list):
    def rank(s) -> int:
        name = s.name.lower()
        return next((i for i, key in enumerate(_PREFERRED_SERIES) if key in name), len(_PREFERRED_SERIES))

    return sorted(series, key=rank)[0]


def _labels_of(series, neurons: int) -> list[str | None]:
    table = getattr(series.rois, "table", None)
    if table is None or "ID_labels" not in table.colnames:
        return [None] * neurons
    rows = np.asarray(series.rois.data[:]).ravel()
    column = table["ID_labels"]
    names = []
    for r in rows:
        value = column[int(r)]
        if isinstance(value, (list, tuple, np.ndarray)):
            value = value[0] if len(value) else ""
        if isinstance(value, bytes):
            value = value.decode()
        names.append(canonical_name(value))
    return names


def _states_of(nwb, frames: int, path: Path):
    behavior = nwb.processing.get("Behavior")
    if behavior is None or STATE_SERIES not in behavior.data_interfaces:
        return None, None
    series = behavior.data_interfaces[STATE_SERIES]
    try:
        vocab = tuple(json.loads(series.description))
    except (ValueError, TypeError):
        raise DataError(path, f"{STATE_SERIES} description is not a JSON list of state names") from None
    labels = np.asarray(series.data[:], dtype=np.int64).ravel()
    if labels.shape[0] != frames:
        raise DataError(path, f"{labels.shape[0]} behavioral state labels for {frames} frames")
    return labels, vocab


def _continuous_of(nwb, frames: int) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Per-frame numeric series under /processing/Behavior other than the state series (the
    continuous behavior ``write_nwb`` writes, e.g. velocity): values and units."""
    behavior = nwb.processing.get("Behavior")
    values, units = {}, {}
    if behavior is None:
        return values, units
    for name, series in behavior.data_interfaces.items():
        if name in (STATE_SERIES, DECODED_SERIES) or not hasattr(series, "data"):
            continue
        data = np.asarray(series.data[:])
        if data.shape == (frames,) and data.dtype.kind in "fiu":
            values[name] = data.astype(np.float64)
            units[name] = str(getattr(series, "unit", "") or "")
    return values, units


def read_nwb(path: str | Path) -> list[Recording]:
    """The calcium traces, neuron IDs and states of one NWB file (raw volumes never read)."""
    path = Path(path)
    pynwb = _quiet_pynwb()
    try:
        io = pynwb.NWBHDF5IO(str(path), "r", load_namespaces=True)
        nwb = io.read()
    except Exception as exc:  # pynwb/hdmf raise many kinds for bad files
        raise DataError(path, f"cannot read as NWB: {str(exc).splitlines()[0]}") from None
    with io:
        module = nwb.processing.get("CalciumActivity")
        series = _roi_series(module) if module is not None else []
        if not series:
            raise DataError(path, "no RoiResponseSeries under /processing/CalciumActivity")
        chosen = _pick_series(series)
        traces = np.asarray(chosen.data[:], dtype=np.float64)
        if traces.ndim != 2:
            raise DataError(path, f"{chosen.name} data has shape {traces.shape}, expected (frames, neurons)")
        frames, neurons = traces.shape
        names = _labels_of(chosen, neurons)
        if len(names) != neurons:
            raise DataError(path, f"{len(names)} ROI labels for {neurons} traces")
        if chosen.rate:
            fps = float(chosen.rate)
        elif chosen.timestamps is not None:
            fps = 1.0 / float(np.median(np.diff(np.asarray(chosen.timestamps[:]))))
        else:
            raise DataError(path, f"{chosen.name} has neither rate nor timestamps")
        labels, vocab = _states_of(nwb, frames, path)
        behavior, units = _continuous_of(nwb, frames)
        worm = nwb.subject.subject_id if nwb.subject is not None and nwb.subject.subject_id else path.stem
    traces, names = repair_nonfinite(traces, names, str(path), worm)
    return [Recording(traces=traces, neuron_names=names, fps=fps, worm_id=worm, source=str(path),
                      labels=labels, state_names=vocab, behavior=behavior, units=units)]


def write_nwb(recording: Recording, path: str | Path, extra_description: str = "") -> Path:
    """Write one worm as NWB, atomically: a partial file never replaces a good one."""
    pynwb = _quiet_pynwb()
    from pynwb.file import Subject
    from pynwb.ophys import ImageSegmentation, OpticalChannel, RoiResponseSeries

    path = Path(path)
    description = f"whole-brain calcium imaging of {recording.worm_id}. {extra_description}"
    nwb = pynwb.NWBFile(
        session_description=description.strip(),
        identifier=recording.worm_id,
        session_start_time=datetime(2000, 1, 1, tzinfo=UTC),
        subject=Subject(subject_id=recording.worm_id, species="Caenorhabditis elegans"),
        source_script=f"wormgnn from {recording.source}" if recording.source else "wormgnn",
    )
    device = nwb.create_device(name="Microscope")
    channel = OpticalChannel(name="GCaMP", description="calcium indicator", emission_lambda=525.0)
    plane = nwb.create_imaging_plane(
        name="ImagingVolume", optical_channel=channel, description="whole-brain volume",
        device=device, excitation_lambda=488.0, indicator="GCaMP", location="head",
        imaging_rate=float(recording.fps),
    )
    segmentation = ImageSegmentation()
    plane_seg = segmentation.create_plane_segmentation(
        name="NeuronSegmentation", description="one ROI per neuron", imaging_plane=plane
    )
    plane_seg.add_column(name="ID_labels", description="neuron identity; empty when unidentified")
    for name in recording.neuron_names:
        plane_seg.add_roi(voxel_mask=[(0, 0, 0, 1.0)], ID_labels=name or "")
    calcium = nwb.create_processing_module("CalciumActivity", "calcium traces of segmented neurons")
    calcium.add(segmentation)
    rois = plane_seg.create_roi_table_region(
        region=list(range(recording.n_neurons)), description="all neurons"
    )
    calcium.add(RoiResponseSeries(
        name="SignalDFoF", data=recording.traces, rois=rois, unit="dF/F", rate=float(recording.fps),
    ))
    if recording.labels is not None or recording.behavior:
        behavior = nwb.create_processing_module("Behavior", "behavioral states and measured behavior")
    if recording.labels is not None:
        behavior.add(pynwb.TimeSeries(
            name=STATE_SERIES, data=recording.labels.astype(np.int64), unit="n/a",
            rate=float(recording.fps), description=json.dumps(list(recording.state_names)),
            comments="per-frame index into the JSON list in description; -1 = unlabelled",
        ))
    for name, values in recording.behavior.items():  # continuous behavior measured on the moving worm
        behavior.add(pynwb.TimeSeries(name=name, data=values, unit=recording.units.get(name, "n/a"),
                                      rate=float(recording.fps), description=f"{name}, per frame"))
    def write(tmp: Path) -> None:
        with pynwb.NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)

    return atomic_write(path, write)



def write_annotation(recording: Recording, labels: np.ndarray, vocabulary: tuple[str, ...], path: str | Path,
                     comments: str) -> tuple[Path, str]:
    """A copy of the recording's NWB file (or, for another format, the recording written as
    NWB) with the decoded states added under /processing/Behavior as a per-frame state series,
    the layout ``read_nwb`` reads. It is named BehavioralState, unless the file already holds
    an annotation there: then DecodedBehavioralState, beside it. Written atomically.
    Returns the path and the series name."""
    import shutil

    pynwb = _quiet_pynwb()
    path = Path(path)
    source = Path(recording.source) if recording.source else None

    def write(tmp: Path) -> None:
        if source is not None and source.is_file() and source.suffix.lower() == ".nwb":
            shutil.copyfile(source, tmp)
        else:
            write_nwb(recording, tmp, extra_description="Written by wormgnn annotate.")
        with pynwb.NWBHDF5IO(str(tmp), "a", load_namespaces=True) as io:
            nwb = io.read()
            behavior = nwb.processing.get("Behavior")
            if behavior is None:
                behavior = nwb.create_processing_module("Behavior", "behavioral state annotation")
            name = DECODED_SERIES if STATE_SERIES in behavior.data_interfaces else STATE_SERIES
            behavior.add(pynwb.TimeSeries(
                name=name, data=np.asarray(labels, dtype=np.int64), unit="n/a", rate=float(recording.fps),
                description=json.dumps(list(vocabulary)),
                comments=f"per-frame index into the JSON list in description; -1 = not decoded. {comments}",
            ))
            io.write(nwb)
        names.append(name)

    names: list[str] = []
    try:
        atomic_write(path, write)
    except Exception as exc:  # pynwb/hdmf raise many kinds for files they cannot extend
        problem = str(exc).splitlines()[0]
        raise DataError(source or path, f"cannot add the annotation to an NWB copy: {problem}") from None
    return path, names[0]
