"""LLM analysis of documents, behind one small facade: :class:`LLMAnalyzer`.

The work is split by concern, each behind its own seam:

* :mod:`hone.llm.scheduler` -- what to send when (per-document state, superseding, cancelling,
  batching, the cache in front of the endpoint);
* :mod:`hone.llm.request` -- prompt building and the request itself;
* :mod:`hone.llm.reply` -- a reply split per function;
* :mod:`hone.llm.findings` -- a function's result turned into findings (rewrites validated).

The facade adds what is about the user rather than the work: whether analysis is on at all,
which files are never sent (``llm.exclude``), and status and one-time notices, which go to a
:class:`StatusSink` (the analyser knows nothing about LSP).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from hone.core.finding import Finding
from hone.core.functions import FunctionInfo
from hone.core.paths import is_excluded, uri_to_path_text
from hone.llm.cache import LLMCache
from hone.llm.findings import CODES, REWRITE_TITLE, SOURCE, findings_for, prevalidate
from hone.llm.prompt import top_level_functions
from hone.llm.provider import ErrorKind, LLMConfig, Provider, ProviderError
from hone.llm.reply import FunctionResult
from hone.llm.request import parse_and_index
from hone.llm.scheduler import (
    BATCH_MAX_CHARS,
    BATCH_MAX_FUNCTIONS,
    BATCH_THRESHOLD,
    AnalysisReport,
    DocState,
    Scheduler,
)

__all__ = [
    "CODES",
    "CONFIGURE_HINT",
    "REWRITE_TITLE",
    "SOURCE",
    "AnalysisReport",
    "FunctionResult",
    "LLMAnalyzer",
    "StatusSink",
]

log = logging.getLogger(__name__)

CONFIGURE_HINT = (
    "set hone.llm.baseUrl (and llm.model, llm.apiKeyEnv) to an OpenAI-compatible endpoint such as "
    "https://api.openai.com/v1, http://localhost:11434/v1 (Ollama) or http://localhost:8080/v1 "
    "(llama.cpp); see the README's 'LLM analysis' section"
)


class StatusSink(Protocol):
    """Where the analyser reports; the LSP feature maps these to ``hone/status`` and messages."""

    def status(self, state: str, reason: str) -> None:
        """``state`` is one of idle / analysing / error / off."""

    def notice(self, message: str, level: str) -> None:
        """A one-time user message (``level``: info / warning / error)."""


class _NullSink:
    def status(self, state: str, reason: str) -> None:
        log.debug("hone llm status: %s (%s)", state, reason)

    def notice(self, message: str, level: str) -> None:
        log.info("%s", message)


def _prevalidate(
    doc: DocState,
    uri: str,
    version: int | None,
    text: str,
    fn: FunctionInfo,
    result: FunctionResult,
) -> None:
    prevalidate(doc.rewrites, uri, version, text, fn, result)


class LLMAnalyzer:
    """One per server (or per benchmark run); safe to call from one event loop."""

    def __init__(
        self,
        cache: LLMCache | None = None,
        *,
        sink: StatusSink | None = None,
        provider_factory: Callable[[LLMConfig], Provider] = Provider,
        batch_threshold: int = BATCH_THRESHOLD,
        batch_max_functions: int = BATCH_MAX_FUNCTIONS,
        batch_max_chars: int = BATCH_MAX_CHARS,
    ) -> None:
        self.cache = cache
        self.sink: StatusSink = sink or _NullSink()
        self._provider_factory = provider_factory
        self._providers: dict[LLMConfig, Provider] = {}
        self._noticed: set[str] = set()
        self._scheduler = Scheduler(
            cache,
            self.provider,
            _prevalidate,
            batch_threshold=batch_threshold,
            batch_max_functions=batch_max_functions,
            batch_max_chars=batch_max_chars,
        )

    # -- providers and notices -------------------------------------------------------------
    def provider(self, config: LLMConfig) -> Provider:
        provider = self._providers.get(config)
        if provider is None:
            provider = self._providers[config] = self._provider_factory(config)
        return provider

    def notice_once(self, key: str, message: str, level: str = "warning") -> None:
        if key not in self._noticed:
            self._noticed.add(key)
            self.sink.notice(message, level)

    def _notice_error(self, exc: ProviderError, config: LLMConfig) -> None:
        if exc.kind in (ErrorKind.CIRCUIT_OPEN, ErrorKind.BAD_REPLY):
            return  # the cause was already reported / a single bad answer is just logged
        key = f"{exc.kind.value}:{config.endpoint}:{config.model}"
        tail = "; rule diagnostics keep working"
        if exc.kind is ErrorKind.UNREACHABLE:
            self.notice_once(key, f"hone: {exc.message}{tail}. Check hone.llm.baseUrl.")
        elif exc.kind is ErrorKind.AUTH:
            self.notice_once(key, f"hone: {exc.message}{tail}.", "error")
        else:
            self.notice_once(key, f"hone: LLM analysis problem: {exc.message}{tail}.")

    # -- document lifecycle ----------------------------------------------------------------
    def supersede(self, uri: str, functions: Sequence[FunctionInfo]) -> int:
        """Cancel in-flight requests for functions whose text is gone; returns how many."""
        return self._scheduler.supersede(uri, functions)

    def cancel(self, uri: str) -> None:
        """Cancel everything in flight for ``uri`` (the user pressed cancel)."""
        self._scheduler.cancel(uri)

    def forget(self, uri: str) -> None:
        self._scheduler.forget(uri)

    async def aclose(self) -> None:
        await self._scheduler.aclose()
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()
        if self.cache is not None:
            self.cache.close()

    def clear_cache(self) -> int:
        """Empty the on-disk cache and forget in-memory results (so the next save re-asks)."""
        self._scheduler.clear_results()
        return self.cache.clear() if self.cache is not None else 0

    # -- analysis --------------------------------------------------------------------------
    def _may_send(self, uri: str, config: LLMConfig, exclude: Sequence[str]) -> bool:
        return config.configured and not is_excluded(uri_to_path_text(uri), exclude)

    async def analyse(
        self,
        uri: str,
        version: int | None,
        text: str,
        config: LLMConfig,
        *,
        exclude: Sequence[str] = (),
        force: bool = False,
        functions: Sequence[FunctionInfo] | None = None,
        progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[], None] | None = None,
        profile: Mapping[str, tuple[float, str]] | None = None,
        rule_findings: Sequence[Finding] = (),
    ) -> AnalysisReport:
        """Analyse the functions of ``text`` that need it; returns what happened.

        ``profile`` (qualname -> (share of the run's time, description)) comes from the last
        "run with timing": those functions are sent first, with the measurement in the prompt.
        ``rule_findings`` (hone's rule diagnostics of this text) are given to the model as hints.

        ``force`` (the manual command) considers every function, not just changed ones (the
        disk cache still answers repeats; clear it for fresh answers).  ``on_result`` is called
        whenever a function's result arrives, so findings can be shown as they come.
        """
        report = AnalysisReport(uri=uri, version=version)
        if not config.configured:
            report.off = True
            self.notice_once(
                "off",
                f"hone: LLM analysis is off (no endpoint configured); rule diagnostics keep "
                f"working. To enable it, {CONFIGURE_HINT}.",
                "info",
            )
            self.sink.status("off", "no LLM endpoint configured")
            return report
        if not self._may_send(uri, config, exclude):
            report.excluded = True
            log.info("hone: %s matches llm.exclude; not sent to the LLM", uri)
            return report
        if functions is None:
            parsed = await asyncio.to_thread(parse_and_index, text)
            if parsed is None:
                return report  # analysed again once it parses
            functions = parsed
        targets = top_level_functions(functions)
        report.functions = len(targets)

        waited = False

        def started(total: int) -> None:
            nonlocal waited
            waited = True
            self.sink.status("analysing", f"hone: analysing {total} function{'s' * (total != 1)}")

        errors = await self._scheduler.run(
            uri,
            version,
            text,
            targets,
            config,
            report,
            force=force,
            profile=profile,
            rule_findings=rule_findings,
            on_result=on_result,
            on_start=started,
            progress=progress,
        )
        for exc in errors:
            self._notice_error(exc, config)
        if waited and self._scheduler.active == 0:  # the last analysis in flight says how it went
            if report.errors:
                reason = report.errors[0]
                if self.provider(config).breaker.is_open:
                    reason = f"LLM paused after repeated failures ({reason})"
                self.sink.status("error", reason)
            else:
                self.sink.status("idle", "")
        return report

    async def restore_from_cache(
        self,
        uri: str,
        version: int | None,
        text: str,
        config: LLMConfig,
        *,
        exclude: Sequence[str] = (),
        functions: Sequence[FunctionInfo] | None = None,
        rule_findings: Sequence[Finding] = (),
    ) -> int:
        """Results the cache already has for this text (nothing is sent); returns how many.

        ``rule_findings`` must be what :meth:`analyse` got for the same text (they are part of
        the prompts, so of the cache keys).

        Used when a document is opened: reopening a file shows its earlier findings at once.
        """
        if self.cache is None or not self._may_send(uri, config, exclude):
            return 0
        if functions is None:
            parsed = await asyncio.to_thread(parse_and_index, text)
            if parsed is None:
                return 0
            functions = parsed
        targets = top_level_functions(functions)
        return await self._scheduler.restore(uri, version, text, targets, config, rule_findings)

    # -- presentation ----------------------------------------------------------------------
    async def repair(
        self,
        uri: str,
        text: str,
        fn: FunctionInfo,
        index: int,
        rejected: str,
        reason: str,
        config: LLMConfig,
    ) -> bool:
        """Send the rejected candidate ``rejected`` (its function text) of finding ``index`` of
        ``fn`` back to the model once, with the verifier's *structural* ``reason``; True when a
        new, valid candidate joined the finding (show the findings again to have it checked)."""
        from dataclasses import replace

        from hone.llm.ask import AskSettings, repair_candidate

        doc = self._scheduler.docs.get(uri)
        key = (fn.qualname, fn.content_hash, index)
        found = doc.candidates.get(key) if doc is not None else None
        if doc is None or found is None or key in doc.repaired:
            return False
        settings = AskSettings.from_config(config)
        candidate = next(
            (c for c in found.candidates if c.rewrite.new_text.strip() == rejected.strip()), None
        )
        if not settings.repair or candidate is None or candidate.repaired:
            return False
        doc.repaired.add(key)
        fixed = await repair_candidate(
            self.provider(config), uri, text, fn, None, found, candidate, reason, settings
        )
        known = {c.rewrite.new_text.strip() for c in found.candidates}
        if fixed is None or fixed.rewrite.new_text.strip() in known:
            return False
        if doc.candidates.get(key) is not found:
            return False  # a newer answer for this function arrived meanwhile
        doc.candidates[key] = replace(found, candidates=(*found.candidates, fixed))
        return True

    def findings(
        self, uri: str, text: str, functions: Sequence[FunctionInfo], version: int | None = None
    ) -> list[Finding]:
        """Findings for the functions of ``text`` whose exact text has a result.

        Cheap enough to call after every edit: rewrite validation is memoised per result.
        """
        doc = self._scheduler.docs.get(uri)
        if doc is None:
            return []
        return findings_for(
            doc.results, doc.rewrites, uri, text, functions, version, doc.candidates
        )
