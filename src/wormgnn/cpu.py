"""Settings of a process that trains on the CPU: torch threads, and an allocator that keeps
the large blocks it frees.

glibc hands every block above its mmap threshold (at most 32 MB by default) back to the
kernel when it is freed, and the next batch asks for it again, zero-filled page by page. A
graph model's pair tensors are ``(B, N, N, D)``, hundreds of MB at N = 135, so the kernel's
page handling can cost more CPU time than the training itself. Keeping freed blocks in the
heap trades a peak memory that stays allocated for about twice the training speed of large
worms; results are bit-identical (docs/performance.md has the numbers and the command).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Ask glibc to serve blocks up to 1 GiB from the heap and not to return freed memory to
    the kernel. True if it took effect (glibc only; elsewhere nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 * _KEEP_BYTES - 1))


def configure_process(threads: int) -> None:
    """Once per process that trains: its share of the cores, and the allocator setting."""
    import torch

    torch.set_num_threads(max(1, threads))
    keep_freed_memory()
