import numpy as np
import pytest
from matfiles import kato_fields, write_v5, write_v73

from wormgnn.data import load
from wormgnn.data.loader import sniff
from wormgnn.errors import DataError


def test_decides_by_content_not_extension(tmp_path):
    rng = np.random.default_rng(1)
    v73 = write_v73(tmp_path / "a_v73.dat", "Data", kato_fields(rng))
    v5 = write_v5(tmp_path / "b_v5.nwb", "Data", kato_fields(rng))  # misleading extension
    assert sniff(v73) == "mat73" and sniff(v5) == "mat5"
    assert len(load(v73)) == 2 and len(load(v5)) == 2


def test_folder_reads_every_recording(tmp_path):
    rng = np.random.default_rng(2)
    write_v73(tmp_path / "one.mat", "Data", kato_fields(rng))
    write_v5(tmp_path / "two.mat", "Data", kato_fields(rng, worms=3))
    assert len(load(tmp_path)) == 5


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "nope.mat")


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="folder holds no recordings"):
        load(tmp_path)


def test_not_a_recording(tmp_path):
    junk = tmp_path / "junk.mat"
    junk.write_text("this is plain text, not MATLAB")
    with pytest.raises(DataError, match="not a MATLAB, HDF5, NWB or WormWideWeb JSON file"):
        load(junk)


def test_truncated_hdf5(tmp_path, kato_path):
    cut = tmp_path / "cut.mat"
    cut.write_bytes(kato_path.read_bytes()[:200_000])
    with pytest.raises(DataError, match="cut.mat"):
        load(cut)


def test_a_registered_reader_loads_by_content_and_feeds_a_benchmark(tmp_path, monkeypatch):
    """A toy text format: a first line 'WORMTEXT fps', then one line of names, then frames."""
    import wormgnn
    from wormgnn.data import Recording, loader
    from wormgnn.sim import simulate

    def read_wormtext(path):
        lines = path.read_text().splitlines()
        fps = float(lines[0].split()[1])
        names = [n if n != "-" else None for n in lines[1].split()]
        traces = np.array([[float(v) for v in line.split()] for line in lines[2:]])
        return [Recording(traces=traces, neuron_names=names, fps=fps, worm_id=path.stem, source=str(path))]

    monkeypatch.setattr(loader, "READERS", list(loader.READERS))
    loader.register_reader(loader.Reader("wormtext", lambda p, head: head.startswith(b"WORMTEXT"), read_wormtext,
                                         "WORMTEXT"))
    recordings, _ = simulate(worms=3, seed=3, duration_s=120)
    for rec in recordings:
        body = "\n".join(" ".join(f"{v:.4f}" for v in frame) for frame in rec.traces)
        names = " ".join(n or "-" for n in rec.neuron_names)
        (tmp_path / f"{rec.worm_id}.any").write_text(f"WORMTEXT {rec.fps}\n{names}\n{body}\n")
    assert loader.sniff(tmp_path / f"{recordings[0].worm_id}.any") == "wormtext"
    loaded = wormgnn.load(tmp_path)
    assert [r.worm_id for r in loaded] == sorted(r.worm_id for r in recordings)
    np.testing.assert_allclose(loaded[0].traces, recordings[0].traces, atol=1e-4)
    result = wormgnn.benchmark(data=str(tmp_path), out=tmp_path / "run", profile="tiny", models=("linear",),
                               tasks=("forecast",), workers=1)
    assert len(result["rows"]) == 3 and all(r["metrics"]["skill"]["1"] > 0 for r in result["rows"])
    (tmp_path / "other.txt").write_text("hello")
    with pytest.raises(DataError, match="not a WORMTEXT, MATLAB, HDF5, NWB or WormWideWeb JSON file"):
        wormgnn.load(tmp_path / "other.txt")
