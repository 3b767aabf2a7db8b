"""Process inspection for the runner tests."""

from __future__ import annotations


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (gone, or a zombie waiting for its reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat[stat.rfind(")") + 2] in "ZX"


def pids_in(text: str) -> list[int]:
    """Lines ``pid <n>`` that a test program printed."""
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith("pid ")]
