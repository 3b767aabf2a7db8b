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
from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare-pygls-libcst", "0")
_malloc_trim = ctypes.CDLL(None).malloc_trim  # Linux/glibc only, like the benchmark


def _publish(ls: LanguageServer, uri: str, version: int | None) -> None:
    doc = ls.workspace.get_text_document(uri)
    diagnostics: list[lsp.Diagnostic] = []
    try:
        tree = ast.parse(doc.source)
    except SyntaxError as exc:
        line = max((exc.lineno or 1) - 1, 0)
        pos = lsp.Position(line, max((exc.offset or 1) - 1, 0))
        diagnostics.append(lsp.Diagnostic(lsp.Range(pos, pos), exc.msg))
    else:
        lines = doc.source.splitlines(keepends=True)
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            libcst.parse_module("".join(lines[first - 1 : node.end_lineno]))
            _malloc_trim(0)
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
    )


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


if __name__ == "__main__":
    server.start_io()
