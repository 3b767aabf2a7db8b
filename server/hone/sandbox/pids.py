"""A pids cgroup per sandbox, for when hone runs as root.

``RLIMIT_NPROC`` bounds a fork bomb for every user except root (the kernel exempts uid 0, even
inside a user namespace whose uid 0 maps to the host's root).  CI and containers often run as
root, so there a cgroup with ``pids.max`` is the bound: the cgroup v1 ``pids`` hierarchy, or
cgroup v2 when its ``pids`` controller can be enabled below hone's own group.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
import uuid
from pathlib import Path

_V1 = Path("/sys/fs/cgroup/pids")
_swept = False
_V2_MOUNTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))


def _own_group(controller: str) -> str | None:
    """Hone's cgroup path in the hierarchy of ``controller`` ("" for v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3 and controller in parts[1].split(","):
            return parts[2]
        if len(parts) == 3 and controller == "" and parts[0] == "0" and parts[1] == "":
            return parts[2]
    return None


@functools.cache
def parent() -> Path | None:
    """A cgroup folder under which hone may create per-sandbox groups, or None."""
    group = _own_group("pids")
    if group is not None and (_V1 / "cgroup.procs").exists():
        base = _V1 / (group or "/").lstrip("/")
        if _try_child(base):
            return base
    v2 = _own_group("")
    if v2 is not None:
        for mount in _V2_MOUNTS:
            base = mount / v2.lstrip("/")
            if (base / "cgroup.subtree_control").exists():
                with contextlib.suppress(OSError):
                    (base / "cgroup.subtree_control").write_text("+pids")
                if _try_child(base):
                    return base
    return None


def _try_child(base: Path) -> bool:
    probe = base / f"hone-probe-{uuid.uuid4().hex[:8]}"
    try:
        probe.mkdir()
    except OSError:
        return False
    try:
        (probe / "pids.max").write_text("8")
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


def usable() -> bool:
    return os.geteuid() == 0 and parent() is not None


def _sweep(base: Path) -> None:
    """Remove groups left behind by a server that died (empty, and a minute old: a group a
    concurrent server has just created is not touched; one in use cannot be removed)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for group in base.glob("hone-sandbox-*"):
            with contextlib.suppress(OSError):
                if now - group.stat().st_mtime > 60:
                    group.rmdir()


def create(max_processes: int) -> Path | None:
    """A new group limited to ``max_processes`` tasks (None if that cannot be done)."""
    base = parent()
    if base is None:
        return None
    global _swept
    if not _swept:
        _swept = True
        _sweep(base)
    group = base / f"hone-sandbox-{uuid.uuid4().hex[:12]}"
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(max_processes))
    except OSError:
        remove(group)
        return None
    return group


def remove(group: Path) -> bool:
    """Remove an emptied group; False if tasks are still in it."""
    try:
        group.rmdir()
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False
