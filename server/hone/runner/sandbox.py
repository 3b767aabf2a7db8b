"""Run a file (or one of its functions) in the OS sandbox and build its report.

The child (``bootstrap.py`` under the chosen interpreter) runs through :mod:`hone.sandbox` with
the *run* policy: its own user, PID, IPC and UTS namespaces and session, an allow-listed
environment (no secrets of the server), a read-only view of the interpreter, the program's
folders and hone's runner, the workspace writable and the network allowed unless the user-level
settings ``run.writeWorkspace`` / ``run.network`` say otherwise, and rlimits.  The parent here,
on the asyncio loop and never blocking it:

* lets :mod:`hone.sandbox` drain stdout/stderr (capped at ``max_output_bytes``, the rest counted);
* enforces the wall-time limit and cancellation: SIGUSR1 asks the program for a partial report,
  and after a short grace the whole sandbox is killed (its PID namespace takes every process the
  program started with it, ``setsid`` or not);
* reads the report the child wrote into its work folder (JSON only: data, never code).

Where no OS sandbox can start (macOS, namespaces disabled), the run -- an explicit request of the
user for their own program -- goes ahead without isolation, with the same environment and limits,
and the report says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hone.runner.report import TimingReport, apply_profile, fmt_bytes
from hone.sandbox import (
    Limits,
    Result,
    SandboxUnavailable,
    UnsafeBind,
    availability,
    filter_env,
    interpreter_paths,
    launch,
    run_policy,
)

BOOTSTRAP = str(Path(__file__).with_name("bootstrap.py"))
INTERRUPT_SIGNAL = signal.SIGUSR1
_TICK_S = 0.2  # progress callback period
_MEMORY_SLACK_MB = 256  # above the program's own limit: the report is written after it


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
    env: Mapping[str, str] | None = None  # variables offered (allow-listed); None: os.environ
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
    max_processes: int = 512  # processes the program may have at once (its sandbox's)
    network: bool = True  # setting run.network
    write_workspace: bool = True  # setting run.writeWorkspace (cwd and user_roots writable)


def child_environment(base: Mapping[str, str], remove: tuple[str, ...] = ()) -> dict[str, str]:
    """The variables of ``base`` a program may receive: the sandbox's allow-list (locale, time
    zone, terminal, interpreter flags), minus ``remove``."""
    return {k: v for k, v in filter_env(base).items() if k not in remove}


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


_MAX_REPORT_BYTES = 64 << 20


def _read_json(path: Path) -> dict[str, Any] | None:
    """A report the program's sandbox wrote: never through a link it planted (which could point
    at any file of the user), never bigger than a report can be."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(_MAX_REPORT_BYTES + 1)
        data = json.loads(raw) if len(raw) <= _MAX_REPORT_BYTES else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return data if isinstance(data, dict) else None


def _write_new(path: Path, text: str) -> None:
    """Write a file hone hands to the program, replacing whatever a previous run left there
    (never writing through a link)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


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
    cwd = request.cwd or os.path.dirname(request.path)
    roots = [os.path.dirname(request.path), cwd, *request.user_roots]
    _write_new(work / "source.py", source)
    config = {
        "path": request.path,
        "source_file": str(work / "source.py"),
        "function": request.function,
        "args": list(request.args),
        "extra_sys_path": list(request.extra_sys_path),
        "user_roots": roots,
        "memory_bytes": request.memory_mb * (1 << 20) if request.memory_mb else None,
        "cpu_seconds": int(request.timeout_s) + 10,
        "report_path": str(work / "report.json"),
        "snapshot_path": str(work / "snapshot.json"),
        "samples_path": str(work / "samples.pkl"),
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
    _write_new(config_path, json.dumps(config))
    base = os.environ if request.env is None else request.env
    folders = [Path(p) for p in dict.fromkeys([cwd, *roots[:1], *request.user_roots])]
    limits = Limits(
        # the backstop behind this module's own deadline, SIGUSR1 and grace
        wall_seconds=request.timeout_s + request.grace_s + 5.0,
        cpu_seconds=math.ceil(request.timeout_s * (os.cpu_count() or 1)) + 15,
        memory_mb=request.memory_mb + _MEMORY_SLACK_MB if request.memory_mb else 0,
        max_processes=request.max_processes,
        max_open_files=4096,
        max_file_size_mb=0,
        max_output_kb=max(0, request.max_output_bytes) / 1024,
    )
    policy = run_policy(
        Path(cwd),
        network=request.network,
        write_workspace=request.write_workspace,
        writable=(work, *(folders[1:] if request.write_workspace else ())),
        readable=(
            Path(BOOTSTRAP).parent,
            *(() if request.write_workspace else folders[1:]),
            *(Path(p) for p in request.extra_sys_path if os.path.isdir(p)),
        ),
        env=child_environment(base, request.env_remove),
        limits=limits,
        cwd=Path(cwd),
    )
    if not os.path.isabs(python):
        python = shutil.which(python) or python
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return _failed(request, f"cannot start the interpreter {python}: not an executable", python)
    try:
        box = await launch(
            [python, BOOTSTRAP, str(config_path)],
            policy,
            extra_readable=interpreter_paths(python),
            allow_unisolated=True,
        )
    except (SandboxUnavailable, UnsafeBind) as exc:
        return _failed(request, f"cannot run in the sandbox: {exc}", python)
    except OSError as exc:
        return _failed(request, f"cannot start {python}: {exc.strerror or exc}", python)

    started = box.started
    reason: str | None = None
    stopped_at = 0.0
    waiting = asyncio.ensure_future(box.wait())
    cancel_wait: asyncio.Task[bool] | None = (
        asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    )
    try:
        deadline = started + request.timeout_s
        while not waiting.done():
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                reason = "cancelled"
                break
            if now >= deadline:
                reason = "timeout"
                break
            waiters: set[asyncio.Future[Any]] = {waiting}
            if cancel_wait is not None:
                waiters.add(cancel_wait)
            await asyncio.wait(waiters, timeout=min(_TICK_S, deadline - now))
            if on_progress is not None:
                with contextlib.suppress(Exception):
                    on_progress(time.monotonic() - started)
        if reason is not None:
            stopped_at = time.monotonic() - started
            box.signal_program(INTERRUPT_SIGNAL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiting), request.grace_s)
            box.kill()  # whatever it exited with, it was stopped by us; nothing may linger
        result = await asyncio.shield(waiting)
    finally:
        if cancel_wait is not None:
            cancel_wait.cancel()
        if not waiting.done():  # we are being cancelled ourselves: the sandbox goes too
            box.kill()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(waiting), 10.0)
    return _report(request, python, work, result, reason, stopped_at)


def _exit_code(result: Result, raw: dict[str, Any] | None, reason: str | None) -> int:
    if reason is not None or result.killed:
        return -int(signal.SIGKILL)
    code = result.returncode
    if not result.isolated or code <= 128:
        return code
    # the sandbox's shell reports a death by signal N as 128+N, as a shell does
    if raw is not None and raw.get("phase") == "done" and raw.get("exit_code") == code:
        return code
    return -(code - 128)


def _report(
    request: RunRequest,
    python: str,
    work: Path,
    result: Result,
    reason: str | None,
    stopped_at: float,
) -> TimingReport:
    raw = _read_json(work / "report.json")
    exit_code = _exit_code(result, raw, reason)
    report = TimingReport(
        path=request.path,
        function=request.function,
        args=tuple(request.args),
        python=python,
        process_wall_s=result.wall_seconds,
        cpu_s=result.cpu_seconds,
        peak_rss_bytes=result.max_rss_kb * 1024,
        exit_code=exit_code,
        timed_out=reason == "timeout",
        cancelled=reason == "cancelled",
        stdout=result.stdout.decode("utf-8", "replace"),
        stderr=result.stderr.decode("utf-8", "replace"),
        truncated_bytes=result.dropped_bytes,
    )
    if not result.isolated:
        why = availability().reason
        report.notes.append(f"not isolated (no OS sandbox here: {why}): the program ran as you")
    if raw is not None and raw.get("phase") == "error":
        report.error = str(raw.get("error") or "the program could not be started")
        line = raw.get("error_line")
        report.error_line = line if isinstance(line, int) else None
        report.exit_code = None
        return report
    snapshot = raw is None
    if raw is None:
        raw = _read_json(work / "snapshot.json")
    if raw is not None:
        # where the samples are is hone's choice, not the program's
        samples = work / "samples.pkl"
        raw["samples_path"] = str(samples) if raw.get("samples_path") else None
        apply_profile(report, raw, complete=raw.get("phase") == "done")
        report.cpu_s = report.cpu_s or result.cpu_seconds
    else:
        report.wall_s = result.wall_seconds
        report.notes.append("no profile: the program ended before hone could write its report")
    if snapshot and raw is not None:
        report.wall_s = max(report.wall_s, stopped_at)
        report.notes.append("profile from the last periodic snapshot (the program was killed)")
    if report.timed_out:
        report.notes.append(f"stopped at the {request.timeout_s:g} s time limit")
    if report.cancelled:
        report.notes.append("cancelled")
    if exit_code < 0 and reason is None:
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
    if result.dropped_bytes:
        report.notes.append(
            f"output capped at {fmt_bytes(request.max_output_bytes)}: "
            f"{result.dropped_bytes:,} more bytes were dropped"
        )
    return report


def run_with_timing_sync(request: RunRequest) -> TimingReport:
    """The same for synchronous callers (the CLI): runs its own event loop."""
    return asyncio.run(run_with_timing(request))
