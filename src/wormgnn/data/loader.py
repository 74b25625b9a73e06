"""``load(path)``: one entry point that picks the reader by file content, not extension."""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py

from wormgnn.data.cleaning import DataWarning
from wormgnn.data.kato import read_kato_mat
from wormgnn.data.nwb import read_nwb
from wormgnn.data.recording import Recording
from wormgnn.errors import DataError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def sniff(path: Path) -> str | None:
    """'mat73', 'mat5', 'nwb' or None, from the first bytes and, for HDF5, the root attributes."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if head.startswith(b"MATLAB 7.3"):
        return "mat73"
    if head.startswith(b"MATLAB 5.0") or head[:116].startswith(b"MATLAB"):
        return "mat5"
    if head.startswith(HDF5_SIGNATURE):
        try:
            with h5py.File(path, "r") as f:
                if "nwb_version" in f.attrs or ("general" in f and "processing" in f):
                    return "nwb"
        except OSError:
            raise DataError(path, "HDF5 file cannot be opened (truncated or corrupt?)") from None
        return "mat73"  # plain HDF5: try the MATLAB layout, which names what is missing
    return None


_READERS = {"mat73": read_kato_mat, "mat5": read_kato_mat, "nwb": read_nwb}


def load(path: str | Path) -> list[Recording]:
    """Every recording in a file, or in every recognised file of a folder (sorted by name)."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file or directory")
    if path.is_dir():
        recordings: list[Recording] = []
        skipped = []
        for child in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
            if sniff(child) is None:
                skipped.append(child.name)
                continue
            recordings.extend(load(child))
        if not recordings:
            raise DataError(path, "folder holds no recordings (MATLAB, HDF5 or NWB files)")
        if skipped:
            warnings.warn(f"{path}: skipped {len(skipped)} file(s) that are not recordings: "
                          f"{', '.join(skipped[:5])}", DataWarning, stacklevel=2)
        ids = [r.worm_id for r in recordings]
        if len(ids) != len(set(ids)):
            for i, rec in enumerate(recordings):
                rec.worm_id = f"{rec.worm_id}#{i + 1}" if ids.count(rec.worm_id) > 1 else rec.worm_id
        return recordings
    kind = sniff(path)
    if kind is None:
        raise DataError(path, "not a MATLAB, HDF5 or NWB file")
    recordings = _READERS[kind](path)
    if not recordings:
        raise DataError(path, "file holds no recordings")
    return recordings
