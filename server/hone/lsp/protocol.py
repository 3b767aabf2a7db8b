"""hone's JSON-RPC protocol: every request gets an answer.

pygls 2.1 structures each incoming message inside ``json.loads``'s ``object_hook``; when a
request's params do not match the LSP schema the exception escapes to its reader loop, which
only logs it and shows a message: the client waits forever for a response.  Here messages are
structured in :meth:`HoneProtocol.handle_message` instead, so a malformed request gets a
JSON-RPC ``InvalidParams`` (-32602) error response, a message that is not a request at all gets
``InvalidRequest`` (-32600), and a malformed *response* to one of our requests fails that
request's future instead of leaving it pending.

Also per the LSP specification: requests before ``initialize`` get ``ServerNotInitialized``
(-32002) and requests after ``shutdown`` get ``InvalidRequest``; pygls silently drops both.

Framing (:func:`serve_stdio`, :func:`serve_tcp` replace pygls' read loop): a ``Content-Length``
that is not a plain decimal number (``-5``, ``0x10``, empty) or above :data:`MAX_MESSAGE_BYTES`,
or a header line longer than :data:`MAX_HEADER_LINE`, leaves no way to find where the next
message starts: the server answers a ``ParseError`` with a null id and closes the connection
cleanly, as if the client had hung up (no allocation of the claimed size, no desynchronised
stream).  A body that is not JSON, not UTF-8 or nested deeper than the JSON decoder goes
(``RecursionError``) gets a ``ParseError`` with a null id and the stream goes on.

Document synchronisation: the ``didOpen``/``didChange``/``didClose`` builtins no longer maintain
pygls' workspace copy of the text (hone keeps its own, see :mod:`hone.lsp.state`); use
``server.get_document(uri)``, not ``server.workspace.get_text_document``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Generator, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, cast

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol, lsp_method

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

_NOT_HANDLED = object()
MAX_MESSAGE_BYTES = 256 << 20  # far above any real LSP message (a didOpen of a huge file)
MAX_HEADER_LINE = 8192


class _ServerHooks(Protocol):
    """What this protocol needs of hone's server (named here, so the protocol does not import
    the server module)."""

    def adjust_capabilities(self, caps: lsp.ServerCapabilities) -> None: ...
    def _report_server_error(self, error: Exception, source: Any) -> None: ...


class HoneProtocol(LanguageServerProtocol):
    @property
    def hooks(self) -> _ServerHooks:
        return cast(_ServerHooks, self._server)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_received = False

    # -- structuring -----------------------------------------------------------------------------
    def structure_message(self, data: dict[str, Any]) -> Any:
        """Called by ``json.loads`` for *every* JSON object: defer to :meth:`handle_message`.

        (This also stops a nested object that happens to contain a ``"jsonrpc"`` key from being
        mistaken for a message.)
        """
        return data

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, Mapping):
            self._send_error(None, lsp.ErrorCodes.InvalidRequest, "expected a JSON-RPC message")
            return
        msg_id = message.get("id")
        has_id = "id" in message
        method = message.get("method")
        is_request = has_id and "method" in message
        if not isinstance(msg_id, int | str | None) or isinstance(msg_id, bool):
            self._send_error(None, lsp.ErrorCodes.InvalidRequest, "invalid id")
            return
        if message.get("jsonrpc") != self.VERSION or (
            "method" in message and not isinstance(method, str)
        ):
            if has_id:
                self._send_error(
                    msg_id, lsp.ErrorCodes.InvalidRequest, "not a JSON-RPC 2.0 message"
                )
            else:
                log.warning("ignoring a message that is not JSON-RPC 2.0: %.200r", message)
            return
        if is_request and self._answer_out_of_lifecycle(msg_id, str(method)):
            return
        if not has_id and not self._initialize_received and method != lsp.EXIT:
            log.warning("dropping %s: the server is not initialized", method)
            return
        try:
            structured = LanguageServerProtocol.structure_message(self, dict(message))
        except Exception as exc:
            self._structure_failed(message, exc)
            return
        super().handle_message(structured)

    def _answer_out_of_lifecycle(self, msg_id: int | str | None, method: str) -> bool:
        if not self._initialize_received:
            if method == lsp.INITIALIZE:
                self._initialize_received = True
                return False
            self._send_error(
                msg_id, lsp.ErrorCodes.ServerNotInitialized, "the server is not initialized"
            )
            return True
        if self._shutdown:
            self._send_error(msg_id, lsp.ErrorCodes.InvalidRequest, "the server is shutting down")
            return True
        return False

    def _structure_failed(self, message: Mapping[str, Any], exc: Exception) -> None:
        method = message.get("method")
        msg_id = message.get("id")
        reason = _describe(exc)
        if "method" in message and "id" in message and not self._handles(str(method)):
            self._send_error(msg_id, lsp.ErrorCodes.MethodNotFound, f"unknown method: {method}")
        elif "method" in message and "id" in message:
            log.warning("invalid params for %s (id %r): %s", method, msg_id, reason)
            self._send_error(
                msg_id, lsp.ErrorCodes.InvalidParams, f"invalid params for {method}: {reason}"
            )
        elif "method" in message:
            log.warning("ignoring %s notification with invalid params: %s", method, reason)
        elif msg_id is not None and msg_id in self._request_futures:
            # a malformed answer to one of our requests: fail it rather than wait forever
            self._result_types.pop(msg_id, None)
            future = self._request_futures.pop(msg_id)
            if not future.done():
                future.set_exception(ValueError(f"malformed response from the client: {reason}"))
        else:
            log.warning("ignoring a malformed message: %s", reason)

    def _handles(self, method: str) -> bool:
        return method in self.fm.builtin_features or method in self.fm.features

    def _send_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        # A raw dict so that ``"id": null`` is kept (JSON-RPC requires it when the id is unknown).
        self._send_data(
            {
                "jsonrpc": self.VERSION,
                "id": msg_id,
                "error": {"code": int(code), "message": message},
            }
        )

    # -- bodies ------------------------------------------------------------------------------------
    def handle_body(self, body: bytes) -> None:
        """Decode one message body and handle it; an undecodable body gets a ParseError."""
        try:
            # structure_message is the identity (see above): no object_hook needed
            message = json.loads(body)
        except RecursionError:
            self._send_error(None, lsp.ErrorCodes.ParseError, "JSON nested too deeply")
            return
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
            self._send_error(None, lsp.ErrorCodes.ParseError, f"not a JSON message: {exc}")
            return
        try:
            self.handle_message(message)
        except RecursionError:
            self._send_error(None, lsp.ErrorCodes.InvalidRequest, "message nested too deeply")
        except Exception as exc:
            log.exception("unable to handle a message")
            self.hooks._report_server_error(exc, JsonRpcException)

    def framing_error(self, reason: str) -> None:
        log.warning("closing the connection: %s", reason)
        self._send_error(None, lsp.ErrorCodes.ParseError, f"{reason}; closing the connection")

    # -- lifecycle ---------------------------------------------------------------------------------
    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(
        self, params: lsp.InitializeParams
    ) -> Generator[Any, Any, lsp.InitializeResult]:
        result: lsp.InitializeResult = yield from super().lsp_initialize(params)
        self.hooks.adjust_capabilities(result.capabilities)
        return result

    @lsp_method(lsp.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' own, but iterating over a copy of the requests in flight: cancelling one runs
        its done-callback at once, which removes it from the dict (pygls answered a shutdown
        sent during a timed run with "dictionary changed size during iteration").  The id is
        read before the server's handler runs, while it is still this request's."""
        current_id = self.msg_id
        if (handler := self.fm.features.get(lsp.SHUTDOWN)) is not None:
            yield handler, args, None
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True

    # -- text synchronisation (hone keeps its own documents) ----------------------------------------
    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: lsp.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: lsp.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: lsp.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


def _describe(exc: BaseException) -> str:
    """A short reason from a (possibly nested) cattrs validation error."""
    cause: BaseException = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    try:
        from cattrs import transform_error

        if isinstance(cause, Exception):
            details = transform_error(cause, path="$")
            if details:
                return "; ".join(details[:3])
    except Exception:  # describing the error must never fail
        pass
    return str(cause) or type(cause).__name__


# -- framing ----------------------------------------------------------------------------------------
class _Reader(Protocol):
    async def readline(self) -> bytes: ...  # b"" at the end; no newline: longer than the limit
    async def read(self, n: int) -> bytes: ...  # fewer than n bytes only at the end


class _StdioReader:
    """Blocking reads of the stdio stream, in a worker thread."""

    def __init__(self, stream: BinaryIO, executor: Executor) -> None:
        self.stream = stream
        self.executor = executor

    async def readline(self) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.stream.readline, MAX_HEADER_LINE)

    async def read(self, n: int) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.stream.read, n)


class _SocketReader:
    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    async def readline(self) -> bytes:
        try:
            return await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            return exc.partial
        except asyncio.LimitOverrunError:
            return b"x"  # longer than the stream's limit: reported as too long

    async def read(self, n: int) -> bytes:
        try:
            return await self.reader.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


async def read_messages(stop: threading.Event, reader: _Reader, protocol: HoneProtocol) -> None:
    """The read loop: headers, then exactly ``Content-Length`` bytes, until the end, ``exit``
    or a framing error (see the module docstring)."""
    while not stop.is_set():
        length: int | None = None
        while True:
            line = await reader.readline()
            if not line:
                return
            if not line.endswith(b"\n"):
                protocol.framing_error(f"header line longer than {MAX_HEADER_LINE} bytes")
                return
            text = line.strip()
            if not text:
                if length is None:
                    continue  # a stray empty line between messages
                break
            name, sep, value = text.partition(b":")
            if not sep:
                protocol.framing_error(f"malformed header line {text[:80]!r}")
                return
            if name.strip().lower() == b"content-length":
                value = value.strip()
                if not value.isdigit():  # ASCII digits only: no sign, no hex, no spaces
                    protocol.framing_error(f"invalid Content-Length {value[:40]!r}")
                    return
                if int(value) > MAX_MESSAGE_BYTES:
                    protocol.framing_error(
                        f"Content-Length {int(value):,} is above {MAX_MESSAGE_BYTES:,} bytes"
                    )
                    return
                length = int(value)
        body = await reader.read(length)
        if len(body) < length:
            return  # the client went away in the middle of a message
        protocol.handle_body(body)


def serve_stdio(
    server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """pygls' ``start_io``, with hone's read loop."""
    protocol = server.protocol
    assert isinstance(protocol, HoneProtocol)
    server._stop_event = stop = threading.Event()
    reader = _StdioReader(stdin or sys.stdin.buffer, server.thread_pool)
    protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(read_messages(stop, reader, protocol))
    except BrokenPipeError:
        log.error("the connection to the client is lost: shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


def serve_tcp(server: LanguageServer, host: str, port: int) -> None:
    """pygls' ``start_tcp`` (one client), with hone's read loop."""
    protocol = server.protocol
    assert isinstance(protocol, HoneProtocol)
    server._stop_event = stop = threading.Event()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        protocol.set_writer(writer)
        await read_messages(stop, _SocketReader(reader), protocol)
        server.shutdown()  # type: ignore[no-untyped-call]

    async def listen() -> None:
        server._server = await asyncio.start_server(connection, host, port, limit=MAX_HEADER_LINE)
        log.info("serving on %s:%s", host, port)
        async with server._server:
            await server._server.serve_forever()

    try:
        asyncio.run(listen())
    except asyncio.CancelledError:
        log.debug("the server was cancelled")
