"""The contract between hone's LSP glue and its features.

Each feature (rule diagnostics, code actions, LLM analysis, run with timing, ...) is a class with
hooks.  The server has exactly one handler per LSP method; that handler fans out to every feature
and isolates their errors (a feature that raises is logged and skipped, the others still answer).

Features never publish diagnostics themselves: they hand :class:`~hone.core.finding.Finding`s to
the server's findings store under their own *source key* (``"rules"``, ``"llm"``, ``"timing"``),
and the diagnostics feature turns the merged set into LSP diagnostics and code actions in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lsprotocol import types as lsp

    from hone.core.finding import Finding
    from hone.lsp.server import HoneLanguageServer
    from hone.lsp.state import DocumentState
    from hone.runner.report import TimingReport

CommandHandler = Callable[[Sequence[Any]], Awaitable[Any]]


class Feature:
    """Base class: override only the hooks you need.  All hooks default to doing nothing.

    Document hooks run on the event loop, in message order, each feature after the previous
    one; a hook that awaits lets the next message's hooks start, so keep hooks short and move
    long work to ``self.server.spawn(coro)`` (CPU-bound work: ``await
    self.server.run_in_worker(fn, ...)``).  Server API for features: ``get_document(uri)``,
    ``settings_for(uri)``, ``set_findings(uri, source, findings)``, ``get_findings(uri)``,
    ``wait_for_analysis(uri, timeout)``, ``request_analysis(doc)``, ``notify(method, params)``,
    ``show_message(text, type)``, ``log(text, type)``, ``spawn(coro)``, ``run_in_worker(fn, *a)``,
    ``client`` (what the editor supports, :class:`hone.lsp.convert.ClientFeatures`).
    """

    name: str = "feature"

    def __init__(self, server: HoneLanguageServer) -> None:
        self.server = server

    # -- lifecycle ---------------------------------------------------------------------------
    async def on_initialized(self) -> None:
        """After ``initialized``: settings are known, dynamic registration may happen."""

    async def on_shutdown(self) -> None:
        """Cancel background work; the server is about to exit."""

    async def on_settings_changed(self) -> None:
        """Settings of some folder changed (open documents have already been re-analysed)."""

    # -- documents -----------------------------------------------------------------------
    async def on_open(self, doc: DocumentState) -> None: ...

    async def on_change(self, doc: DocumentState) -> None:
        """Called on every ``didChange`` (not debounced): keep it cheap."""

    async def on_analysed(self, doc: DocumentState) -> None:
        """The rule analysis for ``doc.version`` finished (``doc.analysis`` is current)."""

    async def on_save(self, doc: DocumentState) -> None: ...

    async def on_close(self, uri: str) -> None: ...

    async def on_timing_report(self, doc: DocumentState, report: TimingReport) -> None:
        """A "run with timing" of ``doc`` finished (``report`` matches ``doc.version``)."""

    # -- requests ------------------------------------------------------------------------
    # These may also be ``async def`` (return an awaitable of the sequence).  The server only
    # advertises code lenses / inlay hints when some feature overrides the hook.
    def code_actions(
        self, doc: DocumentState, params: lsp.CodeActionParams
    ) -> Sequence[lsp.CodeAction] | Awaitable[Sequence[lsp.CodeAction]]:
        """Extra actions beyond the ones built from findings' fixes.

        To compute an action's edit lazily, return it without ``edit`` and with
        ``data={"feature": self.name, "uri": doc.uri, "version": doc.version, ...}`` (only when
        ``server.client.resolve_edit`` and ``server.client.code_action_data``); the server then
        calls :meth:`resolve_code_action` -- never for a stale ``version``.
        """
        return ()

    async def resolve_code_action(
        self, doc: DocumentState, action: lsp.CodeAction
    ) -> lsp.CodeAction | None:
        """Fill in ``action.edit`` for an action this feature returned without one."""
        return None

    def code_lenses(
        self, doc: DocumentState
    ) -> Sequence[lsp.CodeLens] | Awaitable[Sequence[lsp.CodeLens]]:
        return ()

    def inlay_hints(
        self, doc: DocumentState, range_: lsp.Range
    ) -> Sequence[lsp.InlayHint] | Awaitable[Sequence[lsp.InlayHint]]:
        return ()

    def review_findings(
        self, doc: DocumentState, source: str, findings: Sequence[Finding]
    ) -> Sequence[Finding]:
        """Look at (and possibly amend) findings a source is about to publish; keep it cheap.

        Called by ``server.set_findings`` for every source; the default passes them through.
        """
        return findings

    def commands(self) -> Mapping[str, CommandHandler]:
        """``workspace/executeCommand`` names this feature serves (e.g. ``hone.runWithTiming``)."""
        return {}
