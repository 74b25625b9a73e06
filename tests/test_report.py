import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from conftest import write_sim_folder

import wormgnn
import wormgnn.store
from wormgnn.errors import WormGnnError
from wormgnn.report import build_report

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    write_sim_folder(data, worms=3, seed=5, duration_s=150)
    out = tmp_path_factory.mktemp("run")
    wormgnn.benchmark(data=str(data), out=out, profile="tiny", models=("persistence", "linear", "gnn"))
    return out


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources, self.figures = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.sources.append(attrs["src"])
        if tag == "figure":
            self.figures.append(attrs["id"])


def test_report_has_every_figure(tiny_run):
    page = build_report(tiny_run)
    parser = _Images()
    parser.feed(page.read_text())
    pngs = sorted(p.stem for p in (tiny_run / "figures").glob("*.png"))
    expected = {"comparison_forecast_lowo", "comparison_behavior_lowo", "skill_vs_horizon_lowo",
                "confusion_behavior_lowo", "traces_forecast", "ethogram_behavior", "relations"}
    assert expected <= set(pngs)
    assert sorted(parser.figures) == pngs
    assert all(src.startswith("data:image/png;base64,") for src in parser.sources)
    for png in (tiny_run / "figures").glob("*.png"):
        data = png.read_bytes()
        assert data.startswith(PNG) and len(data) > 5000


def test_page_loads_every_figure_in_a_headless_browser(tiny_run, tmp_path):
    page = build_report(tiny_run, examples=False)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is required for this test (.ci/run installs Debian's chromium)"
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-background-networking", "--disable-component-update", "--disable-sync",
                             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
                             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    parser = _Images()
    parser.feed(page.read_text())
    assert len(parser.sources) >= 4
    assert f'data-images-loaded="{len(parser.sources)}"' in result.stdout, result.stderr[-2000:]


def test_report_of_a_folder_without_results(tmp_path):
    with pytest.raises(WormGnnError, match="no results.jsonl"):
        build_report(tmp_path)


def test_the_report_only_renders_what_the_runs_kept(tiny_run, monkeypatch):
    from wormgnn import experiment, pipeline

    def no_training(*args, **kwargs):
        raise AssertionError("the report trained a model")

    monkeypatch.setattr(pipeline, "train_model", no_training)
    monkeypatch.setattr(experiment, "execute", no_training)
    monkeypatch.setattr(experiment, "execute_group", no_training)
    page = build_report(tiny_run).read_text()
    assert 'id="traces_forecast"' in page and 'id="relations"' in page
    kept = sorted((tiny_run / "examples").glob("*.npz"))
    rows = [r for r in wormgnn.store.ResultStore(tiny_run).rows() if r["seed"] == 0]
    assert len(kept) == len(rows) and all((tiny_run / r["example"]).is_file() for r in rows)


def test_a_folder_from_before_examples_were_kept_says_so(tiny_run, tmp_path):
    import json

    old = tmp_path / "old"
    old.mkdir()
    lines = [json.loads(line) for line in (tiny_run / "results.jsonl").read_text().splitlines()]
    (old / "results.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "example"}) + "\n"
                                               for r in lines))
    page = build_report(old).read_text()
    assert "predates stored examples" in page and 'id="comparison_forecast_lowo"' in page


def test_a_sweep_over_two_labs_draws_within_against_across(tmp_path):
    first, second = tmp_path / "lab_a", tmp_path / "lab_b"
    write_sim_folder(first, worms=2, seed=2, duration_s=120)
    write_sim_folder(second, worms=2, seed=9, duration_s=120)
    out = tmp_path / "run"
    wormgnn.benchmark(data=(str(first), str(second)), out=out, profile="tiny", models=("persistence", "linear"),
                      tasks=("forecast",), splits=("lowo", "cross-dataset"), workers=1)
    page = build_report(out).read_text()
    assert 'id="settings_forecast"' in page
    assert 'id="comparison_forecast_cross-dataset_lab_a-to-lab_b"' in page and "lowo lab_b" in page
