"""The one in-memory form every reader produces and every model consumes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from wormgnn.errors import DataError

_ZERO_PADDED = re.compile(r"^([A-Z]+)0+(\d+)$")


def canonical_name(raw: object) -> str | None:
    """A neuron's name as the connectome spells it, or None when unidentified.

    Kato files write unidentified neurons as numbers ('17'), NWB as '' ; both mean
    "not identified". Kato zero-pads motor neurons (DB01), Cook 2019 does not (DB1).
    A trailing '?' (uncertain ID in NWB) is treated as unidentified: a wrong
    identity would leak a false prior into the graph models.
    """
    if raw is None:
        return None
    name = str(raw).strip()
    if not name or name.endswith("?") or re.fullmatch(r"[\d.\s]+", name):
        return None
    match = _ZERO_PADDED.match(name)
    return f"{match.group(1)}{match.group(2)}" if match else name


@dataclass
class Recording:
    """One worm: traces ``(T, N)`` float32, names (None = unidentified), per-frame states.

    ``labels`` holds, per frame, an index into ``state_names`` or -1 for an
    unlabelled frame; both are None when the recording carries no behavior.
    """

    traces: np.ndarray
    neuron_names: list[str | None]
    fps: float
    worm_id: str
    source: str = ""
    labels: np.ndarray | None = None
    state_names: tuple[str, ...] | None = None
    notes: list[str] = field(default_factory=list)
    behavior: dict[str, np.ndarray] = field(default_factory=dict)
    """Continuous behavior measured on the moving worm, per frame (velocity, curvatures, …)."""
    units: dict[str, str] = field(default_factory=dict)
    """The unit of each ``behavior`` variable."""
    events: dict = field(default_factory=dict)
    """Named frames of the experiment (e.g. a food-patch encounter), as the source gives them."""
    timestamps: np.ndarray | None = None
    """Frame times in seconds, where the source has them (else frames / fps)."""
    dataset: str = ""
    """Which data source (file or folder) the recording came from, when several are combined."""

    def __post_init__(self) -> None:
        self.traces = np.asarray(self.traces, dtype=np.float32)
        where = self.source or self.worm_id
        if self.traces.ndim != 2:
            raise DataError(where, f"traces must be 2-D (frames, neurons), got shape {self.traces.shape}")
        frames, neurons = self.traces.shape
        if frames < 2 or neurons < 1:
            raise DataError(where, f"traces of shape {self.traces.shape} hold no usable recording")
        if len(self.neuron_names) != neurons:
            raise DataError(
                where, f"worm {self.worm_id}: {len(self.neuron_names)} neuron names for {neurons} traces"
            )
        if not np.isfinite(self.traces).all():
            raise DataError(where, f"worm {self.worm_id}: traces contain NaN or infinite values")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise DataError(where, f"worm {self.worm_id}: frame rate must be positive, got {self.fps}")
        named = [n for n in self.neuron_names if n is not None]
        if len(named) != len(set(named)):
            dup = sorted({n for n in named if named.count(n) > 1})
            raise DataError(where, f"worm {self.worm_id}: neuron names repeated: {', '.join(dup)}")
        if (self.labels is None) != (self.state_names is None):
            raise DataError(where, f"worm {self.worm_id}: state labels without vocabulary")
        if self.labels is not None:
            self.labels = np.asarray(self.labels, dtype=np.int64)
            self.state_names = tuple(self.state_names)
            if self.labels.shape != (frames,):
                raise DataError(
                    where, f"worm {self.worm_id}: {self.labels.shape[0]} state labels for {frames} frames"
                )
            if self.labels.min() < -1 or self.labels.max() >= len(self.state_names):
                raise DataError(where, f"worm {self.worm_id}: state label outside its vocabulary")
        self.behavior = {k: np.asarray(v, dtype=np.float64) for k, v in self.behavior.items()}
        for name, values in self.behavior.items():
            if values.shape != (frames,):
                raise DataError(where, f"worm {self.worm_id}: behavior '{name}' has {values.shape} values for "
                                       f"{frames} frames")
        if self.timestamps is not None:
            self.timestamps = np.asarray(self.timestamps, dtype=np.float64)
            if self.timestamps.shape != (frames,):
                raise DataError(where, f"worm {self.worm_id}: {self.timestamps.shape} timestamps for {frames} frames")

    @property
    def frames(self) -> int:
        return self.traces.shape[0]

    @property
    def n_neurons(self) -> int:
        return self.traces.shape[1]

    @property
    def identified(self) -> list[str]:
        return [n for n in self.neuron_names if n is not None]

    def state_counts(self) -> dict[str, int]:
        if self.labels is None:
            return {}
        counts = np.bincount(self.labels[self.labels >= 0], minlength=len(self.state_names))
        return {name: int(c) for name, c in zip(self.state_names, counts, strict=True)}

    def times(self) -> np.ndarray:
        """Frame times in seconds from the first frame."""
        if self.timestamps is not None:
            return self.timestamps - self.timestamps[0]
        return np.arange(self.frames) / float(self.fps)

    def summary(self) -> dict:
        return {
            "worm": self.worm_id,
            "dataset": self.dataset,
            "source": self.source,
            "frames": self.frames,
            "fps": round(float(self.fps), 4),
            "duration_s": round(self.frames / float(self.fps), 1),
            "neurons": self.n_neurons,
            "identified": len(self.identified),
            "states": self.state_counts(),
            "behavior": {name: self.units.get(name, "") for name in self.behavior},
        }


def shared_names(recordings: list[Recording]) -> list[str]:
    """Names identified in every recording, sorted: the fixed input of structure-agnostic models."""
    if not recordings:
        return []
    common = set(recordings[0].identified)
    for rec in recordings[1:]:
        common &= set(rec.identified)
    return sorted(common)
