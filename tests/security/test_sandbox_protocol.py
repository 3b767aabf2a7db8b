"""Hostile JSON-RPC framing against ``hone serve``: the server never desynchronises, never
allocates what a header claims, and answers or closes cleanly.

Decision: a ``Content-Length`` that is not a plain number or is absurdly large (or a header line
without end) leaves no way to find the next message, so the server answers a ParseError with a
null id and closes cleanly (exit status 0).  An undecodable or over-deep body only costs that
message: a ParseError, and the stream goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.test_raw_jsonrpc import PARSE_ERROR, TIMEOUT_S, RawServer, initialize


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RawServer]:
    s = RawServer(tmp_path)
    yield s
    if s.proc.poll() is None:
        s.proc.kill()
    s.proc.wait(timeout=TIMEOUT_S)


def _raw(server: RawServer, data: bytes) -> None:
    assert server.proc.stdin is not None
    # the server may close its end before taking it all: that is the point of some tests
    with contextlib.suppress(BrokenPipeError):
        server.proc.stdin.write(data)
        server.proc.stdin.flush()


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: -5",
        b"Content-Length: 0x10",
        b"Content-Length: ",
        b"Content-Length: 99999999999999999999999",
        b"content-length: 300000000000",
    ],
)
def test_a_bad_content_length_is_answered_and_the_server_closes_cleanly(
    server: RawServer, tmp_path: Path, header: bytes
) -> None:
    initialize(server, tmp_path)
    body = b'{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}'
    _raw(server, header + b"\r\n\r\n" + body)
    error = server.wait_for(lambda m: m.get("id") is None and "error" in m)["error"]
    assert error["code"] == PARSE_ERROR and "closing the connection" in error["message"]
    assert server.proc.wait(timeout=TIMEOUT_S) == 0
    assert not any(m.get("id") == 2 for m in server.seen)  # the stray body was never run


def test_an_endless_header_line_closes_cleanly(server: RawServer, tmp_path: Path) -> None:
    initialize(server, tmp_path)
    _raw(server, b"X-Junk: " + b"a" * (1 << 20))
    error = server.wait_for(lambda m: m.get("id") is None and "error" in m)["error"]
    assert "header line longer" in error["message"]
    assert server.proc.wait(timeout=TIMEOUT_S) == 0


def test_over_deep_json_gets_an_error_and_the_stream_goes_on(
    server: RawServer, tmp_path: Path
) -> None:
    initialize(server, tmp_path)
    depth = 200_000
    server.send_bytes(
        b'{"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": '
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )
    error = server.wait_for(lambda m: m.get("id") is None and "error" in m)["error"]
    assert error["code"] == PARSE_ERROR and "deep" in error["message"]
    # still in step: stray blank lines, a lower-case header, then a request that is answered
    _raw(server, b"\r\n")
    body = b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}'
    _raw(server, b"content-length: %d\r\n\r\n" % len(body) + body)
    assert server.response(3)["result"] is None
