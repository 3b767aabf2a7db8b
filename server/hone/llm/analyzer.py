"""Orchestration of LLM analysis for documents: what to send, when, and what to show.

* Only functions (methods included, nested functions as part of their parent) whose content hash
  has no completed analysis yet are looked at; the persistent cache answers repeats, so only new
  text is ever sent.
* Each function is one request (its own prompt, see :mod:`hone.llm.prompt`), run as a task owned
  by the analyser: a request whose function changed meanwhile is cancelled (:meth:`supersede`),
  one whose function is still the same keeps running even if the save that started it is
  superseded.
* Results are stored per ``(qualname, content hash)`` and turned into findings against the
  *current* function index (:meth:`findings`), so they move with their function when lines above
  it change, and disappear (stale) as soon as its text changes.

The analyser knows nothing about LSP: status, notices and progress go to callbacks.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import functools
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from hone.core.finding import Category, Finding, Fix, Safety, Span
from hone.core.functions import FunctionInfo, index_functions
from hone.core.paths import is_excluded, uri_to_path_text
from hone.core.text import line_content, split_lines
from hone.llm.cache import LLMCache, cache_key
from hone.llm.prompt import (
    PROMPT_VERSION,
    FunctionPrompt,
    ModuleContext,
    build_batch_prompt,
    build_module_context,
    build_prompt,
    top_level_functions,
)
from hone.llm.provider import ErrorKind, LLMConfig, Provider, ProviderError, estimate_tokens
from hone.llm.redact import PLACEHOLDER_PREFIX
from hone.llm.rewrite import Rewrite, RewriteRejected, validate_rewrite
from hone.llm.schema import ParsedReply, ReplyError, ReplyFinding, validate_reply

log = logging.getLogger(__name__)

_PLACEHOLDER_RE = re.compile(PLACEHOLDER_PREFIX + r"\d+")

SOURCE = "hone (llm)"
# The LSP layer appends " (suggestion)" for Safety.SUGGESTION fixes.
REWRITE_TITLE = "Apply optimized rewrite"
CODES: dict[Category, str] = {
    Category.PERFORMANCE: "LLM100",
    Category.BUG: "LLM200",
    Category.SECURITY: "LLM300",
    Category.MAINTAINABILITY: "LLM400",
}
# When at least BATCH_THRESHOLD functions miss the cache at once (opening a big file, the manual
# command), they are sent several to a request: the instructions and imports are paid once per
# batch instead of once per function.  A save that changed one or two functions sends them one by
# one (in parallel), which answers sooner.
BATCH_THRESHOLD = 4
BATCH_MAX_FUNCTIONS = 8
BATCH_MAX_CHARS = 12_000  # of function source per batch
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


@dataclass(frozen=True, slots=True)
class FunctionResult:
    qualname: str
    content_hash: str
    items: tuple[ReplyFinding, ...]
    mapping: dict[str, str]  # redaction placeholders -> originals, to restore rewrites
    model: str
    cached: bool
    error: str | None = None  # the model answered, but unusably (not retried until edited)


@dataclass
class AnalysisReport:
    uri: str
    version: int | None = None
    functions: int = 0  # functions considered (top-level functions and methods)
    unchanged: int = 0  # already analysed at this exact text
    joined: int = 0  # already in flight from an earlier request
    cache_hits: int = 0
    sent: int = 0  # functions sent (cache misses)
    requests: int = 0  # requests attempted (a batch sends several functions at once)
    completed: int = 0
    failed: int = 0
    prompt_tokens_est: int = 0  # estimated tokens of the text sent (cache misses only)
    excluded: bool = False
    off: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class _DocState:
    results: dict[tuple[str, str], FunctionResult] = field(default_factory=dict)
    inflight: dict[tuple[str, str], asyncio.Task[FunctionResult | None]] = field(
        default_factory=dict
    )
    rewrites: dict[tuple[str, str, int], tuple[str | None, str | None]] = field(
        default_factory=dict
    )  # (qualname, hash, item) -> (new_text or None, rejection reason or None)


# -- the analyser --------------------------------------------------------------------------


def _names_match(reported: str, fn: FunctionInfo) -> bool:
    name = reported.strip().strip("`")
    for prefix in ("async def ", "def ", "async "):
        name = name.removeprefix(prefix)
    name = name.split("(")[0].strip()
    return not name or name in (fn.qualname, fn.name) or name.split(".")[-1] == fn.name


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
        self.batch_threshold = batch_threshold
        self.batch_max_functions = batch_max_functions
        self.batch_max_chars = batch_max_chars
        self.sink: StatusSink = sink or _NullSink()
        self._provider_factory = provider_factory
        self._providers: dict[LLMConfig, Provider] = {}
        self._docs: dict[str, _DocState] = {}
        self._noticed: set[str] = set()
        self._active = 0

    # -- providers and notices -------------------------------------------------------------
    def provider(self, config: LLMConfig) -> Provider:
        provider = self._providers.get(config)
        if provider is None:
            provider = self._providers[config] = self._provider_factory(config)
        return provider

    @property
    def providers(self) -> list[Provider]:
        return list(self._providers.values())

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
    def _doc(self, uri: str) -> _DocState:
        doc = self._docs.get(uri)
        if doc is None:
            doc = self._docs[uri] = _DocState()
        return doc

    def supersede(self, uri: str, functions: Sequence[FunctionInfo]) -> int:
        """Cancel in-flight requests for functions whose text is gone; returns how many."""
        doc = self._docs.get(uri)
        if doc is None:
            return 0
        current = {(fn.qualname, fn.content_hash) for fn in functions}
        cancelled = 0
        for key, task in list(doc.inflight.items()):
            if key not in current and not task.done():
                task.cancel()
                cancelled += 1
        return cancelled

    def cancel(self, uri: str) -> None:
        """Cancel everything in flight for ``uri`` (the user pressed cancel)."""
        doc = self._docs.get(uri)
        if doc is not None:
            for task in doc.inflight.values():
                task.cancel()

    def forget(self, uri: str) -> None:
        self.cancel(uri)
        self._docs.pop(uri, None)

    def has_results(self, uri: str) -> bool:
        doc = self._docs.get(uri)
        return bool(doc and doc.results)

    async def aclose(self) -> None:
        tasks = [t for d in self._docs.values() for t in d.inflight.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()
        if self.cache is not None:
            self.cache.close()

    def clear_cache(self) -> int:
        """Empty the on-disk cache and forget in-memory results (so the next save re-asks)."""
        for doc in self._docs.values():
            doc.results.clear()
            doc.rewrites.clear()
        return self.cache.clear() if self.cache is not None else 0

    # -- analysis --------------------------------------------------------------------------
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
    ) -> AnalysisReport:
        """Analyse the functions of ``text`` that need it; returns what happened.

        ``profile`` (qualname -> (share of the run's time, description)) comes from the last
        "run with timing": those functions are sent first, with the measurement in the prompt.

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
        if is_excluded(uri_to_path_text(uri), exclude):
            report.excluded = True
            log.info("hone: %s matches llm.exclude; not sent to the LLM", uri)
            return report
        if functions is None:
            parsed = await asyncio.to_thread(_parse_and_index, text)
            if parsed is None:
                return report  # analysed again once it parses
            functions = parsed
        targets = top_level_functions(functions)
        report.functions = len(targets)
        self.supersede(uri, targets)
        doc = self._doc(uri)

        pending: list[tuple[FunctionInfo, asyncio.Task[FunctionResult | None]]] = []
        todo: list[FunctionInfo] = []
        for fn in targets:
            key = (fn.qualname, fn.content_hash)
            task = doc.inflight.get(key)
            if task is not None and not task.done():
                report.joined += 1
                pending.append((fn, task))
            elif not force and key in doc.results:
                report.unchanged += 1
            else:
                todo.append(fn)
        if todo:
            if profile:  # the code that actually took the time goes first
                todo.sort(key=lambda f: -profile[f.qualname][0] if f.qualname in profile else 0.0)
            measured = {q: d for q, (_, d) in (profile or {}).items()}
            # Parsing the module and building (redacting) prompts is CPU work: off the loop.
            built = await asyncio.to_thread(_build_prompts, text, todo, measured)
            if built is None:
                return report
            context, prompts = built
            batcher = _Batcher(self, config, report)
            for fn, prompt in zip(todo, prompts, strict=True):
                key = (fn.qualname, fn.content_hash)
                task = doc.inflight.get(key)
                if task is not None and not task.done():  # started meanwhile by another call
                    report.joined += 1
                    pending.append((fn, task))
                    continue
                batcher.expect()
                task = asyncio.get_running_loop().create_task(
                    self._run_function(
                        uri,
                        version,
                        text,
                        fn,
                        doc,
                        prompt,
                        config,
                        report,
                        on_result,
                        batcher,
                        context,
                    ),
                    name=f"hone-llm:{fn.qualname}",
                )
                doc.inflight[key] = task
                task.add_done_callback(functools.partial(_drop_inflight, doc, key))
                pending.append((fn, task))
        if not pending:
            return report

        total = len(pending)
        self._active += 1
        self.sink.status("analysing", f"hone: analysing {total} function{'s' * (total != 1)}")
        if progress is not None:
            progress(0, total)
        done_count = 0
        remaining = {task for _, task in pending}
        try:
            while remaining:
                # asyncio.wait (unlike gather) does not cancel the shared tasks if *we* are
                # cancelled: a superseded save must not kill requests that are still wanted.
                done, remaining = await asyncio.wait(remaining, return_when=asyncio.FIRST_COMPLETED)
                done_count += len(done)
                if progress is not None:
                    progress(done_count, total)
        finally:
            self._active -= 1
        for _, task in pending:
            if task.cancelled():
                continue
            exc = task.exception()
            if isinstance(exc, ProviderError):
                report.failed += 1
                if exc.message not in report.errors:
                    report.errors.append(exc.message)
                self._notice_error(exc, config)
            elif exc is not None:
                report.failed += 1
                report.errors.append(f"internal error: {type(exc).__name__}")
                log.error("hone: LLM analysis of %s failed", uri, exc_info=exc)
            else:
                report.completed += 1
        if self._active == 0:
            breaker = self.provider(config).breaker
            if report.errors:
                reason = report.errors[0]
                if breaker.is_open:
                    reason = f"LLM paused after repeated failures ({reason})"
                self.sink.status("error", reason)
            else:
                self.sink.status("idle", "")
        return report

    async def _cached(self, prompt: FunctionPrompt, config: LLMConfig) -> FunctionResult | None:
        if self.cache is None:
            return None
        ckey = cache_key(config.model, PROMPT_VERSION, prompt.text_sent)
        raw = await asyncio.to_thread(self.cache.get, ckey)
        if raw is None:
            return None
        try:
            reply = validate_reply(json.loads(raw))
        except (ValueError, ReplyError):
            log.info("hone: ignoring an unreadable LLM cache entry")
            return None
        return FunctionResult(
            prompt.qualname,
            prompt.content_hash,
            reply.findings,
            dict(prompt.redaction.mapping),
            config.model,
            cached=True,
        )

    async def restore_from_cache(
        self,
        uri: str,
        version: int | None,
        text: str,
        config: LLMConfig,
        *,
        exclude: Sequence[str] = (),
        functions: Sequence[FunctionInfo] | None = None,
    ) -> int:
        """Results the cache already has for this text (nothing is sent); returns how many.

        Used when a document is opened: reopening a file shows its earlier findings at once.
        """
        if not config.configured or self.cache is None:
            return 0
        if is_excluded(uri_to_path_text(uri), exclude):
            return 0
        if functions is None:
            parsed = await asyncio.to_thread(_parse_and_index, text)
            if parsed is None:
                return 0
            functions = parsed
        doc = self._doc(uri)
        todo = [
            fn
            for fn in top_level_functions(functions)
            if (fn.qualname, fn.content_hash) not in doc.results
            and (fn.qualname, fn.content_hash) not in doc.inflight
        ]
        if not todo:
            return 0
        built = await asyncio.to_thread(_build_prompts, text, todo)
        if built is None:
            return 0
        restored = 0
        for fn, prompt in zip(todo, built[1], strict=True):
            key = (fn.qualname, fn.content_hash)
            result = await self._cached(prompt, config)
            if result is not None and key not in doc.results:
                doc.results[key] = result
                await asyncio.to_thread(self._prevalidate, doc, uri, version, text, fn, result)
                restored += 1
        return restored

    async def _run_function(
        self,
        uri: str,
        version: int | None,
        text: str,
        fn: FunctionInfo,
        doc: _DocState,
        prompt: FunctionPrompt,
        config: LLMConfig,
        report: AnalysisReport,
        on_result: Callable[[], None] | None,
        batcher: _Batcher,
        context: ModuleContext,
    ) -> FunctionResult | None:
        key = (fn.qualname, fn.content_hash)
        ckey = cache_key(config.model, PROMPT_VERSION, prompt.text_sent)
        member: _Member | None = None
        try:
            result = await self._cached(prompt, config)
        except BaseException:
            batcher.skip()
            raise
        if result is not None:
            report.cache_hits += 1
            batcher.skip()
        else:
            member = batcher.submit(fn, prompt, context)
            try:
                findings = await member.future
            except ProviderError as exc:
                if exc.kind is not ErrorKind.BAD_REPLY:
                    raise
                # The endpoint answered, unusably: record it so the same text is not re-sent
                # on every save (an edit or the manual command asks again).
                log.info("hone: LLM reply for %s unusable: %s", prompt.qualname, exc.message)
                result = FunctionResult(
                    prompt.qualname,
                    prompt.content_hash,
                    (),
                    {},
                    config.model,
                    cached=False,
                    error=exc.message,
                )
                doc.results[key] = result
                raise
            finally:
                member.leave()  # a batch whose members all left is cancelled
            result = FunctionResult(
                prompt.qualname,
                prompt.content_hash,
                findings,
                dict(prompt.redaction.mapping),
                config.model,
                cached=False,
            )
            if self.cache is not None:
                # Cached per function, under the text of its own prompt, whether it travelled
                # alone or in a batch: the next lookup finds it either way.
                await asyncio.to_thread(
                    self.cache.put,
                    ckey,
                    json.dumps(ParsedReply(findings).to_json()),
                    model=config.model,
                    prompt_version=PROMPT_VERSION,
                )
        doc.results[key] = result
        for k in [k for k in doc.rewrites if k[:2] == key]:
            del doc.rewrites[k]
        # libcst parsing of rewrites happens here, off the event loop, not when findings are
        # shown (which happens after every edit).
        await asyncio.to_thread(self._prevalidate, doc, uri, version, text, fn, result)
        if on_result is not None:
            try:
                on_result()
            except Exception:
                log.exception("hone: LLM result callback failed")
        return result

    def _prevalidate(
        self,
        doc: _DocState,
        uri: str,
        version: int | None,
        text: str,
        fn: FunctionInfo,
        result: FunctionResult,
    ) -> None:
        for index, item in enumerate(result.items):
            if item.rewrite is not None:
                self._rewrite(uri, version, text, fn, result, index, item, doc)

    # -- presentation ----------------------------------------------------------------------
    def findings(
        self, uri: str, text: str, functions: Sequence[FunctionInfo], version: int | None = None
    ) -> list[Finding]:
        """Findings for the functions of ``text`` whose exact text has a result.

        Cheap enough to call after every edit: rewrite validation is memoised per result.
        """
        doc = self._docs.get(uri)
        if doc is None or not doc.results:
            return []
        lines = split_lines(text)
        out: list[Finding] = []
        for fn in top_level_functions(functions):
            result = doc.results.get((fn.qualname, fn.content_hash))
            if result is None:
                continue
            for index, item in enumerate(result.items):
                if item.function and not _names_match(item.function, fn):
                    log.info(
                        "hone: LLM finding names %r, not %s: dropped", item.function, fn.qualname
                    )
                    continue
                out.append(self._finding(uri, version, text, lines, fn, result, index, item, doc))
        return out

    def _finding(
        self,
        uri: str,
        version: int | None,
        text: str,
        lines: list[str],
        fn: FunctionInfo,
        result: FunctionResult,
        index: int,
        item: ReplyFinding,
        doc: _DocState,
    ) -> Finding:
        n_lines = fn.end_line - fn.start_line + 1
        start, end = item.start_line, item.end_line
        adjusted = False
        if start is None or not 1 <= start <= n_lines:
            if end is not None and 1 <= end <= n_lines:
                start = end
            else:
                # no usable range: point at the ``def`` line
                start = fn.body_start_line - fn.start_line + 1
                end = start
            adjusted = True
        if end is None or end < start:
            end = start
        elif end > n_lines:
            end = n_lines
            adjusted = True
        first = fn.start_line + start - 1
        last = fn.start_line + end - 1
        first_text = line_content(lines[first]) if first < len(lines) else ""
        last_text = line_content(lines[last]) if last < len(lines) else ""
        span = Span.of(first, len(first_text) - len(first_text.lstrip()), last, len(last_text))

        rewrite: Rewrite | None = None
        rejected: str | None = None
        if item.rewrite is not None:
            rewrite, rejected = self._rewrite(uri, version, text, fn, result, index, item, doc)
        message = item.message
        if item.estimated_speedup and item.estimated_speedup > 1:
            message += f" (model estimates ~{item.estimated_speedup:g}x faster)"
        extra: dict[str, Any] = {
            "llm": {
                "model": result.model,
                "cached": result.cached,
                "prompt_version": PROMPT_VERSION,
                "range_adjusted": adjusted,
            },
            "estimated_speedup": item.estimated_speedup,
            "rewrite": rewrite,
            "rewrite_rejected": rejected,
            "diff": rewrite.diff() if rewrite is not None else None,
            "verification": None,  # filled in by rewrite verification (issue 5)
        }
        fix = (
            Fix(REWRITE_TITLE, (rewrite.edit(),), Safety.SUGGESTION)
            if rewrite is not None
            else None
        )
        explanation = item.explanation
        if rewrite is not None:
            # The diff travels with the explanation (shown as related information / hover).
            diff = f"Suggested rewrite (apply it with the code action):\n{extra['diff']}"
            explanation = f"{explanation}\n\n{diff}" if explanation else diff
        return Finding(
            code=CODES.get(item.category, "LLM400"),
            message=message,
            span=span,
            severity=item.severity,
            category=item.category,
            source=SOURCE,
            fix=fix,
            explanation=explanation,
            function=fn.qualname,
            extra=extra,
        )

    def _rewrite(
        self,
        uri: str,
        version: int | None,
        text: str,
        fn: FunctionInfo,
        result: FunctionResult,
        index: int,
        item: ReplyFinding,
        doc: _DocState,
    ) -> tuple[Rewrite | None, str | None]:
        memo_key = (fn.qualname, fn.content_hash, index)
        memo = doc.rewrites.get(memo_key)
        if memo is None:
            assert item.rewrite is not None
            try:
                validated = validate_rewrite(
                    uri=uri,
                    version=version,
                    document_text=text,
                    function=fn,
                    rewrite=item.rewrite,
                    mapping=result.mapping,
                )
                memo = (validated.new_text if validated else None, None)
            except RewriteRejected as exc:
                log.info("hone: LLM rewrite for %s dropped: %s", fn.qualname, exc)
                memo = (None, str(exc))
            doc.rewrites[memo_key] = memo
        new_text, rejected = memo
        if new_text is None:
            return None, rejected
        return (
            Rewrite(
                uri=uri,
                version=version,
                qualname=fn.qualname,
                original_text=fn.text,
                new_text=new_text,
                span=fn.span,
            ),
            None,
        )


class _Member:
    """One function waiting for its share of a request's reply."""

    def __init__(self, fn: FunctionInfo, prompt: FunctionPrompt) -> None:
        self.fn = fn
        self.prompt = prompt
        self.future: asyncio.Future[tuple[ReplyFinding, ...]] = (
            asyncio.get_running_loop().create_future()
        )
        self.batch: _Batch | None = None

    def leave(self) -> None:
        if self.batch is not None:
            self.batch.leave(self)


class _Batch:
    def __init__(self, members: list[_Member]) -> None:
        self.members = members
        self.live = set(map(id, members))
        self.task: asyncio.Task[None] | None = None
        for m in members:
            m.batch = self

    def leave(self, member: _Member) -> None:
        self.live.discard(id(member))
        if not self.live and self.task is not None and not self.task.done():
            self.task.cancel()  # nobody wants this answer any more


class _Batcher:
    """Collects the cache misses of one :meth:`LLMAnalyzer.analyse` call and sends them.

    Each function task either ``skip()``s (cache hit, or cancelled early) or ``submit()``s; once
    every expected task has done one of the two, the misses are sent: one by one when there are
    few, in batches when there are many.
    """

    def __init__(self, analyzer: LLMAnalyzer, config: LLMConfig, report: AnalysisReport) -> None:
        self.analyzer = analyzer
        self.config = config
        self.report = report
        self.expected = 0
        self.settled = 0
        self.members: list[_Member] = []
        self.context: ModuleContext | None = None

    def expect(self) -> None:
        self.expected += 1

    def skip(self) -> None:
        self.settled += 1
        self._maybe_flush()

    def submit(self, fn: FunctionInfo, prompt: FunctionPrompt, context: ModuleContext) -> _Member:
        member = _Member(fn, prompt)
        self.members.append(member)
        self.context = context
        self.settled += 1
        self._maybe_flush()
        return member

    def _maybe_flush(self) -> None:
        if self.settled < self.expected or not self.members:
            return
        members, self.members = self.members, []
        an = self.analyzer
        groups: list[list[_Member]] = []
        if len(members) < an.batch_threshold or an.batch_max_functions <= 1:
            groups = [[m] for m in members]
        else:
            current: list[_Member] = []
            size = 0
            for m in members:
                n = len(m.fn.text)
                if current and (
                    len(current) >= an.batch_max_functions or size + n > an.batch_max_chars
                ):
                    groups.append(current)
                    current, size = [], 0
                current.append(m)
                size += n
            if current:
                groups.append(current)
        for group in groups:
            batch = _Batch(group)
            batch.task = asyncio.get_running_loop().create_task(
                self._send(batch), name=f"hone-llm-batch:{len(group)}"
            )

    async def _send(self, batch: _Batch) -> None:
        members = batch.members
        try:
            if len(members) == 1:
                system, user = members[0].prompt.system, members[0].prompt.user
                mapping = members[0].prompt.redaction.mapping
            else:
                assert self.context is not None
                bp = await asyncio.to_thread(
                    build_batch_prompt, [m.fn for m in members], self.context
                )
                system, user, mapping = bp.system, bp.user, bp.redaction.mapping
            self.report.requests += 1
            self.report.sent += len(members)
            self.report.prompt_tokens_est += estimate_tokens(system + "\n" + user)
            completion = await self.analyzer.provider(self.config).complete(system, user)
        except BaseException as exc:
            for m in members:
                if not m.future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        m.future.cancel()
                    else:
                        m.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        routed = _route(completion.reply.findings, [m.fn for m in members])
        for m in members:
            items = routed.get(m.fn.qualname, ())
            if len(members) > 1:
                items = tuple(_renumber(f, mapping, m.prompt.redaction.mapping) for f in items)
            if not m.future.done():
                m.future.set_result(items)


def _route(
    findings: Sequence[ReplyFinding], functions: Sequence[FunctionInfo]
) -> dict[str, tuple[ReplyFinding, ...]]:
    """Findings per function: by exact qualified name, else by a unique loose match."""
    if len(functions) == 1:
        return {functions[0].qualname: tuple(findings)}
    out: dict[str, list[ReplyFinding]] = {}
    by_name = {fn.qualname: fn for fn in functions}
    for f in findings:
        target = by_name.get(f.function.strip().strip("`"))
        if target is None:
            matches = [fn for fn in functions if f.function and _names_match(f.function, fn)]
            target = matches[0] if len(matches) == 1 else None
        if target is None:
            log.info("hone: LLM finding for unknown function %r in a batch: dropped", f.function)
            continue
        out.setdefault(target.qualname, []).append(f)
    return {k: tuple(v) for k, v in out.items()}


def _renumber(
    finding: ReplyFinding, batch_map: Mapping[str, str], own_map: Mapping[str, str]
) -> ReplyFinding:
    """Batch placeholders -> this function's own (what its cache entry and rewrite expect).

    A rewrite that uses a placeholder standing for a secret of *another* function is dropped.
    """
    inverse = {secret: ph for ph, secret in own_map.items()}

    def translate(text: str | None, strict: bool) -> str | None:
        if text is None:
            return None
        missing = False

        def sub(m: re.Match[str]) -> str:
            nonlocal missing
            secret = batch_map.get(m.group())
            if secret is not None and secret in inverse:
                return inverse[secret]
            missing = True
            return m.group()

        out = _PLACEHOLDER_RE.sub(sub, text)
        return None if (missing and strict) else out

    return replace(
        finding,
        message=translate(finding.message, False) or finding.message,
        explanation=translate(finding.explanation, False),
        rewrite=translate(finding.rewrite, True),
    )


def _parse_and_index(text: str) -> list[FunctionInfo] | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return index_functions(tree, split_lines(text))


def _build_prompts(
    text: str, functions: Sequence[FunctionInfo], measured: Mapping[str, str] | None = None
) -> tuple[ModuleContext, list[FunctionPrompt]] | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    context = build_module_context(tree)
    if measured:
        context.profile.update(measured)
    return context, [build_prompt(fn, context) for fn in functions]


def _drop_inflight(
    doc: _DocState, key: tuple[str, str], task: asyncio.Task[FunctionResult | None]
) -> None:
    if doc.inflight.get(key) is task:
        del doc.inflight[key]
    if not task.cancelled():
        with contextlib.suppress(BaseException):
            task.exception()  # mark retrieved: failures are reported by analyse()
