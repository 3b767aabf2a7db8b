"""Reference point for the benchmark: a bare pygls 2 server that only runs ``ast.parse``.

It publishes an empty diagnostic list (or one syntax error) per change, so its figures show the
floor set by pygls + lsprotocol themselves.  ``bare_libcst_server.py`` adds libcst to it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer


def make_server(name: str, on_parsed: Callable[[str, ast.Module], None]) -> LanguageServer:
    """A server that parses each new version and publishes its syntax error (if any);
    ``on_parsed(text, tree)`` is what it does besides, on text that parses."""
    server = LanguageServer(name, "0")

    def publish(ls: LanguageServer, uri: str, version: int | None) -> None:
        doc = ls.workspace.get_text_document(uri)
        diagnostics: list[lsp.Diagnostic] = []
        try:
            tree = ast.parse(doc.source)
        except SyntaxError as exc:
            line = max((exc.lineno or 1) - 1, 0)
            pos = lsp.Position(line, max((exc.offset or 1) - 1, 0))
            diagnostics.append(lsp.Diagnostic(lsp.Range(pos, pos), exc.msg))
        else:
            on_parsed(doc.source, tree)
        ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri, params.text_document.version)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri, params.text_document.version)

    return server


if __name__ == "__main__":
    make_server("bare-pygls", lambda text, tree: None).start_io()
