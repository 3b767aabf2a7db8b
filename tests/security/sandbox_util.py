"""Helpers for the sandbox security tests: run hostile Python in a sandbox, inspect processes."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from hone.sandbox import Policy, Result, launch


async def run_code(code: str, policy: Policy | None = None, **kwargs: Any) -> Result:
    box = await launch([sys.executable, "-c", textwrap.dedent(code)], policy or Policy(), **kwargs)
    return await box.wait()


def pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def processes_in_namespace(ns: str) -> list[int]:
    """Live (non-zombie) host processes whose PID namespace is ``ns`` (e.g. "pid:[4026]")."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        if pid_namespace(int(name)) != ns:
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rfind(")") + 2] not in "ZX":
            found.append(int(name))
    return found


def rss_kb(pid: int | None = None) -> int:
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
