"""A plain PyTorch training loop: Adam, early stopping on validation, seeded, CPU or CUDA."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wormgnn.errors import WormGnnError
from wormgnn.models.base import WormModel
from wormgnn.options import check_precision
from wormgnn.tasks import get_task
from wormgnn.windows import Windows


@dataclass(frozen=True)
class TrainConfig:
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 128
    max_epochs: int = 30
    patience: int = 5
    eval_batch_size: int = 1024
    device: str = "cpu"
    precision: str = "fp32"
    """'bf16' runs forward passes under autocast (for GPUs; weights and optimizer stay fp32)."""


def fused_adam(device: str) -> bool | None:
    """AdamW's one-kernel update (PyTorch ≥ 2.4 on a CPU): a loop over parameters spends a
    small model's step on dispatch."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return True if (major, minor) >= (2, 4) or device.startswith("cuda") else None


def resolve_device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise WormGnnError(f"--device {name}: no CUDA device is available")
    if name != "cpu" and not name.startswith("cuda"):
        raise WormGnnError(f"--device {name}: unknown device (cpu, cuda, auto)")
    return name


def _autocast(cfg: TrainConfig):
    check_precision(cfg.precision)
    device_type = "cuda" if cfg.device.startswith("cuda") else "cpu"
    return torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % (2**32))


def loss_function(model: WormModel, class_weights: torch.Tensor | None, scale: torch.Tensor | None = None):
    """The model's task's loss, with the model's weight for neurons the metrics do not score."""
    return get_task(model.spec.task).loss(model.spec, class_weights, scale, model.unscored_weight)


def _batches(n: int, size: int, generator: torch.Generator | None, device: str):
    """Index batches, moved to the device once per epoch: no host round-trip per step."""
    order = (torch.randperm(n, generator=generator, device="cpu") if generator is not None
             else torch.arange(n, device="cpu"))
    order = order.to(device)
    for start in range(0, n, size):
        yield order[start:start + size]


CPU_PAIR_BUDGET = 2**19
"""Neuron pairs per evaluation batch on a CPU: pair tensors of large batches of large worms
run several times slower per window (memory-bound; docs/performance.md). GPUs keep the large
batches."""


def evaluation_batch(limit: int, n_neurons: int, device: torch.device | str) -> int:
    """The evaluation batch size for windows of ``n_neurons``: on a CPU at most
    ``CPU_PAIR_BUDGET`` neuron pairs."""
    if torch.device(device).type != "cpu":
        return limit
    return max(8, min(limit, CPU_PAIR_BUDGET // max(n_neurons, 1) ** 2))


@torch.no_grad()
def evaluate_loss(model: WormModel, data: Windows, loss, batch_size: int) -> float:
    model.eval()
    total, count = 0.0, 0
    batch_size = evaluation_batch(batch_size, data.x.shape[2], data.x.device)
    for index in _batches(len(data), batch_size, None, data.x.device.type):
        batch = data.subset(index)
        total += float(loss(model(batch.x, batch.mask, batch.ids), batch)) * len(index)
        count += len(index)
    return total / max(count, 1)


def fit(model: WormModel, train: Windows, val: Windows, cfg: TrainConfig, seed: int,
        class_weights: torch.Tensor | None = None) -> dict:
    """Train in place; keep the weights of the best validation epoch. Returns a small log."""
    start = time.perf_counter()
    if not model.trainable:
        return {"epochs": 0, "seconds": 0.0}
    device = cfg.device
    if model.closed_form:  # closed-form and full-batch fits run where they are fastest
        where = model.fit_device or device
        model.to(where)
        weights = class_weights.to(where) if class_weights is not None else None
        log = model.fit_direct(train.to(where), val.to(where), weights)
        model.to(device)
        return {"epochs": 0, "seconds": time.perf_counter() - start, "fit_device": where, **log}
    model.to(device)
    weights = class_weights.to(device) if class_weights is not None else None
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    train, val = train.to(device), val.to(device)
    scale = get_task(model.spec.task).loss_scale(train)
    loss = loss_function(model, weights, scale)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                                  fused=fused_adam(device))
    best_loss, best_state, best_epoch, epoch = float("inf"), None, 0, 0
    subset = model.train_neurons
    with model.fast_path():  # compiled kernels (the gnn's encoder), paid once per process
        for epoch in range(1, cfg.max_epochs + 1):
            model.train()
            for index in _batches(len(train), cfg.batch_size, generator, device):
                batch = train.subset(index)
                if subset:
                    batch = batch.sample_neurons(subset, generator)
                optimizer.zero_grad(set_to_none=True)
                with _autocast(cfg):
                    out = model(batch.x, batch.mask, batch.ids)
                value = loss(out.float(), batch) + model.auxiliary_loss()
                value.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimizer.step()
            val_loss = evaluate_loss(model, val, loss, cfg.eval_batch_size)
            if val_loss < best_loss - 1e-6:
                best_loss, best_epoch = val_loss, epoch
                best_state = copy.deepcopy(model.state_dict())
            elif epoch - best_epoch >= cfg.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"epochs": epoch, "best_epoch": best_epoch, "val_loss": best_loss,
            "seconds": time.perf_counter() - start}


@torch.no_grad()
def predict(model: WormModel, data: Windows, batch_size: int = 1024) -> np.ndarray:
    """The task's predictions: forecasts (M, H, N), or class probabilities (M, C)."""
    model.eval()
    task = get_task(model.spec.task)
    device = next(model.parameters()).device if any(True for _ in model.parameters()) else "cpu"
    outs = []
    batch_size = evaluation_batch(batch_size, data.x.shape[2], device)
    for start in range(0, len(data), batch_size):
        batch = data.subset(slice(start, start + batch_size)).to(device)
        out = model(batch.x, batch.mask, batch.ids)
        outs.append(task.outputs(out).float().cpu())
    return torch.cat(outs).numpy()
