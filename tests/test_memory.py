"""hone.core.memory: freed native memory goes back to the OS where the C library allows."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from hone.core import memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_trim_is_found_on_glibc() -> None:
    assert memory._malloc_trim() is not None


def test_release_never_raises() -> None:
    memory.release_free_memory()
    memory.release_free_memory()


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_parser_memory_leaves_the_process() -> None:
    """Parse many statements with libcst, freeing each tree: without the release, glibc keeps
    the freed heap resident (several MB); with it, resident memory returns near its start."""
    script = """
import libcst, sys
from hone.core.memory import release_free_memory
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
libcst.parse_module("x = 1\\n")
src = "".join(f"def f{i}(a, b):\\n    return [x * {i} for x in range(a) if x % b]\\n" for i in range(400))
start = rss()
for _ in range(8):
    libcst.parse_module(src)
kept = rss() - start
release_free_memory()
print(kept, rss() - start)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    kept_kb, after_kb = int(out[0]), int(out[1])
    assert kept_kb > 4096, kept_kb  # the premise: glibc did keep the freed heap
    assert after_kb < kept_kb / 4, (kept_kb, after_kb)
