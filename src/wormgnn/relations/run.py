"""``wormgnn graph``: train a relation-inferring model on every worm, read its relations and
the yardsticks' per worm, pool them over worms, and score every reading against every truth
that applies. Returns the result and writes it (graph.json, relations/*.csv, the page's
arrays); rendering is ``relations.page``'s."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from wormgnn.errors import WormGnnError
from wormgnn.files import atomic_write, atomic_write_text
from wormgnn.relations.estimators import anatomy, reference_relations
from wormgnn.relations.pairsets import scored_pair_sets
from wormgnn.relations.readouts import available_measures, choose_measure, infer_relations
from wormgnn.relations.scoring import consensus, consistency, finite_mean
from wormgnn.relations.truths import score, truths_for

CONSENSUS = " (consensus)"
EXAMPLE = "example.npz"
"""The first worm's matrices the page draws: the model's reading, |correlation|, the truth."""


YARDSTICKS_ONLY = "yardsticks"
"""The ``model`` of a run that trains nothing and scores the yardsticks alone."""
SHOWN_YARDSTICK = "partial correlation (LW)"
"""The reading the page draws first when no model was trained."""
JOINT = "joint"
"""The ``model`` of a run that fits one coupling to every worm at once (``relations.joint``)."""


def _readings(trained, recordings, model_name: str, measure: str, neurons: str, device: str):
    """Per worm: every reading (the model's, its other measures, the yardsticks on the
    recorded traces) among the worm's real neurons, their names and their rows in the recording."""
    window = trained.spec.window
    others = [m for m in available_measures(trained.model) if m != measure]  # scored beside it as yardsticks
    per_worm, names, rows = [], *_neurons(recordings, trained.prepared, neurons)
    yardsticks = _yardstick_readings(recordings, neurons)[0]
    for prep, own in zip(trained.prepared, yardsticks, strict=True):
        strength = infer_relations(trained.model, prep, trained.vocabulary, window, measure, device=device)
        per_worm.append({model_name: strength,
                         **{f"{model_name} {m}": infer_relations(trained.model, prep, trained.vocabulary, window, m,
                                                                 device=device) for m in others}, **own})
    return _with_consensus(per_worm, names), names, rows


def _neurons(recordings, prepared, neurons: str) -> tuple[list[list[str | None]], list[list[int]]]:
    """Each worm's real neurons (padding left out): their names and rows in the recording."""
    names, rows = [], []
    for rec, prep in zip(recordings, prepared, strict=True):
        n = int(prep.mask.sum())
        index = list(range(n)) if neurons == "all" else [rec.neuron_names.index(name) for name in prep.names[:n]]
        rows.append(index)
        names.append([rec.neuron_names[i] for i in index])
    return names, rows


def _with_consensus(per_worm: list[dict], names) -> list[dict]:
    if len(per_worm) > 1:  # every reading also pooled over worms, the yardsticks too
        for reading in list(per_worm[0]):
            pooled = consensus([scores[reading] for scores in per_worm], names)
            for scores, matrix in zip(per_worm, pooled, strict=True):
                scores[f"{reading}{CONSENSUS}"] = matrix
    return per_worm


def _train_and_read(recordings, out: Path, source: str, neurons: str, profile_name: str, seed: int, device: str,
                    task: str, model_name: str, measure: str | None, drift_window_s: float = 0.0):
    """Train ``model_name`` on every worm (within-worm split; drift-free traces with
    ``drift_window_s``), save it, read its relations."""
    from wormgnn.persist import save_model
    from wormgnn.pipeline import train_model
    from wormgnn.profiles import get_profile
    from wormgnn.splits import plan

    profile = get_profile(profile_name)
    parts = plan("within", "all", [r.worm_id for r in recordings], [r.frames for r in recordings], gap=profile.window)
    # every neuron's relations are wanted: each one is a forecast target, and trains on every pair
    overrides = profile.model_overrides | {"unscored_weight": 1.0, "train_neurons": 0}
    model_input = drift_free(recordings, drift_window_s) if drift_window_s > 0 else recordings
    trained = train_model(model_input, task, model_name, neurons, profile, parts, seed, device, overrides=overrides)
    save_model(trained.model, out / "model.safetensors", model_name, neurons=neurons, vocabulary=trained.vocabulary,
               source=source)
    per_worm, names, rows = _readings(trained, recordings, model_name, measure, neurons, device)
    return per_worm, names, rows, {k: v for k, v in trained.log.items() if isinstance(v, (int, float))}


def neuron_traces(recordings, neurons: str = "named") -> tuple[list[np.ndarray], list[list], list[list[int]]]:
    """Per worm the (z-scored) traces of the neurons a reading sees, padding left out: the
    traces, their names and their rows in the recording."""
    from wormgnn.windows import prepare

    prepared = prepare(recordings, neurons)
    names, rows = _neurons(recordings, prepared, neurons)
    return [prep.traces[:, :len(index)] for prep, index in zip(prepared, rows, strict=True)], names, rows


def _yardstick_readings(recordings, neurons: str, joint=None, out: Path | None = None):
    """Per worm the yardsticks, on the neurons a model would see; with ``joint`` (a
    ``JointCouplingConfig``) also the joint coupling fitted to every worm at once, its matrix
    over every name written to ``out``."""
    traces, names, rows = neuron_traces(recordings, neurons)
    per_worm = [reference_relations(x, rec.fps, names=worm)
                for rec, x, worm in zip(recordings, traces, names, strict=True)]
    if joint is None:
        return per_worm, names, rows, {}
    from wormgnn.relations.joint import READING, joint_readings
    from wormgnn.sim.io import write_matrix_csv

    # with every neuron, the joint fit is conditioned on the unnamed ones too, as the partial correlations are
    joint = replace(joint, unnamed=neurons == "all")
    fitted, readings, log = joint_readings(traces, names, [r.fps for r in recordings], joint)
    write_matrix_csv(fitted.coupling, fitted.names, out / "joint_coupling.csv")
    for scores, reading in zip(per_worm, readings, strict=True):
        scores[READING] = reading
    return per_worm, names, rows, log


def drift_free(recordings, window_s: float) -> list:
    """The recordings less each neuron's running mean over ``window_s`` seconds (``graph
    --drift-window``): what a model trains and is read on; the yardsticks keep the recorded traces."""
    from wormgnn.relations.estimators import without_slow_drift

    return [replace(r, traces=without_slow_drift(r.traces, r.fps, window_s).astype(np.float32)) for r in recordings]


def joint_config(model_name: str, drift_window_s: float, seed: int):
    """The ``JointCouplingConfig`` of ``--model joint``, or of a variant such as ``joint:homologs=false``
    (each pair read on its own, e.g. to look at a left/right asymmetry such as ASEL/ASER's) or
    ``joint:sparsity=0.01:rank=4:epoch=120`` (``epoch=0``: one epoch per worm); None for any
    other model. Settings follow the models' variant syntax (``models.base.parse_model``)."""
    from wormgnn.models.base import typed_value
    from wormgnn.relations.joint import JointCouplingConfig

    base, *settings = model_name.split(":")
    if base != JOINT:
        return None
    kinds = {"homologs": True, "rank": 0, "sparsity": 0.0, "ridge": 0.0, "epoch": 0.0}  # each setting's type
    chosen = {}
    for item in filter(None, settings):
        key, _, value = item.partition("=")
        try:
            if key not in kinds:
                raise ValueError(key)
            chosen[key] = typed_value(value, kinds[key])
            if key != "homologs" and not chosen[key] >= 0:  # refuses nan too
                raise ValueError(value)
        except ValueError:
            raise WormGnnError(f"--model {model_name}: joint takes homologs=true|false, rank=N, sparsity=X, "
                               f"ridge=X or epoch=SECONDS (X ≥ 0), not {item!r}") from None
    if "epoch" in chosen:
        chosen["epoch_s"] = chosen.pop("epoch") or None
    return JointCouplingConfig(drift_window_s=drift_window_s or JointCouplingConfig.drift_window_s, seed=seed,
                               **chosen)


def source_truths(source, recordings: list, atlas_path: str | None = None, atlas_strain: str = "wt"):
    """The truths a source's recordings are scored against (``truths.truths_for``), the notes on those
    left out, and each worm's true coupling (None for real worms): simulated worms their coupling
    and, when the atlas experiment was run on them, their simulated atlas; real worms the atlas."""
    from wormgnn.sources import simulated_atlas_of, true_couplings

    couplings = true_couplings(source, recordings)
    simulated = any(c is not None for c in couplings)
    truths, notes = truths_for(recordings, couplings, atlas_path, atlas_strain,
                               simulated_atlas_of(source) if simulated else None)
    return truths, notes, couplings


def run_graph(source: str, out, neurons: str = "shared", profile_name: str = "quick", seed: int = 0,
              device: str = "cpu", task: str = "forecast", model_name: str = "gnn",
              measure: str | None = None, atlas_path: str | None = None, atlas_strain: str = "wt",
              rate: float = 0.0, min_confidence: float = 0.0, drift_window_s: float = 0.0) -> dict:
    """Train ``model_name`` on every worm (within-worm split, early stopping on validation),
    then write each worm's inferred relations (``measure``, see readouts.MEASURES) and how every
    reading agrees with each truth, with each other and across worms. ``model_name``
    ``YARDSTICKS_ONLY`` trains nothing and scores the yardsticks alone; ``JOINT`` fits the
    joint coupling (``relations.joint``: one coupling shared by every worm, its drift window
    ``drift_window_s`` when given) instead of training a gnn; ``drift_window_s`` > 0 trains and
    reads the model on traces less each neuron's running mean over that long."""
    from wormgnn.models.base import RELATION_INFERRING, model_entry
    from wormgnn.profiles import get_profile
    from wormgnn.relations.joint import READING as JOINT_READING
    from wormgnn.sim.io import neuron_labels, write_matrix_csv
    from wormgnn.sources import load_dataset
    from wormgnn.tasks import get_task

    out = Path(out)
    get_profile(profile_name)
    config = joint_config(model_name, drift_window_s, seed)
    alone, joint = model_name == YARDSTICKS_ONLY, config is not None
    if not (alone or joint) and model_entry(model_name).cls.kind != RELATION_INFERRING:
        raise WormGnnError(f"--model {model_name}: infers no relations (use gnn, a gnn variant or joint)")
    recordings = list(load_dataset(source, rate, min_confidence))
    truths, notes, couplings = source_truths(source, recordings, atlas_path, atlas_strain)  # a bad atlas stops here
    measure = (YARDSTICKS_ONLY if alone else JOINT_READING if joint
               else choose_measure(get_task(task).per_neuron, True, measure))  # before training
    if alone or joint:
        per_worm, names, rows, log = _yardstick_readings(recordings, neurons, config, out)
        per_worm = _with_consensus(per_worm, names)
    else:
        per_worm, names, rows, log = _train_and_read(recordings, out, source, neurons, profile_name, seed, device,
                                                     task, model_name, measure, drift_window_s)
    shown = SHOWN_YARDSTICK if alone else JOINT_READING if joint else model_name
    for rec, index, scores in zip(recordings, rows, per_worm, strict=True):
        labels = neuron_labels(rec)
        write_matrix_csv(scores[shown], [labels[i] for i in index], out / "relations" / f"{rec.worm_id}.csv")
    for worm, index in enumerate(rows):  # the truths see each worm's neurons in the readings' order
        if couplings[worm] is not None:
            couplings[worm] = couplings[worm][np.ix_(index, index)]
    prefix = JOINT if joint else model_name
    readings = {r: "yardstick" if alone or not r.startswith(prefix) else "model" for r in [*per_worm[0], "anatomy"]}
    result = {"source": source, "model": model_name, "measure": measure, "neurons": neurons,
              "profile": profile_name, "seed": seed, "drift_window_s": drift_window_s, "train_log": log, "shown": shown,
              "worms": [{"worm": r.worm_id, "neurons": len(n)} for r, n in zip(recordings, names, strict=True)],
              "readings": readings,
              "truths": {t.key: scored_truth(t, recordings, names, per_worm, readings) for t in truths},
              "consistency": consistency([s[shown] for s in per_worm], names), "notes": notes}
    atomic_write_text(out / "graph.json", json.dumps(result, indent=1))
    panel = truths[-1].panel(0, names[0])
    atomic_write(out / EXAMPLE, lambda tmp: np.savez_compressed(
        tmp, worm=np.array(recordings[0].worm_id), names=np.array([n or f"#{i}" for i, n in enumerate(names[0])]),
        model=per_worm[0][shown], correlation=per_worm[0]["correlation"], truth=panel[0],
        truth_title=np.array(panel[1]), truth_unit=np.array(panel[2])), suffix=".npz")
    return result


def scored_truth(truth, recordings, names, per_worm, kinds: dict[str, str]) -> dict:
    """Every reading (and the wiring diagram as one) against one truth, per worm and as the
    mean over the worms the truth covers; a truth that knows names also per named pair over
    worms, on the pair sets ``pooled`` and ``shared``."""
    worms, named, covered = {}, [], []
    for worm, (rec, worm_names, scores) in enumerate(zip(recordings, names, per_worm, strict=True)):
        pairs = truth.among(worm, worm_names)
        if pairs is None:
            continue
        readings = {**scores, "anatomy": anatomy(worm_names)}
        named.append({k: v for k, v in readings.items() if k not in truth.skips and not k.endswith(CONSENSUS)})
        covered.append(worm_names)
        worms[rec.worm_id] = {name: score(matrix, pairs) for name, matrix in readings.items()
                              if name not in truth.skips}
    readings = list(next(iter(worms.values()))) if worms else []
    mean = {r: {m: finite_mean([w[r][m] for w in worms.values()]) for m in ("auroc", "auprc", "spearman")}
            for r in readings}
    out = {**truth.describe(), "worms": worms, "mean": mean}
    if truth.by_name and any(any(n) for n in covered):
        out |= scored_pair_sets(truth, named, covered, kinds)
    return out
