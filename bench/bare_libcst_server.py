"""Reference point for the benchmark: the bare pygls server plus libcst, and nothing of hone.

On every change it parses the text with ``ast`` and then each top-level statement with libcst
(dropping each tree, and handing the parser's freed heap back to the OS as hone does), so its
figures show the floor that the stack hone is built on -- pygls + lsprotocol + libcst and its
native parser -- sets before any rule runs or any result is kept.
"""

from __future__ import annotations

import ast
import ctypes

import libcst
from bare_pygls_server import make_server  # the script's own folder is on sys.path

_malloc_trim = ctypes.CDLL(None).malloc_trim  # Linux/glibc only, like the benchmark


def parse_statements(text: str, tree: ast.Module) -> None:
    lines = text.splitlines(keepends=True)
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        libcst.parse_module("".join(lines[first - 1 : node.end_lineno]))
        _malloc_trim(0)


if __name__ == "__main__":
    make_server("bare-pygls-libcst", parse_statements).start_io()
