"""Where runs execute: in this process, in local worker processes, or (optionally) on Ray.

Workers only compute; the parent alone appends rows, so a killed worker loses
only the runs it was computing and the store never holds half a row. A unit of work is a
group of runs that share one training (``sweep.training_groups``); its rows come back one by
one as each is scored.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable, Iterable

from wormgnn.cpu import configure_process
from wormgnn.errors import WormGnnError
from wormgnn.experiment import RunSpec, run_group_safely

OnResult = Callable[[RunSpec, dict | None, str | None], None]
"""Called in the parent for every run: (spec, row, error message)."""


def _threads_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


Groups = list[list[RunSpec]]
"""Runs that train one model together (one-run groups for most splits)."""


def run_inline(groups: Iterable[list[RunSpec]], on_result: OnResult) -> None:
    configure_process(_threads_per_worker(1))
    for group in groups:
        for spec, row, error in run_group_safely(group):
            on_result(spec, row, error)


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """A worker whose sweep was killed (SIGTERM/SIGKILL skip all cleanup) would otherwise
    train on, orphaned, for minutes: leave as soon as the parent is gone."""
    import threading
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _worker(tasks, results, threads: int, parent: int) -> None:
    _exit_with_parent(parent)
    configure_process(threads)
    while True:
        item = tasks.get()
        if item is None:
            return
        index, group = item
        results.put(("start", index, os.getpid()))
        for spec, row, error in run_group_safely(group):
            results.put(("done", index, (spec.key, row, error)))
        results.put(("finished", index, None))


def run_processes(groups: Groups, on_result: OnResult, workers: int) -> None:
    """A small pool that notices dead workers, reports their unfinished runs as lost and
    replaces them."""
    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    for item in enumerate(groups):
        tasks.put(item)
    threads = _threads_per_worker(workers)
    procs = {}

    def spawn():
        p = ctx.Process(target=_worker, args=(tasks, results, threads, os.getpid()), daemon=True)
        p.start()
        procs[p.pid] = p

    for _ in range(min(workers, len(groups))):
        spawn()
    running: dict[int, int] = {}  # pid -> group index
    waiting = {i: {spec.key: spec for spec in group} for i, group in enumerate(groups)}  # runs not reported yet
    try:
        while waiting:
            try:
                kind, index, payload = results.get(timeout=0.5)
            except queue.Empty:
                for pid, proc in list(procs.items()):
                    if not proc.is_alive():
                        del procs[pid]
                        lost = running.pop(pid, None)
                        for spec in waiting.pop(lost, {}).values():
                            on_result(spec, None, f"worker {pid} died (exit {proc.exitcode})")
                        if waiting:
                            spawn()
                continue
            if kind == "start":
                running[payload] = index
            elif kind == "done":
                key, row, error = payload
                spec = waiting.get(index, {}).pop(key, None)
                if spec is not None:
                    on_result(spec, row, error)
            else:
                waiting.pop(index, None)
                running = {pid: i for pid, i in running.items() if i != index}
    finally:
        for _ in procs:
            tasks.put(None)
        for proc in procs.values():
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()


def run_groups(groups: Groups, on_result: OnResult, workers: int = 1, executor: str = "local",
               address: str | None = None) -> None:
    if executor == "ray":
        from wormgnn.ray_executor import run_ray

        run_ray(groups, on_result, address)
    elif executor != "local":
        raise WormGnnError(f"--executor {executor}: unknown executor (local, ray)")
    elif workers <= 1 or len(groups) <= 1:
        run_inline(groups, on_result)
    else:
        run_processes(groups, on_result, workers)
