"""What to send when: per-document state, superseding, cancelling, batching and concurrency.

* Only functions (methods included, nested functions as part of their parent) whose content hash
  has no completed analysis yet are looked at; the persistent cache answers repeats, so only new
  text is ever sent.
* Each function is a task owned by the scheduler: a request whose function changed meanwhile is
  cancelled (:meth:`Scheduler.supersede`), one whose function is still the same keeps running
  even if the save that started it is superseded.
* When at least ``batch_threshold`` functions miss the cache at once (opening a big file, the
  manual command) they are sent several to a request (:class:`_Batcher`); a save that changed one
  or two functions sends them one by one, in parallel (the provider bounds the concurrency).
* Results are kept per ``(qualname, content hash)`` and per endpoint and model: when a document's
  endpoint or model changes, the results of the previous one are dropped, never shown.

How a function's prompt and request are built is :mod:`hone.llm.request`, how a reply is split
per function :mod:`hone.llm.reply`; the scheduler only decides when they happen.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from hone.core.finding import Category, Finding
from hone.core.functions import FunctionInfo
from hone.llm.ask import (
    MAX_REWRITE_FINDINGS,
    REWRITTEN,
    AnsweredFinding,
    AskSettings,
    answered_from_json,
    answered_to_json,
    ask_candidates,
    candidates_key_parts,
)
from hone.llm.cache import LLMCache
from hone.llm.findings import ResultKey, RewriteMemo, drop_rewrites
from hone.llm.prompt import FunctionPrompt, ModuleContext, build_rewrite_prompt
from hone.llm.provider import ErrorKind, LLMConfig, Provider, ProviderError
from hone.llm.reply import FunctionResult, split_reply
from hone.llm.request import build_prompts, build_request, send
from hone.llm.schema import ReplyFinding

log = logging.getLogger(__name__)

BATCH_THRESHOLD = 4
BATCH_MAX_FUNCTIONS = 8
BATCH_MAX_CHARS = 12_000  # of function source per batch


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
class DocState:
    results: dict[ResultKey, FunctionResult] = field(default_factory=dict)
    # (qualname, content hash, index of the item) -> the rewrite candidates of that finding
    candidates: dict[tuple[str, str, int], AnsweredFinding] = field(default_factory=dict)
    # findings whose rejected candidate was already sent back once (one repair per finding)
    repaired: set[tuple[str, str, int]] = field(default_factory=set)
    inflight: dict[ResultKey, asyncio.Task[FunctionResult | None]] = field(default_factory=dict)
    rewrites: RewriteMemo = field(default_factory=dict)
    source: tuple[str, str] | None = None  # (endpoint, model) the results come from


# Called (in a worker thread) when a function's result arrives, before it is shown: the place
# for CPU work such as validating its rewrites.
ArrivalHook = Callable[[DocState, str, "int | None", str, FunctionInfo, FunctionResult], None]


class Scheduler:
    def __init__(
        self,
        cache: LLMCache | None,
        provider: Callable[[LLMConfig], Provider],
        on_arrival: ArrivalHook,
        *,
        batch_threshold: int = BATCH_THRESHOLD,
        batch_max_functions: int = BATCH_MAX_FUNCTIONS,
        batch_max_chars: int = BATCH_MAX_CHARS,
    ) -> None:
        self.cache = cache
        self.provider = provider
        self.on_arrival = on_arrival
        self.batch_threshold = batch_threshold
        self.batch_max_functions = batch_max_functions
        self.batch_max_chars = batch_max_chars
        self.docs: dict[str, DocState] = {}
        self.active = 0  # run() calls waiting for their functions

    # -- document state --------------------------------------------------------------------
    def doc(self, uri: str, config: LLMConfig) -> DocState:
        """The state of ``uri``, emptied first if its results came from another endpoint/model."""
        doc = self.docs.get(uri)
        if doc is None:
            doc = self.docs[uri] = DocState()
        source = (config.display_url, config.model)
        if doc.source != source:
            for task in doc.inflight.values():
                task.cancel()
            doc.results.clear()
            doc.rewrites.clear()
            doc.candidates.clear()
            doc.source = source
        return doc

    def supersede(self, uri: str, functions: Sequence[FunctionInfo]) -> int:
        """Cancel in-flight requests for functions whose text is gone; returns how many."""
        doc = self.docs.get(uri)
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
        doc = self.docs.get(uri)
        if doc is not None:
            for task in doc.inflight.values():
                task.cancel()

    def forget(self, uri: str) -> None:
        self.cancel(uri)
        self.docs.pop(uri, None)

    def clear_results(self) -> None:
        for doc in self.docs.values():
            doc.results.clear()
            doc.rewrites.clear()
            doc.candidates.clear()

    async def aclose(self) -> None:
        tasks = [t for d in self.docs.values() for t in d.inflight.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- running ---------------------------------------------------------------------------
    async def run(
        self,
        uri: str,
        version: int | None,
        text: str,
        targets: Sequence[FunctionInfo],
        config: LLMConfig,
        report: AnalysisReport,
        *,
        force: bool = False,
        profile: Mapping[str, tuple[float, str]] | None = None,
        rule_findings: Sequence[Finding] = (),
        on_result: Callable[[], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[ProviderError]:
        """Send what ``targets`` need and wait for it; returns the endpoint's errors.

        Outcomes are counted in ``report``; ``on_start(total)`` is called once there is
        something to wait for, ``on_result`` whenever a function's result arrives.
        """
        doc = self.doc(uri, config)
        self.supersede(uri, targets)
        pending: list[asyncio.Task[FunctionResult | None]] = []
        todo: list[FunctionInfo] = []
        for fn in targets:
            key = (fn.qualname, fn.content_hash)
            task = doc.inflight.get(key)
            if task is not None and not task.done():
                report.joined += 1
                pending.append(task)
            elif not force and key in doc.results and doc.results[key].error is None:
                # (an unusable answer is not final: the next save asks again)
                report.unchanged += 1
            else:
                todo.append(fn)
        if todo:
            if profile:  # the code that actually took the time goes first
                todo.sort(key=lambda f: -profile[f.qualname][0] if f.qualname in profile else 0.0)
            measured = {q: d for q, (_, d) in (profile or {}).items()}
            # Parsing the module and building (redacting) prompts is CPU work: off the loop.
            built = await asyncio.to_thread(build_prompts, text, todo, measured, rule_findings)
            if built is None:
                return []
            context, prompts = built
            batcher = _Batcher(self, config, report, context)
            for fn, prompt in zip(todo, prompts, strict=True):
                key = (fn.qualname, fn.content_hash)
                task = doc.inflight.get(key)
                if task is not None and not task.done():  # started meanwhile by another call
                    report.joined += 1
                    pending.append(task)
                    continue
                job = _Job(uri, version, text, fn, prompt, doc, batcher.expect(), context)
                task = asyncio.get_running_loop().create_task(
                    self._run_function(job, config, report, batcher, on_result),
                    name=f"hone-llm:{fn.qualname}",
                )
                doc.inflight[key] = task
                task.add_done_callback(functools.partial(_drop_inflight, doc, key))
                pending.append(task)
        if not pending:
            return []
        await self._wait(pending, on_start, progress)
        return _count_outcomes(uri, pending, report)

    async def _wait(
        self,
        pending: Sequence[asyncio.Task[FunctionResult | None]],
        on_start: Callable[[int], None] | None,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        total = len(pending)
        self.active += 1
        try:
            if on_start is not None:
                on_start(total)
            if progress is not None:
                progress(0, total)
            done_count = 0
            remaining = set(pending)
            while remaining:
                # asyncio.wait (unlike gather) does not cancel the shared tasks if *we* are
                # cancelled: a superseded save must not kill requests that are still wanted.
                done, remaining = await asyncio.wait(remaining, return_when=asyncio.FIRST_COMPLETED)
                done_count += len(done)
                if progress is not None:
                    progress(done_count, total)
        finally:
            self.active -= 1

    async def restore(
        self,
        uri: str,
        version: int | None,
        text: str,
        targets: Sequence[FunctionInfo],
        config: LLMConfig,
        rule_findings: Sequence[Finding] = (),
    ) -> int:
        """Take what the cache already has for ``targets`` (nothing is sent); returns how many."""
        if self.cache is None:
            return 0
        doc = self.doc(uri, config)
        todo = [
            fn
            for fn in targets
            if (fn.qualname, fn.content_hash) not in doc.results
            and (fn.qualname, fn.content_hash) not in doc.inflight
        ]
        if not todo:
            return 0
        built = await asyncio.to_thread(build_prompts, text, todo, None, rule_findings)
        if built is None:
            return 0
        restored = 0
        for fn, prompt in zip(todo, built[1], strict=True):
            key = (fn.qualname, fn.content_hash)
            result = await self._cached(prompt, config)
            if result is not None and key not in doc.results and doc.source == result.source:
                job = _Job(uri, version, text, fn, prompt, doc, 0, built[0])
                await self._arrive(job, result)
                await self._candidates(job, config, result, None, send=False)
                restored += 1
        return restored

    async def _cached(self, prompt: FunctionPrompt, config: LLMConfig) -> FunctionResult | None:
        if self.cache is None:
            return None
        reply = await asyncio.to_thread(self.cache.get_reply, config, prompt.text_sent)
        if reply is None:
            return None
        return _result(prompt, config, reply.findings, cached=True)

    async def _run_function(
        self,
        job: _Job,
        config: LLMConfig,
        report: AnalysisReport,
        batcher: _Batcher,
        on_result: Callable[[], None] | None,
    ) -> FunctionResult | None:
        prompt = job.prompt
        try:
            result = await self._cached(prompt, config)
        except BaseException:
            batcher.skip()
            raise
        if result is not None:
            report.cache_hits += 1
            batcher.skip()
        else:
            member = batcher.submit(job.fn, prompt, job.order)
            try:
                findings = await member.future
            except ProviderError as exc:
                if exc.kind is not ErrorKind.BAD_REPLY:
                    raise
                # The endpoint answered, unusably: record it so the same text is not re-sent
                # on every save (an edit or the manual command asks again).
                log.info("hone: LLM reply for %s unusable: %s", prompt.qualname, exc.message)
                unusable = _result(prompt, config, (), cached=False, error=exc.message)
                job.doc.results[(prompt.qualname, prompt.content_hash)] = unusable
                raise
            finally:
                member.leave()  # a batch whose members all left is cancelled
            result = _result(prompt, config, findings, cached=False)
            if self.cache is not None:
                # Cached per function, under the text of its own prompt, whether it travelled
                # alone or in a batch: the next lookup finds it either way.
                await asyncio.to_thread(self.cache.put_reply, config, prompt.text_sent, findings)
        await self._arrive(job, result)
        _notify(on_result)
        # The findings are shown; now the rewrite candidates of its performance findings.
        await self._candidates(job, config, result, on_result)
        return result

    async def _candidates(
        self,
        job: _Job,
        config: LLMConfig,
        result: FunctionResult,
        on_result: Callable[[], None] | None,
        *,
        send: bool = True,
    ) -> None:
        """Best-of-N rewrite candidates per performance finding (cached like replies).

        ``send=False`` takes only what the cache has (reopening a file sends nothing).
        """
        wanted = [(i, item) for i, item in enumerate(result.items) if item.category in REWRITTEN][
            :MAX_REWRITE_FINDINGS
        ]
        if not wanted or result.error is not None or config.candidates < 1:
            return
        provider = self.provider(config)
        settings = AskSettings.from_config(config)
        parts = candidates_key_parts(settings)
        fn = job.fn
        for index, item in wanted:
            ckey = (fn.qualname, fn.content_hash, index)
            if ckey in job.doc.candidates:
                continue
            prompt = await asyncio.to_thread(
                functools.partial(build_rewrite_prompt, bug=item.category is Category.BUG),
                fn,
                job.context,
                item.start_line,
                item.message,
                item.explanation,
            )
            found: AnsweredFinding | None = None
            if self.cache is not None:
                data = await asyncio.to_thread(
                    self.cache.get_candidates, config, prompt.text_sent, parts
                )
                if data is not None:
                    found = await asyncio.to_thread(
                        answered_from_json,
                        data,
                        uri=job.uri,
                        text=job.text,
                        fn=fn,
                        item=item,
                        prompt=prompt,
                    )
            if found is None:
                if not send:
                    continue
                try:
                    found = await ask_candidates(
                        provider, job.uri, job.text, fn, job.context, item, settings
                    )
                except ProviderError as exc:
                    found = AnsweredFinding(
                        item, (), (f"no rewrite could be asked for: {exc.message}",)
                    )
                else:
                    if self.cache is not None and found.candidates:
                        await asyncio.to_thread(
                            self.cache.put_candidates,
                            config,
                            prompt.text_sent,
                            parts,
                            answered_to_json(found),
                        )
            if job.doc.results.get((fn.qualname, fn.content_hash)) is not result:
                return  # a newer answer for this text arrived meanwhile
            job.doc.candidates[ckey] = found
            _notify(on_result)

    async def _arrive(self, job: _Job, result: FunctionResult) -> None:
        key = (job.fn.qualname, job.fn.content_hash)
        job.doc.results[key] = result
        drop_rewrites(job.doc.rewrites, key)
        # libcst parsing of rewrites happens here, off the event loop, not when findings are
        # shown (which happens after every edit).
        await asyncio.to_thread(
            self.on_arrival, job.doc, job.uri, job.version, job.text, job.fn, result
        )


@dataclass(frozen=True, slots=True)
class _Job:
    """One function of one document version, on its way to a result."""

    uri: str
    version: int | None
    text: str
    fn: FunctionInfo
    prompt: FunctionPrompt
    doc: DocState
    order: int  # position among the functions of its run: batches keep the document's order
    context: ModuleContext  # the module's imports and signatures (rewrite prompts need them)


def _notify(on_result: Callable[[], None] | None) -> None:
    if on_result is not None:
        try:
            on_result()
        except Exception:
            log.exception("hone: LLM result callback failed")


def _result(
    prompt: FunctionPrompt,
    config: LLMConfig,
    items: Sequence[ReplyFinding],
    *,
    cached: bool,
    error: str | None = None,
) -> FunctionResult:
    return FunctionResult(
        prompt.qualname,
        prompt.content_hash,
        tuple(items),
        dict(prompt.redaction.mapping) if error is None else {},
        config.display_url,
        config.model,
        cached=cached,
        error=error,
    )


def _count_outcomes(
    uri: str, pending: Sequence[asyncio.Task[FunctionResult | None]], report: AnalysisReport
) -> list[ProviderError]:
    errors: list[ProviderError] = []
    for task in pending:
        if task.cancelled():
            continue
        exc = task.exception()
        if isinstance(exc, ProviderError):
            report.failed += 1
            if exc.message not in report.errors:
                report.errors.append(exc.message)
            errors.append(exc)
        elif exc is not None:
            report.failed += 1
            report.errors.append(f"internal error: {type(exc).__name__}")
            log.error("hone: LLM analysis of %s failed", uri, exc_info=exc)
        else:
            report.completed += 1
    return errors


class _Member:
    """One function waiting for its share of a request's reply."""

    def __init__(self, fn: FunctionInfo, prompt: FunctionPrompt, order: int) -> None:
        self.fn = fn
        self.prompt = prompt
        self.order = order
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
    """Collects the cache misses of one :meth:`Scheduler.run` call and sends them.

    Each function task either ``skip()``s (cache hit, or cancelled early) or ``submit()``s; once
    every expected task has done one of the two, the misses are sent: one by one when there are
    few, in batches when there are many.
    """

    def __init__(
        self,
        scheduler: Scheduler,
        config: LLMConfig,
        report: AnalysisReport,
        context: ModuleContext,
    ) -> None:
        self.scheduler = scheduler
        self.config = config
        self.report = report
        self.context = context
        self.expected = 0
        self.settled = 0
        self.members: list[_Member] = []

    def expect(self) -> int:
        """One more function will skip() or submit(); returns its order."""
        self.expected += 1
        return self.expected - 1

    def skip(self) -> None:
        self.settled += 1
        self._maybe_flush()

    def submit(self, fn: FunctionInfo, prompt: FunctionPrompt, order: int) -> _Member:
        member = _Member(fn, prompt, order)
        self.members.append(member)
        self.settled += 1
        self._maybe_flush()
        return member

    def _maybe_flush(self) -> None:
        if self.settled < self.expected or not self.members:
            return
        # cache lookups finish in any order; requests follow the order the run asked for
        members, self.members = sorted(self.members, key=lambda m: m.order), []
        for group in self._groups(members):
            batch = _Batch(group)
            batch.task = asyncio.get_running_loop().create_task(
                self._send(batch), name=f"hone-llm-batch:{len(group)}"
            )

    def _groups(self, members: list[_Member]) -> list[list[_Member]]:
        s = self.scheduler
        if len(members) < s.batch_threshold or s.batch_max_functions <= 1:
            return [[m] for m in members]
        groups: list[list[_Member]] = []
        current: list[_Member] = []
        size = 0
        for m in members:
            n = len(m.fn.text)
            if current and (len(current) >= s.batch_max_functions or size + n > s.batch_max_chars):
                groups.append(current)
                current, size = [], 0
            current.append(m)
            size += n
        if current:
            groups.append(current)
        return groups

    async def _send(self, batch: _Batch) -> None:
        members = batch.members
        try:
            fns = [m.fn for m in members]
            prompts = [m.prompt for m in members]
            if len(members) == 1:
                request = build_request(fns, prompts, self.context)
            else:  # a batch prompt is built (redacted) anew: CPU work, off the loop
                request = await asyncio.to_thread(build_request, fns, prompts, self.context)
            self.report.requests += 1
            self.report.sent += len(members)
            self.report.prompt_tokens_est += request.tokens_est
            completion = await send(self.scheduler.provider(self.config), request)
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
        per_function = split_reply(completion.reply, request)
        for m in members:
            if not m.future.done():
                m.future.set_result(per_function.get(m.fn.qualname, ()))


def _drop_inflight(
    doc: DocState, key: ResultKey, task: asyncio.Task[FunctionResult | None]
) -> None:
    if doc.inflight.get(key) is task:
        del doc.inflight[key]
    if not task.cancelled():
        with contextlib.suppress(BaseException):
            task.exception()  # mark retrieved: failures are reported by run()
