"""The language server's state and the one path from a keystroke to its diagnostics.

:class:`Session` owns the open documents, the findings per document and source, the settings
per workspace folder (:class:`~hone.lsp.config.ConfigManager`), per-folder trust, the worker
thread, and the rule analysis' scheduling.  Handlers (:mod:`hone.lsp.handlers`) translate
protocol messages into session calls; features receive the session at construction.

A keystroke: ``handlers/documents.py`` → :meth:`Session.change` (text updated, analysis
(re)scheduled after ``diagnostics.debounceMs``) → the worker thread runs the engine → the
findings (reviewed by ``review_rule_findings`` when one is set, e.g. verification's cached
verdicts) are stored and delivered: pushed (``publishDiagnostics``), or the client is asked to
re-pull (``workspace/diagnostic/refresh``).  Features hear ``on_analysed`` afterwards.

Results for a version that has been superseded meanwhile are dropped (the newer version's
analysis is already scheduled), so every published set matches the version it was computed for.
Nothing here imports libcst or the rule engine: the first analysis imports it in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.core.codes import INTERNAL_CODE
from hone.core.finding import Category, Finding, Severity, Span
from hone.core.paths import uri_to_path
from hone.core.settings import Settings
from hone.lsp.config import ConfigManager
from hone.lsp.convert import ClientFeatures, to_diagnostics
from hone.lsp.feature import FeatureSet
from hone.lsp.state import DocumentState
from hone.lsp.worker import Worker

if TYPE_CHECKING:
    from hone.analysis.engine import DocumentAnalysis

log = logging.getLogger(__name__)

T = TypeVar("T")

RULES_SOURCE = "rules"

# (doc, source, findings) -> the findings to publish: e.g. verification's verdicts on rewrites
Review = Callable[[DocumentState, str, Sequence[Finding]], Sequence[Finding]]


def _analyse(doc: DocumentState, text: str, settings: Settings) -> DocumentAnalysis:
    """Runs in the worker thread (the only user of ``doc.analyzer``)."""
    return doc.analyzer.analyse(text, settings)


class Session:
    """State and scheduling of one language-server process.  The API for features is public."""

    def __init__(self, server: LanguageServer, features: FeatureSet) -> None:
        self.server = server  # outgoing messages only (pygls' API): never hone's handlers
        self.features = features
        self.client = ClientFeatures()
        self.config = ConfigManager(
            server,
            lambda: self.client.configuration,
            lambda text: self.show_message(text, lsp.MessageType.Warning),
        )
        self.documents: dict[str, DocumentState] = {}
        # Rule findings pass through this before they are stored (set by the server's wiring).
        self.review_rule_findings: Review | None = None
        self._trusted: dict[str, bool] = {}
        self._findings: dict[str, dict[str, tuple[Finding, ...]]] = {}
        self._generation: dict[str, int] = {}
        self._served: dict[str, str] = {}  # uri -> resultId last returned by a pull
        self._diag_cache: dict[str, tuple[str, list[lsp.Diagnostic]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._refresh_pending = False
        self._worker = Worker()
        # rule analysis scheduling
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._waiters: dict[str, list[tuple[int, asyncio.Future[DocumentState | None]]]] = {}

    # ==========================================================================================
    # API for features
    # ==========================================================================================
    def get_document(self, uri: str) -> DocumentState | None:
        return self.documents.get(uri)

    def settings_for(self, uri: str) -> Settings:
        """Effective settings of a document (open or not)."""
        doc = self.documents.get(uri)
        return doc.settings if doc is not None else self.config.compute(uri)

    def folder_for(self, uri: str) -> str | None:
        """The workspace folder URI of a document (open or not)."""
        doc = self.documents.get(uri)
        return doc.folder if doc is not None else self.config.folder_for(uri)

    def is_trusted(self, folder_uri: str | None) -> bool:
        """Whether the user trusts the workspace folder (False until told otherwise): the
        editor's verdict, the user's ``trustedFolders`` or trust store (:mod:`hone.lsp.trust`)."""
        if folder_uri is None:
            return self.config.trust.trust.client_trusted is True
        if self._trusted.get(folder_uri, False):
            return True
        path = uri_to_path(folder_uri)
        return self.config.trust.decision(path, self.config.compute(folder_uri, folder_uri)).trusted

    def trust_refusal(self, action: str, uri: str, settings: Settings | None = None) -> str | None:
        """Why ``action`` may not run code of ``uri``'s folder (None: it may), for the user."""
        folder = self.folder_for(uri)
        if folder is not None and self._trusted.get(folder, False):
            return None
        path = uri_to_path(folder) if folder else None
        return self.config.trust.refusal(action, path, settings or self.settings_for(uri))

    def confirmed_venv(self, uri: str, settings: Settings | None = None) -> str:
        """``choose_interpreter``'s ``confirmed_venv`` for ``uri``; a trusted folder's
        unconfirmed ``.venv`` is proposed to the user once (never looked at when untrusted)."""
        folder = self.folder_for(uri)
        path = uri_to_path(folder) if folder else None
        gate = self.config.trust

        def propose(where: Any, python: Any) -> None:
            ask = self.server.window_show_message_request_async
            self.spawn(gate.propose_venv(where, python, ask), "propose .venv")

        return gate.interpreter_venv(path, settings or self.settings_for(uri), propose)

    def set_trusted(self, folder_uri: str, trusted: bool) -> None:
        self._trusted[folder_uri] = trusted

    def set_findings(self, uri: str, source: str, findings: Iterable[Finding]) -> None:
        """Replace the findings of ``source`` ("rules", "llm", "timing") for an open document.

        Positions refer to the document's current text.  The merged diagnostics are re-published
        (push) or the client is asked to re-pull (pull).  Ignored for documents not open.
        """
        doc = self.documents.get(uri)
        if doc is None:
            return
        self._findings.setdefault(uri, {})[source] = tuple(findings)
        self._generation[uri] = self._generation.get(uri, 0) + 1
        self._findings_changed(doc)

    def get_findings(self, uri: str) -> list[tuple[str, Finding]]:
        """All current findings of a document as ``(source, finding)`` pairs."""
        return [(source, f) for source, fs in self._findings.get(uri, {}).items() for f in fs]

    def run_in_worker(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run CPU-bound ``fn(*args)`` in the analysis thread (in order with analyses).

        This is the only thread that may touch ``DocumentState.analyzer``.
        """
        return asyncio.wrap_future(self._worker.submit(functools.partial(fn, *args)))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in the background; its exception (if any) is logged, never lost."""
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def notify(self, method: str, params: Any = None) -> None:
        """Send a (custom) notification, e.g. ``hone/status`` or ``hone/timingReport``."""
        self.server.protocol.notify(method, params)

    def show_message(self, text: str, type: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.server.window_show_message(lsp.ShowMessageParams(type=type, message=text))

    def log(self, text: str, type: lsp.MessageType = lsp.MessageType.Log) -> None:
        """Log to the client's output panel (``window/logMessage``) and to the server log."""
        level = {
            lsp.MessageType.Error: logging.ERROR,
            lsp.MessageType.Warning: logging.WARNING,
            lsp.MessageType.Info: logging.INFO,
        }.get(type, logging.DEBUG)
        log.log(level, "%s", text)
        # no transport (unit tests, after exit): the server log has it
        with contextlib.suppress(Exception):
            self.server.window_log_message(lsp.LogMessageParams(type=type, message=text))

    # ==========================================================================================
    # documents (called by the handlers, synchronously, in message order)
    # ==========================================================================================
    def open(self, td: lsp.TextDocumentItem) -> DocumentState:
        if td.uri in self.documents:
            self.close(td.uri)
        folder = self.config.folder_for(td.uri)
        doc = DocumentState(
            uri=td.uri,
            path=uri_to_path(td.uri),
            version=td.version,
            text=td.text,
            language_id=td.language_id,
            folder=folder,
            settings=self.config.compute(td.uri, folder),
        )
        self.documents[td.uri] = doc
        self.schedule_analysis(doc, 0.0)
        return doc

    def change(
        self, uri: str, changes: list[lsp.TextDocumentContentChangeEvent], version: int
    ) -> DocumentState | None:
        doc = self.documents.get(uri)
        if doc is None:
            log.warning("didChange for a document that is not open: %s", uri)
            return None
        doc.apply_changes(changes, version, self.client.encoding)
        self.schedule_analysis(doc, doc.settings.int("diagnostics.debounceMs") / 1000)
        return doc

    def close(self, uri: str) -> bool:
        """Forget a document; False if it was not open."""
        doc = self.documents.pop(uri, None)
        self._findings.pop(uri, None)
        self._diag_cache.pop(uri, None)
        self._served.pop(uri, None)
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        for _, fut in self._waiters.pop(uri, []):
            if not fut.done():
                fut.set_result(None)
        return doc is not None

    # ==========================================================================================
    # rule analysis scheduling
    # ==========================================================================================
    def schedule_analysis(self, doc: DocumentState, delay: float) -> None:
        """(Re)start the rule analysis of ``doc`` after ``delay`` seconds (Python only)."""
        if not doc.is_python:
            return
        previous = self._pending.pop(doc.uri, None)
        if previous is not None:
            previous.cancel()
        self._pending[doc.uri] = self.spawn(self._analyse(doc, delay), f"analyse {doc.uri}")

    def request_analysis(self, doc: DocumentState) -> None:
        """Re-analyse a document now (e.g. after its settings changed)."""
        self.schedule_analysis(doc, 0.0)

    async def wait_for_analysis(
        self, uri: str, timeout: float | None = None
    ) -> DocumentState | None:
        """The document once its rule analysis covers (at least) its version at call time;
        None if it was closed meanwhile; the document as it is after ``timeout``."""
        doc = self.documents.get(uri)
        if doc is None or not doc.is_python or doc.analysis_is_current:
            return doc
        fut: asyncio.Future[DocumentState | None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(doc.uri, []).append((doc.version, fut))
        if doc.uri not in self._pending:
            self.schedule_analysis(doc, 0.0)
        try:
            return await asyncio.wait_for(fut, timeout)  # cancels ``fut`` when we stop waiting
        except TimeoutError:
            return doc

    async def _analyse(self, doc: DocumentState, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        await self.config.wait_ready()
        if self.documents.get(doc.uri) is not doc:
            return
        version, text, settings = doc.version, doc.text, doc.settings
        started = time.perf_counter()
        analysis: DocumentAnalysis | None
        try:
            analysis = await self.run_in_worker(_analyse, doc, text, settings)
            findings: Sequence[Finding] = analysis.findings
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
        if self.documents.get(doc.uri) is not doc or doc.version != version:
            return  # superseded: the newer version's analysis is scheduled
        if self._pending.get(doc.uri) is asyncio.current_task():
            del self._pending[doc.uri]
        doc.analysis, doc.analysis_version = analysis, version
        if self.review_rule_findings is not None:
            try:
                findings = self.review_rule_findings(doc, RULES_SOURCE, findings)
            except Exception as exc:  # a broken review must not withhold the diagnostics
                self.features.failed("review", "review_rule_findings", exc)
        self.set_findings(doc.uri, RULES_SOURCE, findings)
        log.info(
            "%s v%d: %d findings in %.1f ms",
            doc.uri,
            version,
            len(findings),
            (time.perf_counter() - started) * 1000,
        )
        self._wake(doc, version)
        # a separate task: a new edit cancels this one, but must not cancel the features' hooks
        self.spawn(self.features.dispatch("on_analysed", doc), "on_analysed")

    def _wake(self, doc: DocumentState, version: int) -> None:
        keep = []
        for wanted, fut in self._waiters.get(doc.uri, []):
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

    # ==========================================================================================
    # diagnostics delivery
    # ==========================================================================================
    def result_id(self, doc: DocumentState) -> str:
        return f"{doc.version}.{self._generation.get(doc.uri, 0)}"

    def diagnostics_for(self, doc: DocumentState) -> list[lsp.Diagnostic]:
        """The merged diagnostics of all sources, against the document's current text."""
        key = self.result_id(doc)
        cached = self._diag_cache.get(doc.uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        diagnostics = to_diagnostics(
            self._findings.get(doc.uri, {}).items(),
            doc.lines,
            self.client,
            uri=doc.uri,
            version=doc.version,
        )
        self._diag_cache[doc.uri] = (key, diagnostics)
        return diagnostics

    def served(self, doc: DocumentState) -> str:
        """Record that a pull is being answered with the current result; its resultId."""
        result_id = self.result_id(doc)
        self._served[doc.uri] = result_id
        return result_id

    def publish(self, doc: DocumentState) -> None:
        """Push the merged diagnostics of ``doc`` (push mode only; no-op while analysis lags)."""
        if self.client.pull_diagnostics or not doc.analysis_is_current:
            return
        self.server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=doc.uri, diagnostics=self.diagnostics_for(doc), version=doc.version
            )
        )

    def clear_diagnostics(self, uri: str) -> None:
        """Clear what the client shows for a closed document."""
        self.server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def _findings_changed(self, doc: DocumentState) -> None:
        if not self.client.pull_diagnostics:
            self.publish(doc)
            return
        waiting = any(not f.done() for _, f in self._waiters.get(doc.uri, []))
        served = self._served.get(doc.uri)
        if not waiting and served is not None and served != self.result_id(doc):
            self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        """Ask the client to re-pull (coalescing bursts into one request)."""
        if self._refresh_pending or not self.client.diagnostic_refresh:
            return
        self._refresh_pending = True

        async def refresh() -> None:
            await asyncio.sleep(0.01)
            self._refresh_pending = False
            try:
                await self.server.workspace_diagnostic_refresh_async(None)
            except Exception as exc:
                log.info("workspace/diagnostic/refresh failed: %r", exc)

        self.spawn(refresh(), "diagnostic-refresh")

    # ==========================================================================================
    # settings
    # ==========================================================================================
    def reload_settings(self) -> bool:
        """Recompute every open document's settings; re-analyse those whose settings changed."""
        changed = False
        for doc in list(self.documents.values()):
            doc.folder = self.config.folder_for(doc.uri)
            new = self.config.compute(doc.uri, doc.folder)
            if dict(new.values) != dict(doc.settings.values):
                doc.settings = new
                self.request_analysis(doc)
                changed = True
        if changed:
            self.spawn(self.features.dispatch("on_settings_changed"), "settings-changed")
        return changed

    async def refetch_configuration(self, pushed: Any = None) -> None:
        if self.client.configuration:
            await self.config.fetch()
        elif not self.config.apply_pushed_settings(pushed):
            return
        self.reload_settings()

    # ==========================================================================================
    # lifecycle
    # ==========================================================================================
    async def shutdown(self) -> None:
        await self.features.dispatch("on_shutdown")
        for uri in list(self._pending):
            task = self._pending.pop(uri)
            task.cancel()
        for task in list(self._tasks):
            task.cancel()
        self._worker.stop()

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)
            self.log(f"hone: {task.get_name()} failed: {exc!r}", lsp.MessageType.Error)
