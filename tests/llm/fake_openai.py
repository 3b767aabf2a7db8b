"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and the benchmark.

It is a real HTTP server (stdlib ``ThreadingHTTPServer`` on a free port, in background threads),
so hone's real ``openai`` client talks real HTTP to it.  Each test scripts what it answers:

* ``server.queue(Reply.findings([...]), Reply.error(500), ...)`` -- replies in arrival order;
* ``server.respond_with(fn)`` -- ``fn(request) -> Reply`` when the queue is empty (e.g. keyed on
  the function being reviewed, which is deterministic under concurrency);
* ``FakeOpenAI(reject_json_schema=True)`` -- answer ``response_format: json_schema`` with HTTP 500
  and llama.cpp's own error message, as llama.cpp's server does;
* replies that are fenced/prose-wrapped JSON, malformed JSON, a 200 whose body is not JSON,
  429 with ``Retry-After``, 500, a hang (until released or the server stops), a truncated body,
  and a gate (answer only after a test releases it).

Every request is recorded (``server.requests``), with the highest number in flight at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LLAMA_CPP_JSON_SCHEMA_ERROR = (
    'response_format type must be one of "text" or "json_object", but got: json_schema'
)
MAX_HANG_SECONDS = 120.0  # a hang ends at the latest when the server stops, or after this


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message's content (for a 200 completion)
    body: bytes | None = None  # raw body, overriding everything else
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    hang: bool = False  # never answer (until release_hangs() or stop())
    gate: threading.Event | None = None  # answer only once this is set
    truncate: bool = False  # promise the full length, send half, close the connection
    finish_reason: str = "stop"
    choices: list[str] | None = None  # several choices (a request with ``n``); else ``content``

    @classmethod
    def findings(cls, findings: list[dict[str, Any]], **kw: Any) -> Reply:
        return cls(content=json.dumps({"findings": findings}), **kw)

    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        return cls(content=content, **kw)

    @classmethod
    def several(cls, contents: list[str], **kw: Any) -> Reply:
        """One completion with several choices (as an endpoint that honours ``n`` answers)."""
        return cls(content=contents[0], choices=list(contents), **kw)

    @classmethod
    def error(cls, status: int, message: str = "boom", **kw: Any) -> Reply:
        body = json.dumps({"error": {"code": status, "message": message, "type": "server_error"}})
        return cls(status=status, body=body.encode(), **kw)

    @classmethod
    def rate_limited(cls, retry_after: str | None = "1", **kw: Any) -> Reply:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        body = json.dumps({"error": {"message": "Rate limit reached", "type": "rate_limit"}})
        return cls(status=429, body=body.encode(), headers=headers, **kw)

    @classmethod
    def not_json(cls) -> Reply:
        """A 200 that claims JSON but is not (the client raises a bare JSONDecodeError)."""
        return cls(body=b"<html>upstream proxy error</html>")

    @classmethod
    def hanging(cls) -> Reply:
        return cls(hang=True)

    @classmethod
    def truncated(cls, findings: list[dict[str, Any]] | None = None) -> Reply:
        return cls(content=json.dumps({"findings": findings or []}), truncate=True)


def finding(
    message: str = "quadratic membership test",
    *,
    function: str = "f",
    start_line: int | None = 2,
    end_line: int | None = None,
    severity: str = "warning",
    category: str = "performance",
    explanation: str | None = "`x in list` inside a loop is O(n*m).",
    rewrite: str | None = None,
    estimated_speedup: float | None = None,
) -> dict[str, Any]:
    """One reply item in the schema's shape (test convenience)."""
    return {
        "function": function,
        "start_line": start_line,
        "end_line": end_line if end_line is not None else start_line,
        "severity": severity,
        "category": category,
        "message": message,
        "explanation": explanation,
        "rewrite": rewrite,
        "estimated_speedup": estimated_speedup,
    }


_QUALNAME_RE = re.compile(r"(?:Review|Rewrite) the function `([^`]+)`")
_BATCH_RE = re.compile(r"^## Function `([^`]+)`$", re.MULTILINE)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    raw: bytes
    received_at: float
    body: Any = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []

    @property
    def text(self) -> str:
        """Everything the model would have read (all message contents)."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    @property
    def user_text(self) -> str:
        return "\n".join(
            str(m.get("content", "")) for m in self.messages if m.get("role") == "user"
        )

    def param(self, name: str) -> Any:
        """A top-level request parameter (``temperature``, ``seed``, ``n``, ``max_tokens``...)."""
        return self.body.get(name) if isinstance(self.body, dict) else None

    @property
    def response_format(self) -> Any:
        return self.body.get("response_format") if isinstance(self.body, dict) else None

    @property
    def response_format_type(self) -> str | None:
        rf = self.response_format
        return rf.get("type") if isinstance(rf, dict) else None

    @property
    def qualname(self) -> str | None:
        """The function reviewed by a single-function request (None for a batch)."""
        m = _QUALNAME_RE.search(self.user_text)
        return m.group(1) if m else None

    @property
    def kind(self) -> str:
        """ "findings" (the finding pass, one function or a batch) or "rewrite" (candidates)."""
        first = self.messages[1]["content"] if len(self.messages) > 1 else ""
        return "rewrite" if str(first).startswith("Rewrite the function") else "findings"

    @property
    def qualnames(self) -> list[str]:
        """Every function in the request (one for a single-function request)."""
        batch = _BATCH_RE.findall(self.user_text)
        if batch:
            return batch
        return [self.qualname] if self.qualname else []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path.rstrip("/") in ("/v1/models", "/models") and fake.models is not None:
            body = {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.models]}
            self._send(200, json.dumps(body).encode(), {}, "application/json")
            return
        self._send(404, b'{"error": {"message": "not found"}}', {}, "application/json")

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
            received_at=time.monotonic(),
            body=body,
        )
        fake._record(request)
        try:
            self._answer(fake, request)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            self.close_connection = True  # the client gave up (cancelled or timed out)
        finally:
            fake._done()

    def _answer(self, fake: FakeOpenAI, request: RecordedRequest) -> None:
        if request.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send(404, b'{"error": {"message": "unknown path"}}', {}, "application/json")
            return
        if not isinstance(request.body, dict):
            self._send(400, b'{"error": {"message": "body is not JSON"}}', {}, "application/json")
            return
        rf_type = request.response_format_type
        if fake.reject_json_schema and rf_type == "json_schema":
            reply = Reply.error(500, LLAMA_CPP_JSON_SCHEMA_ERROR)
        elif fake.reject_response_format and rf_type is not None:
            reply = Reply.error(400, "Unsupported parameter: 'response_format'")
        else:
            try:
                reply = fake._next_reply(request)
            except Exception as exc:  # a broken test script must not look like a network fault
                reply = Reply.error(500, f"fake server script failed: {exc!r}")
        if reply.gate is not None:
            reply.gate.wait(MAX_HANG_SECONDS)
        if reply.hang:
            self._hang(fake)
            self.close_connection = True
            return
        if reply.body is not None:
            payload = reply.body
        else:
            payload = json.dumps(_completion(request, reply)).encode()
        headers = dict(reply.headers)
        if reply.truncate:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply.status, payload, headers, reply.content_type)

    def _hang(self, fake: FakeOpenAI) -> None:
        """Answer nothing until released, the server stops, or the client goes away."""
        deadline = time.monotonic() + MAX_HANG_SECONDS
        while not fake._hang_event.wait(0.05) and time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return  # the client closed the connection (cancelled / timed out)
                except OSError:
                    return

    def _send(self, status: int, payload: bytes, headers: dict[str, str], ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def _completion(request: RecordedRequest, reply: Reply) -> dict[str, Any]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in request.messages)
    content = reply.content if reply.content is not None else '{"findings": []}'
    contents = reply.choices if reply.choices else [content]
    content = "".join(contents)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": (request.body or {}).get("model", "fake"),
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": text},
                "finish_reason": reply.finish_reason,
            }
            for i, text in enumerate(contents)
        ],
        "usage": {
            "prompt_tokens": max(1, prompt_chars // 4),
            "completion_tokens": max(1, len(content) // 4),
            "total_tokens": max(1, prompt_chars // 4) + max(1, len(content) // 4),
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeOpenAI


class FakeOpenAI:
    """Start with ``with FakeOpenAI() as server:`` (or ``start()``/``stop()``)."""

    def __init__(
        self,
        *,
        reject_json_schema: bool = False,
        reject_response_format: bool = False,
        default: Reply | Callable[[RecordedRequest], Reply] | None = None,
        models: list[str] | None = None,
    ) -> None:
        self.models = models  # served at GET /v1/models (None: 404, like some local servers)
        self.reject_json_schema = reject_json_schema
        self.reject_response_format = reject_response_format
        self._default = default
        self._queue: deque[Reply] = deque()
        self._lock = threading.Condition()
        self._hang_event = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.02,), name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_hangs()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting ---------------------------------------------------------------------------
    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def respond_with(self, default: Reply | Callable[[RecordedRequest], Reply] | None) -> None:
        with self._lock:
            self._default = default

    def release_hangs(self) -> None:
        self._hang_event.set()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            default = self._default
        if default is None:
            return Reply.findings([])
        return default(request) if callable(default) else default

    # -- recording ---------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._lock.notify_all()

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self._lock.notify_all()

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> bool:
        """Block until at least ``n`` requests arrived (False on timeout)."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.requests) >= n, timeout)

    def wait_for_in_flight(self, n: int, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.in_flight >= n, timeout)

    async def wait_requests(self, n: int, timeout: float = 10.0) -> bool:
        return await asyncio.to_thread(self.wait_for_requests, n, timeout)

    async def wait_in_flight(self, n: int, timeout: float = 10.0) -> bool:
        return await asyncio.to_thread(self.wait_for_in_flight, n, timeout)

    def received_text(self) -> str:
        """Every byte of every request body, decoded (for "the secret never left" checks)."""
        with self._lock:
            return "\n".join(r.raw.decode("utf-8", "replace") for r in self.requests)
