"""LLM analysis in the editor: on save (or on change, or on command), findings and rewrites.

The LSP side of :mod:`hone.llm`: when to analyse (``llm.trigger``), ``$/progress`` with
client-side cancel, the ``hone/status`` notification (idle / analysing / error / off, with a
short reason), one-time messages (LLM off, endpoint unreachable, bad credentials), and the
findings under the source key ``"llm"``.  Their rewrites become code actions through the shared
Finding -> CodeAction path (``Safety.SUGGESTION``: never preferred, never part of fix-all).

Rule diagnostics never wait for any of this: the analysis runs as background tasks, and LLM
findings are re-positioned against each new rule analysis (they move with their function and
vanish when its text changes) without ever blocking it.

Nothing heavy is imported at module level (the server imports this before its first response).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from hone.lsp.feature import CommandHandler, Feature
from hone.lsp.features.diagnostics import is_python

if TYPE_CHECKING:
    from hone.core.finding import Finding
    from hone.core.functions import FunctionInfo
    from hone.llm.analyzer import AnalysisReport, LLMAnalyzer
    from hone.llm.provider import LLMConfig
    from hone.lsp.server import HoneLanguageServer
    from hone.lsp.state import DocumentState
    from hone.runner.report import TimingReport

log = logging.getLogger(__name__)

SOURCE_KEY = "llm"
STATUS_METHOD = "hone/status"
ANALYSE_COMMAND = "hone.analyseFileWithLLM"
CLEAR_CACHE_COMMAND = "hone.clearLLMCache"
ON_CHANGE_DELAY_S = 1.5  # llm.trigger = onChange: quiet time after the last edit
# After a save, LLM work (parsing the module, building prompts) starts only once the user has
# not typed for this long: it costs CPU that rule diagnostics of the next keystrokes would share.
ON_SAVE_DELAY_S = 0.5
PROGRESS_CREATE_TIMEOUT_S = 5.0


class _Sink:
    """Routes the analyser's reports to the client."""

    def __init__(self, feature: LLMFeature) -> None:
        self.feature = feature

    def status(self, state: str, reason: str) -> None:
        self.feature.send_status(state, reason)

    def notice(self, message: str, level: str) -> None:
        kind = {
            "error": lsp.MessageType.Error,
            "warning": lsp.MessageType.Warning,
        }.get(level, lsp.MessageType.Info)
        self.feature.server.show_message(message, kind)


class LLMFeature(Feature):
    name = "llm"

    def __init__(self, server: HoneLanguageServer) -> None:
        super().__init__(server)
        self._analyzer: LLMAnalyzer | None = None
        self._tasks: dict[str, asyncio.Task[Any]] = {}  # uri -> document-level analysis
        self._timers: dict[str, asyncio.Task[None]] = {}  # uri -> onChange debounce
        self._shown: dict[str, tuple[Finding, ...]] = {}
        self._last_status: tuple[str, str] | None = None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def analyzer(self) -> LLMAnalyzer:
        if self._analyzer is None:
            from hone.llm.analyzer import LLMAnalyzer
            from hone.llm.cache import LLMCache

            self._analyzer = LLMAnalyzer(LLMCache(), sink=_Sink(self))
        return self._analyzer

    def _config(self, doc: DocumentState) -> LLMConfig:
        from hone.llm.provider import LLMConfig

        if self._analyzer is not None and self._analyzer.cache is not None:
            self._analyzer.cache.max_bytes = doc.settings.int("llm.cacheMaxMb") * 1024 * 1024
        return LLMConfig.from_settings(doc.settings)

    @staticmethod
    def _trigger(doc: DocumentState) -> str:
        return doc.settings.str("llm.trigger")

    def send_status(self, state: str, reason: str = "") -> None:
        if self._last_status == (state, reason):
            return
        self._last_status = (state, reason)
        with contextlib.suppress(Exception):  # no transport (shutting down)
            self.server.notify(STATUS_METHOD, {"state": state, "reason": reason})

    @staticmethod
    def _functions(doc: DocumentState) -> list[FunctionInfo] | None:
        """The current function index, or None while the rule analysis lags or fails to parse."""
        analysis = doc.analysis
        if analysis is None or not doc.analysis_is_current or not analysis.parses:
            return None
        return list(analysis.functions)

    def _show(self, uri: str) -> None:
        """Re-position the document's LLM findings against its current text and publish."""
        doc = self.server.get_document(uri)
        if doc is None or self._analyzer is None:
            return
        functions = self._functions(doc)
        if functions is None:
            return  # on_analysed calls again once the rule analysis is current
        findings = tuple(self._analyzer.findings(uri, doc.text, functions, doc.version))
        if findings != self._shown.get(uri, ()):
            self._shown[uri] = findings
            self.server.set_findings(uri, SOURCE_KEY, findings)

    # -- hooks ------------------------------------------------------------------------------
    async def on_open(self, doc: DocumentState) -> None:
        """Reopening a file shows what the cache knows about it; nothing is sent."""
        if not is_python(doc) or self._trigger(doc) == "off":
            return
        config = self._config(doc)
        if not config.configured:
            return
        version, text = doc.version, doc.text
        restored = await self.analyzer.restore_from_cache(
            doc.uri, version, text, config, exclude=doc.settings.list("llm.exclude")
        )
        if restored:
            await self.server.wait_for_analysis(doc.uri)
            self._show(doc.uri)

    async def on_change(self, doc: DocumentState) -> None:
        timer = self._timers.pop(doc.uri, None)
        if timer is not None:
            timer.cancel()

    async def on_analysed(self, doc: DocumentState) -> None:
        functions = self._functions(doc)
        if self._analyzer is not None and functions is not None:
            # an in-flight request for a function that has changed since is wasted money
            self._analyzer.supersede(doc.uri, functions)
            self._show(doc.uri)
        if self._trigger(doc) == "onChange" and is_python(doc):
            self._start_when_quiet(doc, ON_CHANGE_DELAY_S)

    def _start_when_quiet(self, doc: DocumentState, delay: float) -> None:
        """Start the analysis after ``delay`` s without edits (an edit cancels the timer)."""
        timer = self._timers.pop(doc.uri, None)
        if timer is not None:
            timer.cancel()
        self._timers[doc.uri] = self.server.spawn(
            self._after_quiet(doc, doc.version, delay), f"llm-debounce {doc.uri}"
        )

    async def _after_quiet(self, doc: DocumentState, version: int, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.server.get_document(doc.uri) is doc and doc.version == version:
            self._timers.pop(doc.uri, None)
            self.start(doc)

    async def on_save(self, doc: DocumentState) -> None:
        if self._trigger(doc) in ("onSave", "onChange") and is_python(doc):
            self._start_when_quiet(doc, ON_SAVE_DELAY_S)

    async def on_timing_report(self, doc: DocumentState, report: TimingReport) -> None:
        """Profile-guided: after a timed run, the functions that took the time are sent first,
        with what was measured in their prompt (a new prompt, so they are asked again)."""
        if self._trigger(doc) not in ("onSave", "onChange") or not is_python(doc):
            return  # "manual" means only the user's command sends anything
        if doc.path is None:
            return
        if not self._config(doc).configured:
            return
        hot = hot_functions(report, str(doc.path))
        if hot:
            self.start(doc, profile=hot)

    async def on_close(self, uri: str) -> None:
        for tasks in (self._tasks, self._timers):
            task = tasks.pop(uri, None)
            if task is not None:
                task.cancel()
        self._shown.pop(uri, None)
        if self._analyzer is not None:
            self._analyzer.forget(uri)

    async def on_settings_changed(self) -> None:
        for doc in list(self.server.documents.values()):
            if not is_python(doc):
                continue
            if self._trigger(doc) == "off" or not self._config(doc).configured:
                await self.on_close(doc.uri)  # drop its LLM state and findings
                self.server.set_findings(doc.uri, SOURCE_KEY, ())
        if (
            all(
                self._trigger(d) == "off" or not self._config(d).configured
                for d in self.server.documents.values()
                if is_python(d)
            )
            and self.server.documents
        ):
            self.send_status("off", "LLM analysis is off")

    async def on_shutdown(self) -> None:
        for tasks in (self._tasks, self._timers):
            for task in tasks.values():
                task.cancel()
            tasks.clear()
        if self._analyzer is not None:
            await self._analyzer.aclose()

    # -- analysis ---------------------------------------------------------------------------
    def start(
        self,
        doc: DocumentState,
        *,
        force: bool = False,
        profile: Mapping[str, tuple[float, str]] | None = None,
    ) -> asyncio.Task[Any] | None:
        """(Re)start the LLM analysis of ``doc``; superseded saves are cancelled."""
        if not is_python(doc):
            return None
        if self._trigger(doc) == "off":
            self.send_status("off", "llm.trigger is off")
            return None
        previous = self._tasks.pop(doc.uri, None)
        if previous is not None:
            previous.cancel()  # shared per-function requests survive unless their text changed
        task = self.server.spawn(self._run(doc, force, profile), f"llm {doc.uri}")
        self._tasks[doc.uri] = task
        return task

    async def _run(
        self,
        doc: DocumentState,
        force: bool,
        profile: Mapping[str, tuple[float, str]] | None = None,
    ) -> AnalysisReport | None:
        uri = doc.uri
        config = self._config(doc)
        # Use the rule analysis' function index when it is current (it usually is by now).
        await self.server.wait_for_analysis(uri, 2.0)
        if self.server.get_document(uri) is not doc:
            return None
        version, text = doc.version, doc.text
        functions = self._functions(doc)
        if profile and functions is not None:
            # only the measured functions, asked again now that their cost is known
            functions = [f for f in functions if f.qualname in profile]
            force = True
        progress = _Progress(self, uri) if config.configured else None
        try:
            report = await self.analyzer.analyse(
                uri,
                version,
                text,
                config,
                exclude=doc.settings.list("llm.exclude"),
                force=force,
                functions=functions,
                progress=progress.update if progress else None,
                on_result=lambda: self._show(uri),
                profile=profile,
            )
        finally:
            if progress is not None:
                progress.end()
            if self._tasks.get(uri) is asyncio.current_task():
                del self._tasks[uri]
        self._show(uri)
        if report.excluded:
            self.server.log(f"hone: {uri} matches llm.exclude; it is never sent to the LLM")
        for error in report.errors:
            self.server.log(f"hone: LLM analysis of {uri}: {error}", lsp.MessageType.Warning)
        return report

    # -- commands ---------------------------------------------------------------------------
    def commands(self) -> Mapping[str, CommandHandler]:
        return {ANALYSE_COMMAND: self._analyse_command, CLEAR_CACHE_COMMAND: self._clear_command}

    def _documents_from_args(self, args: Sequence[Any]) -> list[DocumentState]:
        uris: list[str] = []
        for arg in args:
            if isinstance(arg, str):
                uris.append(arg)
            elif isinstance(arg, Mapping) and isinstance(arg.get("uri"), str):
                uris.append(arg["uri"])
        if not uris:
            return [d for d in self.server.documents.values() if is_python(d)]
        docs = [self.server.get_document(u) for u in uris]
        return [d for d in docs if d is not None]

    async def _analyse_command(self, args: Sequence[Any]) -> dict[str, Any]:
        """``hone.analyseFileWithLLM [{"uri": ...}]``: every function of the file(s)."""
        docs = self._documents_from_args(args)
        if not docs:
            self.server.show_message("hone: no open Python document to analyse.")
            return {"documents": 0}
        summary: dict[str, Any] = {
            "documents": 0,
            "functions": 0,
            "sent": 0,
            "cacheHits": 0,
            "errors": [],
        }
        for doc in docs:
            if self._trigger(doc) == "off":
                self.server.show_message(
                    "hone: LLM analysis is off (hone.llm.trigger = off).", lsp.MessageType.Info
                )
                continue
            task = self.start(doc, force=True)
            if task is None:
                continue
            try:
                report = await asyncio.shield(task)
            except asyncio.CancelledError:
                if task.cancelled():
                    continue  # superseded or cancelled by the user
                raise
            if report is None:
                continue
            summary["documents"] += 1
            summary["functions"] += report.functions
            summary["sent"] += report.sent
            summary["cacheHits"] += report.cache_hits
            summary["errors"].extend(report.errors)
            if report.excluded:
                self.server.show_message(
                    f"hone: {doc.uri} matches hone.llm.exclude: it is never sent to the LLM.",
                    lsp.MessageType.Info,
                )
        return summary

    async def _clear_command(self, args: Sequence[Any]) -> dict[str, Any]:
        removed = await asyncio.to_thread(self.analyzer.clear_cache)
        self.server.log(f"hone: LLM cache cleared ({removed} entries)", lsp.MessageType.Info)
        return {"removed": removed}


class _Progress:
    """A ``$/progress`` bar for one analysis, cancellable from the client.

    Created lazily on the first update (a cache-only pass shows none); if the client does not
    support server-initiated progress, or does not answer, there is simply no bar.
    """

    def __init__(self, feature: LLMFeature, uri: str) -> None:
        self.feature = feature
        self.uri = uri
        self.token = f"hone-llm-{uuid.uuid4().hex}"
        self._task: asyncio.Task[bool] | None = None
        self._last: tuple[int, int] | None = None
        self._ended = False

    @property
    def _supported(self) -> bool:
        caps = self.feature.server.client_capabilities
        window = getattr(caps, "window", None)
        return bool(getattr(window, "work_done_progress", False))

    def update(self, done: int, total: int) -> None:
        if self._ended or not self._supported:
            return
        self._last = (done, total)
        if self._task is None:
            # spawned (strongly referenced): it may outlive a quick analysis
            self._task = self.feature.server.spawn(self._begin(total), "llm-progress")
        elif self._task.done() and not self._task.cancelled() and self._task.result():
            self._report(done, total)

    async def _begin(self, total: int) -> bool:
        server = self.feature.server
        # asyncio.wait, not wait_for: a late answer must find its future still pending (pygls
        # fails on a response to a cancelled request).
        created = asyncio.ensure_future(server.work_done_progress.create_async(self.token))
        done, _ = await asyncio.wait({created}, timeout=PROGRESS_CREATE_TIMEOUT_S)
        if not done or created.exception() is not None:
            # the client refused or did not answer: no progress bar
            log.info("hone: no progress bar for LLM analysis (%s)", "refused" if done else "late")
            return False
        if self._ended:
            server.work_done_progress.tokens.pop(self.token, None)
            server.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd())
            return False
        cancelled = server.work_done_progress.tokens.get(self.token)
        if cancelled is not None:
            loop = asyncio.get_running_loop()
            cancelled.add_done_callback(lambda _f: loop.call_soon_threadsafe(self._user_cancelled))
        server.work_done_progress.begin(
            self.token,
            lsp.WorkDoneProgressBegin(
                title="hone",
                message=f"hone: analysing {total} function{'s' * (total != 1)}",
                cancellable=True,
                percentage=0,
            ),
        )
        if self._last is not None and self._last[0] > 0:
            self._report(*self._last)
        return True

    def _report(self, done: int, total: int) -> None:
        self.feature.server.work_done_progress.report(
            self.token,
            lsp.WorkDoneProgressReport(
                message=f"hone: analysed {done} of {total} functions",
                percentage=int(100 * done / total) if total else 100,
                cancellable=True,
            ),
        )

    def _user_cancelled(self) -> None:
        if self._ended:
            return
        feature = self.feature
        log.info("hone: LLM analysis of %s cancelled by the user", self.uri)
        if feature._analyzer is not None:
            feature._analyzer.cancel(self.uri)
        feature.send_status("idle", "LLM analysis cancelled")

    def end(self) -> None:
        if self._ended:
            return
        self._ended = True
        server = self.feature.server
        server.work_done_progress.tokens.pop(self.token, None)
        task = self._task
        if task is not None and task.done() and not task.cancelled() and task.result():
            server.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd())
        # a begin still in flight sees ``_ended`` and closes the bar itself


HOT_SHARE = 0.05  # a function under 5 % of the run's time is not worth a profile-guided request
HOT_MAX = 5


def hot_functions(report: TimingReport, path: str) -> dict[str, tuple[float, str]]:
    """qualname -> (share, what was measured) for the run's hottest functions in ``path``."""
    # ranked by time in the function's own code: a caller of a hot function (main) is not the
    # code to rewrite
    out: dict[str, tuple[float, str]] = {}
    ranked = sorted(report.functions_in(path), key=lambda f: -f.share)
    for f in ranked[:HOT_MAX]:
        if f.share < HOT_SHARE or f.qualname == "<module>":
            continue
        calls = f" over {f.calls} calls" if f.calls else ""
        out[f.qualname] = (
            f.share,
            f"{f.share:.0%} of the program's run time is spent in its own code ({f.self_s:.3f} s"
            f"{calls}; {f.cum_s:.3f} s including callees). Prioritise what makes it slow.",
        )
    return out
