"""The relations a graph model inferred, held against the wiring diagram and ground truth."""

from __future__ import annotations

import numpy as np
import torch

from wormgnn.connectome import load_connectome
from wormgnn.errors import WormGnnError
from wormgnn.windows import Prepared, make_windows


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a true edge outscores a non-edge (ties count half)."""
    from scipy.stats import rankdata

    positive = positive.astype(bool)
    pos, neg = int(positive.sum()), int((~positive).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * neg))


def auprc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Average precision: the mean precision at the rank of each true edge."""
    positive = positive.astype(bool)
    if positive.sum() == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    hits = positive[order]
    precision = np.cumsum(hits) / np.arange(1, hits.size + 1)
    return float(precision[hits].mean())


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
  is near chance where sensitivity and plain correlation reach ≈ 0.79 AUROC).
"""


def _why_not(model, measure: str) -> str | None:
    """Why this model cannot give this measure, or None if it can."""
    if measure not in MEASURES:
        return f"unknown measure (known: {', '.join(MEASURES)})"
    if measure in ("sensitivity", "pulse") and not model.spec.forecast:
        return "needs a model trained to forecast, not to decode behavior"
    if measure == "encoder" and not hasattr(model, "relation_strength"):
        return "this model infers no relations (its graph is fixed)"
    return None


def available_measures(model) -> list[str]:
    return [m for m in MEASURES if _why_not(model, m) is None]


def resolve_measure(model, measure: str | None) -> str:
    """The measure to read from this model: by default sensitivity for a forecaster, and the
    encoder's relations for a behavior model (it has no forecast to be sensitive)."""
    measure = measure or ("sensitivity" if model.spec.forecast else "encoder")
    reason = _why_not(model, measure)
    if reason:
        raise WormGnnError(f"--relations {measure}: {reason}")
    return measure


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


@torch.no_grad()
def infer_relations(model, prepared: Prepared, vocabulary: dict[str, int], window: int,
                    measure: str | None = None, max_windows: int = 256, batch_size: int = 64,
                    device: str = "cpu") -> np.ndarray:
    """Relation strength i → j among a recording's real neurons (see MEASURES), over up to
    ``max_windows`` windows spread evenly across the recording."""
    measure = resolve_measure(model, measure)
    frames = prepared.traces.shape[0]
    stride = max(1, (frames - window) // max_windows + 1)
    windows = make_windows([prepared], [(0, 0, frames)], window, 0, stride, vocabulary)
    n = int(prepared.mask.sum())
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


def reference_relations(traces: np.ndarray, ridge: float = 10.0) -> dict[str, np.ndarray]:
    """What two simple estimators infer from the same z-scored traces (T, N), as a yardstick
    for the GNN: |correlation|, and |coefficient| of a ridge one-step Granger model
    ``x(t+1) − x(t) = x(t)·A`` (A[i, j]: i acts on j)."""
    x = traces.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.nan_to_num(np.abs(np.corrcoef(x.T)))
    past, change = x[:-1], x[1:] - x[:-1]
    coef = np.linalg.solve(past.T @ past + ridge * np.eye(x.shape[1]), past.T @ change)
    return {"correlation": correlation, "granger": np.abs(coef)}


def _off_diagonal(n: int) -> np.ndarray:
    return ~np.eye(n, dtype=bool)


def consensus(scores: list[np.ndarray], names: list[list[str | None]]) -> list[np.ndarray]:
    """Each worm's relation scores replaced, for every ordered pair of named neurons, by the
    mean over the worms that recorded both of the scores ranked within each worm (so that no
    worm's scale dominates); pairs with an unnamed neuron keep the worm's own rank. Named
    neurons keep their connections from worm to worm, so what several worms agree on is less
    likely noise; the atlas itself is pooled over many worms."""
    from scipy.stats import rankdata

    ranked = []
    for score in scores:
        off = _off_diagonal(score.shape[0])
        r = np.zeros_like(score, dtype=np.float64)
        r[off] = rankdata(score[off]) / off.sum()
        ranked.append(r)
    totals: dict[tuple[str, str], list[float]] = {}
    for r, worm_names in zip(ranked, names, strict=True):
        for i, a in enumerate(worm_names):
            for j, b in enumerate(worm_names):
                if a and b and i != j:
                    totals.setdefault((a, b), []).append(r[i, j])
    out = []
    for r, worm_names in zip(ranked, names, strict=True):
        pooled = r.copy()
        for i, a in enumerate(worm_names):
            for j, b in enumerate(worm_names):
                if a and b and i != j:
                    pooled[i, j] = float(np.mean(totals[(a, b)]))
        out.append(pooled)
    return out


def connectome_agreement(strength: np.ndarray, names: list[str | None]) -> dict:
    """AUROC / AUPRC of inferred i → j against chemical ∪ gap junction, identified neurons only."""
    conn = load_connectome()
    keep = [i for i, n in enumerate(names) if n and conn.index([n])[0] >= 0]
    sub_names = [names[i] for i in keep]
    chemical, gap, _ = conn.submatrices(sub_names)
    truth = (chemical > 0) | (gap > 0)
    s = strength[np.ix_(keep, keep)]
    off = _off_diagonal(len(keep))
    return {"neurons": len(keep), "edges": int(truth[off].sum()),
            "auroc": auroc(s[off], truth[off]), "auprc": auprc(s[off], truth[off]),
            "edge_density": float(truth[off].mean()) if off.any() else float("nan")}


def ground_truth_agreement(strength: np.ndarray, coupling: np.ndarray) -> dict:
    off = _off_diagonal(strength.shape[0])
    truth = coupling != 0
    return {"auroc": auroc(strength[off], truth[off]), "auprc": auprc(strength[off], truth[off]),
            "edge_density": float(truth[off].mean())}


def consistency(strengths: list[np.ndarray], names: list[list[str | None]]) -> dict:
    """Pearson correlation of inferred strengths between worms, over ordered pairs of named
    neurons present in both: do different worms give the same graph?"""
    values = []
    for a in range(len(strengths)):
        for b in range(a + 1, len(strengths)):
            common = sorted({n for n in names[a] if n} & {n for n in names[b] if n})
            if len(common) < 3:
                continue
            ia = [names[a].index(n) for n in common]
            ib = [names[b].index(n) for n in common]
            off = _off_diagonal(len(common))
            sa = strengths[a][np.ix_(ia, ia)][off]
            sb = strengths[b][np.ix_(ib, ib)][off]
            if sa.std() > 0 and sb.std() > 0:
                values.append(float(np.corrcoef(sa, sb)[0, 1]))
    return {"mean_correlation": float(np.mean(values)) if values else float("nan"), "pairs": len(values)}


def _truths_for(source: str, recordings) -> list[np.ndarray | None]:
    """Ground-truth couplings: known in memory for built-in worms, or ground_truth/*.csv beside
    simulated NWB files (as written by ``wormgnn data simulate``)."""
    from pathlib import Path

    from wormgnn.experiment import SIM_PREFIX, simulated
    from wormgnn.sim.io import neuron_labels, read_matrix_csv

    if source.startswith(SIM_PREFIX):
        return list(simulated(source)[1])
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    truths = []
    for rec in recordings:
        path = folder / "ground_truth" / f"{rec.worm_id}.csv"
        if not path.exists():
            truths.append(None)
            continue
        labels, matrix = read_matrix_csv(path)
        truths.append(matrix if labels == neuron_labels(rec) else None)
    return truths


def anatomy(names: list[str | None]) -> np.ndarray:
    """The wiring diagram as a relation score: log(1 + synapses + gap junctions) from i to j."""
    chemical, gap, _ = load_connectome().submatrices(names)
    return np.log1p(chemical + gap).astype(np.float64)


def _atlas_for(truths: list, path: str | None, strain: str):
    """The atlas to score real recordings against, or None and a line saying why not. An
    explicit path must be a valid atlas; without one, a missing atlas is only noted."""
    from wormgnn.atlas import INSTALL_HINT, installed_atlas_file, load_atlas

    if any(t is not None for t in truths):
        return None, "simulated worms are scored against their true coupling, not the atlas"
    if path is None and installed_atlas_file() is None:
        return None, f"no atlas scoring: the signal propagation atlas is not installed; {INSTALL_HINT}"
    return load_atlas(path, strain), None


def run_graph(source: str, out, neurons: str = "shared", profile_name: str = "quick", seed: int = 0,
              device: str = "cpu", task: str = "forecast", model_name: str = "gnn",
              measure: str | None = None, atlas_path: str | None = None, atlas_strain: str = "wt") -> dict:
    """Train ``gnn`` on every worm (within-worm split, early stopping on validation), then
    write each worm's inferred relations (``measure``, see MEASURES) and how they agree with
    the connectome, with each other, with the true coupling (simulated worms) and with the
    signal propagation atlas (real worms, when it is installed). The other measure and simple
    estimators are scored the same way, as yardsticks; the wiring diagram is one too against
    the atlas. Figures and a page go to OUT/figures and OUT/report.html."""
    import json
    from pathlib import Path

    from wormgnn.experiment import load_dataset
    from wormgnn.models import TaskSpec, build_model
    from wormgnn.models.baselines import class_weights
    from wormgnn.persist import save_model
    from wormgnn.profiles import get_profile
    from wormgnn.sim.io import neuron_labels, write_matrix_csv
    from wormgnn.splits import plan
    from wormgnn.store import atomic_write_text
    from wormgnn.train import fit
    from wormgnn.windows import identity_vocabulary, prepare

    out = Path(out)
    profile = get_profile(profile_name)
    recordings = list(load_dataset(source))
    truths = _truths_for(source, recordings)
    atlas, atlas_note = _atlas_for(truths, atlas_path, atlas_strain)  # a bad atlas stops before training
    prepared = prepare(recordings, neurons)
    parts = plan("within", "all", [r.worm_id for r in recordings], [r.frames for r in recordings],
                 gap=profile.window)
    vocabulary = identity_vocabulary(prepared)
    forecast = task == "forecast"
    horizon = profile.horizon if forecast else 0
    train = make_windows(prepared, parts.train, profile.window, horizon, profile.stride(task), vocabulary,
                         labelled_only=not forecast)
    val = make_windows(prepared, parts.val, profile.window, horizon, 1, vocabulary, labelled_only=not forecast)
    spec = TaskSpec(task, profile.window, profile.horizon, prepared[0].traces.shape[1],
                    identities=tuple(sorted(vocabulary, key=vocabulary.get)))
    torch.manual_seed(seed)
    # every neuron's relations are wanted: each one is a forecast target, and trains on every pair
    model = build_model(model_name, spec, profile.model_overrides | {"unscored_weight": 1.0, "train_neurons": 0})
    if not hasattr(model, "relation_strength"):
        raise WormGnnError(f"--model {model_name}: infers no relations (use gnn or a gnn variant)")
    measure = resolve_measure(model, measure)
    others = [m for m in available_measures(model) if m != measure]  # scored beside it as yardsticks
    weights = None if forecast else class_weights(train.labels, spec.n_classes)
    log = fit(model, train, val, profile.train_config(device), seed, weights)
    save_model(model, out / "model.safetensors", model_name, neurons=neurons, vocabulary=vocabulary, source=source)
    per_worm, worm_names_all, couplings = [], [], []
    for rec, prep, truth in zip(recordings, prepared, truths, strict=True):
        strength = infer_relations(model, prep, vocabulary, profile.window, measure, device=device)
        n = strength.shape[0]
        if neurons == "shared":
            rec_index = [rec.neuron_names.index(nm) for nm in prep.names[:n]]
        else:
            rec_index = list(range(n))
        all_labels = neuron_labels(rec)
        write_matrix_csv(strength, [all_labels[i] for i in rec_index], out / "relations" / f"{rec.worm_id}.csv")
        worm_names_all.append([rec.neuron_names[i] for i in rec_index])
        couplings.append(truth[np.ix_(rec_index, rec_index)] if truth is not None else None)
        per_worm.append({model_name: strength,
                         **{f"{model_name} {m}": infer_relations(model, prep, vocabulary, profile.window, m,
                                                                 device=device) for m in others},
                         **reference_relations(prep.traces[:, :n])})
    if len(recordings) > 1:  # every reading also pooled over worms, the yardsticks too
        for reading in list(per_worm[0]):
            pooled = consensus([scores[reading] for scores in per_worm], worm_names_all)
            for scores, matrix in zip(per_worm, pooled, strict=True):
                scores[f"{reading} (consensus)"] = matrix
    worms, examples = [], []
    atlas_scores: dict[str, dict] = {}
    for rec, worm_names, scores, coupling in zip(recordings, worm_names_all, per_worm, couplings, strict=True):
        agreement = {}
        for name, score in scores.items():
            agreement[name] = {"connectome": connectome_agreement(score, worm_names)}
            if coupling is not None:
                agreement[name]["ground_truth"] = ground_truth_agreement(score, coupling)
        if atlas is not None:
            from wormgnn.atlas import atlas_agreement

            atlas_scores[rec.worm_id] = {name: atlas_agreement(score, worm_names, atlas)
                                         for name, score in {**scores, "anatomy": anatomy(worm_names)}.items()}
            for name in scores:
                agreement[name]["atlas"] = atlas_scores[rec.worm_id][name]
        examples.append((rec.worm_id, worm_names, scores, coupling))
        entry = {"worm": rec.worm_id, "neurons": len(worm_names), **agreement.pop(model_name),
                 "reference": agreement}
        worms.append(entry)
    strengths = [scores[model_name] for scores in per_worm]
    names = worm_names_all
    result = {"source": source, "model": model_name, "measure": measure, "neurons": neurons,
              "profile": profile_name, "seed": seed,
              "train_log": {k: v for k, v in log.items() if isinstance(v, (int, float))},
              "worms": worms, "consistency": consistency(strengths, names), "atlas": None, "notes": []}
    if atlas is not None:
        from wormgnn.atlas import CITATION

        readings = list(next(iter(atlas_scores.values())))
        result["atlas"] = {
            "strain": atlas.strain, "source": atlas.source, "citation": CITATION,
            "positive": "q < 0.05 among measured ordered pairs of identified neurons",
            "worms": atlas_scores,
            "mean_auroc": {r: float(np.nanmean([w[r]["auroc"] for w in atlas_scores.values()])) for r in readings},
        }
    if atlas_note:
        result["notes"].append(atlas_note)
    atomic_write_text(out / "graph.json", json.dumps(result, indent=1))
    from wormgnn.report import graph_report

    graph_report(out, result, examples[0], atlas)
    return result
