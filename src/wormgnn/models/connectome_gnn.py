"""The relational decoder on the fixed wiring diagram: the graph model without relation
inference, to tell what inferring relations adds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from wormgnn.models.base import FIXED_GRAPH, TaskSpec, register
from wormgnn.models.decoder import DecoderConfig, GraphModelBase, on_graph, pair_lookup


@dataclass(frozen=True)
class ConnectomeGNNConfig(DecoderConfig):
    """The decoder's settings only: the graph is fixed."""


@register("gnn-connectome", ConnectomeGNNConfig, "the same relational decoder on the fixed Cook et al. "
          "2019 wiring diagram (chemical and gap junctions as two relation types)")
class ConnectomeGNN(GraphModelBase):
    """Neurons without an identity (or unknown to the wiring diagram) get no edges."""

    kind = FIXED_GRAPH

    def __init__(self, spec: TaskSpec, config: ConnectomeGNNConfig):
        super().__init__(spec, config, edge_types=3)
        from wormgnn.connectome import load_connectome

        names = [None, *spec.identities]
        chemical, gap, _ = load_connectome().submatrices(names)
        table = np.zeros((len(names), len(names), 3), dtype=np.float32)
        table[..., 1] = np.log1p(chemical) / max(np.log1p(chemical).max(), 1e-6)
        table[..., 2] = np.log1p(gap) / max(np.log1p(gap).max(), 1e-6)
        self.register_buffer("table", torch.from_numpy(table))

    def relations(self, x, mask, ids):
        return on_graph(pair_lookup(self.table, ids), mask)
