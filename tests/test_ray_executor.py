import math

import pytest
from conftest import write_sim_folder

import wormgnn
from wormgnn.errors import WormGnnError
from wormgnn.summary import flatten


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("raydata")
    write_sim_folder(folder, worms=3, seed=9, duration_s=120)
    return folder


def test_ray_rows_equal_local_rows(tmp_path, tiny_data):
    pytest.importorskip("ray", reason="Ray is an optional extra; CI installs it with .[ray]")
    options = dict(profile="tiny", models=("linear", "mlp", "gnn"), splits=("lowo",))
    local = wormgnn.benchmark(data=str(tiny_data), out=tmp_path / "local", workers=2, **options)
    remote = wormgnn.benchmark(data=str(tiny_data), out=tmp_path / "ray", executor="ray", **options)
    assert not local["failed"] and not remote["failed"]
    by_key = {r["key"]: r for r in local["rows"]}
    assert set(by_key) == {r["key"] for r in remote["rows"]} and len(by_key) == 3 * 3 + 3 * 3
    for row in remote["rows"]:
        a, b = flatten(by_key[row["key"]]), flatten(row)
        assert a.keys() == b.keys()
        assert all(math.isclose(a[k], b[k], rel_tol=1e-5, abs_tol=1e-6) for k in a), row["key"]
    again = wormgnn.benchmark(data=str(tiny_data), out=tmp_path / "ray", executor="ray", **options)
    assert again["skipped"] == again["runs"]


def test_unknown_executor(tmp_path, tiny_data):
    with pytest.raises(WormGnnError, match="unknown executor"):
        wormgnn.benchmark(data=str(tiny_data), out=tmp_path / "x", profile="tiny", models=("linear",),
                          executor="slurm")
