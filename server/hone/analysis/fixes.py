"""Applying fixes: choosing non-overlapping ones, and fix-all until nothing is left to fix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hone.analysis.engine import Analyzer
from hone.core.finding import Edit, Finding, Safety, Span
from hone.core.settings import Settings
from hone.core.text import apply_edits

# Fix-all re-analyses after each round so fixes that overlapped can apply in the next one;
# a handful of rounds covers nested patterns without risking an endless loop.
MAX_ROUNDS = 8


def fixable(findings: Iterable[Finding], *, unsafe: bool = False) -> list[Finding]:
    """Findings whose fix may be applied automatically (never LLM suggestions)."""
    allowed = {Safety.SAFE, Safety.UNSAFE} if unsafe else {Safety.SAFE}
    return [f for f in findings if f.fix is not None and f.fix.safety in allowed]


def _fix_span(f: Finding) -> Span:
    assert f.fix is not None
    starts = [e.span.start for e in f.fix.edits]
    ends = [e.span.end for e in f.fix.edits]
    return Span(min(starts), max(ends))


def non_overlapping_edits(findings: Sequence[Finding]) -> tuple[list[Edit], list[Finding]]:
    """Edits of as many fixes as can apply together (first in document order wins)."""
    chosen: list[Finding] = []
    taken: list[Span] = []
    for f in sorted(findings, key=lambda f: _fix_span(f).start):
        span = _fix_span(f)
        if any(span.overlaps(t) or span == t for t in taken):
            continue
        taken.append(span)
        chosen.append(f)
    edits = [e for f in chosen for e in (f.fix.edits if f.fix else ())]
    return edits, chosen


@dataclass(frozen=True, slots=True)
class FixAllResult:
    text: str
    applied: int  # number of fixes applied over all rounds
    remaining: tuple[Finding, ...]  # findings of the final text


def fix_all(
    text: str,
    settings: Settings,
    *,
    unsafe: bool = False,
    analyzer: Analyzer | None = None,
) -> FixAllResult:
    """Apply safe (or also unsafe) fixes repeatedly until none apply; idempotent by design."""
    analyzer = analyzer or Analyzer()
    applied = 0
    analysis = analyzer.analyse(text, settings)
    for _ in range(MAX_ROUNDS):
        if not analysis.parses:
            break
        candidates = fixable(analysis.findings, unsafe=unsafe)
        if not candidates:
            break
        edits, chosen = non_overlapping_edits(candidates)
        new_text = apply_edits(text, edits)
        if new_text == text:
            break
        new_analysis = analyzer.analyse(new_text, settings)
        if not new_analysis.parses:  # defensive: never hand back code that does not parse
            break
        text, analysis, applied = new_text, new_analysis, applied + len(chosen)
    return FixAllResult(text, applied, analysis.findings)
