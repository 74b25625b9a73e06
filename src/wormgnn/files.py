"""Writing results safely: every output appears whole or not at all, and nothing a user had
is replaced unless they asked for it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from wormgnn.errors import WormGnnError


def temporary_path(path: Path, suffix: str = "") -> Path:
    """A hidden sibling of ``path`` to write first (same folder, so the rename is atomic);
    ``suffix`` keeps an extension for writers that choose their format by it."""
    return path.with_name(f".{path.name}.tmp{suffix}")


def atomic_write(path: Path, write: Callable[[Path], object], suffix: str = "") -> Path:
    """``write(tmp)`` into a temporary sibling, then rename it over ``path``; a failed write
    leaves ``path`` as it was and no temporary file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path, suffix)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(Path(path), lambda tmp: tmp.write_text(text))


def refuse_overwrite(paths: Iterable[Path], overwrite: bool) -> None:
    """One line naming what exists already, unless ``overwrite``."""
    existing = [Path(p) for p in paths if Path(p).exists()]
    if not existing or overwrite:
        return
    if len(existing) == 1:
        raise WormGnnError(f"{existing[0]}: exists (use --overwrite to replace it)")
    folder = existing[0].parent
    raise WormGnnError(f"{folder}: would overwrite {', '.join(p.name for p in existing)} (use --overwrite)")


def writable_dir(path: Path) -> Path:
    """``path`` as a folder that exists and can be written; one line if it cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise WormGnnError(f"{path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".wormgnn-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise WormGnnError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    return path
