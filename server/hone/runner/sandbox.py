"""Run a file (or one of its functions) in a sandboxed child process and build its report.

The child (``bootstrap.py`` under the chosen interpreter) runs in its own session and process
group, with stdin on /dev/null, an address-space limit, a CPU-time backstop and an environment
without hone's secrets.  The parent here, on the asyncio loop and never blocking it:

* drains stdout/stderr as they come, keeping the first ``max_output_bytes`` and counting the rest;
* enforces the wall-time limit and cancellation: SIGUSR1 asks the child for a partial report,
  and after a short grace the whole process group is SIGKILLed;
* after the program ends in any way, kills whatever is left in its process group and every
  descendant it saw (a program's stray children or a fork storm do not outlive the run);
* reaps the child with ``wait4`` for its exit status, CPU time and peak memory.

Environment: the child gets hone's environment minus ``OPENAI_API_KEY``, every ``HONE_*``
variable and the names in ``RunRequest.env_remove`` (the LSP layer adds the ``llm.apiKeyEnv``
setting's variable).  Other variables stay: the user's program may legitimately need them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hone.runner.report import TimingReport, apply_profile, fmt_bytes

BOOTSTRAP = str(Path(__file__).with_name("bootstrap.py"))
ALWAYS_REMOVED_ENV = ("OPENAI_API_KEY",)
REMOVED_ENV_PREFIX = "HONE_"
INTERRUPT_SIGNAL = signal.SIGUSR1
_TICK_S = 0.2  # progress callback and descendant scan period


@dataclass(frozen=True, slots=True)
class RunRequest:
    path: str  # the program's file: its ``__file__``; need not exist when source_text is given
    source_text: str | None = None  # what runs (the editor's buffer); None: read ``path``
    function: str | None = None  # call this function (no required arguments) instead of __main__
    args: tuple[str, ...] = ()  # sys.argv[1:]
    cwd: str | None = None  # working directory (the workspace folder); None: the file's folder
    python: str | None = None  # interpreter; None: hone's own
    timeout_s: float = 60.0
    memory_mb: int | None = 2048  # address-space limit; None: no limit
    max_output_bytes: int = 1 << 20  # stdout + stderr kept; the rest is counted and dropped
    extra_sys_path: tuple[str, ...] = ()  # after the file's folder, e.g. the workspace root
    user_roots: tuple[str, ...] = ()  # besides the file's folder and cwd: whose code is profiled
    env_remove: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None  # base environment; None: os.environ
    instrument: bool = True  # argument samples (+ call counts): an AST rewrite of user code
    call_counts: bool = True  # exact call counts (a few tens of ns per call; off: a few ns)
    # every sample_interval_s for the first fast_sampling_s seconds of the run, then every
    # slow_sample_interval_s: a timer tick costs the program 5-150 us (bare metal - small VM)
    sample_interval_s: float = 0.001
    slow_sample_interval_s: float = 0.01
    fast_sampling_s: float = 0.1
    sampler: str = "auto"  # "signal" (Linux: a timer signal to the main thread), "thread", "auto"
    samples_per_function: int = 3
    max_sample_bytes: int = 64 * 1024
    work_dir: str | None = None  # where samples.pkl is kept; None: a new temporary folder
    grace_s: float = 2.0  # after SIGUSR1, how long the child may take to write its report
    max_processes: int = 512  # extra processes allowed (non-root only; see bootstrap)


def child_environment(base: Mapping[str, str], remove: tuple[str, ...] = ()) -> dict[str, str]:
    """``base`` minus hone's own secrets (see the module docstring)."""
    drop = set(remove) | set(ALWAYS_REMOVED_ENV)
    return {k: v for k, v in base.items() if k not in drop and not k.startswith(REMOVED_ENV_PREFIX)}


def _failed(request: RunRequest, message: str, python: str = "") -> TimingReport:
    return TimingReport(
        path=request.path,
        function=request.function,
        args=tuple(request.args),
        python=python,
        error=message,
    )


def _validate(request: RunRequest) -> str | None:
    if not request.path or not os.path.isabs(request.path):
        return f"the path to run must be absolute, got {request.path!r}"
    if request.source_text is None and not os.path.isfile(request.path):
        return f"no such file: {request.path}"
    if request.cwd is not None and not os.path.isdir(request.cwd):
        return f"working directory does not exist: {request.cwd}"
    if not request.timeout_s > 0:
        return "the time limit must be positive"
    if request.function is not None and not all(
        p.isidentifier() for p in request.function.split(".")
    ):
        return f"not a function name: {request.function!r}"
    return None


# -- processes ----------------------------------------------------------------------------------
def _proc_stat(pid: str) -> tuple[int, int, str, int] | None:
    """(ppid, pgrp, state, start time) of a process from /proc, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return int(fields[1]), int(fields[2]), fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def _scan() -> dict[int, tuple[int, int, str, int]]:
    out: dict[int, tuple[int, int, str, int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if name.isdigit():
            st = _proc_stat(name)
            if st is not None:
                out[int(name)] = st
    return out


class _Tree:
    """Remembers every descendant of the child it has seen, to kill even those that left the group
    (``setsid``) or were orphaned.  A start time guards against a recycled pid."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, int] = {}  # pid -> start time

    def scan(self) -> None:
        table = _scan()
        kids: dict[int, list[int]] = {}
        for pid, (ppid, _pgrp, _state, _start) in table.items():
            kids.setdefault(ppid, []).append(pid)
        stack = list(kids.get(self.root, []))
        while stack:
            pid = stack.pop()
            if pid not in self.seen:
                self.seen[pid] = table[pid][3]
            stack.extend(kids.get(pid, []))

    def alive(self) -> list[int]:
        """Live (non-zombie) processes of the group or remembered descendants."""
        out = []
        for pid, (_ppid, pgrp, state, start) in _scan().items():
            if state in ("Z", "X") or pid == self.root:
                continue
            if pgrp == self.root or self.seen.get(pid) == start:
                out.append(pid)
        return out

    def kill_round(self) -> int:
        """One SIGKILL round; returns how many live processes it found."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.root, signal.SIGKILL)
        victims = self.alive()
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        return len(victims)


async def _kill_everything(tree: _Tree, limit_s: float = 3.0) -> bool:
    """Kill the group and the descendants until none is alive; False if some survived."""
    deadline = time.monotonic() + limit_s
    while True:
        if tree.kill_round() == 0:
            # the group leader (zombie until reaped) keeps the group id: one more round catches
            # a fork that was in flight during the first
            await asyncio.sleep(0.005)
            if tree.kill_round() == 0:
                return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)


def _kill_everything_now(tree: _Tree) -> None:
    """Synchronous best effort, for when the awaiting task itself was cancelled."""
    for _ in range(20):
        if tree.kill_round() == 0:
            break
        time.sleep(0.005)


class _Output:
    """Reads a pipe without blocking, keeping bytes while the shared budget lasts."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, budget: list[int]) -> None:
        self.loop = loop
        self.fd = fd
        self.budget = budget  # [bytes left to keep, bytes dropped], shared by stdout and stderr
        self.data = bytearray()
        self.closed: asyncio.Future[None] = loop.create_future()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._read)

    def _read(self) -> None:
        for _ in range(16):  # then yield to the loop: a flood must not starve other requests
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.close()
                return
            keep = min(len(chunk), self.budget[0])
            if keep:
                self.data += chunk[:keep]
                self.budget[0] -= keep
            self.budget[1] += len(chunk) - keep

    def close(self) -> None:
        if not self.closed.done():
            self.loop.remove_reader(self.fd)
            os.close(self.fd)
            self.closed.set_result(None)

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


class _ExitWatch:
    """A future that completes when the child exits, without reaping it (the group id stays
    valid for killpg until we reap)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, pid: int) -> None:
        self.loop = loop
        self.pid = pid
        self.done: asyncio.Future[None] = loop.create_future()
        self.pidfd: int | None = None
        self._poll: asyncio.Task[None] | None = None
        try:
            self.pidfd = os.pidfd_open(pid)
            loop.add_reader(self.pidfd, self._fire)
        except (AttributeError, OSError, NotImplementedError):
            self.pidfd = None
            self._poll = loop.create_task(self._polling())

    def _fire(self) -> None:
        if not self.done.done():
            self.done.set_result(None)

    async def _polling(self) -> None:
        while True:
            try:
                info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                info = True  # type: ignore[assignment]
            if info is not None:
                self._fire()
                return
            await asyncio.sleep(0.02)

    def close(self) -> None:
        if self.pidfd is not None:
            self.loop.remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        if self._poll is not None:
            self._poll.cancel()


def _reap(pid: int) -> tuple[int | None, float, int]:
    """(exit code or -signal, CPU seconds, peak RSS bytes) of an exited child."""
    try:
        _pid, status, usage = os.wait4(pid, 0)
    except ChildProcessError:
        return None, 0.0, 0
    code = os.waitstatus_to_exitcode(status)
    scale = 1 if sys.platform == "darwin" else 1024
    return code, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# -- the run --------------------------------------------------------------------------------------
async def run_with_timing(
    request: RunRequest,
    *,
    cancel: asyncio.Event | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> TimingReport:
    """Run ``request`` and return its report; never raises for a problem of the user's program
    or of the request (``report.error`` says what went wrong).

    When arguments were recorded, ``report.samples_path`` is a file in ``request.work_dir`` or,
    without one, in a new temporary folder that the caller owns (delete it when done)."""
    problem = _validate(request)
    python = request.python or sys.executable
    if problem:
        return _failed(request, problem, python)
    if request.source_text is None:
        try:
            with open(request.path, encoding="utf-8", newline="") as fh:
                source = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            return _failed(request, f"cannot read {request.path}: {exc}", python)
    else:
        source = request.source_text

    own_dir = request.work_dir is None
    work = Path(tempfile.mkdtemp(prefix="hone-run-") if own_dir else str(request.work_dir))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return await _run(request, source, python, work, cancel, on_progress)
    finally:
        for name in ("config.json", "source.py", "report.json", "snapshot.json"):
            with contextlib.suppress(OSError):
                (work / name).unlink()
        for leftover in work.glob("*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if own_dir and not (work / "samples.pkl").exists():
            shutil.rmtree(work, ignore_errors=True)


async def _run(
    request: RunRequest,
    source: str,
    python: str,
    work: Path,
    cancel: asyncio.Event | None,
    on_progress: Callable[[float], None] | None,
) -> TimingReport:
    loop = asyncio.get_running_loop()
    cwd = request.cwd or os.path.dirname(request.path)
    roots = [os.path.dirname(request.path), cwd, *request.user_roots]
    (work / "source.py").write_text(source, encoding="utf-8", newline="")
    config = {
        "path": request.path,
        "source_file": str(work / "source.py"),
        "function": request.function,
        "args": list(request.args),
        "extra_sys_path": list(request.extra_sys_path),
        "user_roots": roots,
        "memory_bytes": request.memory_mb * (1 << 20) if request.memory_mb else None,
        "cpu_seconds": int(request.timeout_s) + 10,
        "max_processes": request.max_processes,
        "report_path": str(work / "report.json"),
        "snapshot_path": str(work / "snapshot.json"),
        "samples_path": str(work / "samples.pkl"),
        "parent_pid": os.getpid(),
        "interval_s": request.sample_interval_s,
        "slow_interval_s": request.slow_sample_interval_s,
        "fast_sampling_s": request.fast_sampling_s,
        "sampler": request.sampler,
        "instrument": request.instrument,
        "call_counts": request.call_counts,
        "samples_per_function": request.samples_per_function,
        "max_sample_bytes": request.max_sample_bytes,
    }
    config_path = work / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = child_environment(os.environ if request.env is None else request.env, request.env_remove)

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [python, BOOTSTRAP, str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            cwd=cwd,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        for fd in (out_r, err_r):
            os.close(fd)
        return _failed(
            request, f"cannot start the interpreter {python}: {exc.strerror or exc}", python
        )
    finally:
        os.close(out_w)
        os.close(err_w)

    pid = proc.pid
    budget = [max(0, request.max_output_bytes), 0]
    stdout = _Output(loop, out_r, budget)
    stderr = _Output(loop, err_r, budget)
    watch = _ExitWatch(loop, pid)
    tree = _Tree(pid)
    reason: str | None = None
    stopped_at = 0.0
    reaped = False
    survivors = False
    cancel_wait: asyncio.Task[bool] | None = (
        loop.create_task(cancel.wait()) if cancel is not None else None
    )
    try:
        deadline = started + request.timeout_s
        while not watch.done.done():
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                reason = "cancelled"
                break
            if now >= deadline:
                reason = "timeout"
                break
            waiters: set[asyncio.Future[Any]] = {watch.done}
            if cancel_wait is not None:
                waiters.add(cancel_wait)
            await asyncio.wait(waiters, timeout=min(_TICK_S, deadline - now))
            tree.scan()
            if on_progress is not None:
                with contextlib.suppress(Exception):
                    on_progress(time.monotonic() - started)
        if reason is not None:
            stopped_at = time.monotonic() - started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, INTERRUPT_SIGNAL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(watch.done), request.grace_s)
        elapsed = time.monotonic() - started
        tree.scan()
        survivors = not await _kill_everything(tree)
        exit_code, cpu, peak = await loop.run_in_executor(None, _reap, pid)
        reaped = True
        proc.returncode = exit_code if exit_code is not None else -9
        if reason is not None:  # whatever it exited with, it was stopped by us
            exit_code = -int(signal.SIGKILL)
        # killed writers close the pipes; a descendant we could not find must not hang us
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(stdout.closed, stderr.closed), 1.0)
    finally:
        if cancel_wait is not None:
            cancel_wait.cancel()
        watch.close()
        if not reaped:  # we are being cancelled ourselves: kill, and reap off the loop
            _kill_everything_now(tree)
            threading.Thread(target=_reap, args=(pid,), daemon=True).start()
            proc.returncode = -9
        stdout.close()
        stderr.close()

    report = TimingReport(
        path=request.path,
        function=request.function,
        args=tuple(request.args),
        python=python,
        process_wall_s=elapsed,
        cpu_s=cpu,
        peak_rss_bytes=peak,
        exit_code=exit_code,
        timed_out=reason == "timeout",
        cancelled=reason == "cancelled",
        stdout=stdout.text(),
        stderr=stderr.text(),
        truncated_bytes=budget[1],
    )
    raw = _read_json(work / "report.json")
    if raw is not None and raw.get("phase") == "error":
        report.error = str(raw.get("error") or "the program could not be started")
        report.error_line = raw.get("error_line")
        report.exit_code = None
        return report
    snapshot = raw is None
    if raw is None:
        raw = _read_json(work / "snapshot.json")
    if raw is not None:
        apply_profile(report, raw, complete=raw.get("phase") == "done")
        report.cpu_s = report.cpu_s or cpu
    else:
        report.wall_s = elapsed
        report.notes.append("no profile: the program ended before hone could write its report")
    if snapshot and raw is not None:
        report.wall_s = max(report.wall_s, stopped_at)
        report.notes.append("profile from the last periodic snapshot (the program was killed)")
    if report.timed_out:
        report.notes.append(f"stopped at the {request.timeout_s:g} s time limit")
    if report.cancelled:
        report.notes.append("cancelled")
    if exit_code is not None and exit_code < 0 and reason is None:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        hint = ""
        if -exit_code == signal.SIGXCPU:
            hint = " (CPU-time limit)"
        elif -exit_code == signal.SIGKILL and request.memory_mb:
            hint = " (out of memory?)"
        report.notes.append(f"the program was killed by {name}{hint}")
    if (
        report.exception is not None
        and report.exception.type == "MemoryError"
        and request.memory_mb
    ):
        report.notes.append(f"the memory limit is {request.memory_mb} MB (setting run.memoryMb)")
    if budget[1]:
        report.notes.append(
            f"output capped at {fmt_bytes(request.max_output_bytes)}: "
            f"{budget[1]:,} more bytes were dropped"
        )
    if survivors:
        report.notes.append("some processes started by the program could not be killed")
    return report


def run_with_timing_sync(request: RunRequest) -> TimingReport:
    """The same for synchronous callers (the CLI): runs its own event loop."""
    return asyncio.run(run_with_timing(request))
