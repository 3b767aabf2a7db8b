"""Rule diagnostics: debounced analysis in the worker thread, results only for current versions.

Every ``didChange`` (re)starts a per-document debounce timer (``diagnostics.debounceMs``); when
it fires, the text of that moment is analysed in the server's single worker thread, so the
message loop never blocks on libcst.  A result for a version that has been superseded meanwhile
is dropped (the newer version's analysis is already scheduled), so every published set matches
the version it was computed for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import PurePath
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from hone.core.codes import INTERNAL_CODE
from hone.core.finding import Category, Finding, Severity, Span
from hone.core.settings import Settings
from hone.lsp.feature import Feature

if TYPE_CHECKING:
    from hone.analysis.engine import DocumentAnalysis
    from hone.lsp.server import HoneLanguageServer
    from hone.lsp.state import DocumentState

log = logging.getLogger(__name__)

SOURCE = "rules"
PYTHON_SUFFIXES = {".py", ".pyi", ".pyw"}


def is_python(doc: DocumentState) -> bool:
    if doc.language_id == "python":
        return True
    name = doc.path.name if doc.path is not None else doc.uri.rsplit("/", 1)[-1]
    return PurePath(name).suffix.lower() in PYTHON_SUFFIXES


def _analyse(doc: DocumentState, text: str, settings: Settings) -> DocumentAnalysis:
    """Runs in the worker thread (the only user of ``doc.analyzer``)."""
    return doc.analyzer.analyse(text, settings)


class RulesFeature(Feature):
    name = "rules"

    def __init__(self, server: HoneLanguageServer) -> None:
        super().__init__(server)
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._waiters: dict[str, list[tuple[int, asyncio.Future[DocumentState | None]]]] = {}
        self._notified: set[tuple[str, str]] = set()  # (uri, message) shown once per document

    # -- hooks ------------------------------------------------------------------------------
    async def on_open(self, doc: DocumentState) -> None:
        self.schedule(doc, 0.0)

    async def on_change(self, doc: DocumentState) -> None:
        self.schedule(doc, doc.settings.int("diagnostics.debounceMs") / 1000)

    async def on_close(self, uri: str) -> None:
        self.forget(uri)

    async def on_shutdown(self) -> None:
        for uri in list(self._pending):
            self.forget(uri)

    # -- scheduling ---------------------------------------------------------------------------
    def schedule(self, doc: DocumentState, delay: float) -> None:
        """(Re)start the analysis of ``doc`` after ``delay`` seconds."""
        if not is_python(doc):
            return
        previous = self._pending.pop(doc.uri, None)
        if previous is not None:
            previous.cancel()
        task = self.server.spawn(self._run(doc, delay), f"analyse {doc.uri}")
        self._pending[doc.uri] = task

    def forget(self, uri: str) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        for _, fut in self._waiters.pop(uri, []):
            if not fut.done():
                fut.set_result(None)
        self._notified = {n for n in self._notified if n[0] != uri}

    def analyses(self, doc: DocumentState) -> bool:
        """Whether this feature analyses ``doc`` at all (Python documents only)."""
        return is_python(doc)

    def has_waiters(self, uri: str) -> bool:
        return any(not f.done() for _, f in self._waiters.get(uri, []))

    async def wait_current(
        self, doc: DocumentState, timeout: float | None = None
    ) -> DocumentState | None:
        """Wait until ``doc``'s analysis covers (at least) its version at call time."""
        if not is_python(doc) or doc.analysis_is_current:
            return doc
        fut: asyncio.Future[DocumentState | None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(doc.uri, []).append((doc.version, fut))
        if doc.uri not in self._pending:
            self.schedule(doc, 0.0)
        try:
            return await asyncio.wait_for(fut, timeout)  # cancels ``fut`` when we stop waiting
        except TimeoutError:
            return doc

    # -- the analysis -------------------------------------------------------------------------
    async def _run(self, doc: DocumentState, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        await self.server.config.wait_ready()
        if self.server.get_document(doc.uri) is not doc:
            return
        version, text, settings = doc.version, doc.text, doc.settings
        started = time.perf_counter()
        analysis: DocumentAnalysis | None
        try:
            analysis = await self.server.run_in_worker(_analyse, doc, text, settings)
            findings: tuple[Finding, ...] = analysis.findings
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an engine bug must not take diagnostics (or the server) down
            log.exception("analysis of %s failed", doc.uri)
            analysis = None
            findings = (
                Finding(
                    INTERNAL_CODE,
                    f"hone could not analyse this file: {exc!r}",
                    Span.of(0, 0, 0, 0),
                    Severity.INFO,
                    Category.SYNTAX,
                ),
            )
        if self.server.get_document(doc.uri) is not doc or doc.version != version:
            return  # superseded: the newer version's analysis is scheduled
        if self._pending.get(doc.uri) is asyncio.current_task():
            del self._pending[doc.uri]
        doc.analysis, doc.analysis_version = analysis, version
        self.server.set_findings(doc.uri, SOURCE, findings)
        log.info(
            "%s v%d: %d findings in %.1f ms",
            doc.uri,
            version,
            len(findings),
            (time.perf_counter() - started) * 1000,
        )
        self._wake(doc, version)
        if analysis is not None:
            self._report(doc, analysis)
        # a separate task: a new edit cancels this one, but must not cancel other features' hooks
        self.server.spawn(self.server.dispatch("on_analysed", doc), "on_analysed")

    def _wake(self, doc: DocumentState, version: int) -> None:
        waiters = self._waiters.get(doc.uri, [])
        keep = []
        for wanted, fut in waiters:
            if fut.done():
                continue
            if wanted <= version:
                fut.set_result(doc)
            else:
                keep.append((wanted, fut))
        if keep:
            self._waiters[doc.uri] = keep
        else:
            self._waiters.pop(doc.uri, None)

    def _report(self, doc: DocumentState, analysis: DocumentAnalysis) -> None:
        """Tell the user (once per document and message) about skipped files and broken rules."""
        if analysis.skipped_reason and (doc.uri, analysis.skipped_reason) not in self._notified:
            self._notified.add((doc.uri, analysis.skipped_reason))
            self.server.show_message(analysis.skipped_reason, lsp.MessageType.Info)
        for error in analysis.rule_errors:
            if (doc.uri, error) not in self._notified:
                self._notified.add((doc.uri, error))
                self.server.log(
                    f"hone: a rule failed on {doc.uri} and was skipped: {error}",
                    lsp.MessageType.Error,
                )
