"""Reference point for the benchmark: a bare pygls 2 server that only runs ``ast.parse``.

It publishes an empty diagnostic list (or one syntax error) per change, so its figures show the
floor set by pygls + lsprotocol themselves.
"""

from __future__ import annotations

import ast

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare-pygls", "0")


def _publish(ls: LanguageServer, uri: str, version: int | None) -> None:
    doc = ls.workspace.get_text_document(uri)
    diagnostics: list[lsp.Diagnostic] = []
    try:
        ast.parse(doc.source)
    except SyntaxError as exc:
        line = max((exc.lineno or 1) - 1, 0)
        pos = lsp.Position(line, max((exc.offset or 1) - 1, 0))
        diagnostics.append(lsp.Diagnostic(lsp.Range(pos, pos), exc.msg))
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
