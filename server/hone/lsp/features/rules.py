"""Rule diagnostics: what the user is told about a rule analysis beyond its findings.

The analysis itself (debounced, in the worker thread, results only for current versions) is
scheduled by the session (:mod:`hone.lsp.session`), which publishes its findings under the source
key ``"rules"``.  This feature tells the user, once per document and message, about files the
engine skipped and rules that failed on a file.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from hone.lsp.feature import Feature
from hone.lsp.session import Session
from hone.lsp.state import DocumentState

SOURCE = "rules"


class RulesFeature(Feature):
    name = "rules"

    def __init__(self, session: Session) -> None:
        self.session = session
        self._notified: set[tuple[str, str]] = set()  # (uri, message) shown once per document

    async def on_analysed(self, doc: DocumentState) -> None:
        analysis = doc.analysis
        if analysis is None or not doc.analysis_is_current:
            return
        if analysis.skipped_reason and (doc.uri, analysis.skipped_reason) not in self._notified:
            self._notified.add((doc.uri, analysis.skipped_reason))
            self.session.show_message(analysis.skipped_reason, lsp.MessageType.Info)
        for error in analysis.rule_errors:
            if (doc.uri, error) not in self._notified:
                self._notified.add((doc.uri, error))
                self.session.log(
                    f"hone: a rule failed on {doc.uri} and was skipped: {error}",
                    lsp.MessageType.Error,
                )

    async def on_close(self, uri: str) -> None:
        self._notified = {n for n in self._notified if n[0] != uri}
