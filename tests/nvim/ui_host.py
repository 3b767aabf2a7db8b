"""A minimal Neovim UI host: ``nvim --embed`` driven over msgpack-RPC, with a UI attached.

Headless Neovim has no screen, so it never stops at a "Press ENTER" prompt; a user's Neovim
does.  Attaching a UI (as a GUI or the TUI would) makes Neovim behave as it does for a user, and
``nvim_get_mode()`` — answered even while Neovim waits at a prompt — says whether it is blocked.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]  # (no type stubs)


class NvimError(RuntimeError):
    pass


class UIHost:
    def __init__(
        self, nvim: Path, env: Mapping[str, str], cwd: Path, width: int = 80, height: int = 24
    ) -> None:
        self.proc = subprocess.Popen(
            [str(nvim), "--embed", "-u", "NONE", "-i", "NONE", "-n"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._next_id = 1
        self._replies: dict[int, tuple[Any, Any]] = {}
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.request("nvim_ui_attach", width, height, {"rgb": True, "ext_linegrid": True})

    def _read(self) -> None:
        assert self.proc.stdout is not None
        unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        while True:
            data = self.proc.stdout.read1(65536)  # type: ignore[attr-defined]
            if not data:
                break
            unpacker.feed(data)
            for msg in unpacker:
                if msg[0] == 1:  # [1, id, error, result]
                    with self._cond:
                        self._replies[msg[1]] = (msg[2], msg[3])
                        self._cond.notify_all()
                # notifications ([2, method, params]: redraw events) are not needed here
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def request(self, method: str, *args: Any, timeout: float = 30.0) -> Any:
        with self._lock:
            msg_id = self._next_id
            self._next_id += 1
            assert self.proc.stdin is not None
            self.proc.stdin.write(msgpack.packb([0, msg_id, method, list(args)]))
            self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self._replies:
                left = deadline - time.monotonic()
                if self._closed:
                    raise NvimError(f"nvim exited while answering {method}")
                if left <= 0:
                    raise TimeoutError(f"nvim did not answer {method} in {timeout} s")
                self._cond.wait(left)
            err, result = self._replies.pop(msg_id)
        if err:
            raise NvimError(f"{method}: {err}")
        return result

    def lua(self, code: str, *args: Any) -> Any:
        return self.request("nvim_exec_lua", code, list(args))

    def mode(self) -> dict[str, Any]:
        return dict(self.request("nvim_get_mode"))

    def wait_for(
        self,
        what: str,
        predicate: Callable[[], bool],
        timeout: float,
        on_blocked: Callable[[], None],
    ) -> None:
        """Poll ``predicate`` (every 50 ms) until true; a blocking prompt meanwhile calls
        ``on_blocked`` (which fails the test)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.mode().get("blocking"):
                on_blocked()
            if predicate():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.05)

    def close(self) -> None:
        import contextlib
        import os
        import signal

        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
