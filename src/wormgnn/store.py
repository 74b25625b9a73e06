"""The results store: one JSON line per finished run, appended whole, read back to resume;
beside it, the arrays the report draws (``examples/``)."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np

from wormgnn.data.cleaning import DataWarning
from wormgnn.errors import WormGnnError
from wormgnn.files import atomic_write, writable_dir

RESULTS = "results.jsonl"
EXAMPLES = "examples"
EXAMPLE_KEY = "_example"
"""Where a run's row carries the arrays the report draws of it (``experiment.example``): the
store writes them as an ``.npz`` file under ``examples/`` and keeps its path under ``example``."""


class FolderLock:
    """Held by the one sweep that writes into a results folder. A second sweep on the same
    folder stops at once instead of writing the same rows twice. It is an ``flock`` on
    ``.lock``: the kernel drops it when its process ends, however it ends, so a killed sweep
    never leaves the folder locked (the file itself stays, harmless)."""

    NAME = ".lock"

    def __init__(self, folder: Path):
        self.folder = writable_dir(folder)
        self._file = None

    def __enter__(self) -> FolderLock:
        import fcntl

        fh = open(self.folder / self.NAME, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            owner = fh.read().strip() or "unknown"
            fh.close()
            raise WormGnnError(f"{self.folder}: in use by another wormgnn benchmark (pid {owner}); wait for it "
                               "to finish or choose another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._file = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the lock
            self._file = None


class ResultStore:
    """Rows keyed by ``row['key']``; a half-written last line (a killed writer) is dropped."""

    def __init__(self, folder: Path):
        folder = writable_dir(folder)
        self.folder = folder
        self.path = folder / RESULTS
        self._repair_tail()

    def _repair_tail(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            warnings.warn(f"{self.path}: dropped an unfinished last line (interrupted write)",
                          DataWarning, stacklevel=2)
            with open(self.path, "r+b") as fh:
                fh.truncate(keep)

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        with open(self.path) as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    raise WormGnnError(f"{self.path}: line {number} is not JSON") from None
        return out

    def done_keys(self) -> set[str]:
        return {row["key"] for row in self.rows()}

    def example(self, row: dict) -> dict[str, np.ndarray] | None:
        """The arrays a row kept for the report, or None (seeds other than 0, older folders)."""
        path = self.folder / row["example"] if row.get("example") else None
        if path is None or not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    def append(self, row: dict) -> None:
        """One ``write`` of one complete line, flushed to disk before returning; the row's
        example arrays are written first, atomically, so a row never names a missing file."""
        arrays = row.get(EXAMPLE_KEY)
        row = {k: v for k, v in row.items() if k != EXAMPLE_KEY}
        if arrays:
            name = f"{EXAMPLES}/{hashlib.sha1(row['key'].encode()).hexdigest()[:16]}.npz"
            atomic_write(self.folder / name, lambda tmp: np.savez_compressed(tmp, **arrays), suffix=".npz")
            row = {**row, "example": name}
        line = (json.dumps(row, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
