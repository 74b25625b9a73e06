"""``load(path)``: one entry point that picks the reader by file content, not extension.

Readers are registered with what recognises their files (``register_reader``); the first
whose ``detect`` accepts a file's first bytes reads it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py

from wormgnn.data.cleaning import DataWarning
from wormgnn.data.kato import read_kato_mat
from wormgnn.data.nwb import read_nwb
from wormgnn.data.recording import Recording
from wormgnn.data.wormwideweb import looks_like_wormwideweb, read_wormwideweb
from wormgnn.errors import DataError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class Reader:
    name: str
    detect: Callable[[Path, bytes], bool]
    """Whether a file is this reader's, from its path and first 1024 bytes."""
    read: Callable[..., list[Recording]]
    description: str
    options: tuple[str, ...] = ()
    """Keyword options of ``load`` this reader takes (e.g. ``min_confidence``)."""


def _is_nwb(path: Path, head: bytes) -> bool:
    if not head.startswith(HDF5_SIGNATURE):
        return False
    try:
        with h5py.File(path, "r") as f:
            return "nwb_version" in f.attrs or ("general" in f and "processing" in f)
    except OSError:
        raise DataError(path, "HDF5 file cannot be opened (truncated or corrupt?)") from None


READERS: list[Reader] = [
    Reader("mat73", lambda p, head: head.startswith(b"MATLAB 7.3"), read_kato_mat, "MATLAB v7.3 (Kato et al.)"),
    Reader("mat5", lambda p, head: head.startswith(b"MATLAB 5.0") or head[:116].startswith(b"MATLAB"),
           read_kato_mat, "MATLAB v5"),
    Reader("nwb", _is_nwb, read_nwb, "NWB"),
    Reader("wormwideweb", looks_like_wormwideweb, read_wormwideweb, "WormWideWeb JSON", ("min_confidence",)),
    # plain HDF5: try the MATLAB layout, which names what is missing
    Reader("mat73", lambda p, head: head.startswith(HDF5_SIGNATURE), read_kato_mat, "HDF5"),
]

_BUILT_IN = len(READERS)


def register_reader(reader: Reader) -> Reader:
    """Add a reader; it is asked before the built-in ones, so it may claim a file they would."""
    READERS.insert(0, reader)
    return reader


def _reader(path: Path) -> Reader | None:
    with open(path, "rb") as fh:
        head = fh.read(1024)
    return next((r for r in READERS if r.detect(path, head)), None)


def sniff(path: Path) -> str | None:
    """The name of the reader for this file ('mat73', 'mat5', 'nwb', …), or None."""
    reader = _reader(Path(path))
    return reader.name if reader is not None else None


def _formats() -> str:
    names = list(dict.fromkeys(r.description for r in READERS[:len(READERS) - _BUILT_IN]))
    return ", ".join(names + ["MATLAB, HDF5, NWB or WormWideWeb JSON"])


def load(path: str | Path, **options) -> list[Recording]:
    """Every recording in a file, or in every recognised file of a folder (sorted by name).
    ``options`` go to the readers that take them (``min_confidence``: WormWideWeb names)."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file or directory")
    if path.is_dir():
        recordings: list[Recording] = []
        skipped = []
        for child in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
            if _reader(child) is None:
                skipped.append(child.name)
                continue
            recordings.extend(load(child, **options))
        if not recordings:
            raise DataError(path, f"folder holds no recordings ({_formats()} files)")
        if skipped:
            warnings.warn(f"{path}: skipped {len(skipped)} file(s) that are not recordings: "
                          f"{', '.join(skipped[:5])}", DataWarning, stacklevel=2)
        ids = [r.worm_id for r in recordings]
        if len(ids) != len(set(ids)):
            for i, rec in enumerate(recordings):
                rec.worm_id = f"{rec.worm_id}#{i + 1}" if ids.count(rec.worm_id) > 1 else rec.worm_id
        return recordings
    reader = _reader(path)
    if reader is None:
        raise DataError(path, f"not a {_formats()} file")
    recordings = reader.read(path, **{k: v for k, v in options.items() if k in reader.options})
    if not recordings:
        raise DataError(path, "file holds no recordings")
    return recordings
