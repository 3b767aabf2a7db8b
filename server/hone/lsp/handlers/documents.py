"""``textDocument/didOpen``, ``didChange``, ``didSave``, ``didClose``.

Synchronous handlers, so that the text is updated in message order before any feature hook
(which run as tasks) can observe it.
"""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.core.paths import uri_to_path
from hone.lsp.config import is_pyproject
from hone.lsp.feature import FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    @handler(ls, lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        doc = session.open(params.text_document)
        session.spawn(features.dispatch("on_open", doc), "didOpen")

    @handler(ls, lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        td = params.text_document
        doc = session.change(td.uri, list(params.content_changes), td.version)
        if doc is not None:
            session.spawn(features.dispatch("on_change", doc), "didChange")

    @handler(ls, lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if is_pyproject(uri):
            session.config.forget_pyproject(uri_to_path(uri))
            session.reload_settings()
        doc = session.get_document(uri)
        if doc is not None:
            session.spawn(features.dispatch("on_save", doc), "didSave")

    @handler(ls, lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if session.close(uri):
            # Clear what the client shows (pull clients drop closed documents themselves).
            session.clear_diagnostics(uri)
            session.spawn(features.dispatch("on_close", uri), "didClose")
