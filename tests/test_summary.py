import pytest

from wormgnn.summary import flatten, render_markdown, summarize


def _row(model, fold, seed, bal, task="behavior", neurons="shared"):
    level = {"accuracy": bal, "balanced_accuracy": bal, "macro_f1": bal}
    return {"task": task, "split": "lowo", "fold": fold, "model": model, "neurons": neurons, "seed": seed,
            "metrics": {"coarse": level, "fine": level}}


def test_mean_std_and_paired_difference_to_best_agnostic():
    rows = []
    for fold, (lin, mlp, gnn) in enumerate([(0.80, 0.70, 0.85), (0.90, 0.72, 0.86)]):
        rows += [_row("linear", f"w{fold}", 0, lin), _row("mlp", f"w{fold}", 0, mlp), _row("gnn", f"w{fold}", 0, gnn)]
    s = summarize(rows)
    lin = next(g for g in s["groups"] if g["model"] == "linear" and g["metric"] == "coarse.balanced_accuracy")
    assert lin["mean"] == pytest.approx(0.85) and lin["std"] == pytest.approx(0.0707, abs=1e-3) and lin["n"] == 2
    gnn = next(p for p in s["paired"] if p["model"] == "gnn" and p["metric"] == "coarse.balanced_accuracy")
    assert gnn["reference"] == "linear"
    assert gnn["mean"] == pytest.approx(((0.85 - 0.80) + (0.86 - 0.90)) / 2)
    assert gnn["wins"] == 1
    md = render_markdown(s)
    assert "| gnn | shared | 2 |" in md and "vs linear" in md


def test_forecast_flatten_and_lower_is_better():
    row = {"task": "forecast", "metrics": {"mse": {"1": 0.2, "8": 0.5}, "skill": {"1": 0.1, "8": 0.3}}}
    assert flatten(row) == {"mse@1": 0.2, "mse@8": 0.5, "skill@1": 0.1, "skill@8": 0.3}
    rows = []
    for model, mse in (("linear", 0.2), ("lstm", 0.1)):
        rows.append({"task": "forecast", "split": "lowo", "fold": "w", "model": model, "neurons": "shared",
                     "seed": 0, "metrics": {"mse": {"1": mse}, "skill": {"1": 1 - mse}}})
    s = summarize(rows)
    p = next(p for p in s["paired"] if p["metric"] == "mse@1")
    assert p["reference"] == "lstm" and p["model"] == "linear" and p["wins"] == 0


def test_a_baseline_with_failed_runs_is_never_the_reference_and_the_table_says_so():
    rows = [_row("linear", "w0", 0, 0.90), _row("mlp", "w0", 0, 0.70), _row("mlp", "w1", 0, 0.72),
            _row("gnn", "w0", 0, 0.80), _row("gnn", "w1", 0, 0.82)]
    failed = [{"key": "k", "task": "behavior", "split": "lowo", "fold": "w1", "model": "linear",
               "neurons": "shared", "seed": 0, "error": "RuntimeError: Expected all tensors on the same device\nmore"}]
    s = summarize(rows, failed)
    gnn = next(p for p in s["paired"] if p["model"] == "gnn" and p["metric"] == "coarse.balanced_accuracy")
    assert gnn["reference"] == "mlp"  # linear is best on the run it finished, but it is incomplete
    assert s["failed"] == failed
    md = render_markdown(s)
    assert "Incomplete: 1 planned run(s) have no result" in md
    assert "linear (shared) behavior lowo: 1 run(s) without a result — RuntimeError: Expected all" in md
    assert "more" not in md.split("## ")[0]
    assert "Incomplete" not in render_markdown(summarize(rows))
