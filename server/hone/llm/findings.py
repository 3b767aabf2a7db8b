"""Findings construction: a function's :class:`~hone.llm.reply.FunctionResult` -> findings.

Results are turned into findings against the *current* function index, so they move with their
function when lines above it change, and disappear (stale) as soon as its text changes.  A
finding's rewrite is validated (:func:`~hone.llm.rewrite.validate_rewrite`: one function, same
signature, secrets restored) once per result and memoised in a :data:`RewriteMemo`, so building
findings after every keystroke stays cheap; :func:`prevalidate` does that parsing when a result
arrives, off the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from hone.core.finding import Category, Finding, Fix, Safety, Span
from hone.core.functions import FunctionInfo
from hone.core.text import line_content, split_lines
from hone.llm.ask import REWRITTEN, AnsweredFinding, dropped_reason
from hone.llm.prompt import PROMPT_VERSION, top_level_functions
from hone.llm.reply import FunctionResult, names_match
from hone.llm.rewrite import Rewrite, RewriteRejected, validate_rewrite
from hone.llm.schema import ReplyFinding

log = logging.getLogger(__name__)

SOURCE = "hone (llm)"
# The LSP layer appends " (suggestion)" for Safety.SUGGESTION fixes.
REWRITE_TITLE = "Apply optimized rewrite"
FIX_TITLE = "Apply suggested fix"  # a bug finding's rewrite
CODES: dict[Category, str] = {
    Category.PERFORMANCE: "LLM100",
    Category.BUG: "LLM200",
    Category.SECURITY: "LLM300",
    Category.MAINTAINABILITY: "LLM400",
}

ResultKey = tuple[str, str]  # (qualname, content hash)
# (qualname, content hash, index of the item) -> (validated new text or None, rejection or None)
RewriteMemo = dict[tuple[str, str, int], tuple[str | None, str | None]]


def findings_for(
    results: Mapping[ResultKey, FunctionResult],
    memo: RewriteMemo,
    uri: str,
    text: str,
    functions: Sequence[FunctionInfo],
    version: int | None = None,
    candidates: Mapping[tuple[str, str, int], AnsweredFinding] | None = None,
) -> list[Finding]:
    """Findings for the functions of ``text`` whose exact text has a result (and the rewrite
    candidates that arrived for them)."""
    if not results:
        return []
    lines = split_lines(text)
    out: list[Finding] = []
    for fn in top_level_functions(functions):
        result = results.get((fn.qualname, fn.content_hash))
        if result is None:
            continue
        for index, item in enumerate(result.items):
            if item.function and not names_match(item.function, fn):
                log.info("hone: LLM finding names %r, not %s: dropped", item.function, fn.qualname)
                continue
            rewrite, rejected = (None, None)
            if item.rewrite is not None:
                rewrite, rejected = rewrite_for(memo, uri, version, text, fn, result, index, item)
            answered = (candidates or {}).get((fn.qualname, fn.content_hash, index))
            out.append(
                build_finding(lines, fn, result, item, rewrite, rejected, answered, index=index)
            )
    return out


def prevalidate(
    memo: RewriteMemo,
    uri: str,
    version: int | None,
    text: str,
    fn: FunctionInfo,
    result: FunctionResult,
) -> None:
    """Validate every rewrite of a fresh result now (libcst parsing: call it off the loop,
    after :func:`drop_rewrites` on the loop)."""
    for index, item in enumerate(result.items):
        if item.rewrite is not None:
            rewrite_for(memo, uri, version, text, fn, result, index, item)


def drop_rewrites(memo: RewriteMemo, key: ResultKey) -> None:
    """Forget the validated rewrites of an older result for the same function text."""
    for k in [k for k in memo if k[:2] == key]:
        del memo[k]


def build_finding(
    lines: Sequence[str],
    fn: FunctionInfo,
    result: FunctionResult,
    item: ReplyFinding,
    rewrite: Rewrite | None,
    rejected: str | None,
    answered: AnsweredFinding | None = None,
    *,
    index: int = 0,
) -> Finding:
    """One finding: the item's lines (relative to the function) placed in the document.

    Its rewrites: one the finding carried inline (large models sometimes add one), then the
    best-of-N candidates asked for afterwards, all as suggestions; ``finding.fix`` is the first
    and ``extra["candidates"]`` holds them all (verification offers the fastest verified one).
    A model's own speed estimate is never shown: only a measured speedup is.
    """
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

    message = item.message
    rewrites: list[Rewrite] = [rewrite] if rewrite is not None else []
    dropped: list[str] = [dropped_reason(rejected)] if rejected else []
    examples: tuple[str, ...] = ()
    if answered is not None:
        known = {r.new_text for r in rewrites}
        rewrites += [c.rewrite for c in answered.candidates if c.rewrite.new_text not in known]
        dropped += answered.dropped
        examples = answered.example_calls
        # the candidates were validated against the text they were made for; the function
        # may have moved since (lines added above it): follow it, as inline rewrites do
        rewrites = [_moved(r, fn) for r in rewrites]
    rewrite = rewrites[0] if rewrites else None
    diff = rewrite.diff() if rewrite is not None else None
    title = FIX_TITLE if item.category is Category.BUG else REWRITE_TITLE
    extra: dict[str, Any] = {
        "llm": {
            "model": result.model,
            "cached": result.cached,
            "prompt_version": PROMPT_VERSION,
            "range_adjusted": adjusted,
            "item": index,  # which finding of the function's reply (for a repair request)
        },
        "rewrite": rewrite,
        "rewrite_rejected": rejected,
        "rewrites_dropped": tuple(dropped),
        "candidates": tuple(Fix(title, (r.edit(),), Safety.SUGGESTION) for r in rewrites),
        "example_calls": examples,
        "candidates_pending": item.category in REWRITTEN and answered is None,
        "diff": diff,
        "verification": None,  # filled in by rewrite verification
    }
    fix = extra["candidates"][0] if rewrites else None
    explanation = item.explanation
    if diff is not None:
        # The diff travels with the explanation (shown as related information / hover).
        shown = f"Suggested rewrite (apply it with the code action):\n{diff}"
        explanation = f"{explanation}\n\n{shown}" if explanation else shown
    if dropped:
        why = "\n".join(f"- {d}" for d in dict.fromkeys(dropped))
        explanation = f"{explanation}\n\n{why}" if explanation else why
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


def _moved(rewrite: Rewrite, fn: FunctionInfo) -> Rewrite:
    if rewrite.span == fn.span or rewrite.original_text != fn.text:
        return rewrite
    return Rewrite(rewrite.uri, rewrite.version, fn.qualname, fn.text, rewrite.new_text, fn.span)


def rewrite_for(
    memo: RewriteMemo,
    uri: str,
    version: int | None,
    text: str,
    fn: FunctionInfo,
    result: FunctionResult,
    index: int,
    item: ReplyFinding,
) -> tuple[Rewrite | None, str | None]:
    """The item's validated rewrite of ``fn``, or None and why it was rejected (memoised)."""
    memo_key = (fn.qualname, fn.content_hash, index)
    memoised = memo.get(memo_key)
    if memoised is None:
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
            memoised = (validated.new_text if validated else None, None)
        except RewriteRejected as exc:
            log.info("hone: LLM rewrite for %s dropped: %s", fn.qualname, exc)
            memoised = (None, str(exc))
        memo[memo_key] = memoised
    new_text, rejected = memoised
    if new_text is None:
        return None, rejected
    rewrite = Rewrite(
        uri=uri,
        version=version,
        qualname=fn.qualname,
        original_text=fn.text,
        new_text=new_text,
        span=fn.span,
    )
    return rewrite, None
