"""The relational decoder on the fixed wiring diagram."""

import torch

from wormgnn.models import TaskSpec, build_model
from wormgnn.models.base import FIXED_GRAPH


def _inputs(n=3):
    x = torch.randn(1, 8, n)
    mask = torch.ones(1, n, dtype=torch.bool)
    ids = torch.arange(1, n + 1)[None]
    return x, mask, ids


def test_connectome_relations_follow_the_wiring_diagram():
    model = build_model("gnn-connectome", TaskSpec("forecast", 8, 2, 3, identities=("AVAL", "AVAR", "PVDL")))
    x, mask, ids = _inputs(3)
    z = model.relations(x, mask, ids)[0]
    # AVAL–AVAR: chemical both ways and a gap junction; the diagonal is never an edge
    assert z[0, 1, 1] > 0 and z[0, 1, 2] > 0 and z[0, 0].sum() == 0
    ids[0, 2] = 0  # an unidentified neuron gets no edges
    assert model.relations(x, mask, ids)[0, 2].sum() == 0


def test_its_graph_is_fixed_and_it_infers_nothing():
    model = build_model("gnn-connectome", TaskSpec("forecast", 8, 2, 3, identities=("AVAL", "AVAR", "PVDL")))
    assert model.kind == FIXED_GRAPH and not model.infers_relations
    x, mask, ids = _inputs(3)
    torch.testing.assert_close(model.relations(x, mask, ids), model.relations(torch.randn(1, 8, 3), mask, ids))
