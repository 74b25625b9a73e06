"""Truth sources for relations behind one interface: for a worm's neurons, which ordered
pairs the truth measures, which of them are positive, and an amplitude where it has one.

A new truth is a ``Truth`` subclass; ``truths_for`` says which apply to a data source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from wormgnn.connectome import load_connectome
from wormgnn.relations.estimators import anatomy
from wormgnn.relations.scoring import auprc, auroc, off_diagonal, spearman


@dataclass
class PairTruth:
    """One truth among one worm's neurons, as ``(n, n)`` matrices over ordered pairs i → j."""

    measured: np.ndarray
    """Pairs the truth says something about (never the diagonal)."""
    positive: np.ndarray
    amplitude: np.ndarray | None = None
    """Strength of the relation where measured (NaN where not), for rank correlation."""
    neurons: int = 0
    """How many of the worm's neurons the truth knows."""
    absent: list[str] = field(default_factory=list)
    """Named neurons the truth does not know (left out, never guessed)."""


def score(strength: np.ndarray, truth: PairTruth) -> dict:
    """AUROC and AUPRC of relation scores against the truth's positives among its measured
    pairs, and their Spearman correlation with the truth's |amplitude|."""
    pairs = truth.measured & off_diagonal(strength.shape[0])
    values, positive = strength[pairs], truth.positive[pairs]
    rank = spearman(values, truth.amplitude[pairs]) if truth.amplitude is not None else float("nan")
    return {"neurons": truth.neurons, "absent": truth.absent, "pairs": int(pairs.sum()),
            "positives": int(positive.sum()), "density": float(positive.mean()) if positive.size else float("nan"),
            "auroc": auroc(values, positive), "auprc": auprc(values, positive), "spearman": rank}


class Truth:
    """What relations are scored against; ``key`` names it in graph.json."""

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    skips: ClassVar[tuple[str, ...]] = ()
    """Readings not scored against this truth (the wiring diagram against itself)."""
    by_name: ClassVar[bool] = False
    """Whether the truth knows neurons by name, the same in every worm: then readings are also
    scored per named pair over worms (``pooled``, ``shared``)."""

    def among(self, worm: int, names: list[str | None]) -> PairTruth | None:
        """This truth among worm ``worm``'s neurons (in ``names`` order), or None if it has
        nothing to say about that worm."""
        raise NotImplementedError

    def panel(self, worm: int, names: list[str | None]) -> tuple[np.ndarray, str, str]:
        """(matrix, title, unit) of the truth among a worm's neurons, for the page."""
        raise NotImplementedError

    def describe(self) -> dict:
        return {"label": self.label}


class WiringDiagram(Truth):
    """Cook et al. 2019: a pair is positive where i makes a chemical synapse or gap junction
    onto j, among neurons named in the diagram."""

    key = "connectome"
    label = "wiring diagram (chemical ∪ gap junction)"
    skips = ("anatomy",)
    by_name = True

    def among(self, worm, names):
        chemical, gap, known = load_connectome().submatrices(names)
        measured = np.outer(known, known) & off_diagonal(len(names))
        return PairTruth(measured, ((chemical > 0) | (gap > 0)) & measured, np.log1p(chemical + gap),
                         int(known.sum()), [n for n, k in zip(names, known, strict=True) if n and not k])

    def panel(self, worm, names):
        return anatomy(names), "Cook et al. 2019 wiring", "log(1 + contacts)"


class TrueCoupling(Truth):
    """The simulator's coupling: a pair is positive where i's activity enters j's dynamics."""

    key = "ground_truth"
    label = "true coupling"

    def __init__(self, couplings: list[np.ndarray | None]):
        self.couplings = couplings

    def among(self, worm, names):
        coupling = self.couplings[worm]
        if coupling is None:
            return None
        n = coupling.shape[0]
        return PairTruth(off_diagonal(n), coupling != 0, np.abs(coupling), n)

    def panel(self, worm, names):
        return np.abs(self.couplings[worm]), "simulator's true coupling", "|coupling|"


class AtlasTruth(Truth):
    """The signal propagation atlas (Randi et al. 2023): a pair is positive where stimulating
    i moves j (q < 0.05), among the pairs it measured."""

    key = "atlas"
    label = "signal propagation atlas"
    by_name = True

    def __init__(self, atlas):
        self.atlas = atlas

    def among(self, worm, names):
        from wormgnn.relations.atlas import SIGNIFICANT

        sub = self.atlas.among(names)
        known = sub["known"]
        measured = (sub["measured"] > 0) & np.isfinite(sub["q"]) & off_diagonal(len(names))
        positive = measured & (np.nan_to_num(sub["q"], nan=1.0) < SIGNIFICANT)
        return PairTruth(measured, positive, np.where(measured, sub["amplitude"], np.nan), int(known.sum()),
                         [n for n, k in zip(names, known, strict=True) if n and not k])

    def panel(self, worm, names):
        sub = self.atlas.among(names)
        measured = (sub["measured"] > 0) & np.isfinite(sub["q"])
        truth = np.where(measured, -np.log10(np.clip(sub["q"], 1e-6, 1)), np.nan)
        return truth, f"atlas ({self.atlas.strain}), grey: not measured", "−log10 q (i stimulated, j responds)"

    def describe(self) -> dict:
        from wormgnn.relations.atlas import CITATION

        return {"label": self.label, "strain": self.atlas.strain, "source": self.atlas.source,
                "citation": CITATION, "positive": "q < 0.05 among measured ordered pairs of identified neurons"}


class SimulatedAtlasTruth(AtlasTruth):
    """The atlas experiment run on simulated worms (``sim.atlas``): a pair is positive where
    stimulating i moved j (q < 0.05), pooled by name over the worms, as the atlas pools animals.
    A truth of the atlas's kind (responses, indirect paths included) to choose readings on."""

    key = "simulated_atlas"
    label = "simulated atlas (stimulation in the simulator)"

    def __init__(self, atlas: dict):
        self.names = list(atlas["names"])
        self.q, self.response = atlas["q"], atlas["response"]
        self.index = {n: i for i, n in enumerate(self.names)}

    def _sub(self, names: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        known = np.array([n in self.index for n in names], dtype=bool)
        rows = np.array([self.index.get(n, 0) for n in names], dtype=int)
        keep = np.outer(known, known) & off_diagonal(len(names))
        return known, np.where(keep, self.q[np.ix_(rows, rows)], np.nan), np.where(
            keep, self.response[np.ix_(rows, rows)], np.nan)

    def among(self, worm, names):
        known, q, response = self._sub(names)
        measured = np.isfinite(q)
        positive = measured & (np.nan_to_num(q, nan=1.0) < 0.05)
        return PairTruth(measured, positive, np.abs(response), int(known.sum()),
                         [n for n, k in zip(names, known, strict=True) if n and not k])

    def panel(self, worm, names):
        _, q, _ = self._sub(names)
        return (-np.log10(np.clip(q, 1e-6, 1)), "simulated atlas, grey: not tested",
                "−log10 q (i stimulated, j responds)")

    def describe(self) -> dict:
        return {"label": self.label, "positive": "q < 0.05 among tested ordered pairs of named neurons",
                "pairs_tested": int(np.isfinite(self.q).sum())}


TruthSource = Callable[[list, list[np.ndarray | None]], "Truth | None"]
"""(recordings, their known couplings) → a truth for them, or None where it does not apply."""
TRUTH_SOURCES: list[TruthSource] = []
"""Truths beyond the built-in ones, asked for every data source (``register_truth``)."""


def register_truth(source: TruthSource) -> TruthSource:
    TRUTH_SOURCES.append(source)
    return source


def truths_for(recordings: list, couplings: list[np.ndarray | None], atlas_path: str | None = None,
               atlas_strain: str = "wt", simulated_atlas: dict | None = None) -> tuple[list[Truth], list[str]]:
    """The truths a data source is scored against, and notes on those left out: the wiring
    diagram always; registered truths that apply; simulated worms their atlas experiment (when
    run) and their true coupling; real worms the atlas, when it is installed or given (an
    explicit path must be a valid atlas). The page draws the last."""
    from wormgnn.relations.atlas import INSTALL_HINT, installed_atlas_file, load_atlas

    truths: list[Truth] = [WiringDiagram()]
    truths += [t for t in (source(recordings, couplings) for source in TRUTH_SOURCES) if t is not None]
    if any(c is not None for c in couplings):
        stimulated = [SimulatedAtlasTruth(simulated_atlas)] if simulated_atlas is not None else []
        return truths + stimulated + [TrueCoupling(couplings)], [
            "simulated worms are scored against their true coupling" + (
                " and their simulated atlas" if stimulated else "") + ", not the atlas"]
    if atlas_path is None and installed_atlas_file() is None:
        return truths, [f"no atlas scoring: the signal propagation atlas is not installed; {INSTALL_HINT}"]
    return truths + [AtlasTruth(load_atlas(atlas_path, atlas_strain))], []
