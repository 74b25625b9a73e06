"""Checks of the options every command shares, each in one place: a bad one is one line
naming the option and what it may be."""

from __future__ import annotations

from wormgnn.errors import WormGnnError
from wormgnn.tasks import get_task

NEURON_SETS = ("shared", "all", "named")
"""shared: names identified in every worm (every model); all: every recorded neuron; named:
every identified neuron of each worm (graph models only, whose input is a set)."""
PRECISIONS = ("fp32", "bf16")


def check_neurons(neurons: str) -> str:
    if neurons not in NEURON_SETS:
        raise WormGnnError(f"--neurons {neurons}: unknown neuron set (known: {', '.join(NEURON_SETS)})")
    return neurons


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise WormGnnError(f"--precision {precision}: unknown precision ({', '.join(PRECISIONS)})")
    return precision


def check_lookahead(tasks: tuple[str, ...] | list[str], lookahead: int) -> int:
    """A lookahead every one of the tasks accepts."""
    for task in tasks:
        get_task(task).check_lookahead(lookahead)
    return lookahead


def frames_needed(window: int, lookahead: int = 0) -> int:
    """The fewest frames a recording needs for one window: W, or K + 1 when the lookahead
    reaches beyond the window (the decoded frame, then K frames after it)."""
    return max(window, lookahead + 1)


def check_long_enough(recordings, window: int, lookahead: int) -> None:
    """One line, naming the worm, when a recording is too short for even one window."""
    need = frames_needed(window, lookahead)
    for rec in recordings:
        if rec.frames < need:
            raise WormGnnError(f"{rec.source or rec.worm_id}: worm {rec.worm_id} has {rec.frames} frames; a window "
                               f"of {window} frames with lookahead {lookahead} needs at least {need}")
