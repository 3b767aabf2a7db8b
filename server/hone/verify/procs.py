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
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

WORKER = Path(__file__).with_name("worker.py")
MAX_LINE = 64 << 20  # one reply; bigger is a protocol failure, not a memory problem
PROTOCOL_OUTPUT_KB = 256 << 10  # all replies of one worker (the sandbox caps its stdout)


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
    isolated: bool = True  # False only on the user's explicit request where no sandbox starts


def sandbox_available() -> tuple[bool, str]:
    """Whether an OS sandbox can start here (automatic verification needs one)."""
    try:
        from hone.sandbox import availability
    except ImportError:
        return False, "the OS sandbox module is missing"
    a = availability()
    return bool(a.ok), str(a.reason)


class Channel(Protocol):
    """What a worker needs from its process: lines in and out, and an end."""

    pid: int

    async def send(self, data: bytes) -> bool: ...
    async def readline(self, timeout: float | None = None) -> bytes: ...
    def kill(self) -> None: ...
    async def wait(self) -> object: ...


class Worker:
    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self.pid = channel.pid

    async def send(self, msg: dict[str, Any]) -> None:
        if not await self._channel.send(json.dumps(msg, allow_nan=False).encode() + b"\n"):
            raise WorkerFailed("died")

    async def receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = await self._channel.readline(timeout)
        except TimeoutError as exc:
            raise WorkerFailed("timeout") from exc
        if not line.endswith(b"\n"):
            raise WorkerFailed("died" if not line else "protocol", "")
        if len(line) > MAX_LINE:
            raise WorkerFailed("protocol", "reply too long")
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

    async def settled_cpu(self, limit_s: float = 30.0) -> float:
        """The tree's CPU time once it stops using CPU (three readings 50 ms apart agree, so a
        throttled process on a busy machine still shows a tick): what a worker still computes
        after claiming to be done is counted.  Raises ``WorkerFailed`` when it never settles."""
        deadline = asyncio.get_running_loop().time() + limit_s
        last = self.cpu_seconds()
        stable = 0
        while True:
            await asyncio.sleep(0.05)
            now = self.cpu_seconds()
            stable = stable + 1 if now - last < 0.005 else 0
            if stable >= 2:
                return now
            last = now
            if asyncio.get_running_loop().time() > deadline:
                raise WorkerFailed("timeout", "still computing after its last reply")

    async def close(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            self._channel.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._channel.wait(), 10.0)


async def start_worker(spec: WorkerSpec) -> Worker:
    """A worker in its own OS sandbox (or, only when the user explicitly asked for it, without
    isolation).  Raises ``WorkerFailed("start")`` when it cannot start."""
    if not spec.isolated:
        return await _unisolated_start(spec)
    from hone.sandbox import Limits, SandboxUnavailable, launch, verify_policy

    readable = tuple(Path(p) for p in dict.fromkeys((*spec.readable, str(WORKER.parent))) if p)
    limits = Limits(
        wall_seconds=spec.wall_s,
        cpu_seconds=spec.cpu_s,
        memory_mb=spec.memory_mb,
        # the protocol's replies count against the output cap: generous, still bounded
        max_output_kb=PROTOCOL_OUTPUT_KB,
    )
    # one hash seed for every worker: str/bytes hashing decides set and dict-of-set iteration
    # order, which two processes must share for their results to be comparable
    policy = dataclasses.replace(
        verify_policy(readable=readable, limits=limits), env={"PYTHONHASHSEED": "0"}
    )
    try:
        box = await launch([spec.python, "-X", "utf8", str(WORKER)], policy, interactive=True)
    except SandboxUnavailable as exc:
        raise WorkerFailed("start", str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise WorkerFailed("start", f"cannot start the sandbox: {exc}") from exc
    return Worker(box)


class _Unisolated:
    """A plain child process group with rlimits: only for the user's explicit "Verify and
    measure (runs code without isolation)" where no OS sandbox can start."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        self._stderr = (
            asyncio.ensure_future(self._drain(proc.stderr)) if proc.stderr is not None else None
        )

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(Exception):
            while await stream.read(65536):
                pass  # never buffered: the output of code under test is not needed

    async def send(self, data: bytes) -> bool:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            await self.proc.stdin.drain()
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def readline(self, timeout: float | None = None) -> bytes:
        assert self.proc.stdout is not None
        try:
            return await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        except (ValueError, asyncio.LimitOverrunError):
            return b"!"  # too long: a protocol failure

    def kill(self) -> None:
        import signal

        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def wait(self) -> int:
        code = await self.proc.wait()
        if self._stderr is not None:
            self._stderr.cancel()
        return code


async def _unisolated_start(spec: WorkerSpec) -> Worker:
    import tempfile

    tmp = tempfile.mkdtemp(prefix="hone-verify-")
    env = {
        "HOME": tmp,
        "TMPDIR": tmp,
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
    }

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
    return Worker(_Unisolated(proc))


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
