"""Reversals in both labs' annotations: the behavioral task the two labs share."""

import numpy as np
import pytest

import wormgnn
from wormgnn.errors import WormGnnError
from wormgnn.tasks import get_task

REVERSAL = get_task("reversal")


def test_kato_reversal_states_and_nostate(kato_recordings):
    rec = kato_recordings[0]
    labels = REVERSAL.frame_labels(rec)
    names = np.array(rec.state_names)[rec.labels]
    assert (labels[np.isin(names, ["rev1", "rev2", "revsus"])] == 1).all()
    assert (labels[np.isin(names, ["fwd", "slow", "dt", "vt"])] == 0).all()
    assert (labels[names == "nostate"] == -1).all() and 0 < labels.mean() < 0.5


def test_flavell_reversals_and_the_tasks_it_lacks(flavell_dir):
    rec = wormgnn.load(flavell_dir / "2022-07-26-31.json")[0]
    assert (REVERSAL.frame_labels(rec) == rec.labels).all()  # its states are (other, reversal)
    with pytest.raises(WormGnnError, match="worm 2022-07-26-31 has no behavioral states"):
        get_task("behavior").check_recordings([rec])


def test_a_folder_with_unnamed_worms_says_which_have_no_names(flavell_dir):
    with pytest.raises(WormGnnError, match="no neuron is identified in 2022-01-16-01, 2022-05-02-01"):
        wormgnn.Model("linear", "reversal").fit(wormgnn.load(flavell_dir))


def test_reversal_decoding_on_named_flavell_worms_beats_chance(flavell_dir, tmp_path):
    for name in ("2022-07-26-31", "2022-07-27-31", "2022-08-02-31"):
        (tmp_path / f"{name}.json").symlink_to(flavell_dir / f"{name}.json")
    result = wormgnn.benchmark(data=str(tmp_path), out=tmp_path / "run", profile="tiny", models=("linear",),
                               tasks=("reversal",), workers=1)
    rows = result["rows"]
    accuracy = [r["metrics"]["balanced_accuracy"] for r in rows]
    assert len(rows) == 3 and np.mean(accuracy) > 0.6 and min(accuracy) > 0.5, accuracy
