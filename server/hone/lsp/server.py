"""``hone serve``: the language server, a thin registry.

It builds the :class:`~hone.lsp.session.Session` (documents, findings, settings, trust,
scheduling), the features (each handed the session and the peers it needs, by type, in
:func:`build_features`), and registers one handler per LSP method (:mod:`hone.lsp.handlers`),
which translate protocol messages into session calls and fan out to the features.

Diagnostics go out by *pull* (``textDocument/diagnostic``) for clients that support it together
with ``workspace/diagnostic/refresh``, by *push* (``publishDiagnostics``) otherwise.

Start-up is kept as light as a bare pygls server: nothing here imports libcst or the rule
engine; the first analysis imports it in the worker thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone import __version__
from hone.lsp.feature import Feature, FeatureSet
from hone.lsp.features.code_actions import CodeActionsFeature
from hone.lsp.features.hover import HoverFeature
from hone.lsp.features.llm import LLMFeature
from hone.lsp.features.rules import RulesFeature
from hone.lsp.features.timing import TimingFeature
from hone.lsp.features.verification import VerificationFeature
from hone.lsp.handlers import (
    code_actions,
    diagnostics,
    documents,
    hover,
    lifecycle,
    trust,
    workspace,
)
from hone.lsp.protocol import HoneProtocol
from hone.lsp.session import Session

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Feature)

HANDLER_MODULES = (lifecycle, documents, diagnostics, code_actions, hover, workspace, trust)


def build_features(session: Session) -> list[Feature]:
    """The features the server runs, in hook order, each given the peers it needs.

    To add one: construct it here (keep its module's top-level imports light: it is imported
    before the first response).  A feature that fails to start is left out; its peers get None.
    """
    timing = _start(TimingFeature, session)
    verifier = _start(VerificationFeature, session, timing)
    if verifier is not None:
        # rule findings are judged (cached verdicts; unsafe fixes once saved) before shown
        session.review_rule_findings = verifier.review_findings
    features = [
        _start(RulesFeature, session, timing),
        _start(CodeActionsFeature, session),
        _start(LLMFeature, session, verifier, timing),
        timing,
        verifier,
        _start(HoverFeature, session),
    ]
    return [f for f in features if f is not None]


def _start(cls: Callable[..., F], *peers: Any) -> F | None:
    try:
        return cls(*peers)
    except Exception:  # one broken feature must not take the others down
        log.exception("feature %s could not start; running without it", cls)
        return None


class HoneLanguageServer(LanguageServer):
    """hone's language server: protocol in, session calls out."""

    def __init__(self) -> None:
        super().__init__(
            "hone",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=HoneProtocol,
        )
        self.features = FeatureSet(lambda text, kind: self.session.log(text, kind))
        self.session = Session(self, self.features)
        for feature in build_features(self.session):
            self.features.add(feature)
        for module in HANDLER_MODULES:
            module.register(self, self.session, self.features)

    def adjust_capabilities(self, caps: lsp.ServerCapabilities) -> None:
        """Called with the computed capabilities just before ``initialize`` answers."""
        caps.position_encoding = self.session.client.position_encoding_kind
        if not self.session.client.pull_diagnostics:
            caps.diagnostic_provider = None  # the client would pull *and* receive pushes

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside request handling: logged, never shown as pop-ups."""
        if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
            # JSON-RPC: an unparsable message gets a Parse error with a null id
            self.protocol._send_data(
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": int(lsp.ErrorCodes.ParseError), "message": str(error)},
                }
            )
        log.error("server error (%s): %r", getattr(source, "__name__", source), error)
        if source is not None and getattr(source, "__name__", "") != "FeatureRequestError":
            self.session.log(f"hone: internal error: {error!r}", lsp.MessageType.Error)
