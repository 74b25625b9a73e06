"""The graph network that infers relations between neurons from their activity (NRI-style
encoder, relational decoder of ``models.decoder``).

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

import torch
import torch.nn.functional as F
from torch import nn

from wormgnn.models.base import RELATION_INFERRING, TaskSpec, register
from wormgnn.models.decoder import DecoderConfig, GraphModelBase, on_graph, pair_lookup


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
    chosen over 32 (= hidden) on validation loss (docs/method.md, docs/performance.md)."""
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
    which is never stored, and whose backward is elementwise (as a matrix product it was
    extern calls of shape (B·N², K); docs/performance.md)."""
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
    return on_graph(z, mask)


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

    The compilation is paid once per process and grad mode (docs/performance.md has what it
    costs and gains, with the command).
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


def _double_centered(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, N, N, K) minus row and column means plus the grand mean, over real neurons only."""
    real = mask.to(values.dtype)[:, :, None, None]
    count = real.sum(dim=1, keepdim=True).clamp(min=1.0)
    row = (values * real.transpose(1, 2)).sum(dim=2, keepdim=True) / count  # mean over receivers j
    col = (values * real).sum(dim=1, keepdim=True) / count  # mean over senders i
    grand = (row * real).sum(dim=1, keepdim=True) / count
    return values - row - col + grand


@register("gnn", GNNConfig, "graph network that infers relations between neurons from their activity "
          "(NRI-style encoder + recurrent relational decoder)")
class RelationalGNN(GraphModelBase):
    kind = RELATION_INFERRING

    def fast_path(self):
        return fused_path()

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
            z = on_graph(z, mask)
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
