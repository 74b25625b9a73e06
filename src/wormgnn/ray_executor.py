"""Runs as Ray tasks on an existing cluster (``pip install 'wormgnn[ray]'``).

The driver alone appends rows, exactly as with local processes, so resuming,
atomic rows and identical results (same seeds, one torch thread a task) carry over.
"""

from __future__ import annotations

from wormgnn.errors import WormGnnError
from wormgnn.experiment import RunSpec


def _task(group: list[RunSpec]):
    from wormgnn.cpu import configure_process
    from wormgnn.experiment import run_group_safely

    configure_process(1)
    return [(row, error) for _, row, error in run_group_safely(group)]


def run_ray(groups: list[list[RunSpec]], on_result, address: str | None) -> None:
    """One Ray task a group of runs that share a training; its rows come back together."""
    try:
        import ray
    except ImportError:
        raise WormGnnError("--executor ray needs Ray: pip install 'wormgnn[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, include_dashboard=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise WormGnnError(f"--address {address}: cannot connect to a Ray cluster ({exc})") from None
    try:
        wants_gpu = any(s.device in ("auto",) or s.device.startswith("cuda") for group in groups for s in group)
        gpus = 1 if wants_gpu and ray.cluster_resources().get("GPU", 0) > 0 else 0
        remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=1)(_task)
        refs = {remote.remote(group): group for group in groups}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                group = refs[ref]
                try:
                    results = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    results = [(None, f"Ray task failed: {str(exc).splitlines()[0]}")] * len(group)
                for spec, (row, error) in zip(group, results, strict=True):
                    on_result(spec, row, error)
    finally:
        if started_here:
            ray.shutdown()
