"""Starting verification workers: the ONE place where verification launches a process.

Each worker runs in its own OS sandbox (:mod:`hone.sandbox`: bubblewrap namespaces, no network,
read-only filesystem but a private temp folder, an allow-listed environment, rlimits) and talks
JSON lines over its stdin/stdout.  The server side here reads those lines with a size cap, keeps
only a capped tail of stderr, and can tell how much CPU the worker's whole process tree has used
(from ``/proc``, read by the server, so the worker cannot misreport it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKER = Path(__file__).with_name("worker.py")
MAX_LINE = 64 << 20  # one reply; bigger is a protocol failure, not a memory problem
STDERR_TAIL = 8192


class WorkerFailed(Exception):
    """The worker died, timed out, or broke the protocol; ``kind`` says which."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind  # "timeout" | "died" | "protocol" | "start"
        self.detail = detail


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    python: str = sys.executable
    readable: tuple[str, ...] = ()  # the workspace folder, recorded-argument files, ...
    cwd: str | None = None
    memory_mb: int = 2048
    wall_s: float = 120.0
    cpu_s: int = 120
    env_remove: tuple[str, ...] = field(default_factory=tuple)


def sandbox_available() -> tuple[bool, str]:
    """Whether an OS sandbox can start here (automatic verification needs one)."""
    try:
        from hone.sandbox import availability
    except ImportError:
        return False, "the OS sandbox module is missing"
    a = availability()
    return bool(a.ok), str(a.reason)


class Worker:
    def __init__(self, handle: Any, proc_pid: int) -> None:
        self._handle = handle
        self.pid = proc_pid
        self._stdin: asyncio.StreamWriter = handle.stdin
        self._stdout: asyncio.StreamReader = handle.stdout
        self._stderr_tail = bytearray()
        self._stderr_task = (
            asyncio.ensure_future(self._drain(handle.stderr)) if handle.stderr else None
        )

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(Exception):
            while chunk := await stream.read(65536):
                self._stderr_tail += chunk
                del self._stderr_tail[:-STDERR_TAIL]

    @property
    def stderr_tail(self) -> str:
        return self._stderr_tail.decode(errors="replace")

    async def send(self, msg: dict[str, Any]) -> None:
        try:
            self._stdin.write(json.dumps(msg, allow_nan=False).encode() + b"\n")
            await self._stdin.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise WorkerFailed("died", str(exc)) from exc

    async def receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(self._stdout.readline(), timeout)
        except TimeoutError as exc:
            raise WorkerFailed("timeout") from exc
        except (ValueError, asyncio.LimitOverrunError) as exc:
            raise WorkerFailed("protocol", "reply too long") from exc
        if not line:
            raise WorkerFailed("died", self.stderr_tail[-300:])
        from hone.verify.wire import loads

        try:
            data = loads(line)
        except ValueError as exc:
            raise WorkerFailed("protocol", "unreadable reply") from exc
        if not isinstance(data, dict):
            raise WorkerFailed("protocol", "reply is not an object")
        return data

    async def request(self, msg: dict[str, Any], timeout: float) -> dict[str, Any]:
        await self.send(msg)
        return await self.receive(timeout)

    def cpu_seconds(self) -> float:
        """CPU time of the worker's whole process tree so far, read by the server."""
        return tree_cpu_seconds(self.pid)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stdin.close()
        kill = getattr(self._handle, "kill", None)
        if kill is not None:
            with contextlib.suppress(ProcessLookupError, OSError):
                kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._handle.wait(), 5.0)
        if self._stderr_task is not None:
            self._stderr_task.cancel()


async def start_worker(spec: WorkerSpec) -> Worker:
    """A worker in its own OS sandbox.  Raises ``WorkerFailed("start")`` when none can start."""
    try:
        from hone.sandbox import Limits, SandboxUnavailable, launch, verify_policy
    except ImportError:  # until hone.sandbox lands: a process group with rlimits (TEMPORARY)
        return await _interim_start(spec)

    readable = tuple(Path(p) for p in {*spec.readable, str(WORKER.parent)} if p)
    limits = Limits(
        wall_seconds=spec.wall_s,
        cpu_seconds=spec.cpu_s,
        memory_mb=spec.memory_mb,
    )
    policy = verify_policy(
        readable=readable, limits=limits, cwd=Path(spec.cwd) if spec.cwd else None
    )
    try:
        handle = await launch([spec.python, "-X", "utf8", str(WORKER)], policy, pipes=True)
    except SandboxUnavailable as exc:
        raise WorkerFailed("start", str(exc)) from exc
    except OSError as exc:
        raise WorkerFailed("start", f"cannot start {spec.python}: {exc}") from exc
    return Worker(handle, handle.pid)


class _Interim:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.stdin, self.stdout, self.stderr = proc.stdin, proc.stdout, proc.stderr

    def kill(self) -> None:
        import signal

        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def wait(self) -> int:
        return await self.proc.wait()


async def _interim_start(spec: WorkerSpec) -> Worker:
    import tempfile

    tmp = tempfile.mkdtemp(prefix="hone-verify-")
    env = {"HOME": tmp, "TMPDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}

    def limits() -> None:
        import resource

        mem = spec.memory_mb << 20
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_s, spec.cpu_s + 1))

    try:
        proc = await asyncio.create_subprocess_exec(
            spec.python,
            "-X",
            "utf8",
            str(WORKER),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=tmp,
            env=env,
            start_new_session=True,
            preexec_fn=limits,
            limit=MAX_LINE,
        )
    except OSError as exc:
        raise WorkerFailed("start", f"cannot start {spec.python}: {exc}") from exc
    return Worker(_Interim(proc), proc.pid)


# -- CPU time from /proc ----------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
        except (OSError, ValueError):
            continue
    return out


def _own_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime (all threads)
    except (IndexError, ValueError):
        return 0.0


def tree_cpu_seconds(root: int, limit: int = 256) -> float:
    total = 0.0
    stack: list[int] = [root]
    seen: set[int] = set()
    while stack and len(seen) < limit:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _own_cpu(pid)
        stack.extend(_children(pid))
    return total


def argv_for_tests(python: str, script: Path, args: Sequence[str]) -> list[str]:
    return [python, "-X", "utf8", str(script), *args]
