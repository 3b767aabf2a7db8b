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
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from hone.lsp.feature import CommandHandler, Feature
from hone.lsp.progress import Progress
from hone.lsp.session import Session
from hone.lsp.state import DocumentState

if TYPE_CHECKING:
    from hone.core.finding import Finding
    from hone.core.functions import FunctionInfo
    from hone.llm.analyzer import AnalysisReport, LLMAnalyzer
    from hone.llm.provider import LLMConfig
    from hone.lsp.features.timing import TimingFeature
    from hone.lsp.features.verification import VerificationFeature
    from hone.runner.report import TimingReport

log = logging.getLogger(__name__)

SOURCE_KEY = "llm"
STATUS_METHOD = "hone/status"
ANALYSE_COMMAND = "hone.analyseFileWithLLM"
CLEAR_CACHE_COMMAND = "hone.clearLLMCache"
CHECK_COMMAND = "hone.llmCheck"
ON_CHANGE_DELAY_S = 1.5  # llm.trigger = onChange: quiet time after the last edit
# After a save, LLM work (parsing the module, building prompts) starts only once the user has
# not typed for this long: it costs CPU that rule diagnostics of the next keystrokes would share.
ON_SAVE_DELAY_S = 0.5


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
        if kind == lsp.MessageType.Info:
            # Informational ("LLM analysis is off"): the log, not a pop-up; the status item
            # says it too. As a message it stopped Neovim's first :w at a "Press ENTER" prompt.
            self.feature.session.log(message, kind)
        else:
            self.feature.session.show_message(message, kind)


class LLMFeature(Feature):
    name = "llm"

    def __init__(
        self,
        session: Session,
        verifier: VerificationFeature | None,
        timing: TimingFeature | None,
    ) -> None:
        self.session = session
        self.verifier = verifier  # judges every rewrite before it is offered
        if verifier is not None:
            verifier.subscribe_rejections(self._on_rejected)
        if timing is not None:
            timing.subscribe(self.on_timing_report)
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
            self.session.notify(STATUS_METHOD, {"state": state, "reason": reason})

    def _publish(self, doc: DocumentState, findings: Sequence[Finding]) -> None:
        """Set the LLM findings, their rewrites judged by the verifier first."""
        if self.verifier is not None:
            findings = self.verifier.review_findings(doc, SOURCE_KEY, findings)
        self.session.set_findings(doc.uri, SOURCE_KEY, findings)

    def _show(self, uri: str) -> None:
        """Re-position the document's LLM findings against its current text and publish."""
        doc = self.session.get_document(uri)
        if doc is None or self._analyzer is None:
            return
        functions = doc.current_functions
        if functions is None:
            return  # on_analysed calls again once the rule analysis is current
        findings = tuple(self._analyzer.findings(uri, doc.text, list(functions), doc.version))
        if findings != self._shown.get(uri, ()):
            self._shown[uri] = findings
            self._publish(doc, findings)

    def _on_rejected(
        self, doc: DocumentState, source: str, finding: Finding, rejected: str, reason: str
    ) -> None:
        """Every candidate of one of our findings was judged and none may be offered: send the
        first rejected one back once, with the verifier's structural reason."""
        if source != SOURCE_KEY or self._analyzer is None:
            return
        meta = finding.extra.get("llm") if finding.extra else None
        index = meta.get("item") if isinstance(meta, Mapping) else None
        functions = doc.current_functions or ()
        fn = next((f for f in functions if f.qualname == finding.function), None)
        if not isinstance(index, int) or fn is None:
            return
        self.session.spawn(
            self._repair(doc, fn, index, rejected, reason), name=f"repair {fn.qualname}"
        )

    async def _repair(
        self, doc: DocumentState, fn: FunctionInfo, index: int, rejected: str, reason: str
    ) -> None:
        version = doc.version
        added = await self.analyzer.repair(
            doc.uri, doc.text, fn, index, rejected, reason, self._config(doc)
        )
        if added and self.session.get_document(doc.uri) is doc and doc.version == version:
            self.session.log(f"hone: asked the model once to repair a rewrite of {fn.qualname}")
            self._show(doc.uri)

    # -- hooks ------------------------------------------------------------------------------
    async def on_open(self, doc: DocumentState) -> None:
        """Reopening a file shows what the cache knows about it; nothing is sent."""
        if not doc.is_python or self._trigger(doc) == "off":
            return
        config = self._config(doc)
        if not config.configured:
            return
        version, text = doc.version, doc.text
        # the prompts carry the rule findings of this text as hints: wait for them, so the
        # cache keys are the ones the analysis used
        await self.session.wait_for_analysis(doc.uri, 2.0)
        if self.session.get_document(doc.uri) is not doc or doc.version != version:
            return
        rules = doc.analysis.findings if doc.analysis_is_current and doc.analysis else ()
        restored = await self.analyzer.restore_from_cache(
            doc.uri,
            version,
            text,
            config,
            exclude=doc.settings.list("llm.exclude"),
            rule_findings=rules,
        )
        if restored:
            await self.session.wait_for_analysis(doc.uri)
            self._show(doc.uri)

    async def on_change(self, doc: DocumentState) -> None:
        timer = self._timers.pop(doc.uri, None)
        if timer is not None:
            timer.cancel()

    async def on_analysed(self, doc: DocumentState) -> None:
        functions = doc.current_functions
        if self._analyzer is not None and functions is not None:
            # an in-flight request for a function that has changed since is wasted money
            self._analyzer.supersede(doc.uri, list(functions))
            self._show(doc.uri)
        if self._trigger(doc) == "onChange" and doc.is_python:
            self._start_when_quiet(doc, ON_CHANGE_DELAY_S)

    def _start_when_quiet(self, doc: DocumentState, delay: float) -> None:
        """Start the analysis after ``delay`` s without edits (an edit cancels the timer)."""
        timer = self._timers.pop(doc.uri, None)
        if timer is not None:
            timer.cancel()
        self._timers[doc.uri] = self.session.spawn(
            self._after_quiet(doc, doc.version, delay), f"llm-debounce {doc.uri}"
        )

    async def _after_quiet(self, doc: DocumentState, version: int, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.session.get_document(doc.uri) is doc and doc.version == version:
            self._timers.pop(doc.uri, None)
            self.start(doc)

    async def on_save(self, doc: DocumentState) -> None:
        if self._trigger(doc) in ("onSave", "onChange") and doc.is_python:
            self._start_when_quiet(doc, ON_SAVE_DELAY_S)

    async def on_timing_report(self, doc: DocumentState, report: TimingReport) -> None:
        """Profile-guided: after a timed run, the functions that took the time are sent first,
        with what was measured in their prompt (a new prompt, so they are asked again)."""
        if self._trigger(doc) not in ("onSave", "onChange") or not doc.is_python:
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
        for doc in list(self.session.documents.values()):
            if not doc.is_python:
                continue
            if self._trigger(doc) == "off" or not self._config(doc).configured:
                await self.on_close(doc.uri)  # drop its LLM state and findings
                self._publish(doc, ())
        if (
            all(
                self._trigger(d) == "off" or not self._config(d).configured
                for d in self.session.documents.values()
                if d.is_python
            )
            and self.session.documents
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
        if not doc.is_python:
            return None
        if self._trigger(doc) == "off":
            self.send_status("off", "llm.trigger is off")
            return None
        previous = self._tasks.pop(doc.uri, None)
        if previous is not None:
            previous.cancel()  # shared per-function requests survive unless their text changed
        task = self.session.spawn(self._run(doc, force, profile), f"llm {doc.uri}")
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
        await self.session.wait_for_analysis(uri, 2.0)
        if self.session.get_document(uri) is not doc:
            return None
        version, text = doc.version, doc.text
        current = doc.current_functions
        functions = list(current) if current is not None else None
        # hone's own rule findings of this very text go to the model as hints
        rules = doc.analysis.findings if current is not None and doc.analysis else ()
        if profile and functions is not None:
            # only the measured functions, asked again now that their cost is known
            functions = [f for f in functions if f.qualname in profile]
            force = True
        progress = (
            Progress(self.session.server, "llm", on_cancel=lambda: self._user_cancelled(uri))
            if config.configured
            else None
        )
        try:
            report = await self.analyzer.analyse(
                uri,
                version,
                text,
                config,
                exclude=doc.settings.list("llm.exclude"),
                force=force,
                functions=functions,
                progress=self._progress_updates(progress) if progress else None,
                on_result=lambda: self._show(uri),
                profile=profile,
                rule_findings=rules,
            )
        finally:
            if progress is not None:
                progress.end()
            if self._tasks.get(uri) is asyncio.current_task():
                del self._tasks[uri]
        self._show(uri)
        if report.excluded:
            self.session.log(f"hone: {uri} matches llm.exclude; it is never sent to the LLM")
        for error in report.errors:
            self.session.log(f"hone: LLM analysis of {uri}: {error}", lsp.MessageType.Warning)
        return report

    def _progress_updates(self, progress: Progress) -> Callable[[int, int], None]:
        """The analyser's ``progress(done, total)`` callback: the bar appears on the first call
        (a cache-only pass shows none)."""
        started = False

        def update(done: int, total: int) -> None:
            nonlocal started
            if not started:
                if not progress.supported:
                    return
                started = True
                begin = progress.begin(
                    "hone", f"hone: analysing {total} function{'s' * (total != 1)}", 0
                )
                # spawned (strongly referenced): it may outlive a quick analysis
                self.session.spawn(begin, "llm-progress")
                if done == 0:
                    return
            progress.report(
                f"hone: analysed {done} of {total} functions",
                int(100 * done / total) if total else 100,
            )

        return update

    def _user_cancelled(self, uri: str) -> None:
        log.info("hone: LLM analysis of %s cancelled by the user", uri)
        if self._analyzer is not None:
            self._analyzer.cancel(uri)
        self.send_status("idle", "LLM analysis cancelled")

    # -- commands ---------------------------------------------------------------------------
    def commands(self) -> Mapping[str, CommandHandler]:
        return {
            ANALYSE_COMMAND: self._analyse_command,
            CLEAR_CACHE_COMMAND: self._clear_command,
            CHECK_COMMAND: self._check_command,
        }

    def _documents_from_args(self, args: Sequence[Any]) -> list[DocumentState]:
        uris: list[str] = []
        for arg in args:
            if isinstance(arg, str):
                uris.append(arg)
            elif isinstance(arg, Mapping) and isinstance(arg.get("uri"), str):
                uris.append(arg["uri"])
        if not uris:
            return [d for d in self.session.documents.values() if d.is_python]
        docs = [self.session.get_document(u) for u in uris]
        return [d for d in docs if d is not None]

    async def _analyse_command(self, args: Sequence[Any]) -> dict[str, Any]:
        """``hone.analyseFileWithLLM [{"uri": ...}]``: every function of the file(s)."""
        docs = self._documents_from_args(args)
        if not docs:
            self.session.show_message("hone: no open Python document to analyse.")
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
                self.session.show_message(
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
                self.session.show_message(
                    f"hone: {doc.uri} matches hone.llm.exclude: it is never sent to the LLM.",
                    lsp.MessageType.Info,
                )
        # one line in the output channel per request: what the analysis sent, so "nothing
        # happened" (all answers cached) is visible -- and an end-to-end test can wait for it
        self.session.log(
            f"hone: LLM analysis done: {summary['functions']} functions, {summary['sent']} sent "
            f"to the endpoint, {summary['cacheHits']} from the cache, "
            f"{len(summary['errors'])} errors",
            lsp.MessageType.Info,
        )
        return summary

    async def _check_command(self, args: Sequence[Any]) -> dict[str, Any]:
        """``hone.llmCheck [{"uri": ...}]``: the endpoint the document's settings name -- is it
        reachable, which structured output works, how fast (``hone llm check`` in the editor)."""
        from dataclasses import asdict

        from hone.llm.check import check_endpoint

        docs = self._documents_from_args(args)
        if docs:
            config = self._config(docs[0])
        else:
            from hone.core.settings import Settings
            from hone.llm.provider import LLMConfig

            config = LLMConfig.from_settings(Settings())
        report = await check_endpoint(config)
        text = "\n".join(report.lines())
        self.session.log(f"hone: LLM endpoint check\n{text}", lsp.MessageType.Info)
        ok = report.reachable and report.best_mode is not None
        summary = f"hone: {config.display_url or 'no LLM endpoint configured'}: " + (
            f"reachable, {report.best_mode}, {report.latency_s or 0:.1f} s per tiny request"
            if ok
            else f"not usable ({report.error or 'no structured-output mode works'})"
        )
        self.session.show_message(summary, lsp.MessageType.Info if ok else lsp.MessageType.Warning)
        data = asdict(report)
        data["bestMode"] = report.best_mode
        return data

    async def _clear_command(self, args: Sequence[Any]) -> dict[str, Any]:
        removed = await asyncio.to_thread(self.analyzer.clear_cache)
        self.session.log(f"hone: LLM cache cleared ({removed} entries)", lsp.MessageType.Info)
        return {"removed": removed}


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
