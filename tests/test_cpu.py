"""The CPU process settings: the allocator keeps freed blocks, threads are set."""

import platform
import subprocess
import sys

import pytest
import torch

from wormgnn.cpu import configure_process, keep_freed_memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

FREE_AND_MEASURE = """
import os, sys, torch
from wormgnn.cpu import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else False
page = os.sysconf("SC_PAGE_SIZE")
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * page
before = resident()
block = torch.ones(64 * 2**20 // 4)  # 64 MB, every page written
del block
print(kept, (resident() - before) / 2**20)
"""


def _retained_mb(mode: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", FREE_AND_MEASURE, mode], capture_output=True, text=True, check=True)
    kept, retained = out.stdout.split()
    return kept, float(retained)


def test_keep_freed_memory_says_whether_it_applies():
    assert keep_freed_memory() is GLIBC


@pytest.mark.skipif(not GLIBC, reason="the setting exists in glibc only")
def test_a_freed_large_block_stays_in_the_process_only_when_kept():
    kept, retained = _retained_mb("keep")
    assert kept == "True" and retained > 48  # the next batch reuses it without page faults
    kept, retained = _retained_mb("system")
    assert kept == "False" and retained < 16  # glibc's default: handed back to the kernel at free


def test_configure_process_sets_the_threads():
    before = torch.get_num_threads()
    try:
        configure_process(1)
        assert torch.get_num_threads() == 1
        configure_process(0)  # never below one
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
