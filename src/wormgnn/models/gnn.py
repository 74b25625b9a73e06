"""Graph neural networks over neurons: relations inferred from activity (NRI-style), or fixed
from the wiring diagram.

Dense implementation: for N ≤ 302 neurons the fully connected graph is cheapest
as ``(B, N, N, D)`` tensors. The first layer of every edge function is split as
``A·h_i + B·h_j`` (two node-sized matmuls, then a broadcast add) instead of a
matmul over concatenated pairs, and the second layer of the decoder's message
function is applied after summing over senders, which is exact because it is linear.
Edge ``(i, j)`` means "i acts on j": node j aggregates over senders i.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from wormgnn.models.base import TaskSpec, WormModel, register


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
    has more (≈ 100–135): its N² pair tensors train 7× faster this way (775 against 111
    windows/s, 1 thread), with no loss (quick profile, 5 folds, forecast skill h = 1 / 8 on
    the held-out worm: 0.009 / 0.107 with every neuron, 0.028 / 0.139 on subsets)."""
    unscored_weight: float = 0.0
    """Forecast loss weight of the neurons the metrics do not score (with ``--neurons all``,
    those outside the shared identified set; they stay inputs). 0 was chosen over 1 on
    validation skill averaged over horizons (0.135 vs 0.112, quick profile, 5 folds); with 1
    the loss is spread over ≈ 120 neurons while the skill counts 22. ``graph`` sets 1: there
    every neuron's relations are wanted."""


@dataclass(frozen=True)
class GNNConfig(DecoderConfig):
    predates: ClassVar[dict] = {"pair_hidden": 0}
    """Settings a model file may lack because it was saved before they existed: the value
    that reproduces the model it was saved from."""

    edge_types: int = 3
    """Relation types including type 0 = no relation. 3 beat 2 on validation loss for both tasks."""
    tau: float = 1.0
    gumbel: bool = False
    """Sample relations with Gumbel-softmax while training (NRI); soft weights otherwise."""
    sparsity: float = 0.0
    """Weight of the mean relation probability in the loss (prefers few edges). Off by default:
    from the start of training it drives every relation to zero before any becomes useful."""
    pair_hidden: int = 16
    """Width of the encoder's pair features (0 = ``hidden``), which set its cost: 16 was
    chosen over 32 (= hidden) on validation loss, paper profile, 5 folds × 3 seeds, real
    worms: equal for forecasting (0.5006 against 0.5020, ± 0.0021), lower for behavior (0.744
    against 0.777, ± 0.020, 11 of 15 runs), at 1.2× (N = 22) and 1.5× (N = 135) the
    training speed."""
    centered: bool = False
    """Remove each sender's and receiver's mean relation logit (over real neurons), so that
    relations must be pair-specific rather than "this neuron is informative to all"."""


def _masked_mean_over_senders(edges: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, N, N, D) over senders i (dim 1) weighted by the sender mask → (B, N, D)."""
    weight = mask.to(edges.dtype)
    summed = torch.einsum("bijd,bi->bjd", edges, weight)
    return summed / weight.sum(dim=1).clamp(min=1.0)[:, None, None]


def _compiling() -> bool:
    check = getattr(torch.compiler, "is_compiling", None) or torch._dynamo.is_compiling
    return bool(check())


def _project(pairs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Each pair's P features → K logits. Eager, one matrix product. Compiled, K sums of
    products over P: TorchInductor then computes them inside the loop that makes ``pairs``,
    which is never stored, and whose backward is elementwise (as a matrix product it was three
    extern calls of shape (B·N², 3) per step, ≈ 4.5 of 36 ms at N = 22)."""
    if _compiling():
        return torch.stack([(pairs * weight[k]).sum(-1) for k in range(weight.shape[0])], dim=-1) + bias
    return F.linear(pairs, weight, bias)


def pair_stages(h: torch.Tensor, mask: torch.Tensor, e1a_w, e1a_b, e1b_w, e1p_w, e1q_w, n2_w1, n2_b1, n2_w2,
                n2_b2, e2a_w, e2a_b, e2b_w, out_w, out_b) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder's two pair stages, node → edge → node → edge: edge logits (B, N, N, K) and
    the second node states v (B, N, D); pair features are P wide (``GNNConfig.pair_hidden``).

    Every ``(B, N, N, P)`` tensor here feeds only elementwise operations, a sum over senders
    and the final P → K projection, which is what a compiler can fuse into loops that never
    write them to memory (``fused_relations``)."""
    e = (F.elu(F.linear(h, e1a_w, e1a_b).unsqueeze(2) + F.linear(h, e1b_w).unsqueeze(1))
         + F.linear(h, e1p_w).unsqueeze(2) * F.linear(h, e1q_w).unsqueeze(1))
    v = F.linear(F.elu(F.linear(_masked_mean_over_senders(e, mask), n2_w1, n2_b1)), n2_w2, n2_b2)
    pairs = F.elu(F.linear(v, e2a_w, e2a_b).unsqueeze(2) + F.linear(v, e2b_w).unsqueeze(1) + e)
    return _project(pairs, out_w, out_b), v


def encoder_logits(h: torch.Tensor, mask: torch.Tensor, prior: torch.Tensor, pair_weights: tuple,
                   bilinear_u: torch.Tensor, bilinear_v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits of "no relation" (B, N, N, 1) and of each relation type (B, N, N, K-1): the pair
    stages plus a bilinear term of the second node states and the learned identity prior."""
    logits, v = pair_stages(h, mask, *pair_weights)
    b, n, d = v.shape
    u = F.linear(v, bilinear_u).view(b, n, -1, d).transpose(1, 2)  # (B, K-1, N, D)
    w = F.linear(v, bilinear_v).view(b, n, -1, d).transpose(1, 2)
    bilinear = (u @ w.transpose(-1, -2)).permute(0, 2, 3, 1) / d**0.5  # (B, N, N, K-1)
    return logits[..., :1], logits[..., 1:] + bilinear + prior


def relation_probabilities(h: torch.Tensor, mask: torch.Tensor, prior: torch.Tensor, pair_weights: tuple,
                           bilinear_u: torch.Tensor, bilinear_v: torch.Tensor, tau: float) -> torch.Tensor:
    """Soft relations (B, N, N, K), zero on the diagonal and at padding: the whole encoder from
    node features on, as one function of tensors, so that one compiled version
    (``fused_relations``) serves every model of a process. Run eagerly it is the reference."""
    none, edges = encoder_logits(h, mask, prior, pair_weights, bilinear_u, bilinear_v)
    z = torch.softmax(torch.cat([none, edges], dim=-1) / tau, dim=-1)
    return _on_graph(z, mask)


_FUSED = None
_FUSED_ACTIVE = False


@contextmanager
def fused_path():
    """Within it, graph models infer relations with ``fused_relations`` (where available), in
    training steps and in evaluation alike. ``train.fit`` enters it: there the compilation is
    paid once per process and repaid over thousands of batches; a one-off prediction would
    spend longer compiling than computing, so outside it the eager reference runs."""
    global _FUSED_ACTIVE
    before, _FUSED_ACTIVE = _FUSED_ACTIVE, True
    try:
        yield
    finally:
        _FUSED_ACTIVE = before


def fused_relations():
    """``relation_probabilities`` compiled (TorchInductor: C++ loops on a CPU, Triton on a
    GPU), or None where the fast path is off. The encoder is bound by memory traffic and
    kernel launches, not arithmetic: compiled, its (B, N, N, P) tensors, the P → K projection,
    the softmax over relation types and the masks become a few loops over pairs; the backward
    recomputes the pair features instead of saving them.

    Measured with one thread, batch 128, forecast training (``benchmarks/throughput.py``, see
    docs/performance.md for the numbers and the command). The compilation costs ≈ 10–50 s once
    per process and grad mode (less with the on-disk cache of an earlier process).
    ``WORMGNN_COMPILE``: ``auto`` (default: on where a C++ compiler or a GPU is there), ``1``, ``0``.
    """
    global _FUSED
    import os
    import shutil

    setting = os.environ.get("WORMGNN_COMPILE", "auto").lower()
    if setting in ("0", "false", "off"):
        return None
    if _FUSED is None:
        if setting == "auto" and not (torch.cuda.is_available() or shutil.which(os.environ.get("CXX", "g++"))
                                      or shutil.which("c++")):
            return None
        # one compilation per weight shape (hidden, pair width, types) and grad mode: a worker
        # that trains several gnn variants passes Dynamo's default of 8, after which it would
        # quietly run eagerly
        config = torch._dynamo.config
        limit = "recompile_limit" if hasattr(config, "recompile_limit") else "cache_size_limit"  # torch < 2.6
        setattr(config, limit, max(getattr(config, limit), 64))
        _FUSED = torch.compile(relation_probabilities, dynamic=True)
    return _FUSED


def pair_lookup(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``table[ids_i, ids_j]``, (B, N, N, …), or (1, N, N, …) when every window of the batch
    has the same neurons in the same order (always so for one worm's windows): one lookup
    instead of B, and a backward that sums over the batch before scattering (1.0 → 0.05 ms a
    step at N = 22, batch 128). The check costs one host sync per batch on a GPU."""
    if ids.shape[0] > 1 and bool((ids == ids[:1]).all()):
        ids = ids[:1]
    return table[ids[:, :, None], ids[:, None, :]]


class Dropout(nn.Module):
    """Inverted dropout from 16 random bits per element, drawn as 64-bit words: one draw per
    four elements, and a mask made by arithmetic rather than a boolean comparison. On a CPU,
    0.22 ms forward for the decoder's (128, 22, 64) messages, against 0.57 ms for a uniform
    float per element and 1.39 ms (forward and backward) for ``nn.Dropout``'s Bernoulli
    sampling. Drops with probability ``round(p · 2¹⁶) / 2¹⁶`` (0.300003 for 0.3)."""

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
        over frames (0.45 against 1.36 ms forward and backward at N = 22, batch 128)."""
        first = self.encode[0]
        weight = first.weight.view(self.hidden, x.shape[1], -1)  # (D, W, 1 + I)
        return (F.linear(x.transpose(1, 2), weight[:, :, 0], first.bias)
                + F.linear(emb, weight[:, :, 1:].sum(dim=1)))


class GraphModelBase(WormModel):
    """Identity embeddings, the decoder and the two task heads, shared by both graph models."""

    fixed_neurons = False
    structure_agnostic = False

    def __init__(self, spec: TaskSpec, config: DecoderConfig, edge_types: int):
        super().__init__(spec, config)
        d = config.hidden
        self.identity = nn.Embedding(max(spec.vocab_size, 1), config.identity_dim)
        self.decoder = RelationDecoder(1 + config.identity_dim, spec.window, d, edge_types, config.dropout,
                                       config.recurrent, config.rounds)
        node = d + config.identity_dim
        if spec.forecast:
            self.head = nn.Sequential(nn.Linear(node, d), nn.GELU(), nn.Linear(d, spec.horizon))
        else:
            self.attend = nn.Sequential(nn.Linear(node, d), nn.Tanh(), nn.Linear(d, config.heads))
            self.value = nn.Sequential(nn.Linear(node, d * config.heads), nn.GELU())
            self.head = nn.Sequential(Dropout(config.dropout), nn.Linear(d * config.heads, spec.n_classes))
        self.aux_loss = torch.zeros(())

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
        if self.spec.forecast:
            delta = self.head(state)  # (B, N, H)
            return x[:, -1:, :] + delta.transpose(1, 2) * mask[:, None, :]
        score = self.attend(state).masked_fill(~mask[..., None], float("-inf"))  # (B, N, heads)
        value = self.value(state).view(*score.shape, -1)  # (B, N, heads, D)
        pooled = torch.einsum("bnh,bnhd->bhd", torch.softmax(score, dim=1), value)
        return self.head(pooled.flatten(1))


def _double_centered(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, N, N, K) minus row and column means plus the grand mean, over real neurons only."""
    real = mask.to(values.dtype)[:, :, None, None]
    count = real.sum(dim=1, keepdim=True).clamp(min=1.0)
    row = (values * real.transpose(1, 2)).sum(dim=2, keepdim=True) / count  # mean over receivers j
    col = (values * real).sum(dim=1, keepdim=True) / count  # mean over senders i
    grand = (row * real).sum(dim=1, keepdim=True) / count
    return values - row - col + grand


def _on_graph(z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Relations (B, N, N, K) zeroed on the diagonal and wherever either neuron is padding."""
    n = mask.shape[1]
    eye = torch.eye(n, dtype=torch.bool, device=mask.device)
    return z * (mask[:, :, None] & mask[:, None, :] & ~eye)[..., None].to(z.dtype)


@register("gnn", GNNConfig, "graph network that infers relations between neurons from their activity "
          "(NRI-style encoder + recurrent relational decoder)")
class RelationalGNN(GraphModelBase):
    def __init__(self, spec: TaskSpec, config: GNNConfig):
        super().__init__(spec, config, config.edge_types)
        d, k = config.hidden, config.edge_types
        p = config.pair_hidden or d
        self.node_in = nn.Sequential(nn.Linear(spec.window + config.identity_dim, d), nn.ELU(), nn.Linear(d, d))
        self.edge1_a, self.edge1_b = nn.Linear(d, p), nn.Linear(d, p, bias=False)
        self.node2 = nn.Sequential(nn.Linear(p, d), nn.ELU(), nn.Linear(d, d))
        self.edge2_a, self.edge2_b = nn.Linear(d, p), nn.Linear(d, p, bias=False)
        self.edge2_out = nn.Linear(p, k)
        self.edge1_p, self.edge1_q = nn.Linear(d, p, bias=False), nn.Linear(d, p, bias=False)
        self.bilinear_u = nn.Linear(d, d * (k - 1), bias=False)
        self.bilinear_v = nn.Linear(d, d * (k - 1), bias=False)
        # a learned prior per identity pair: named neurons keep their relations across worms
        self.pair_prior = nn.Parameter(torch.zeros(spec.vocab_size, spec.vocab_size, k - 1))

    def _encoder_inputs(self, x, ids) -> tuple:
        """Node features, identity prior and weights: the arguments of ``relation_probabilities``
        after the mask."""
        xn = (x - x.mean(dim=1, keepdim=True)).transpose(1, 2)  # each neuron's window, (B, N, W)
        h = self.node_in(torch.cat([xn, self.identity(ids)], dim=-1))
        # neurons without an identity (id 0) get no prior: its row and column are zero
        prior = pair_lookup(F.pad(self.pair_prior[1:, 1:], (0, 0, 1, 0, 1, 0)), ids)
        # additive pair features plus a product term: correlations need multiplicative pairs
        weights = (self.edge1_a.weight, self.edge1_a.bias, self.edge1_b.weight, self.edge1_p.weight,
                   self.edge1_q.weight, self.node2[0].weight, self.node2[0].bias, self.node2[2].weight,
                   self.node2[2].bias, self.edge2_a.weight, self.edge2_a.bias, self.edge2_b.weight,
                   self.edge2_out.weight, self.edge2_out.bias)
        return h, prior, weights, self.bilinear_u.weight, self.bilinear_v.weight

    def relation_logits(self, x, mask, ids) -> torch.Tensor:
        """Encoder: node → edge → node → edge over the fully connected graph; (B, N, N, K).

        Pair tensors only see additions, ELUs and the final P → K projection: the matmuls all
        act on nodes, which is what keeps N = 135 affordable on a CPU.
        """
        h, prior, weights, bilinear_u, bilinear_v = self._encoder_inputs(x, ids)
        none, edges = encoder_logits(h, mask, prior, weights, bilinear_u, bilinear_v)
        if self.config.centered:  # softmax only sees logits relative to "no relation"
            return torch.cat([torch.zeros_like(none), _double_centered(edges - none, mask)], dim=-1)
        return torch.cat([none, edges], dim=-1)

    def relations(self, x, mask, ids):
        if self.config.centered or (self.training and self.config.gumbel):
            logits = self.relation_logits(x, mask, ids)
            if self.training and self.config.gumbel:
                z = F.gumbel_softmax(logits, tau=self.config.tau, dim=-1)
            else:
                z = torch.softmax(logits / self.config.tau, dim=-1)
            z = _on_graph(z, mask)
        else:
            h, prior, weights, bilinear_u, bilinear_v = self._encoder_inputs(x, ids)
            encoder = (fused_relations() if _FUSED_ACTIVE else None) or relation_probabilities
            # contiguous: a strided mask (evaluation batches) would be one more compilation
            z = encoder(h, mask.contiguous(), prior, weights, bilinear_u, bilinear_v, self.config.tau)
        if self.training:
            self.aux_loss = self.config.sparsity * z[..., 1:].sum(-1).mean()
        return z

    @torch.no_grad()
    def relation_strength(self, x, mask, ids) -> torch.Tensor:
        """P(any relation) for each ordered pair, averaged over the given windows: (N, N)."""
        was = self.training
        self.eval()
        z = self.relations(x, mask.bool(), ids)
        self.train(was)
        return z[..., 1:].sum(-1).mean(0)


@dataclass(frozen=True)
class ConnectomeGNNConfig(DecoderConfig):
    """The decoder's settings only: the graph is fixed."""


@register("gnn-connectome", ConnectomeGNNConfig, "the same relational decoder on the fixed Cook et al. "
          "2019 wiring diagram (chemical and gap junctions as two relation types)")
class ConnectomeGNN(GraphModelBase):
    """Neurons without an identity (or unknown to the wiring diagram) get no edges."""

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
        return _on_graph(pair_lookup(self.table, ids), mask)
