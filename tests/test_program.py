import numpy as np

from wormgnn.data.states import KATO_STATES
from wormgnn.sim.program import annotate, motor_program


def test_cycle_order_forward_reversal_turn():
    labels = motor_program(5000, np.random.default_rng(0))
    names = [KATO_STATES[i] for i in labels]
    changes = [(a, b) for a, b in zip(names, names[1:], strict=False) if a != b]
    for a, b in changes:
        if a in ("vt", "dt"):
            assert b in ("fwd", "slow")
        if b in ("vt", "dt"):
            assert a in ("rev1", "rev2", "revsus")
        if a in ("fwd", "slow"):
            assert b in ("fwd", "slow", "rev1", "rev2")


def test_annotation_leaves_short_nostate_stretches():
    program = motor_program(1000, np.random.default_rng(1))
    labels = annotate(program, np.random.default_rng(2), stretches=2)
    unlabelled = labels == KATO_STATES.index("nostate")
    assert 5 <= unlabelled.sum() <= 30
    np.testing.assert_array_equal(labels[~unlabelled], program[~unlabelled])
