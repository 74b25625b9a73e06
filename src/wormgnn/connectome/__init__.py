"""The Cook et al. 2019 hermaphrodite wiring diagram, looked up by neuron name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from wormgnn.data.recording import canonical_name

_FILE = Path(__file__).with_name("cook2019_herm.npz")
CITATION = (
    "Cook SJ et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. "
    "Nature 571:63-71; via the cect package (MIT)."
)


@dataclass(frozen=True)
class Connectome:
    """Weights among ``names``: ``chemical[i, j]`` synapses from i onto j; ``gap`` symmetric."""

    names: tuple[str, ...]
    chemical: np.ndarray
    gap: np.ndarray

    def index(self, names: list[str | None]) -> np.ndarray:
        """Row of each name, -1 for unidentified names or names not in the wiring diagram."""
        lookup = {n: i for i, n in enumerate(self.names)}
        return np.array([lookup.get(canonical_name(n), -1) if n else -1 for n in names], dtype=np.int64)

    def unknown(self, names: list[str | None]) -> list[str]:
        """Identified names that the wiring diagram does not contain (typos, other species)."""
        return [n for n, i in zip(names, self.index(names), strict=True) if n and i < 0]

    def submatrices(self, names: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Chemical and gap weights among ``names`` in their order, and a mask of known names.

        Rows/columns of unidentified or unknown names are zero: no synapse is known,
        which is not the same as known absent — hence the mask.
        """
        idx = self.index(names)
        known = idx >= 0
        safe = np.where(known, idx, 0)
        pair = np.outer(known, known)
        chemical = np.where(pair, self.chemical[np.ix_(safe, safe)], 0.0).astype(np.float32)
        gap = np.where(pair, self.gap[np.ix_(safe, safe)], 0.0).astype(np.float32)
        return chemical, gap, known

    def bilateral_partner(self, name: str) -> str | None:
        """The left/right counterpart of a neuron (AVAL ↔ AVAR, SMDVL ↔ SMDVR), None for an
        unpaired one (AVL, RID, RMED): the two sides' wiring is near mirror-symmetric."""
        if not name or name[-1] not in "LR":
            return None
        partner = name[:-1] + ("R" if name[-1] == "L" else "L")
        return partner if partner in self.names else None

    def adjacency(self, names: list[str | None]) -> np.ndarray:
        """Binary 'any connection either way' among ``names`` (chemical ∪ gap, symmetrised)."""
        chemical, gap, _ = self.submatrices(names)
        any_edge = (chemical > 0) | (chemical.T > 0) | (gap > 0)
        np.fill_diagonal(any_edge, False)
        return any_edge


@lru_cache(maxsize=1)
def load_connectome() -> Connectome:
    with np.load(_FILE) as data:
        names = tuple(str(n) for n in data["names"])
        return Connectome(names=names, chemical=data["chemical"], gap=data["gap"])


__all__ = ["CITATION", "Connectome", "load_connectome"]
