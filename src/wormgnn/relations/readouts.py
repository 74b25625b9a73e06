"""Relations i → j read out of a trained model: how its forecasts respond to each neuron
(sensitivity, pulse), or what its encoder infers (encoder)."""

from __future__ import annotations

import numpy as np
import torch

from wormgnn.errors import WormGnnError
from wormgnn.windows import Prepared, make_windows

MEASURE_LABELS = {"sensitivity": "Σ_h |∂ forecast of j / ∂ i|", "encoder": "P(relation i → j)",
                  "pulse": "|mean Σ_h Δ forecast of j| after raising i by 1 SD"}
MEASURES = tuple(MEASURE_LABELS)
"""How a trained graph model's relation i → j is read out:

- ``pulse``: an intervention, as the atlas experiment makes one: raise i by one standard
  deviation over the whole window and read the change of j's forecast, summed over horizons,
  averaged over windows (signed), then its magnitude. Unlike ``sensitivity`` it is a finite
  push held for the whole window, and responses of opposite sign in different windows cancel.

- ``sensitivity``: how much the model's forecast of j (summed over horizons) moves with i's
  latest frame, Σ_h |∂ŷ_j(t+h) / ∂x_i(t)|, averaged over windows. What the whole model learned
  i does to j, through the inferred relations, the decoder's messages and identities alike.
- ``encoder``: the NRI encoder's P(any relation i → j). Trained only through the forecast, it
  learns which neurons are informative more than which pairs are coupled (on simulated worms it
  is near chance where sensitivity and plain correlation do well; docs/relations.md).
"""


def _why_not(per_neuron: bool, infers_relations: bool, measure: str) -> str | None:
    """Why a model (trained per neuron or not, inferring relations or not) cannot give this
    measure, or None if it can."""
    if measure not in MEASURES:
        return f"unknown measure (known: {', '.join(MEASURES)})"
    if measure in ("sensitivity", "pulse") and not per_neuron:
        return "needs a model trained to forecast, not to decode behavior"
    if measure == "encoder" and not infers_relations:
        return "this model infers no relations (its graph is fixed)"
    return None


def available_measures(model) -> list[str]:
    return [m for m in MEASURES if _why_not(model.spec.per_neuron, model.infers_relations, m) is None]


def choose_measure(per_neuron: bool, infers_relations: bool, measure: str | None) -> str:
    """The measure to read: by default sensitivity for a forecaster, and the encoder's
    relations for a model that decodes a state (it has no forecast to be sensitive)."""
    measure = measure or ("sensitivity" if per_neuron else "encoder")
    reason = _why_not(per_neuron, infers_relations, measure)
    if reason:
        raise WormGnnError(f"--relations {measure}: {reason}")
    return measure


def resolve_measure(model, measure: str | None) -> str:
    return choose_measure(model.spec.per_neuron, model.infers_relations, measure)


def forecast_sensitivity(model, x: torch.Tensor, mask: torch.Tensor, ids: torch.Tensor, n: int,
                         pair_budget: int = 2_000_000) -> torch.Tensor:
    """Σ_h |∂ŷ_j(t+h) / ∂x_i(t)| for senders i and receivers j among the first ``n`` neurons,
    averaged over the windows: (n, n). Forward-mode, one tangent per sender (not one backward
    pass per receiver and horizon), senders batched as long as B·k·N² stays within the budget."""
    b, _, width = x.shape
    per_sender = b * width * width
    chunk = max(1, pair_budget // max(per_sender, 1))
    strength = torch.zeros(n, n, dtype=torch.float64, device="cpu")
    for first in range(0, n, chunk):
        senders = torch.arange(first, min(first + chunk, n), device=x.device)
        k = len(senders)
        tangent = torch.zeros(k, *x.shape, dtype=x.dtype, device=x.device)
        tangent[torch.arange(k, device=x.device), :, -1, senders] = 1.0

        def forecast(inputs, mask=mask.repeat(k, 1), ids=ids.repeat(k, 1)):
            return model(inputs, mask, ids)

        _, change = torch.func.jvp(forecast, (x.repeat(k, 1, 1),), (tangent.flatten(0, 1),))
        change = change.view(k, b, *change.shape[1:])[..., :n]  # (k, B, H, n)
        strength[first:first + k] = change.abs().sum(2).mean(1).double().cpu()
    return strength


@torch.no_grad()
def forecast_pulse(model, x: torch.Tensor, mask: torch.Tensor, ids: torch.Tensor, n: int,
                   amplitude: float = 1.0, pair_budget: int = 2_000_000) -> torch.Tensor:
    """Σ_h (ŷ_j(t+h) | x_i + amplitude over the window) − ŷ_j(t+h), averaged over windows
    (signed), for senders i and receivers j among the first ``n`` neurons: (n, n)."""
    b, _, width = x.shape
    chunk = max(1, pair_budget // max(b * width * width, 1))
    baseline = model(x, mask, ids)[..., :n].sum(1)  # (B, n)
    response = torch.zeros(n, n, dtype=torch.float64, device="cpu")
    for first in range(0, n, chunk):
        senders = torch.arange(first, min(first + chunk, n), device=x.device)
        k = len(senders)
        pushed = x.repeat(k, 1, 1).view(k, b, *x.shape[1:]).clone()
        pushed[torch.arange(k, device=x.device), :, :, senders] += amplitude
        out = model(pushed.flatten(0, 1), mask.repeat(k, 1), ids.repeat(k, 1))[..., :n].sum(1)
        response[first:first + k] = (out.view(k, b, n) - baseline).mean(1).double().cpu()
    return response


READ_WINDOWS = 256
READ_PAIR_WINDOWS = 256 * 48 * 48
"""A reading averages over at most 256 windows, and over fewer where a worm has many neurons:
windows × neurons² stays within 256 × 48², never under ``MIN_READ_WINDOWS`` windows. Its cost
grows with the neurons cubed (a forecast per sender, N² pairs each); on simulated seed 0 the
sensitivity reading scores the same with 256, 128, 64 or 32 windows (docs/relations.md)."""
MIN_READ_WINDOWS = 32


def read_windows(neurons: int, limit: int = READ_WINDOWS) -> int:
    """How many windows a reading of a worm with this many neurons averages over."""
    return min(limit, max(MIN_READ_WINDOWS, READ_PAIR_WINDOWS // max(neurons, 1) ** 2))


@torch.no_grad()
def infer_relations(model, prepared: Prepared, vocabulary: dict[str, int], window: int,
                    measure: str | None = None, max_windows: int = READ_WINDOWS, batch_size: int = 64,
                    device: str = "cpu") -> np.ndarray:
    """Relation strength i → j among a recording's real neurons (see MEASURES), over up to
    ``max_windows`` windows spread evenly across the recording (fewer for a worm of many
    neurons, ``read_windows``)."""
    measure = resolve_measure(model, measure)
    frames = prepared.traces.shape[0]
    n = int(prepared.mask.sum())
    stride = max(1, (frames - window) // read_windows(n, max_windows) + 1)
    windows = make_windows([prepared], [(0, 0, frames)], window, 0, stride, vocabulary)
    total = torch.zeros(n, n, dtype=torch.float64, device="cpu")
    model.eval()
    for start in range(0, len(windows), batch_size):
        batch = windows.subset(slice(start, start + batch_size)).to(device)
        if measure == "encoder":
            strength = model.relation_strength(batch.x, batch.mask, batch.ids).cpu().double()[:n, :n]
        elif measure == "pulse":  # signed responses averaged first, the magnitude taken at the end
            strength = forecast_pulse(model, batch.x, batch.mask, batch.ids, n)
        else:
            strength = forecast_sensitivity(model, batch.x, batch.mask, batch.ids, n)
        total += strength * len(batch)
    total.fill_diagonal_(0.0)  # a neuron's own past is not a relation
    total = total / len(windows)
    return (total.abs() if measure == "pulse" else total).numpy()
