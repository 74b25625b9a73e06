"""What both graph models share: identity embeddings, the relational decoder (messages
weighted by relations between neurons), the task heads, and the dense pair helpers.

Dense implementation: for N ≤ 302 neurons the fully connected graph is cheapest as
``(B, N, N, D)`` tensors. Edge ``(i, j)`` means "i acts on j": node j aggregates over
senders i.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from wormgnn.models.base import TaskSpec, WormModel


@dataclass(frozen=True)
class DecoderConfig:
    """Settings of the relational decoder and task heads, shared by both graph models."""

    hidden: int = 32
    identity_dim: int = 8
    dropout: float = 0.3
    """Chosen on validation loss (the training worms' held-out tail) over 0.1, for both tasks."""
    recurrent: bool = False
    """NRI's recurrent decoder (a GRU step per frame); see RelationDecoder for the cost."""
    rounds: int = 2
    heads: int = 4
    """Attention-pooling heads for behavior: one softmax over neurons can average only one
    group of them, and states are defined by several groups at once (AVA up and SMDV up)."""
    train_neurons: int = 48
    """Train on at most this many neurons per window (scored ones kept, the rest drawn anew
    every batch; 0 = every neuron); evaluation always sees every neuron. Only ``--neurons all``
    has more: N² pair tensors train much faster on subsets, with no loss on validation
    (docs/method.md)."""
    unscored_weight: float = 0.0
    """Forecast loss weight of the neurons the metrics do not score (with ``--neurons all``,
    those outside the shared identified set; they stay inputs). 0 was chosen over 1 on
    validation skill (docs/method.md): with 1 the loss is spread over every neuron while the
    skill counts the shared ones. ``graph`` sets 1: there every neuron's relations are wanted."""


def pair_lookup(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``table[ids_i, ids_j]``, (B, N, N, …), or (1, N, N, …) when every window of the batch
    has the same neurons in the same order (always so for one worm's windows): one lookup
    instead of B, and a backward that sums over the batch before scattering. The check costs
    one host sync per batch on a GPU."""
    if ids.shape[0] > 1 and bool((ids == ids[:1]).all()):
        ids = ids[:1]
    return table[ids[:, :, None], ids[:, None, :]]


def on_graph(z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Relations (B, N, N, K) zeroed on the diagonal and wherever either neuron is padding."""
    n = mask.shape[1]
    eye = torch.eye(n, dtype=torch.bool, device=mask.device)
    return z * (mask[:, :, None] & mask[:, None, :] & ~eye)[..., None].to(z.dtype)


class Dropout(nn.Module):
    """Inverted dropout from 16 random bits per element, drawn as 64-bit words: one draw per
    four elements, and a mask made by arithmetic rather than a boolean comparison, several
    times cheaper than ``nn.Dropout``'s Bernoulli sampling on a CPU (docs/performance.md).
    Drops with probability ``round(p · 2¹⁶) / 2¹⁶`` (0.300003 for 0.3)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        cut = round(self.p * 65536)
        n = x.numel()
        words = torch.empty((n + 3) // 4, dtype=torch.int64, device=x.device).random_(-2**63, 2**63 - 1)
        bits = words.view(torch.int16)[:n].view(x.shape)  # uniform on [-32768, 32767]
        # 1 where bits ≥ cut - 32768, else 0 (in float32, where these integers are exact)
        keep = (bits.float() - (cut - 32768 - 1)).clamp_(0, 1).mul_(65536 / (65536 - cut))
        return x * keep.to(x.dtype)


class RelationalMessages(nn.Module):
    """Per relation type k, each neuron receives the relation-weighted mean of its senders'
    messages ``f_k(s_i)``: one ``(N × N) @ (N × D)`` product per type, no pair tensor.

    Messages depend on the sender's state only (as in a graph convolution); the relation
    weights carry the pair. This is what makes many rounds affordable on a CPU.
    """

    def __init__(self, hidden: int, edge_types: int):
        super().__init__()
        self.types = edge_types - 1  # type 0 carries no message
        self.message = nn.Sequential(nn.Linear(hidden, hidden * self.types), nn.ELU())
        self.hidden = hidden

    @staticmethod
    def adjacency(relations: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, K-1, receiver, sender), padding senders at zero, normalised by real neurons."""
        real = mask.to(relations.dtype)
        norm = real.sum(dim=1).clamp(min=1.0)[:, None, None, None]
        return (relations[..., 1:] * real[:, :, None, None]).permute(0, 3, 2, 1) / norm

    def forward(self, state: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        b, n, _ = state.shape
        sent = self.message(state).view(b, n, self.types, self.hidden).transpose(1, 2)
        return (adjacency @ sent).transpose(1, 2).reshape(b, n, self.types * self.hidden)


class RelationDecoder(nn.Module):
    """Node states updated with relation-weighted messages.

    ``recurrent``: a GRU per neuron over every frame of the window, messages at each frame
    (NRI's recurrent decoder; costs B·N·W·D² per window). Otherwise: a per-neuron encoding
    of the whole window, then ``rounds`` residual message-passing rounds (W times cheaper).
    """

    def __init__(self, in_dim: int, window: int, hidden: int, edge_types: int, dropout: float,
                 recurrent: bool, rounds: int):
        super().__init__()
        self.recurrent = recurrent
        self.hidden = hidden
        self.messages = RelationalMessages(hidden, edge_types)
        width = hidden * (edge_types - 1)
        self.drop = Dropout(dropout)
        if recurrent:
            self.cell = nn.GRUCell(in_dim + width, hidden)
        else:
            self.encode = nn.Sequential(nn.Linear(window * in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))
            self.update = nn.ModuleList(
                nn.Sequential(nn.Linear(hidden + width, hidden), nn.GELU(), nn.Linear(hidden, hidden))
                for _ in range(rounds))

    def forward(self, x: torch.Tensor, emb: torch.Tensor, relations: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x (B, W, N), identity embeddings (B, N, I); relations (B, N, N, K), zero off the graph
        and at padding. Each frame's input is a neuron's value beside its identity embedding."""
        b, w, n = x.shape
        adjacency = self.messages.adjacency(relations, mask)
        if self.recurrent:
            inputs = torch.cat([x.unsqueeze(-1), emb.unsqueeze(1).expand(-1, w, -1, -1)], dim=-1)
            state = inputs.new_zeros(b * n, self.hidden)
            for t in range(w):
                received = self.messages(state.view(b, n, self.hidden), adjacency)
                step = torch.cat([inputs[:, t], self.drop(received)], dim=-1).reshape(b * n, -1)
                state = self.cell(step, state)
            return state.view(b, n, self.hidden)
        state = self.encode[2](self.encode[1](self._encode_window(x, emb)))
        for update in self.update:
            received = self.drop(self.messages(state, adjacency))
            first = update[0]  # a linear layer of [state, received], as two products: no concatenation
            hidden = F.linear(state, first.weight[:, :self.hidden], first.bias) + F.linear(
                received, first.weight[:, self.hidden:])
            state = state + update[2](update[1](hidden))
        return state

    def _encode_window(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """The encoder's first layer on every frame's [value, identity] of a neuron, without
        building them: the identity is the same at every frame, so its weights act once, summed
        over frames."""
        first = self.encode[0]
        weight = first.weight.view(self.hidden, x.shape[1], -1)  # (D, W, 1 + I)
        return (F.linear(x.transpose(1, 2), weight[:, :, 0], first.bias)
                + F.linear(emb, weight[:, :, 1:].sum(dim=1)))


class GraphModelBase(WormModel):
    """Identity embeddings, the decoder and the two kinds of head (per neuron, per window),
    shared by both graph models."""

    fixed_neurons = False

    def __init__(self, spec: TaskSpec, config: DecoderConfig, edge_types: int):
        super().__init__(spec, config)
        d = config.hidden
        self.identity = nn.Embedding(max(spec.vocab_size, 1), config.identity_dim)
        self.decoder = RelationDecoder(1 + config.identity_dim, spec.window, d, edge_types, config.dropout,
                                       config.recurrent, config.rounds)
        node = d + config.identity_dim
        if spec.per_neuron:
            self.head = nn.Sequential(nn.Linear(node, d), nn.GELU(), nn.Linear(d, spec.horizon))
        else:
            self.attend = nn.Sequential(nn.Linear(node, d), nn.Tanh(), nn.Linear(d, config.heads))
            self.value = nn.Sequential(nn.Linear(node, d * config.heads), nn.GELU())
            self.head = nn.Sequential(Dropout(config.dropout), nn.Linear(d * config.heads, spec.n_classes))
        self.aux_loss = torch.zeros(())

    @property
    def unscored_weight(self) -> float:
        return float(self.config.unscored_weight)

    @property
    def train_neurons(self) -> int:
        return int(self.config.train_neurons)

    def auxiliary_loss(self) -> torch.Tensor:
        return self.aux_loss

    def relations(self, x: torch.Tensor, mask: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x, mask, ids, relations: torch.Tensor | None = None):
        mask = mask.bool()
        if relations is None:
            relations = self.relations(x, mask, ids)
        elif relations.shape[0] != x.shape[0]:
            relations = relations.expand(x.shape[0], -1, -1, -1)
        emb = self.identity(ids)
        state = torch.cat([self.decoder(x, emb, relations, mask), emb], dim=-1)
        if self.spec.per_neuron:
            delta = self.head(state)  # (B, N, H)
            return x[:, -1:, :] + delta.transpose(1, 2) * mask[:, None, :]
        score = self.attend(state).masked_fill(~mask[..., None], float("-inf"))  # (B, N, heads)
        value = self.value(state).view(*score.shape, -1)  # (B, N, heads, D)
        pooled = torch.einsum("bnh,bnhd->bhd", torch.softmax(score, dim=1), value)
        return self.head(pooled.flatten(1))
