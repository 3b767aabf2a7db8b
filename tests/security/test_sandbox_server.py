"""The language server's own secrets: another process of the same user cannot read them.

``hone serve`` marks itself non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``), so ``/proc/<pid>/environ``
(with the API key in it) is closed to every process without CAP_SYS_PTRACE.  Under root (CI) the
server and the reader both run without capabilities, which is what "another process of the same
user" means there; a control process started the same way stays readable, so the test can fail.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lsp.test_raw_jsonrpc import RawServer, initialize

FAKE_KEY = "sk-fake-server-key-0123456789"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _same_user_prefix() -> list[str]:
    """Run as this user without capabilities (root's CAP_SYS_PTRACE would read anything)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


class _Server(RawServer):
    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [*_same_user_prefix(), sys.executable, "-m", "hone", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    s = _Server(tmp_path)
    yield s
    if s.proc.poll() is None:
        s.proc.kill()
    s.proc.wait(timeout=20)


def _read_environ(pid: int) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.stdout.write(open('/proc/{pid}/environ', 'rb').read().decode())"
    return subprocess.run(
        [*_same_user_prefix(), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_server_environ_is_closed_to_other_processes_of_the_user(
    server: _Server, tmp_path: Path
) -> None:
    initialize(server, tmp_path)  # answered: start-up, prctl included, is over
    control = subprocess.Popen([*_same_user_prefix(), "sleep", "60"], env={"MARK": "control"})
    try:
        readable = _read_environ(control.pid)
        assert readable.returncode == 0 and "MARK=control" in readable.stdout
        attack = _read_environ(server.proc.pid)
        assert attack.returncode != 0 and "PermissionError" in attack.stderr
        assert FAKE_KEY not in attack.stdout
    finally:
        control.kill()
        control.wait()
    server.request(2, "shutdown")
    assert server.response(2)["result"] is None
