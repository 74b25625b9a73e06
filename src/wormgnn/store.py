"""The results store: one JSON line per finished run, appended whole, read back to resume."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from wormgnn.data.cleaning import DataWarning
from wormgnn.errors import WormGnnError

RESULTS = "results.jsonl"


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class ResultStore:
    """Rows keyed by ``row['key']``; a half-written last line (a killed writer) is dropped."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise WormGnnError(f"{folder}: --out exists and is not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WormGnnError(f"{folder}: cannot create output folder ({exc.strerror})") from None
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

    def append(self, row: dict) -> None:
        """One ``write`` of one complete line, flushed to disk before returning."""
        line = (json.dumps(row, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
