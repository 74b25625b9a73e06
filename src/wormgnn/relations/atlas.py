"""The signal propagation atlas of Randi et al. 2023: reading its data file (``truths.AtlasTruth``
scores relations against it).

Randi F, Sharma AK, Dvali S, Leifer AM (2023) Neural signal propagation atlas of
Caenorhabditis elegans. Nature 623:406–414. Single neurons were stimulated optogenetically
and the whole brain's response recorded: causal measurements in living worms, not anatomy.

The atlas ships in the PyPI package ``wormneuroatlas`` (GPLv3) as the data file
``wormneuroatlas/data/funatlas.h5``. wormgnn reads that file as data, from the installed
package's folder (found without importing its code) or from ``--atlas PATH``; nothing of it
is copied into wormgnn. In the file, rows are the responding neuron and columns the
stimulated one; here every matrix is transposed so that ``[i, j]`` means "i acts on j", the
orientation of every relation wormgnn infers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from wormgnn.data.recording import canonical_name
from wormgnn.errors import DataError, WormGnnError

STRAINS = ("wt", "unc31")
"""wt: wild type; unc31: no dense-core-vesicle release (most neuropeptide signalling gone)."""
FIELDS = {"q": "q", "amplitude": "dFF", "measured": "occ1", "q_equivalence": "q_eq"}
"""Our name → the file's dataset: q-value that i → j is functional; mean ΔF/F response of j;
how many times the pair was measured; equivalence-test q-value (evidence of no connection)."""
SIGNIFICANT = 0.05
INSTALL_HINT = "install it with pip install 'wormgnn[atlas]' (or pass --atlas PATH to a copy of funatlas.h5)"
CITATION = ("Randi F et al. (2023) Neural signal propagation atlas of Caenorhabditis elegans. Nature 623:406; "
            "data file of the wormneuroatlas package (GPLv3), read in place.")


@dataclass(frozen=True)
class Atlas:
    """One strain's measurements among ``names``; every matrix ``[i, j]`` = stimulated i,
    responding j."""

    names: tuple[str, ...]
    q: np.ndarray
    amplitude: np.ndarray
    measured: np.ndarray
    q_equivalence: np.ndarray
    strain: str
    source: str

    def index(self, names: list[str | None]) -> np.ndarray:
        """Row of each name, -1 for unidentified names and names the atlas lacks."""
        lookup = {n: i for i, n in enumerate(self.names)}
        return np.array([lookup.get(canonical_name(n), -1) if n else -1 for n in names], dtype=np.int64)

    def among(self, names: list[str | None]) -> dict[str, np.ndarray]:
        """Each matrix among ``names`` in their order (NaN / 0 where a name is unknown), and
        ``known``: which names the atlas has."""
        idx = self.index(names)
        known = idx >= 0
        safe = np.where(known, idx, 0)
        pair = np.outer(known, known)
        out = {"known": known}
        for field in FIELDS:
            values = getattr(self, field)[np.ix_(safe, safe)]
            out[field] = np.where(pair, values, 0 if field == "measured" else np.nan)
        return out


def installed_atlas_file() -> Path | None:
    """funatlas.h5 inside the installed wormneuroatlas package, located without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("wormneuroatlas")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / "funatlas.h5"
        if path.is_file():
            return path
    return None


def atlas_file(path: str | Path | None = None) -> Path:
    """``path`` if given, else the installed package's file; one line when there is neither."""
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise DataError(path, "no such atlas file")
        return path
    found = installed_atlas_file()
    if found is None:
        raise WormGnnError(f"the signal propagation atlas (Randi et al. 2023) is not installed: {INSTALL_HINT}")
    return found


@lru_cache(maxsize=4)
def _read(path: str, strain: str) -> Atlas:
    import h5py

    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise DataError(path, f"not an atlas file (cannot open as HDF5: {exc.strerror or exc})") from None
    with fh:
        if "neuron_ids" not in fh:
            raise DataError(path, "not an atlas file (no neuron_ids)")
        raw = fh["neuron_ids"][()]
        if raw.ndim != 1 or raw.size == 0:
            raise DataError(path, f"not an atlas file (neuron_ids has shape {raw.shape})")
        names = tuple(canonical_name(n.decode() if isinstance(n, bytes) else str(n)) or "" for n in raw)
        n = len(names)
        if strain not in fh:
            raise DataError(path, f"not an atlas file (no strain '{strain}'; strains: {', '.join(STRAINS)})")
        group = fh[strain]
        matrices = {}
        for ours, theirs in FIELDS.items():
            if theirs not in group:
                raise DataError(path, f"not an atlas file (no {strain}/{theirs})")
            data = group[theirs]
            if data.shape != (n, n) or data.dtype.kind not in "fiu":
                raise DataError(path, f"not an atlas file ({strain}/{theirs} has shape {data.shape} and type "
                                      f"{data.dtype}; expected {n} × {n} numbers)")
            matrices[ours] = np.asarray(data[()], dtype=np.float64).T  # responding × stimulated → i acts on j
    matrices["measured"] = np.nan_to_num(matrices["measured"]).astype(np.int64)
    return Atlas(names=names, strain=strain, source=path, **matrices)


def load_atlas(path: str | Path | None = None, strain: str = "wt") -> Atlas:
    """The atlas of one strain (see STRAINS), from ``path`` or the installed package."""
    if strain not in STRAINS:
        raise WormGnnError(f"--atlas-strain {strain}: unknown strain (known: {', '.join(STRAINS)})")
    return _read(str(atlas_file(path)), strain)


__all__ = ["Atlas", "CITATION", "STRAINS", "atlas_file", "installed_atlas_file", "load_atlas"]
