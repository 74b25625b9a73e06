import json

import pytest

from wormgnn.data.cleaning import DataWarning
from wormgnn.errors import WormGnnError
from wormgnn.store import ResultStore


def test_append_and_read_back(tmp_path):
    store = ResultStore(tmp_path / "out")
    store.append({"key": "a", "x": 1})
    store.append({"key": "b", "x": 2})
    assert [r["key"] for r in store.rows()] == ["a", "b"]
    assert store.done_keys() == {"a", "b"}
    assert store.path.read_text().count("\n") == 2


def test_half_written_last_line_is_dropped(tmp_path):
    store = ResultStore(tmp_path)
    store.append({"key": "a"})
    with open(store.path, "a") as fh:
        fh.write('{"key": "b", "metr')  # a writer killed mid-line
    with pytest.warns(DataWarning, match="unfinished last line"):
        again = ResultStore(tmp_path)
    assert again.done_keys() == {"a"}
    again.append({"key": "c"})
    assert [json.loads(line)["key"] for line in again.path.read_text().splitlines()] == ["a", "c"]


def test_out_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("precious")
    with pytest.raises(WormGnnError, match="not a folder"):
        ResultStore(target)
    assert target.read_text() == "precious"
