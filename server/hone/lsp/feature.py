"""The contract between hone's LSP handlers and its features, and the set that fans out to them.

Each feature (rules, code actions, LLM analysis, run with timing, verification) is a class with
hooks.  It is constructed with the :class:`~hone.lsp.session.Session` and the peers it needs,
by type (see :func:`hone.lsp.server.build_features`); it never imports the server.  Each LSP
method has one handler (:mod:`hone.lsp.handlers`) that fans out to every feature through
:class:`FeatureSet`, which isolates their errors (a feature that raises is logged and skipped,
the others still answer).

Features never publish diagnostics themselves: they hand :class:`~hone.core.finding.Finding`s to
``session.set_findings(uri, source, findings)`` under their own *source key* (``"rules"``,
``"llm"``, ``"timing"``); the session merges them and delivers diagnostics in one place.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from hone.lsp.state import DocumentState

log = logging.getLogger(__name__)

CommandHandler = Callable[[Sequence[Any]], Awaitable[Any]]


class Feature:
    """Base class: override only the hooks you need.  All hooks default to doing nothing.

    Document hooks run on the event loop, in message order, each feature after the previous
    one; a hook that awaits lets the next message's hooks start, so keep hooks short and move
    long work to ``session.spawn(coro)`` (CPU-bound work: ``await session.run_in_worker(fn,
    ...)``).
    """

    name: str = "feature"

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

    # -- requests ------------------------------------------------------------------------
    # These may also be ``async def`` (return an awaitable of the sequence).  The server only
    # advertises code lenses / inlay hints when some feature overrides the hook.
    def code_actions(
        self, doc: DocumentState, params: lsp.CodeActionParams
    ) -> Sequence[lsp.CodeAction] | Awaitable[Sequence[lsp.CodeAction]]:
        """Actions for the range (the findings' fixes are built by the code-actions feature).

        To compute an action's edit lazily, return it without ``edit`` and with
        ``data={"feature": self.name, "uri": doc.uri, "version": doc.version, ...}`` (only when
        ``session.client.resolve_edit`` and ``session.client.code_action_data``); the handler
        then calls :meth:`resolve_code_action` -- never for a stale ``version``.
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

    def commands(self) -> Mapping[str, CommandHandler]:
        """``workspace/executeCommand`` names this feature serves (e.g. ``hone.runWithTiming``)."""
        return {}


class FeatureSet:
    """The running features, in order; every call into them is isolated.

    ``report`` tells the user that a feature failed (the session's ``log``).
    """

    def __init__(self, report: Callable[[str, lsp.MessageType], None]) -> None:
        self._features: list[Feature] = []
        self._report = report

    def add(self, feature: Feature) -> None:
        self._features.append(feature)

    def __iter__(self) -> Iterator[Feature]:
        return iter(self._features)

    def named(self, name: str) -> Feature | None:
        """Routing only (a resolved code action names the feature that made it)."""
        return next((f for f in self._features if f.name == name), None)

    def overrides(self, hook: str) -> bool:
        return any(getattr(type(f), hook) is not getattr(Feature, hook) for f in self._features)

    async def dispatch(self, hook: str, *args: Any) -> None:
        """Call ``hook(*args)`` on every feature in order; a feature that raises is logged."""
        for feature in self._features:
            await self.call(feature, hook, None, *args)

    async def collect(self, hook: str, *args: Any) -> list[Any]:
        """The concatenated sequences ``hook(*args)`` returns from every feature."""
        out: list[Any] = []
        for feature in self._features:
            out.extend(await self.call(feature, hook, (), *args))
        return out

    async def call(self, feature: Feature, hook: str, default: Any, *args: Any) -> Any:
        try:
            result = getattr(feature, hook)(*args)
            if inspect.isawaitable(result):
                result = await result
            return default if result is None else result
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failed(feature.name, hook, exc)
            return default

    def failed(self, feature: str, hook: str, exc: BaseException) -> None:
        log.error("feature %s failed in %s", feature, hook, exc_info=exc)
        self._report(f"hone: {feature} failed in {hook}: {exc!r}", lsp.MessageType.Error)
