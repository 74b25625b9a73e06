"""Kato's behavioral states as a task: labels, coarse and fine metrics, sequence decoding."""

import numpy as np
import pytest

from wormgnn.data.states import FINE_STATES, KATO_STATES
from wormgnn.errors import WormGnnError
from wormgnn.tasks import get_task

BEHAVIOR = get_task("behavior")


def test_labels_are_the_fine_states_and_nostate_is_unscored(kato_recordings):
    rec = kato_recordings[0]
    labels = BEHAVIOR.frame_labels(rec)
    assert labels.shape == (rec.frames,) and labels.max() < len(FINE_STATES)
    nostate = np.asarray(rec.labels) == list(rec.state_names).index("nostate") if "nostate" in rec.state_names \
        else np.zeros(rec.frames, bool)
    assert (labels[nostate] == -1).all()
    assert KATO_STATES[:7] == BEHAVIOR.classes


def test_flatten_names_every_decoding_and_switch_rates_are_not_compared():
    metrics = {"coarse": {"balanced_accuracy": 0.9}, "fine": {"balanced_accuracy": 0.7},
               "smoothed": {"coarse": {"switch_ratio": 1.1}, "fine": {}}}
    assert BEHAVIOR.flatten(metrics) == {"coarse.balanced_accuracy": 0.9, "fine.balanced_accuracy": 0.7,
                                         "smoothed.coarse.switch_ratio": 1.1}
    assert not BEHAVIOR.compared("smoothed.coarse.switch_ratio") and BEHAVIOR.compared("coarse.macro_f1")
    assert BEHAVIOR.confusion_labels()["coarse"][0] == "FORWARD"


def test_the_decoder_round_trips_through_a_dict_and_a_bad_one_is_refused():
    from wormgnn.sequence import StateDynamics

    dynamics = StateDynamics.count([np.array([0, 0, 1, 1, 4])], 7)
    again = BEHAVIOR.decoder_from_dict(BEHAVIOR.decoder_to_dict(dynamics))
    np.testing.assert_allclose(again.transitions, dynamics.transitions)
    with pytest.raises((KeyError, TypeError, ValueError)):
        BEHAVIOR.decoder_from_dict({"transitions": "no"})
    assert BEHAVIOR.has_decoder and BEHAVIOR.accepts_lookahead


def test_a_recording_without_states_is_refused_by_name():
    from wormgnn.data import Recording

    bare = Recording(traces=np.zeros((30, 2)), neuron_names=["A", "B"], fps=3.0, worm_id="bare")
    with pytest.raises(WormGnnError, match="worm bare has no behavioral states"):
        BEHAVIOR.check_recordings([bare])
