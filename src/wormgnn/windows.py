"""From recordings to model-ready windows: z-scoring, neuron sets, padding, identities.

A window is about frame t. Forecast: input frames ``t-W+1 .. t``, targets ``t+1 .. t+H``.
Behavior: the state at t from input frames ``t-W+1+K .. t+K``: ``K = 0`` is causal decoding
(usable online), a lookahead ``K > 0`` annotates a finished recording with the frames after t.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from wormgnn.data.recording import Recording, shared_names
from wormgnn.data.states import fine_labels
from wormgnn.errors import WormGnnError
from wormgnn.options import check_neurons

UNKNOWN_IDENTITY = 0


@dataclass
class Prepared:
    """One recording, z-scored and laid out on the run's neuron axis (padded to ``width``)."""

    worm_id: str
    traces: np.ndarray  # (T, width) float32, zeros in padding
    mask: np.ndarray  # (width,) real neuron
    scored: np.ndarray  # (width,) neuron counted by the forecast metrics (the shared set)
    names: list[str | None]  # (width,) None for unidentified or padding
    labels: np.ndarray  # (T,) the task's class index, -1 unscored
    values: np.ndarray | None = None  # (T,) a regression task's target, NaN unscored


def zscore(traces: np.ndarray) -> np.ndarray:
    """Per neuron over the whole recording: label-free, so a held-out worm may use it too."""
    mean = traces.mean(axis=0, keepdims=True)
    std = traces.std(axis=0, keepdims=True)
    return ((traces - mean) / np.where(std > 1e-8, std, 1.0)).astype(np.float32)


def prepare(recordings: list[Recording], neurons: str, shared: list[str] | None = None,
            width: int | None = None, allow_missing: bool = False,
            targets: Callable[[Recording], np.ndarray | None] | None = None,
            values: Callable[[Recording], np.ndarray | None] | None = None) -> list[Prepared]:
    """Lay every recording on one neuron axis: the shared names, every neuron padded (``all``),
    or every identified neuron of each worm padded (``named``: graph models across labs, where
    few names are shared but each worm has many).

    ``shared`` fixes the names (a trained model's); a recording lacking one of them is
    refused unless ``allow_missing`` (graph models mask the missing neuron out). ``targets``
    gives each recording's per-frame labels (a task's ``frame_labels``; default: Kato's
    fine states where annotated); ``values`` a regression task's per-frame target.
    """
    check_neurons(neurons)
    shared = list(shared) if shared is not None else shared_names(recordings)
    if not shared:
        bare = [r.worm_id for r in recordings if not r.identified]
        why = f" (no neuron is identified in {', '.join(bare)})" if bare else ""
        raise WormGnnError(f"no neuron is identified in every worm: the 'shared' set is empty{why}")
    def columns(rec: Recording) -> list[int]:
        if neurons == "named":
            return [i for i, n in enumerate(rec.neuron_names) if n]
        return list(range(rec.n_neurons))

    widest = max(len(columns(r)) for r in recordings)
    if width is None:
        width = len(shared) if neurons == "shared" else widest
    out = []
    for rec in recordings:
        z = zscore(rec.traces)
        labels = targets(rec) if targets is not None else (
            fine_labels(rec.labels, rec.state_names) if rec.labels is not None else None)
        if labels is None:
            labels = np.full(rec.frames, -1, dtype=np.int64)
        traces = np.zeros((rec.frames, width), dtype=np.float32)
        mask = np.zeros(width, dtype=bool)
        if neurons == "shared":
            missing = [n for n in shared if n not in rec.neuron_names]
            if missing and not allow_missing:
                raise WormGnnError(f"{rec.source or rec.worm_id}: worm {rec.worm_id} lacks neuron(s) "
                                   f"{', '.join(missing)} that the model needs")
            present = [i for i, n in enumerate(shared) if n in rec.neuron_names]
            traces[:, present] = z[:, [rec.neuron_names.index(shared[i]) for i in present]]
            mask[present] = True
            names: list[str | None] = list(shared)
        else:
            keep = columns(rec)
            if len(keep) > width:
                raise WormGnnError(f"{rec.source or rec.worm_id}: {len(keep)} neurons, the model takes "
                                   f"at most {width}")
            traces[:, : len(keep)] = z[:, keep]
            mask[: len(keep)] = True
            names = [rec.neuron_names[i] for i in keep] + [None] * (width - len(keep))
        scored = np.array([n in shared for n in names]) & mask
        target = values(rec) if values is not None else None
        out.append(Prepared(rec.worm_id, traces, mask, scored, names, labels,
                            None if target is None else np.asarray(target, dtype=np.float32)))
    return out


def identity_vocabulary(prepared: list[Prepared]) -> dict[str, int]:
    """Learned identities for names seen in training; everything else shares UNKNOWN_IDENTITY."""
    names = sorted({n for p in prepared for n, m in zip(p.names, p.mask, strict=True) if n and m})
    return {n: i + 1 for i, n in enumerate(names)}


def learned_names_only(prepared: Prepared, vocabulary: dict[str, int]) -> Prepared:
    """A worm of the ``named`` set as a trained model can take it: a name the model never saw
    in training would carry an identity it never learned (the named set trains no unknown
    neuron, unlike ``all``), so such neurons are left out; the kept ones come first, padding last."""
    keep = [i for i, (n, m) in enumerate(zip(prepared.names, prepared.mask, strict=True)) if m and n in vocabulary]
    width = prepared.mask.size
    traces = np.zeros_like(prepared.traces)
    traces[:, :len(keep)] = prepared.traces[:, keep]
    mask = np.arange(width) < len(keep)
    scored = np.zeros(width, dtype=bool)
    scored[:len(keep)] = prepared.scored[keep]
    names = [prepared.names[i] for i in keep] + [None] * (width - len(keep))
    return replace(prepared, traces=traces, mask=mask, scored=scored, names=names)


@dataclass
class Windows:
    """A batchable set of windows (torch tensors on CPU until moved)."""

    x: torch.Tensor  # (M, W, N)
    y: torch.Tensor  # (M, H, N) forecast targets (H may be 0 for behavior)
    labels: torch.Tensor  # (M,) fine state at the window's frame t
    mask: torch.Tensor  # (M, N)
    scored: torch.Tensor  # (M, N)
    ids: torch.Tensor  # (M, N)
    worm: torch.Tensor  # (M,) index of the source recording
    frame: torch.Tensor  # (M,) the frame t the window is about (its last input frame unless lookahead)
    values: torch.Tensor  # (M,) a regression task's target at frame t (NaN where it has none)

    def __len__(self) -> int:
        return self.x.shape[0]

    def subset(self, index: torch.Tensor) -> Windows:
        return Windows(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def to(self, device: torch.device | str) -> Windows:
        return Windows(*(getattr(self, f).to(device) for f in self.__dataclass_fields__))

    def sample_neurons(self, keep: int, generator: torch.Generator) -> Windows:
        """Each window on at most ``keep`` neuron columns: its scored neurons first, then a random
        draw of its other real neurons, padding last; column order is preserved.

        Graph models cost N² per window, so training on subsets of a large neuron set is
        much cheaper; the models are permutation-equivariant and mask-aware, so a subset is a
        valid (smaller) worm.
        """
        if keep >= self.mask.shape[1]:
            return self
        priority = torch.rand(self.mask.shape, generator=generator, device="cpu").to(self.mask.device)
        priority = priority + 2.0 * self.scored.to(priority.dtype)
        priority = priority.masked_fill(~self.mask.bool(), -1.0)
        columns = priority.topk(keep, dim=1).indices.sort(dim=1).values  # (M, keep)

        def over_time(values: torch.Tensor) -> torch.Tensor:
            return values.gather(2, columns[:, None, :].expand(-1, values.shape[1], -1))

        return Windows(x=over_time(self.x), y=over_time(self.y), labels=self.labels,
                       mask=self.mask.gather(1, columns), scored=self.scored.gather(1, columns),
                       ids=self.ids.gather(1, columns), worm=self.worm, frame=self.frame, values=self.values)


Segment = tuple[int, int, int]
"""(recording index, first frame, end frame exclusive): every frame a window uses lies inside."""


def make_windows(prepared: list[Prepared], segments: list[Segment], window: int, horizon: int,
                 stride: int = 1, vocabulary: dict[str, int] | None = None,
                 labelled_only: bool = False, lookahead: int = 0) -> Windows:
    """All windows inside the segments, the last input frame stepping by ``stride``; with a
    ``lookahead`` K the window is about the frame K before its last input frame."""
    if lookahead < 0 or (lookahead and horizon):  # the tasks check the option; this is a guard
        raise ValueError(f"lookahead {lookahead} with horizon {horizon}: a window has one or the other")
    vocabulary = vocabulary or {}
    xs, ys, labels, masks, scored, ids, worms, frames, values = [], [], [], [], [], [], [], [], []
    for rec_index, start, stop in segments:
        p = prepared[rec_index]
        last = np.arange(max(start + window - 1, start + lookahead), stop - horizon, stride)
        about = last - lookahead
        if labelled_only:
            keep = p.labels[about] >= 0
            last, about = last[keep], about[keep]
        if last.size == 0:
            continue
        offsets = np.arange(-window + 1, 1)
        xs.append(p.traces[last[:, None] + offsets])
        ys.append(p.traces[last[:, None] + np.arange(1, horizon + 1)] if horizon else
                  np.zeros((last.size, 0, p.traces.shape[1]), dtype=np.float32))
        labels.append(p.labels[about])
        identity = np.array([vocabulary.get(n, UNKNOWN_IDENTITY) if n else UNKNOWN_IDENTITY
                             for n in p.names])
        masks.append(np.broadcast_to(p.mask, (last.size, p.mask.size)))
        scored.append(np.broadcast_to(p.scored, (last.size, p.mask.size)))
        ids.append(np.broadcast_to(identity, (last.size, p.mask.size)))
        worms.append(np.full(last.size, rec_index))
        frames.append(about)
        values.append(p.values[about] if p.values is not None else np.full(last.size, np.nan, dtype=np.float32))
    if not xs:
        raise WormGnnError("no complete window fits the requested part of the data")
    cat = np.concatenate
    return Windows(
        x=torch.from_numpy(cat(xs)), y=torch.from_numpy(cat(ys)),
        labels=torch.from_numpy(cat(labels)).long(), mask=torch.from_numpy(cat(masks)),
        scored=torch.from_numpy(cat(scored)), ids=torch.from_numpy(cat(ids)).long(),
        worm=torch.from_numpy(cat(worms)).long(), frame=torch.from_numpy(cat(frames)).long(),
        values=torch.from_numpy(cat(values).astype(np.float32)),
    )
