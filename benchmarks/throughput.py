"""Training and inference throughput of every model at the real data's size and the whole worm.

    python benchmarks/throughput.py --json throughput.json            # N = 135 and 302, W = 16
    python benchmarks/throughput.py --json t.json --sizes 8 --steps 2 --models mlp,gnn   # a smoke run
    python benchmarks/throughput.py --json sys.json --allocator system   # glibc's default allocator
    python benchmarks/throughput.py --json t.json --sizes 22,135 --models gnn,gnn-connectome --threads 1 \
        --paths eager,fused                         # the gnn's eager reference and its compiled encoder
    python benchmarks/throughput.py --json t.json --sizes 22 --models gnn,gnn:pair_hidden=32   # model variants
    python benchmarks/throughput.py --json t.json --sizes 22 --models gnn --sweep ../shared/data/kato2015/WT_NoStim.mat

Measures, on the device it runs on (named in the output): training windows/s (forward,
backward, gradient clipping and optimizer step on device-resident batches, as in
``train.fit``), inference ms per window at the training batch size (as in a run's
evaluation), and the online latency of decoding one new window of one worm (batch 1; the
GNN's relations inferred once per recording and reused). Each gnn row carries its training
windows/s as a fraction of gnn-connectome's at the same size (the cost of inferring
relations rather than reading them off a fixed graph). ``--sweep DATA`` also times the paper
sweep of the six models (3 seeds, shared neurons, 2 workers) on that data, wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from wormgnn.cpu import keep_freed_memory
from wormgnn.errors import WormGnnError
from wormgnn.files import atomic_write_text
from wormgnn.models import TaskSpec, build_model
from wormgnn.models.base import parse_model
from wormgnn.models.decoder import GraphModelBase
from wormgnn.models.gnn import fused_path
from wormgnn.train import fused_adam, resolve_device


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _inputs(batch: int, window: int, n: int, device: str):
    x = torch.randn(batch, window, n, device=device)
    mask = torch.ones(batch, n, dtype=torch.bool, device=device)
    ids = torch.arange(1, n + 1, device=device).expand(batch, n).contiguous()
    return x, mask, ids


def measure(name: str, task: str, n: int, window: int, horizon: int, batch: int, steps: int, device: str,
            precision: str) -> dict:
    spec = TaskSpec(task, window, horizon, n, identities=tuple(f"N{i}" for i in range(n)))
    torch.manual_seed(0)
    model = build_model(name, spec).to(device)
    x, mask, ids = _inputs(batch, window, n, device)
    target = (torch.randn(batch, horizon, n, device=device) if task == "forecast"
              else torch.randint(0, spec.n_classes, (batch,), device=device))
    autocast = torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16,
                              enabled=precision == "bf16")
    result = {"model": name, "task": task, "neurons": n, "window": window, "batch": batch}
    params = list(model.parameters())
    if params and model.trainable and not model.closed_form:
        opt = torch.optim.AdamW(params, lr=1e-3, fused=fused_adam(device))
        loss_fn = torch.nn.functional.mse_loss if task == "forecast" else torch.nn.functional.cross_entropy

        def step():
            opt.zero_grad(set_to_none=True)
            with autocast:
                loss = loss_fn(model(x, mask, ids).float(), target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()

        model.train()
        step()  # warm-up (allocations, kernels)
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(device)
        result["train_windows_per_s"] = round(batch * steps / (time.perf_counter() - start), 1)
    model.eval()
    with torch.no_grad(), autocast:
        model(x, mask, ids)
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            model(x, mask, ids)
        _sync(device)
        result["inference_ms_per_window"] = round(1000 * (time.perf_counter() - start) / (batch * steps), 4)
        one = _inputs(1, window, n, device)
        cached = model.relations(*one) if isinstance(model, GraphModelBase) else None
        kwargs = {"relations": cached} if cached is not None else {}
        model(*one, **kwargs)
        _sync(device)
        start = time.perf_counter()
        repeats = max(steps, 10)
        for _ in range(repeats):
            model(*one, **kwargs)
        _sync(device)
        result["online_ms_per_frame"] = round(1000 * (time.perf_counter() - start) / repeats, 3)
    return result


def time_sweep(data: str, device: str, workers: int, keep: Path | None = None) -> dict:
    """Wall seconds of ``wormgnn benchmark --profile paper`` with the six models (3 seeds,
    shared neurons, both tasks) in a fresh folder (``keep``: one that stays, to compare rows)."""
    models = "persistence,linear,mlp,lstm,gnn,gnn-connectome"
    if keep is not None and keep.exists():
        raise SystemExit(f"{keep}: exists; the timed sweep needs a fresh folder")
    with tempfile.TemporaryDirectory() as scratch:
        out = str(keep or scratch)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "wormgnn.cli", "benchmark", "--data", data, "--profile",
                                 "paper", "--models", models, "--device", device, "--workers", str(workers),
                                 "--out", out, "--no-report"], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        rows = [json.loads(line) for line in Path(out, "results.jsonl").read_text().splitlines()] \
            if Path(out, "results.jsonl").exists() else []
    summed: dict[str, float] = {}
    for row in rows:
        summed[row["model"]] = round(summed.get(row["model"], 0.0) + row["seconds"], 1)
    return {"data": data, "models": models, "workers": workers, "wall_s": round(seconds, 1), "runs": len(rows),
            "exit_code": result.returncode, "summed_s_by_model": summed,
            "compile": os.environ.get("WORMGNN_COMPILE", "auto")}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--sizes", default="135,302", help="neuron counts, comma-separated")
    parser.add_argument("--models", default="linear,mlp,lstm,gnn,gnn-connectome")
    parser.add_argument("--task", default="forecast", choices=("forecast", "behavior"))
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: all cores)")
    parser.add_argument("--paths", default="auto", help="gnn pair stages: auto (as wormgnn runs them), eager, "
                        "fused (compiled), or several comma-separated, each measured in this run")
    parser.add_argument("--sweep", default=None, help="also time the paper sweep on this data file")
    parser.add_argument("--workers", type=int, default=2, help="workers of the timed sweep")
    parser.add_argument("--sweep-out", type=Path, default=None, help="keep the timed sweep's results here")
    parser.add_argument("--allocator", default="keep", choices=("keep", "system"),
                        help="keep: freed blocks stay in the heap, as in wormgnn's workers (wormgnn.cpu); "
                        "system: glibc's default, to compare")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    kept = keep_freed_memory() if args.allocator == "keep" else False
    if args.threads:
        torch.set_num_threads(args.threads)
    models = [m for m in args.models.split(",") if m]
    try:  # a name with its variant settings, e.g. gnn:pair_hidden=32
        registered = {m: parse_model(m)[0].name for m in models}
    except WormGnnError as exc:
        parser.error(str(exc))
    device_name = torch.cuda.get_device_name(0) if device.startswith("cuda") else (platform.processor() or
                                                                                   platform.machine())
    paths = {"auto": os.environ.get("WORMGNN_COMPILE", "auto"), "eager": "0", "fused": "1"}
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        for name in models:
            inferred = registered[name] == "gnn"
            for path in args.paths.split(",") if inferred else ["auto"]:
                os.environ["WORMGNN_COMPILE"] = paths[path]
                with fused_path():  # as in training and a sweep's evaluation
                    row = measure(name, args.task, n, args.window, args.horizon, args.batch, args.steps, device,
                                  args.precision) | ({"path": path} if inferred else {})
                print(json.dumps(row), flush=True)
                rows.append(row)
    for row in rows:
        fixed = next((r for r in rows if r["model"] == "gnn-connectome" and r["neurons"] == row["neurons"]), None)
        if registered[row["model"]] == "gnn" and fixed and "train_windows_per_s" in row:
            row["fraction_of_gnn_connectome"] = round(row["train_windows_per_s"] / fixed["train_windows_per_s"], 3)
    report = {"device": device, "device_name": device_name, "threads": torch.get_num_threads(),
              "cpu_count": os.cpu_count(), "freed_memory_kept": kept, "torch": torch.__version__,
              "precision": args.precision, "results": rows}
    if args.sweep:
        report["paper_sweep"] = time_sweep(args.sweep, device, args.workers, args.sweep_out)
        print(json.dumps(report["paper_sweep"]), flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.json, json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
