"""``hone serve``: run the language server over stdio (default) or TCP.

Logs never go to stdout (the stdio transport); they go to ``--log-file`` or stderr.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--stdio", action="store_true", help="Speak LSP over stdin/stdout (the default)."
    )
    transport.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        type=_host_port,
        help="Listen for one client on a TCP socket instead.",
    )
    parser.add_argument("--log-file", metavar="PATH", help="Write the server log here.")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="Server log level (default: warning).",
    )


def _configure_logging(log_file: str | None, level_name: str) -> None:
    level = getattr(logging, level_name.upper())
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pygls logs every message body at INFO: only show that when debugging
    logging.getLogger("pygls").setLevel(level if level <= logging.DEBUG else logging.WARNING)
    # An editor cancels requests that were answered a moment before (every keystroke can):
    # normal, not a warning in the user's output panel.
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_late_cancels)


def _late_cancels(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Cancel notification for unknown message id")


_PR_SET_DUMPABLE = 4


def not_dumpable() -> bool:
    """Linux: make this process non-dumpable, so that no other process of the same user (only
    one with CAP_SYS_PTRACE) can read its ``/proc/<pid>/environ`` and memory -- the API key the
    server holds -- or attach a debugger to it.  True when done."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.log_file, args.log_level)
    if not not_dumpable() and sys.platform.startswith("linux"):
        logging.getLogger("hone").warning("hone: prctl(PR_SET_DUMPABLE, 0) failed")
    from hone.lsp.protocol import serve_stdio, serve_tcp
    from hone.lsp.server import HoneLanguageServer

    # Everything imported so far (lsprotocol's ~1,000 classes above all) lives as long as the
    # process: keep it out of the collector's full passes.  Without this, the first full pass
    # lands while the server builds its converter and costs ~20 ms of the first response; and
    # every later full pass would walk these objects again during editing.
    gc.freeze()
    server = HoneLanguageServer()
    if args.tcp is not None:
        host, port = args.tcp
        serve_tcp(server, host, port)
    else:
        serve_stdio(server)
    return 0
