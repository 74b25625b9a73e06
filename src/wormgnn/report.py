"""``wormgnn report DIR``: one self-contained HTML page (figures embedded) plus figures/*.png."""

from __future__ import annotations

import base64
import html
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from wormgnn.data.states import COARSE_STATES, FINE_STATES
from wormgnn.errors import WormGnnError
from wormgnn.store import ResultStore, atomic_write_text
from wormgnn.summary import STRUCTURE_AGNOSTIC, failed_runs, failure_lines, setting, summarize

NAMED_NEURONS = ("AVAL", "AVAR", "AVBL", "AVBR", "RIML", "RIMR", "SMDVR", "SMDVL", "SMDDR", "RIBL")
STATE_COLORS = {"FORWARD": "#1b9e77", "REVERSAL": "#d95f02", "VENTRAL_TURN": "#7570b3", "DORSAL_TURN": "#e7298a"}
plt = None


def _pyplot():
    global plt
    if plt is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot

        pyplot.rcParams.update({"font.size": 10, "axes.titlesize": 11, "figure.dpi": 110,
                                "axes.spines.top": False, "axes.spines.right": False})
        plt = pyplot
    return plt


class Figures:
    """Saves each figure as PNG and remembers it for the page."""

    def __init__(self, folder: Path):
        self.folder = folder / "figures"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.items: list[tuple[str, str, Path]] = []

    def save(self, fig, name: str, caption: str) -> None:
        path = self.folder / f"{name}.png"
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, bbox_inches="tight")
        tmp.replace(path)
        _pyplot().close(fig)
        self.items.append((name, caption, path))


def _group(summary, task, split, metric):
    return {(g["model"], g["neurons"]): g for g in summary["groups"]
            if (g["task"], g["split"], g["metric"]) == (task, split, metric)}


def _label(model: str, neurons: str) -> str:
    return model if neurons == "shared" else f"{model}\n({neurons})"


def comparison_figures(summary: dict, figs: Figures) -> None:
    pyplot = _pyplot()
    for task in ("forecast", "behavior"):
        metrics = ("skill@1", "skill@8") if task == "forecast" else ("coarse.balanced_accuracy",
                                                                      "fine.balanced_accuracy")
        for split in sorted({g["split"] for g in summary["groups"] if g["task"] == task}):
            fig, axes = pyplot.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.8), squeeze=False)
            for ax, metric in zip(axes[0], metrics, strict=True):
                groups = _group(summary, task, split, metric)
                keys = sorted(groups, key=lambda k: (k[0] not in STRUCTURE_AGNOSTIC + ("persistence",), k))
                means = [groups[k]["mean"] for k in keys]
                stds = [groups[k]["std"] for k in keys]
                colors = ["#999999" if k[0] in STRUCTURE_AGNOSTIC + ("persistence",) else "#2166ac" for k in keys]
                ax.bar(range(len(keys)), means, yerr=stds, capsize=4, color=colors)
                ax.set_xticks(range(len(keys)), [_label(*k) for k in keys], rotation=30, ha="right")
                incomplete = {f["model"] for f in summary["failed"] if (f["task"], f["split"]) == (task, split)}
                agnostic = [groups[k]["mean"] for k in keys if k[0] in STRUCTURE_AGNOSTIC and k[1] == "shared"
                            and k[0] not in incomplete]
                if agnostic:
                    ax.axhline(max(agnostic), ls="--", color="k", lw=1, label="best structure-agnostic")
                if task == "behavior":
                    chance = 1 / (len(COARSE_STATES) if metric.startswith("coarse") else len(FINE_STATES))
                    ax.axhline(chance, ls=":", color="r", lw=1, label="chance")
                    ax.set_ylim(0, 1)
                else:
                    ax.axhline(0, color="r", ls=":", lw=1, label="persistence (skill 0)")
                ax.set_ylabel(metric.replace("@", " at h = ").replace(".", " ").replace("_", " ")
                              + (" (1 − MSE/MSE persistence)" if task == "forecast" else ""))
                ax.set_title(f"{task}, {split}: {metric}")
                ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)
            fig.suptitle("mean ± std over seeds × folds (blue: graph models)", fontsize=9)
            figs.save(fig, f"comparison_{task}_{split}", f"Model comparison, {task}, split {split}.")


def horizon_figures(summary: dict, figs: Figures) -> None:
    pyplot = _pyplot()
    for split in sorted({g["split"] for g in summary["groups"] if g["task"] == "forecast"}):
        fig, ax = pyplot.subplots(figsize=(6, 4))
        series = defaultdict(dict)
        for g in summary["groups"]:
            if g["task"] == "forecast" and g["split"] == split and g["metric"].startswith("skill@"):
                series[(g["model"], g["neurons"])][int(g["metric"].split("@")[1])] = g
        for (model, neurons), by_h in sorted(series.items()):
            hs = sorted(by_h)
            mean = np.array([by_h[h]["mean"] for h in hs])
            std = np.array([by_h[h]["std"] for h in hs])
            ax.plot(hs, mean, marker="o", label=_label(model, neurons).replace("\n", " "))
            ax.fill_between(hs, mean - std, mean + std, alpha=0.15)
        ax.axhline(0, color="k", lw=0.8, ls=":")
        ax.set_xlabel("forecast horizon h (frames, ~0.34 s each)")
        ax.set_ylabel("skill = 1 − MSE / MSE of persistence")
        ax.set_title(f"Forecast skill against horizon ({split})")
        ax.legend(fontsize=8)
        figs.save(fig, f"skill_vs_horizon_{split}", f"Forecast skill per horizon, split {split}.")


def _best(summary, task, split, metric):
    groups = _group(summary, task, split, metric)
    return max(groups, key=lambda k: groups[k]["mean"]) if groups else None


def _first_setting(rows: list[dict], task: str | None = None) -> str | None:
    """The setting the example figures show: unseen worms first, then the smallest lookahead."""
    order = {"lowo": 0, "transfer": 1, "within": 2}
    found = sorted({(order.get(r["split"], 3), int(r.get("lookahead", 0) or 0), setting(r)) for r in rows
                    if task is None or r["task"] == task})
    return found[0][2] if found else None


def confusion_figures(rows: list[dict], summary: dict, figs: Figures) -> None:
    pyplot = _pyplot()
    split = _first_setting(rows, "behavior")
    if split is None:
        return
    best = _best(summary, "behavior", split, "coarse.balanced_accuracy")
    chosen = [r for r in rows if r["task"] == "behavior" and setting(r) == split
              and (r["model"], r["neurons"]) == best and "confusion" in r]
    if not chosen:
        return
    fig, axes = pyplot.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"wspace": 0.45})
    for ax, level, names in ((axes[0], "coarse", COARSE_STATES), (axes[1], "fine", FINE_STATES)):
        m = np.sum([np.array(r["confusion"][level]) for r in chosen], axis=0).astype(float)
        norm = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        im = ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if norm[i, j] > 0.6 else "black")
        ax.set_xticks(range(len(names)), [n.lower() for n in names], rotation=35, ha="right")
        ax.set_yticks(range(len(names)), [n.lower() for n in names])
        ax.set_xlabel("decoded state")
        ax.set_ylabel("annotated state")
        ax.set_title(f"{level} states (row-normalised)")
        fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of annotated frames")
    fig.suptitle(f"Confusion of {best[0]} ({best[1]} neurons) on held-out worms, {split}, "
                 f"summed over {len(chosen)} runs", fontsize=10)
    figs.save(fig, f"confusion_{split}", f"Confusion matrices of the best decoder ({best[0]}), {split}.")


def example_figures(rows: list[dict], summary: dict, figs: Figures, source: str | None) -> None:
    """Traces, ethogram and relations for one held-out worm: the runs are repeated (seeded)."""
    if source is None:
        return
    from wormgnn.experiment import RunSpec, execute, load_dataset

    pyplot = _pyplot()
    recordings = {r.worm_id: r for r in load_dataset(source)}

    def rerun(task, key, split):
        row = next((r for r in rows if r["task"] == task and setting(r) == split and r["seed"] == 0
                    and (r["model"], r["neurons"]) == key), None)
        if row is None:
            return None
        fields = {k: row[k] for k in ("dataset", "task", "split", "fold", "model", "neurons", "seed", "profile")}
        return execute(RunSpec(source=source, device="cpu", lookahead=int(row.get("lookahead", 0) or 0), **fields),
                       keep=True)

    split = _first_setting(rows, "forecast")
    forecast_key = _best(summary, "forecast", split, "skill@1") if split else None
    if forecast_key is not None:
        run = rerun("forecast", forecast_key, split)
        if run is not None:
            rec = recordings.get(run.row["fold"]) or next(iter(recordings.values()))
            worm = run.row["fold"] if run.row["fold"] in recordings else rec.worm_id
            test = run.test_windows
            first = int(test.worm[0])
            sel = (test.worm == first).numpy()
            prepared_names = _prepared_names(source, run.row["neurons"], first)
            chosen = [n for n in NAMED_NEURONS if n in prepared_names][:4] or [n for n in prepared_names if n][:4]
            t = test.frame.numpy()[sel] / rec.fps
            fig, axes = pyplot.subplots(len(chosen), 1, figsize=(10, 1.8 * len(chosen)), sharex=True, squeeze=False)
            horizon = run.predictions.shape[1]
            for ax, name in zip(axes[:, 0], chosen, strict=True):
                j = prepared_names.index(name)
                ax.plot(t, test.y.numpy()[sel, 0, j], color="k", lw=0.8, label="recorded (next frame)")
                ax.plot(t, run.predictions[sel, 0, j], color="#2166ac", lw=0.8, label="forecast h = 1")
                ax.plot(t + (horizon - 1) / rec.fps, run.predictions[sel, -1, j], color="#d6604d", lw=0.8,
                        alpha=0.8, label=f"forecast h = {horizon}")
                ax.set_ylabel(f"{name}\nΔF/F (z)")
            axes[0, 0].legend(fontsize=8, ncol=3, loc="upper right")
            axes[-1, 0].set_xlabel("time (s)")
            axes[0, 0].set_title(f"{forecast_key[0]} forecasts on held-out worm {worm} ({split})")
            figs.save(fig, "traces", f"Recorded vs forecast activity of named neurons, held-out worm {worm}.")
    split = _first_setting(rows, "behavior")
    behavior_key = _best(summary, "behavior", split, "coarse.balanced_accuracy") if split else None
    if behavior_key is not None:
        run = rerun("behavior", behavior_key, split)
        if run is not None:
            from wormgnn.data.states import coarse_labels

            test = run.test_windows
            first = int(test.worm[0])
            sel = (test.worm == first).numpy()
            worm = run.row["fold"]
            rec = recordings.get(worm) or next(iter(recordings.values()))
            t = test.frame.numpy()[sel] / rec.fps
            true = coarse_labels(test.labels.numpy()[sel])
            lookahead = run.row.get("lookahead", 0)
            lines = [("annotated", true),
                     (f"decoded per frame{f' (lookahead {lookahead})' if lookahead else ''}",
                      run.decoded["frame"][2][sel]),
                     ("decoded sequence (HMM, offline)", run.decoded["smoothed"][2][sel])]
            fig, ax = pyplot.subplots(figsize=(11, 2.8))
            for row_y, (_, labels) in zip((2, 1, 0), lines, strict=True):
                for k, state in enumerate(COARSE_STATES):
                    ax.fill_between(t, row_y, row_y + 0.8, where=labels == k, color=STATE_COLORS[state],
                                    step="mid", label=state.lower().replace("_", " ") if row_y == 2 else None)
            ax.set_yticks([2.4, 1.4, 0.4], [name for name, _ in lines])
            ax.set_xlabel("time (s)")
            ax.set_ylim(0, 2.9)
            ax.legend(ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3))
            ax.set_title(f"Ethogram, held-out worm {worm}: {behavior_key[0]} ({split})")
            figs.save(fig, "ethogram", f"Annotated vs decoded behavior over time, per frame and as a state "
                                       f"sequence, held-out worm {worm}.")
    split = _first_setting(rows)
    graph_rows = [r for r in rows if r["model"] == "gnn" and setting(r) == split and r["seed"] == 0
                  and r["neurons"] == "shared"]
    if graph_rows:
        row = graph_rows[0]
        run = rerun(row["task"], ("gnn", "shared"), split)
        if run is not None and hasattr(run.model, "relation_strength"):
            relation_figure(source, run, figs)


def _prepared_names(source, neurons, index):
    from wormgnn.experiment import load_dataset
    from wormgnn.windows import prepare

    return prepare(list(load_dataset(source)), neurons)[index].names


def relation_figure(source, run, figs: Figures) -> None:
    from wormgnn.connectome import load_connectome
    from wormgnn.experiment import load_dataset
    from wormgnn.graph import MEASURE_LABELS, connectome_agreement, infer_relations, resolve_measure
    from wormgnn.windows import prepare

    pyplot = _pyplot()
    recordings = list(load_dataset(source))
    prepared = prepare(recordings, "shared")
    index = int(run.test_windows.worm[0])
    measure = resolve_measure(run.model, None)
    strength = infer_relations(run.model.cpu(), prepared[index], run.vocabulary, run.model.spec.window, measure)
    names = prepared[index].names
    chemical, gap, _ = load_connectome().submatrices(names)
    wiring = np.log1p(chemical + gap)
    agreement = connectome_agreement(strength, names)
    fig, axes = pyplot.subplots(1, 2, figsize=(13, 5.8), gridspec_kw={"wspace": 0.5})
    for ax, matrix, title, label in (
        (axes[0], strength, f"inferred by gnn on held-out {recordings[index].worm_id}", MEASURE_LABELS[measure]),
        (axes[1], wiring, "Cook et al. 2019 connectome", "log(1 + synapses + gap junctions)"),
    ):
        _relation_panel(fig, ax, matrix, names, title, label, fontsize=7)
    fig.suptitle(f"Shared identified neurons: AUROC against the connectome {agreement['auroc']:.2f}, "
                 f"AUPRC {agreement['auprc']:.2f} (edge density {agreement['edge_density']:.2f})", fontsize=10)
    figs.save(fig, "relations", "Relations inferred by the GNN next to the wiring diagram.")


REPORT_METRICS = {
    "forecast": ("skill@1", "skill@8", "mse@1", "mse@8"),
    "behavior": ("coarse.balanced_accuracy", "fine.balanced_accuracy", "filtered.coarse.balanced_accuracy",
                 "smoothed.coarse.balanced_accuracy", "smoothed.fine.balanced_accuracy", "coarse.switch_ratio",
                 "smoothed.coarse.switch_ratio"),
}


def _relation_panel(fig, ax, matrix, names, title: str, unit: str, fontsize: int) -> None:
    """One i → j matrix as an image, senders as rows; masked (unmeasured) pairs grey."""
    cmap = _pyplot().get_cmap("viridis").with_extremes(bad="#dddddd")
    im = ax.imshow(matrix, cmap=cmap)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(names)), names, fontsize=fontsize)
    ax.set_xlabel("target neuron j")
    ax.set_ylabel("source neuron i")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, label=unit)


def _summary_table(summary: dict) -> str:
    out = []
    for task in ("forecast", "behavior"):
        metrics = REPORT_METRICS[task]
        for split in sorted({g["split"] for g in summary["groups"] if g["task"] == task}):
            out.append(f"<h3>{task} — {html.escape(split)}</h3><table><tr><th>model</th><th>neurons</th>"
                       + "".join(f"<th>{html.escape(m)}</th>" for m in metrics) + "</tr>")
            keys = sorted({(g["model"], g["neurons"]) for g in summary["groups"]
                           if g["task"] == task and g["split"] == split})
            for key in keys:
                cells = []
                for m in metrics:
                    g = _group(summary, task, split, m).get(key)
                    cells.append(f"{g['mean']:.3f} ± {g['std']:.3f}" if g else "–")
                out.append(f"<tr><td>{key[0]}</td><td>{key[1]}</td>" + "".join(f"<td>{c}</td>" for c in cells)
                           + "</tr>")
            out.append("</table>")
    return "\n".join(out)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:0.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}}
figure{{margin:1.5em 0}}img{{max-width:100%}}figcaption{{font-size:13px;color:#555}}</style></head>
<body><h1>{title}</h1>
<p>{intro}</p>
{body}
<h2>Figures</h2>
{figures}
<script>
window.addEventListener('load', function () {{
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.every(function (i) {{ return i.complete && i.naturalWidth > 0; }});
  document.body.setAttribute('data-images-loaded', ok ? String(imgs.length) : 'broken');
}});
</script></body></html>
"""


def build_report(folder: Path, examples: bool = True) -> Path:
    """Write DIR/report.html and DIR/figures/*.png from DIR/results.jsonl."""
    folder = Path(folder)
    if not (folder / "results.jsonl").exists():
        raise WormGnnError(f"{folder}: no results.jsonl (run 'wormgnn benchmark --out {folder}' first)")
    rows = ResultStore(folder).rows()
    if not rows:
        raise WormGnnError(f"{folder}/results.jsonl: holds no finished runs")
    config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").exists() else {}
    summary = summarize(rows, failed_runs(folder))
    figs = Figures(folder)
    comparison_figures(summary, figs)
    horizon_figures(summary, figs)
    confusion_figures(rows, summary, figs)
    if examples:
        example_figures(rows, summary, figs, config.get("source"))
    intro = (f"{len(rows)} runs from {html.escape(str(config.get('data', 'unknown data')))}, profile "
             f"{html.escape(str(config.get('profile', {}).get('name', '?')))}. Traces are z-scored ΔF/F per "
             "neuron; skill is 1 − MSE/MSE of persistence; balanced accuracy is the mean recall over states.")
    failures = failure_lines(summary)
    warning = ("" if not failures else
               f'<div id="failures" style="border:2px solid #b2182b;padding:0.5em 1em"><b>Incomplete: '
               f"{len(summary['failed'])} planned run(s) have no result.</b> Their models are averaged over the "
               "runs that finished and are never the baseline.<ul>"
               + "".join(f"<li>{html.escape(line)}</li>" for line in failures) + "</ul></div>")
    body = f"{warning}\n<h2>Summary (mean ± std over seeds × folds)</h2>\n{_summary_table(summary)}"
    return write_page(folder / "report.html", "wormgnn benchmark report", intro, body, figs)


def write_page(path: Path, title: str, intro: str, body: str, figs: Figures) -> Path:
    """One self-contained HTML page: the given body, then every figure embedded."""
    blocks = []
    for name, caption, png in figs.items:
        data = base64.b64encode(png.read_bytes()).decode()
        blocks.append(f'<figure id="{name}"><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                      f"<figcaption>{html.escape(caption)} (figures/{name}.png)</figcaption></figure>")
    page = PAGE.format(title=html.escape(title), intro=intro, body=body, figures="\n".join(blocks))
    atomic_write_text(path, page)
    return path


def _relation_aurocs(result: dict) -> tuple[str, dict[str, list[float]]]:
    """The truth the graph command scored against (atlas, true coupling or wiring diagram) and
    each reading's AUROC per worm."""
    if result.get("atlas"):
        per_worm = result["atlas"]["worms"].values()
        return "signal propagation atlas", {r: [w[r]["auroc"] for w in per_worm] for r in next(iter(per_worm))}
    against = "ground_truth" if "ground_truth" in result["worms"][0] else "connectome"
    aurocs: dict[str, list[float]] = defaultdict(list)
    for worm in result["worms"]:
        aurocs[result["model"]].append(worm[against]["auroc"])
        for name, ref in worm["reference"].items():
            aurocs[name].append(ref[against]["auroc"])
    label = "true coupling" if against == "ground_truth" else "wiring diagram (chemical ∪ gap junction)"
    return label, dict(aurocs)


def graph_report(out: Path, result: dict, example: tuple, atlas) -> Path:
    """OUT/report.html and OUT/figures/: one worm's inferred relations beside the truth they are
    scored against, and every reading's AUROC against the yardsticks."""
    pyplot = _pyplot()
    figs = Figures(Path(out))
    truth_label, aurocs = _relation_aurocs(result)
    worm, names, scores, coupling = example
    model = result["model"]
    if atlas is not None:
        sub = atlas.among(names)
        measured = (sub["measured"] > 0) & np.isfinite(sub["q"])
        truth = np.where(measured, -np.log10(np.clip(sub["q"], 1e-6, 1)), np.nan)
        truth_title, truth_unit = f"atlas ({atlas.strain}), grey: not measured", "−log10 q (i stimulated, j responds)"
    elif coupling is not None:
        truth, truth_title, truth_unit = np.abs(coupling), "simulator's true coupling", "|coupling|"
    else:
        from wormgnn.graph import anatomy

        truth, truth_title, truth_unit = anatomy(names), "Cook et al. 2019 wiring", "log(1 + contacts)"
    panels = [(scores[model], f"{model} ({result['measure']})", "relation strength"),
              (scores["correlation"], "|correlation| (yardstick)", "|r|"), (truth, truth_title, truth_unit)]
    labels = [n or f"#{i}" for i, n in enumerate(names)]
    fig, axes = pyplot.subplots(1, 3, figsize=(19, 6), gridspec_kw={"wspace": 0.45})
    for ax, (matrix, title, unit) in zip(axes, panels, strict=True):
        shown = np.array(matrix, dtype=float)
        np.fill_diagonal(shown, np.nan)
        _relation_panel(fig, ax, np.ma.masked_invalid(shown), labels, title, unit, fontsize=6)
    fig.suptitle(f"Relations i → j inferred on worm {worm}, beside the {truth_label}", fontsize=11)
    figs.save(fig, "relations_vs_truth", f"Inferred relations on {worm} beside the {truth_label}.")
    fig, ax = pyplot.subplots(figsize=(8, 4))
    order = sorted(aurocs, key=lambda r: (not r.startswith(model), r))
    means = [float(np.nanmean(aurocs[r])) for r in order]
    # the mean of equal values can round past them; matplotlib refuses a negative bar
    low = [max(m - float(np.nanmin(aurocs[r])), 0.0) for m, r in zip(means, order, strict=True)]
    high = [max(float(np.nanmax(aurocs[r])) - m, 0.0) for m, r in zip(means, order, strict=True)]
    colors = ["#2166ac" if r.startswith(model) else "#999999" for r in order]
    ax.bar(range(len(order)), means, yerr=[low, high], capsize=4, color=colors)
    ax.axhline(0.5, color="r", ls=":", lw=1, label="chance")
    if "correlation" in aurocs:
        ax.axhline(float(np.nanmean(aurocs["correlation"])), color="k", ls="--", lw=1, label="|correlation|")
    ax.set_xticks(range(len(order)), order, rotation=25, ha="right")
    ax.set_ylim(0.3, 1.0)
    ax.set_ylabel(f"AUROC against the {truth_label}")
    ax.set_title(f"Every reading against the yardsticks (mean, range over {len(result['worms'])} worms)")
    ax.legend(fontsize=8)
    figs.save(fig, "relation_auroc", f"AUROC of each relation reading against the {truth_label}.")
    rows = "".join(f"<tr><td>{html.escape(r)}</td>" + "".join(f"<td>{v:.3f}</td>" for v in aurocs[r])
                   + f"<td><b>{np.nanmean(aurocs[r]):.3f}</b></td></tr>" for r in order)
    head = "".join(f"<th>{html.escape(w['worm'])}</th>" for w in result["worms"])
    body = (f"<h2>AUROC against the {html.escape(truth_label)}</h2><table><tr><th>reading</th>{head}"
            f"<th>mean</th></tr>{rows}</table>"
            + "".join(f"<p>{html.escape(note)}</p>" for note in result.get("notes", [])))
    intro = (f"Relations inferred by {html.escape(model)} ({html.escape(result['measure'])}) on "
             f"{html.escape(str(result['source']))}, profile {html.escape(result['profile'])}, seed {result['seed']}.")
    return write_page(Path(out) / "report.html", "wormgnn relations", intro, body, figs)

