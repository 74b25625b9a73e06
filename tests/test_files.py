"""Outputs appear whole or not at all; nothing is replaced unasked."""

import pytest

from wormgnn.errors import WormGnnError
from wormgnn.files import atomic_write, atomic_write_text, refuse_overwrite, writable_dir


def test_atomic_write_replaces_whole(tmp_path):
    path = tmp_path / "s.json"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two" and not list(tmp_path.glob(".*"))


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.bin"
    path.write_text("precious")

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_text() == "precious" and sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]


def test_overwrite_guard_names_what_exists(tmp_path):
    one, two = tmp_path / "a.nwb", tmp_path / "b.nwb"
    refuse_overwrite([one, two], overwrite=False)  # nothing there yet
    one.write_text("x")
    with pytest.raises(WormGnnError, match="a.nwb: exists \\(use --overwrite"):
        refuse_overwrite([one, two], overwrite=False)
    two.write_text("y")
    with pytest.raises(WormGnnError, match="would overwrite a.nwb, b.nwb"):
        refuse_overwrite([one, two], overwrite=False)
    refuse_overwrite([one, two], overwrite=True)


def test_writable_dir_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(WormGnnError, match="exists and is not a folder"):
        writable_dir(tmp_path / "f")
    assert writable_dir(tmp_path / "new" / "deep").is_dir()
