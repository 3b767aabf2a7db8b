"""Process inspection for the runner tests."""

from __future__ import annotations

import os


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


def pid_namespace_line(text: str) -> str:
    """The line ``ns pid:[N]`` a test program printed (its PID namespace)."""
    return next(line.split()[1] for line in text.splitlines() if line.startswith("ns "))


def processes_in_namespace(ns: str) -> list[int]:
    """Live (non-zombie) host processes in the PID namespace ``ns`` (e.g. ``pid:[4026]``)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/ns/pid") != ns:
                continue
        except OSError:
            continue
        if not process_gone(int(name)):
            found.append(int(name))
    return found
