"""``python -m hone serve`` spoken to in raw JSON-RPC bytes: every request gets an answer.

No LSP client library here on purpose: these messages are ones a well-behaved client would never
send (malformed params, unknown methods, broken JSON, out-of-range positions).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TIMEOUT_S = 20.0
INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32600, -32601, -32602
PARSE_ERROR, SERVER_NOT_INITIALIZED = -32700, -32002


class RawServer:
    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hone", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_reader.start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            assert length is not None, "a message without Content-Length"
            self.inbox.put(json.loads(out.read(length)))

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def send_bytes(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, message: Any) -> None:
        self.send_bytes(json.dumps(message).encode("utf-8"))

    def request(self, msg_id: Any, method: str, params: Any = None, **extra: Any) -> None:
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, **extra}
        if params is not None:
            message["params"] = params
        self.send(message)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for message in self.seen:
            if predicate(message):
                self.seen.remove(message)
                return message
        while True:
            try:
                message = self.inbox.get(timeout=TIMEOUT_S)
            except queue.Empty:
                raise AssertionError(
                    "no matching message; stderr:\n" + b"".join(self.stderr).decode()
                ) from None
            if message is None:
                raise AssertionError("server exited; stderr:\n" + b"".join(self.stderr).decode())
            if predicate(message):
                return message
            self.seen.append(message)

    def response(self, msg_id: Any) -> dict[str, Any]:
        return self.wait_for(lambda m: "method" not in m and m.get("id") == msg_id)

    def error_code(self, msg_id: Any) -> int:
        reply = self.response(msg_id)
        assert "error" in reply, reply
        return int(reply["error"]["code"])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RawServer]:
    s = RawServer(tmp_path)
    yield s
    if s.proc.poll() is None:
        s.proc.kill()
    s.proc.wait(timeout=TIMEOUT_S)


def initialize(server: RawServer, root: Path, *, trusted: bool = False) -> dict[str, Any]:
    params: dict[str, Any] = {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}
    if trusted:  # the user's own configuration trusts the folder (runs need it)
        params["initializationOptions"] = {"trustedFolders": [str(root)]}
    server.request(1, "initialize", params)
    reply = server.response(1)
    server.notify("initialized", {})
    return reply


def open_doc(server: RawServer, uri: str, text: str) -> None:
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )


def test_requests_before_initialize_get_server_not_initialized(
    server: RawServer, tmp_path: Path
) -> None:
    server.request(7, "textDocument/codeAction", {})
    assert server.error_code(7) == SERVER_NOT_INITIALIZED
    assert "result" in initialize(server, tmp_path)


def test_malformed_params_get_invalid_params(server: RawServer, tmp_path: Path) -> None:
    initialize(server, tmp_path)
    uri = (tmp_path / "a.py").as_uri()
    open_doc(server, uri, "best = sorted(xs)[0]\n")
    server.request(2, "textDocument/codeAction", {"textDocument": {"uri": uri}})
    server.request(3, "textDocument/codeAction", 5)
    server.request(4, "textDocument/diagnostic", {"textDocument": {}})
    server.request(
        5,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": "x"}, "end": {"line": 0}},
            "context": {"diagnostics": []},
        },
    )
    server.request(6, "initialize", {"capabilities": 5})
    for msg_id in (2, 3, 4, 5, 6):
        reply = server.response(msg_id)
        assert reply["error"]["code"] == INVALID_PARAMS, reply
        assert reply["error"]["message"]
    # the server is still alive and answering properly
    server.request(8, "shutdown")
    assert server.response(8) == {"jsonrpc": "2.0", "id": 8, "result": None}


def test_unknown_methods(server: RawServer, tmp_path: Path) -> None:
    initialize(server, tmp_path)
    server.request(2, "hone/noSuchMethod", {"x": 1})
    assert server.error_code(2) == METHOD_NOT_FOUND
    server.request("str-id", "textDocument/noSuchMethod")
    assert server.error_code("str-id") == METHOD_NOT_FOUND
    server.notify("$/noSuchNotification", {})  # ignored, as the spec asks
    server.request(3, "shutdown")
    assert "result" in server.response(3)


def test_broken_messages_get_an_answer_with_null_id(server: RawServer, tmp_path: Path) -> None:
    initialize(server, tmp_path)
    server.send_bytes(b'{"jsonrpc": "2.0", "id": 2, "method": ')  # not JSON
    assert server.wait_for(lambda m: m.get("id") is None and "error" in m)["error"]["code"] == (
        PARSE_ERROR
    )
    server.send_bytes(b'{"jsonrpc": "2.0", "id": 9, "method": "\xff\xfe"}')  # not UTF-8
    assert server.wait_for(lambda m: m.get("id") is None and "error" in m)["error"]["code"] == (
        PARSE_ERROR
    )
    server.send([1, 2, 3])  # not a message
    assert server.wait_for(lambda m: m.get("id") is None and "error" in m)["error"]["code"] == (
        INVALID_REQUEST
    )
    server.send({"jsonrpc": "1.0", "id": 3, "method": "shutdown"})
    assert server.error_code(3) == INVALID_REQUEST
    server.send({"jsonrpc": "2.0", "id": 4, "method": 17})
    assert server.error_code(4) == INVALID_REQUEST
    server.request(5, "shutdown")
    assert "result" in server.response(5)


def test_out_of_range_positions_are_clamped(server: RawServer, tmp_path: Path) -> None:
    initialize(server, tmp_path)
    uri = (tmp_path / "a.py").as_uri()
    open_doc(server, uri, "best = sorted(xs)[0]\n")
    far = {"start": {"line": 10_000, "character": 5}, "end": {"line": 99_999, "character": 9}}
    server.request(
        2,
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": far, "context": {"diagnostics": []}},
    )
    assert "result" in server.response(2)
    # an edit past the end of the document appends; one beyond a line's end clamps to it
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [
                {"range": far, "text": "other = sorted(ys)[-1]\n"},
                {
                    "range": {
                        "start": {"line": 0, "character": 500},
                        "end": {"line": 0, "character": 900},
                    },
                    "text": "  # tail",
                },
            ],
        },
    )
    published = server.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == 2
        )
    )
    lines = {(d["code"], d["range"]["start"]["line"]) for d in published["params"]["diagnostics"]}
    assert lines == {("HONE201", 0), ("HONE201", 1)}
    # negative and absurd positions in a request for a document nobody opened
    server.request(
        3,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": (tmp_path / "nope.py").as_uri()},
            "range": {
                "start": {"line": 0, "character": 0},
                "end": {"line": 2**31 - 1, "character": 0},
            },
            "context": {"diagnostics": []},
        },
    )
    assert "result" in server.response(3)
    server.request(4, "shutdown")
    assert "result" in server.response(4)


def test_bad_notifications_do_not_stop_the_server(server: RawServer, tmp_path: Path) -> None:
    initialize(server, tmp_path)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
    server.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere.py"}})
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": "file:///never-opened.py", "version": 3},
            "contentChanges": [{"text": "x = 1\n"}],
        },
    )
    server.request(2, "textDocument/diagnostic", {"textDocument": {"uri": "file:///never.py"}})
    reply = server.response(2)
    assert reply["result"]["items"] == [], reply


def test_requests_after_shutdown_are_refused_and_exit_ends_the_process(
    server: RawServer, tmp_path: Path
) -> None:
    initialize(server, tmp_path)
    server.request(2, "shutdown")
    assert "result" in server.response(2)
    server.request(3, "textDocument/codeAction", {})
    assert server.error_code(3) == INVALID_REQUEST
    server.notify("exit")
    assert server.proc.wait(timeout=TIMEOUT_S) == 0


def test_shutdown_during_a_timed_run_answers_both_requests(
    server: RawServer, tmp_path: Path
) -> None:
    """pygls 2.1.1 cancels the other requests while iterating the dict their cancellation
    callbacks delete from: the shutdown got an internal error instead of its answer."""
    initialize(server, tmp_path, trusted=True)
    prog = tmp_path / "slow.py"
    prog.write_text("import time\n\nfor _ in range(400):\n    time.sleep(0.01)\n")
    open_doc(server, prog.as_uri(), prog.read_text())
    server.request(
        2,
        "workspace/executeCommand",
        {"command": "hone.runWithTiming", "arguments": [{"uri": prog.as_uri()}]},
    )
    server.wait_for(
        lambda m: m.get("method") == "window/logMessage" and "running" in m["params"]["message"]
    )
    server.request(3, "shutdown")
    assert "result" in server.response(3), server.seen
    run = server.response(2)  # cancelled, but answered
    assert "error" in run or run["result"]["cancelled"] is True, run
    server.notify("exit")
    assert server.proc.wait(timeout=TIMEOUT_S) == 0


def test_tcp_transport_and_log_file(tmp_path: Path) -> None:
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_file = tmp_path / "hone.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hone",
            "serve",
            "--tcp",
            f"127.0.0.1:{port}",
            "--log-file",
            str(log_file),
            "--log-level",
            "info",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:  # wait for the listening socket (no fixed sleep: retry until it accepts)
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.05)
        with conn:
            body = json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": None, "capabilities": {}},
                }
            ).encode()
            conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            reader = conn.makefile("rb")
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length"):
                    length = int(line.split(b":")[1])
            reply = json.loads(reader.read(length))
            assert reply["id"] == 1
            assert reply["result"]["serverInfo"]["name"] == "hone"
        assert "client" in log_file.read_text(encoding="utf-8")  # the log went to the file
    finally:
        proc.kill()
        proc.wait(timeout=TIMEOUT_S)


def test_serve_rejects_a_bad_tcp_address() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hone", "serve", "--tcp", "localhost"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 2
    assert "HOST:PORT" in proc.stderr


def test_notifications_before_initialize_are_dropped(server: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "a.py").as_uri()
    open_doc(server, uri, "best = sorted(xs)[0]\n")  # dropped: not initialized
    initialize(server, tmp_path)
    server.request(2, "textDocument/diagnostic", {"textDocument": {"uri": uri}})
    assert server.response(2)["result"]["items"] == []  # the document was never opened


def test_a_late_cancel_is_not_a_warning(server: RawServer, tmp_path: Path) -> None:
    """Editors cancel requests answered a moment before: no warning in the user's output."""
    initialize(server, tmp_path)
    uri = (tmp_path / "m.py").as_uri()
    open_doc(server, uri, "x = 1\n")
    server.request(2, "textDocument/diagnostic", {"textDocument": {"uri": uri}})
    server.response(2)
    server.notify("$/cancelRequest", {"id": 2})
    server.notify("$/cancelRequest", {"id": 12345})
    server.request(3, "shutdown")
    server.response(3)
    server.notify("exit")
    server.proc.wait(timeout=TIMEOUT_S)
    server._stderr_reader.join(TIMEOUT_S)  # everything the process wrote has been read
    logged = b"".join(server.stderr).decode()
    assert "Cancel notification" not in logged, logged
