"""Starting, watching, timing and ending one sandboxed process tree.

``launch`` runs ``bwrap <namespaces> <filesystem> -- sh -c .. prlimit <limits> -- ARGV`` as a child of
the server in its own session, with an allow-listed environment.  The parent, on the asyncio
loop and never blocking it:

* drains stdout and stderr as they come, keeping at most ``max_output_kb`` of both together and
  counting the rest (a flood costs the server nothing but the reads);
* times the run with its own clock (from just before the spawn to the exit notification) and
  reaps the ``bwrap`` process with ``wait4``, whose rusage covers every process of the sandbox
  that was reaped inside it (CPU seconds, peak RSS);
* ends the run at ``wall_seconds`` or on :meth:`Sandboxed.kill`: SIGKILL to ``bwrap``, whose
  ``--die-with-parent`` kills the sandbox's PID 1, and with it the kernel kills every process of
  the PID namespace (orphans, ``setsid`` escapees, fork storms).  The sandbox's own PID 1 also
  ends the namespace as soon as the program itself exits.

Data exchange: ``stdin`` as bytes (written then closed), or ``interactive=True`` to keep stdin
open and talk in lines: :meth:`Sandboxed.send` / :meth:`Sandboxed.readline` (what the program
writes to stdout, within the same output cap).  ``pass_fds`` hands further descriptors over
unchanged (bwrap passes inherited descriptors through).

Limits inside (``prlimit``): RLIMIT_CPU, RLIMIT_AS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_FSIZE.
RLIMIT_NPROC counts the processes of the sandbox's own user namespace; root is exempt from it, so
as root a pids cgroup (``pids.max``) bounds the process count instead (see :mod:`pids`).

Call :func:`launch` from the thread that will outlive the run (the event loop's): Linux delivers
``--die-with-parent`` when the *thread* that started ``bwrap`` ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hone.sandbox import mounts, pids
from hone.sandbox.bwrap import NAMESPACE_FLAGS, PRLIMIT, SandboxUnavailable, availability
from hone.sandbox.policy import Limits, Policy

_CHUNK = 65536
# The sandbox's PID 1: a shell that waits for the program, so the program's CPU time reaches the
# rusage of the bwrap process the server reaps (bwrap's own init reports the exit status through
# a pipe and is never waited for), and whose exit ends the PID namespace.
# Its own messages ("Killed") go to /dev/null, not into the program's stderr.
_INIT = ("/bin/sh", "-c", 'exec 3>&2 2>/dev/null; ( exec "$@" 2>&3 3>&- ); exit $?', "sh")


@dataclass(frozen=True)
class Result:
    returncode: int  # the program's exit status; 128+N when signal N ended it; -9 when hone did
    stdout: bytes  # capped (see ``truncated``)
    stderr: bytes
    truncated: bool
    timed_out: bool
    cpu_seconds: float  # user + system, from wait4 (processes reaped inside the sandbox)
    max_rss_kb: int
    wall_seconds: float  # the server's clock, spawn to exit
    dropped_bytes: int = 0  # output beyond the cap
    killed: bool = False  # hone ended it (time limit or kill())
    isolated: bool = True  # False: ran without an OS sandbox (``allow_unisolated``)


class _Output:
    """Reads a pipe without blocking, keeping bytes while the shared budget lasts."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, budget: list[int]) -> None:
        self.loop = loop
        self.fd = fd
        self.budget = budget  # [bytes left to keep, bytes dropped], shared by stdout and stderr
        self.data = bytearray()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.grew = asyncio.Event()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._read)

    def _read(self) -> None:
        for _ in range(16):  # then yield to the loop: a flood must not starve other requests
            try:
                chunk = os.read(self.fd, _CHUNK)
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
                self.grew.set()
            self.budget[1] += len(chunk) - keep

    def close(self) -> None:
        if not self.closed.done():
            self.loop.remove_reader(self.fd)
            os.close(self.fd)
            self.closed.set_result(None)
            self.grew.set()


class _ExitWatch:
    """A future that completes when the child exits, without reaping it."""

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
                self._fire()
                return
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


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            return [int(p) for p in fh.read().split()]
    except (OSError, ValueError):
        return []


def _limit_args(prlimit: str, limits: Limits, use_nproc: bool) -> list[str]:
    def pair(value: int, extra: int = 0) -> str:
        return f"{value}:{value + extra}" if value > 0 else "unlimited"

    mb = 1 << 20
    args = [
        prlimit,
        f"--cpu={pair(limits.cpu_seconds, 1)}",  # SIGXCPU first, SIGKILL a second later
        f"--as={pair(limits.memory_mb * mb)}",
        f"--nofile={pair(limits.max_open_files)}",
        f"--fsize={pair(limits.max_file_size_mb * mb)}",
    ]
    if use_nproc:
        args.append(f"--nproc={pair(limits.max_processes)}")
    return [*args, "--"]


class Sandboxed:
    """One running sandbox.  Always ``await wait()`` (or ``kill()`` then ``wait()``): it reaps
    the process and removes the temp folder."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        tmp: Path,
        limits: Limits,
        started: float,
        stdin_fd: int | None,
        out_r: int,
        err_r: int,
        group: Path | None,
        isolated: bool = True,
    ) -> None:
        loop = asyncio.get_running_loop()
        self.isolated = isolated  # False: an explicitly allowed run without an OS sandbox
        self._proc = proc
        self.pid = proc.pid
        self.tmp = tmp
        self.limits = limits
        self.started = started
        self._budget = [max(0, int(limits.max_output_kb * 1024)), 0]
        self._stdout = _Output(loop, out_r, self._budget)
        self._stderr = _Output(loop, err_r, self._budget)
        self._stdin_fd = stdin_fd
        self._cursor = 0
        self._watch = _ExitWatch(loop, proc.pid)
        self._group = group
        self._killed = False
        self._result: Result | None = None
        self._init_fd: int | None = None
        self._feeder: asyncio.Future[None] | None = None
        self._waiting: asyncio.Task[Result] | None = None

    # -- talking to the program -----------------------------------------------------------
    async def send(self, data: bytes) -> bool:
        """Write to the program's stdin (``interactive=True``); False once it is closed."""
        fd = self._stdin_fd
        if fd is None:
            return False
        loop = asyncio.get_running_loop()
        view = memoryview(data)
        while view:
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                ready: asyncio.Future[None] = loop.create_future()

                def writable(ready: asyncio.Future[None] = ready) -> None:
                    # the selector may report the fd again before this task resumes
                    if not ready.done():
                        ready.set_result(None)

                loop.add_writer(fd, writable)
                try:
                    await asyncio.wait({ready, self._watch.done}, return_when="FIRST_COMPLETED")
                finally:
                    loop.remove_writer(fd)
                if self._watch.done.done() and not ready.done():
                    return False
                continue
            except OSError:  # the program closed its end or exited
                self.close_stdin()
                return False
            view = view[n:]
        return True

    def close_stdin(self) -> None:
        if self._stdin_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._stdin_fd)
            self._stdin_fd = None

    async def readline(self, timeout: float | None = None) -> bytes:
        """The next line the program wrote to stdout (with its newline), or what is left
        without one at end of output; b"" at the end.  TimeoutError after ``timeout``."""
        out = self._stdout
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            end = out.data.find(b"\n", self._cursor)
            if end >= 0:
                line = bytes(out.data[self._cursor : end + 1])
                self._cursor = end + 1
                return line
            if out.closed.done() or self._budget[0] == 0:
                line = bytes(out.data[self._cursor :])
                self._cursor = len(out.data)
                return line
            out.grew.clear()
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError
            await asyncio.wait_for(out.grew.wait(), left)

    def program_pid(self) -> int | None:
        """The host pid of the program (the sandbox's PID 2), while it runs."""
        if not self.isolated:
            return None if self.exited else self.pid
        for init in _children(self.pid):
            for child in _children(init):
                return child
        return None

    def signal_program(self, sig: int) -> bool:
        """Send ``sig`` to the program itself (not to bwrap); False if it is gone."""
        pid = self.program_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, sig)
        except OSError:
            return False
        return True

    # -- ending ---------------------------------------------------------------------------
    def kill(self) -> None:
        """End the whole sandbox now (every process in it)."""
        if self._result is not None:
            return
        self._killed = True
        if not self.isolated:  # its process group: what a run without namespaces can reach
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            return
        # the sandbox's PID 1 first: its end is the end of the PID namespace, which the
        # server can wait for (bwrap's own end only sends it a SIGKILL, asynchronously)
        for init in _children(self.pid):
            with contextlib.suppress(OSError):
                self._init_fd = os.pidfd_open(init)
            with contextlib.suppress(OSError):
                os.kill(init, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        if self._group is not None:
            self._kill_group()

    def _kill_group(self) -> None:
        assert self._group is not None
        with contextlib.suppress(OSError):
            for line in (self._group / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int(line), signal.SIGKILL)

    @property
    def exited(self) -> bool:
        return self._watch.done.done()

    async def wait(self) -> Result:
        """Wait for the end (or the wall-time limit) and return the result; idempotent."""
        if self._result is not None:
            return self._result
        if self._waiting is None:
            self._waiting = asyncio.ensure_future(self._wait())
        return await asyncio.shield(self._waiting)

    async def _wait(self) -> Result:
        timed_out = False
        try:
            left = self.started + self.limits.wall_seconds - time.monotonic()
            try:
                await asyncio.wait_for(asyncio.shield(self._watch.done), max(0.0, left))
            except TimeoutError:
                timed_out = True
                self.kill()
                await self._watch.done
            wall = time.monotonic() - self.started
            loop = asyncio.get_running_loop()
            if self._init_fd is not None:
                await self._namespace_gone(loop, self._init_fd)
            if not self.isolated:  # what the program left in its group ends with it
                with contextlib.suppress(OSError):
                    os.killpg(self.pid, signal.SIGKILL)
            status, cpu, rss = await loop.run_in_executor(None, _reap, self.pid)
            self._proc.returncode = status
            # killed writers close the pipes; a descendant that kept one open is gone with the
            # namespace, but never hang on it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(self._stdout.closed, self._stderr.closed), 2.0
                )
        finally:
            self._release()
        returncode = -int(signal.SIGKILL) if self._killed else status
        self._result = Result(
            returncode=returncode,
            stdout=bytes(self._stdout.data),
            stderr=bytes(self._stderr.data),
            truncated=self._budget[1] > 0,
            timed_out=timed_out,
            cpu_seconds=cpu,
            max_rss_kb=rss,
            wall_seconds=wall,
            dropped_bytes=self._budget[1],
            killed=self._killed,
            isolated=self.isolated,
        )
        return self._result

    async def _namespace_gone(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        """Wait (a few seconds at most) until the killed PID 1 has ended, and with it every
        process of the namespace."""
        gone = loop.create_future()
        loop.add_reader(fd, lambda: None if gone.done() else gone.set_result(None))
        try:
            await asyncio.wait_for(gone, 5.0)
        except TimeoutError:
            pass
        finally:
            loop.remove_reader(fd)
            os.close(fd)
            self._init_fd = None

    def _release(self) -> None:
        self._watch.close()
        self.close_stdin()
        self._stdout.close()
        self._stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self._group is not None and not pids.remove(self._group):
            # the kernel lets go of the group a moment after the reaping: remove it then,
            # without making the caller wait for it
            task = asyncio.ensure_future(_remove_when_empty(self._group))
            _CLEANUPS.add(task)
            task.add_done_callback(_CLEANUPS.discard)

    def __del__(self) -> None:
        # a caller that dropped a sandbox without waiting: at least nothing keeps running
        if getattr(self, "_result", True) is not None:
            return  # waited for (or never fully built)
        if self._proc.returncode is None:
            with contextlib.suppress(Exception):
                os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


_CLEANUPS: set[asyncio.Future[None]] = set()


async def _remove_when_empty(group: Path) -> None:
    for _ in range(250):
        await asyncio.sleep(0.02)
        if pids.remove(group):
            return


def _reap(pid: int) -> tuple[int, float, int]:
    """(exit status or -signal, CPU seconds, peak RSS kB) of the exited bwrap."""
    try:
        _pid, status, usage = os.wait4(pid, 0)
    except ChildProcessError:
        return -int(signal.SIGKILL), 0.0, 0
    code = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return code, usage.ru_utime + usage.ru_stime, int(rss)


async def launch(
    argv: Sequence[str],
    policy: Policy,
    *,
    stdin: bytes | None = None,
    interactive: bool = False,
    pass_fds: Sequence[int] = (),
    extra_readable: Sequence[Path] = (),
    allow_unisolated: bool = False,
) -> Sandboxed:
    """Start ``argv`` in a new sandbox under ``policy``.

    Raises :class:`SandboxUnavailable` when no OS sandbox can start here, and
    :class:`mounts.UnsafeBind` (a ValueError) for a policy that would expose a home folder.
    ``extra_readable`` adds read-only folders like ``policy.readable``; when ``argv[0]`` is an
    absolute path to a ``python*`` the interpreter's own folders are added (see
    :func:`mounts.interpreter_paths`).

    ``allow_unisolated=True`` is for a run the user explicitly asked for where no OS sandbox can
    start: the program then runs as a plain child process with the same environment allow-list,
    limits (except the process count) and output cap, in its own session, and whatever it left
    in its process group is killed at the end -- but it sees the whole filesystem and network
    (``Sandboxed.isolated`` / ``Result.isolated`` are False)."""
    if not argv:
        raise ValueError("nothing to run")
    found = availability()
    if not found.ok:
        if not allow_unisolated:
            raise SandboxUnavailable(found.reason)
        return await _launch_unisolated(argv, policy, stdin, interactive, pass_fds)
    assert found.bwrap is not None and found.prlimit is not None
    limits = policy.limits
    tmp = Path(tempfile.mkdtemp(prefix="hone-sandbox-"))
    group: Path | None = None
    try:
        readable = list(extra_readable)
        if os.path.isabs(argv[0]) and os.path.basename(argv[0]).startswith("python"):
            readable += mounts.interpreter_paths(argv[0])
        fs = mounts.filesystem(policy, tmp, readable)
        flags = [f for f in NAMESPACE_FLAGS if policy.network is False or f != "--unshare-net"]
        if "--disable-userns" in found.options:
            flags.append("--disable-userns")  # no nested namespaces to play with mounts
        flags += ["--cap-drop", "ALL", "--hostname", "sandbox", "--as-pid-1"]
        cmd = [
            found.bwrap,
            *flags,
            *fs,
            "--",
            *_INIT,
            *_limit_args(found.prlimit, limits, True),
            *argv,
        ]
        if found.process_limit == "cgroup":
            group = pids.create(limits.max_processes + 2)  # + bwrap's two processes
            if group is None:
                raise SandboxUnavailable("cannot create the pids cgroup that bounds processes")
            # enter the group before bwrap starts, so everything it forks is counted
            enter = 'echo $$ > "$0" && exec "$@"'
            cmd = ["/bin/sh", "-c", enter, str(group / "cgroup.procs"), *cmd]
        env = mounts.environment(policy, tmp, argv[0])
        box = _spawn(cmd, env, str(tmp), tmp, limits, stdin, interactive, pass_fds, group, True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if group is not None:
            pids.remove(group)
        raise
    return box


async def _launch_unisolated(
    argv: Sequence[str],
    policy: Policy,
    stdin: bytes | None,
    interactive: bool,
    pass_fds: Sequence[int],
) -> Sandboxed:
    limits = policy.limits
    tmp = Path(tempfile.mkdtemp(prefix="hone-unisolated-"))
    try:
        prlimit = next((p for p in PRLIMIT if os.access(p, os.X_OK)), None)
        # no --nproc: without a user namespace it would count all of the user's processes;
        # macOS has no prlimit: only the wall-time limit applies there
        limit = _limit_args(prlimit, limits, False) if prlimit is not None else []
        cmd = [*limit, *argv]
        env = mounts.environment(policy, tmp, argv[0])
        cwd = str(policy.cwd) if policy.cwd is not None else str(tmp)
        return _spawn(cmd, env, cwd, tmp, limits, stdin, interactive, pass_fds, None, False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _spawn(
    cmd: Sequence[str],
    env: dict[str, str],
    cwd: str,
    tmp: Path,
    limits: Limits,
    stdin: bytes | None,
    interactive: bool,
    pass_fds: Sequence[int],
    group: Path | None,
    isolated: bool,
) -> Sandboxed:
    fds: list[int] = []
    try:
        out_r, out_w = os.pipe()
        fds += [out_r, out_w]
        err_r, err_w = os.pipe()
        fds += [err_r, err_w]
        in_r: int | None = None
        in_w: int | None = None
        if interactive or stdin is not None:
            in_r, in_w = os.pipe()
            fds += [in_r, in_w]
        started = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            stdin=in_r if in_r is not None else subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            env=env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            pass_fds=tuple(pass_fds),
        )
    except BaseException:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        raise
    for end in (out_w, err_w, in_r):
        if end is not None:
            os.close(end)
    if in_w is not None:
        os.set_blocking(in_w, False)
    box = Sandboxed(proc, tmp, limits, started, in_w, out_r, err_r, group, isolated)
    if stdin is not None and not interactive:
        box._feeder = asyncio.ensure_future(_feed(box, stdin))
    return box


async def _feed(box: Sandboxed, data: bytes) -> None:
    try:
        await box.send(data)
    finally:
        box.close_stdin()


def cpu_limit_for(wall_seconds: float) -> int:
    """A CPU-time backstop for a wall-time limit: every core busy for the whole time."""
    return math.ceil(wall_seconds * (os.cpu_count() or 1)) + 5
