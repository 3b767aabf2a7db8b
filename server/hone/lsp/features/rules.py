"""Rule diagnostics: what the user is told about a rule analysis beyond its findings.

The analysis itself (debounced, in the worker thread, results only for current versions) is
scheduled by the session (:mod:`hone.lsp.session`), which publishes its findings under the source
key ``"rules"``.  This feature tells the user, once per document and message, about files the
engine skipped and rules that failed on a file; and after a "Run with timing" it re-weighs the
document's rule findings by the run's measured heat (:mod:`hone.rules.relevance`): findings on
hot lines rise to warnings saying how much of the run they took, cold ones sink to hints, until
the next edit re-analyses the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from hone.lsp.feature import Feature
from hone.lsp.session import Session
from hone.lsp.state import DocumentState

if TYPE_CHECKING:
    from hone.lsp.features.timing import TimingFeature
    from hone.runner.report import TimingReport

SOURCE = "rules"


class RulesFeature(Feature):
    name = "rules"

    def __init__(self, session: Session, timing: TimingFeature | None = None) -> None:
        self.session = session
        self._notified: set[tuple[str, str]] = set()  # (uri, message) shown once per document
        if timing is not None:
            timing.subscribe(self._on_timing)

    async def _on_timing(self, doc: DocumentState, report: TimingReport) -> None:
        """Re-weigh the rule findings by the run's time per line (called only for a report
        whose line numbers match the document's text)."""
        from pathlib import Path

        from hone.rules.relevance import by_heat, function_shares, line_shares

        if doc.path is None:
            return
        profile = report.to_dict()
        key = str(Path(doc.path).resolve())
        shares = line_shares(profile).get(key)
        if shares is None:
            return
        current = [f for source, f in self.session.get_findings(doc.uri) if source == SOURCE]
        weighed = by_heat(current, shares, function_shares(profile).get(key, {}))
        self.session.set_findings(doc.uri, SOURCE, weighed)

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
