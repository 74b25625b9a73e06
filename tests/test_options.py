"""Option checks shared by every command."""

import pytest

from wormgnn.data import Recording
from wormgnn.errors import WormGnnError
from wormgnn.options import check_long_enough, check_lookahead, check_neurons, check_precision, frames_needed


def test_unknown_values_name_the_option_and_the_choices():
    assert check_neurons("all") == "all" and check_precision("bf16") == "bf16"
    with pytest.raises(WormGnnError, match="--neurons every: unknown neuron set \\(known: shared, all, named\\)"):
        check_neurons("every")
    with pytest.raises(WormGnnError, match="--precision fp16: unknown precision \\(fp32, bf16\\)"):
        check_precision("fp16")


def test_lookahead_must_suit_every_task_asked_for():
    assert check_lookahead(("behavior",), 4) == 4
    with pytest.raises(WormGnnError, match="a forecast already looks ahead"):
        check_lookahead(("behavior", "forecast"), 4)


def test_a_recording_shorter_than_one_window_is_named():
    import numpy as np

    short = Recording(traces=np.zeros((10, 2)), neuron_names=["A", "B"], fps=3.0, worm_id="w9")
    assert frames_needed(16) == 16 and frames_needed(4, 6) == 7
    check_long_enough([short], 8, 0)
    with pytest.raises(WormGnnError, match="worm w9 has 10 frames; a window of 16 frames with lookahead 0"):
        check_long_enough([short], 16, 0)
