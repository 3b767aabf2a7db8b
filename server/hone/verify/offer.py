"""The offer policy: what a finding with an unverified rewrite shows, given its verdicts.

A rewrite that is not provably safe (an LLM suggestion, an unsafe rule fix) becomes an applicable
action only AFTER its verdict, and only when it is verified AND measurably faster:

* checking: the diagnostic says "checking a suggested rewrite…" and carries no fix;
* verified and faster: the fix, titled with the evidence ("verified on 43 inputs, 8.7× faster at
  n=10,000"; "best of 4 candidates, …" when several were checked -- the fastest is offered);
* unverifiable: no fix; the hover carries the diff and what would make it verifiable.  With the
  user-level opt-in ``llm.offerUnverified`` the fix is offered, titled "Unverified: …";
* rejected, slower, no measurable speedup, timing failed, refused by the gate: no fix, never as a
  speed-up; the message says why (a shape, never a value the sandbox produced).

Pure functions: the LSP layer supplies verdicts (``None`` while a check runs) and settings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hone.core.finding import Finding, Fix
from hone.verify.verifier import Verdict

CHECKING = "checking a suggested rewrite…"
_ESTIMATE = re.compile(r"\s*\(model estimates[^)]*\)")


def candidates_of(finding: Finding) -> tuple[Fix, ...]:
    """The rewrites to check: ``extra["candidates"]`` (best-of-N, first == ``finding.fix``) or
    the finding's own fix."""
    found = finding.extra.get("candidates") if finding.extra else None
    if isinstance(found, tuple | list) and found and all(isinstance(c, Fix) for c in found):
        return tuple(found)
    return (finding.fix,) if finding.fix is not None else ()


def plain_title(title: str) -> str:
    """A fix title without a model's own speed estimate (only measured speed is ever shown)."""
    return _ESTIMATE.sub("", title).strip()


def present(
    finding: Finding,
    verdicts: Sequence[Verdict | None],
    *,
    offer_unverified: bool = False,
    diffs: Sequence[str] = (),
    not_checked: str = "",
) -> Finding:
    """The finding as published, for candidates ``candidates_of(finding)`` and their verdicts
    (aligned; ``None`` = still checking).  ``not_checked``: why no check runs (untrusted folder,
    no OS sandbox) -- then nothing is verified and nothing is offered as verified."""
    fixes = candidates_of(finding)
    base = _without_candidates(finding)
    if not fixes:
        return base
    if not_checked:
        return _unverified(base, fixes[0], not_checked, offer_unverified, diffs[:1])
    if any(v is None for v in verdicts) or len(verdicts) < len(fixes):
        return replace(base, message=f"{finding.message} — {CHECKING}", fix=None)
    done = [v for v in verdicts if v is not None]
    offerable = [(i, v) for i, v in enumerate(done) if v.offer]
    extra: dict[str, Any] = {
        **dict(base.extra),
        "verification": [v.to_json() for v in done],
    }
    if offerable:
        i, best = max(offerable, key=lambda p: p[1].speedup or 0.0)
        suffix = best.title_suffix()
        if len(fixes) > 1:
            suffix = f"best of {len(fixes)} candidates, {suffix}"
        fix = fixes[i]
        explanation = _join(finding.explanation, best.explanation())
        return replace(
            base,
            fix=replace(fix, title=f"{plain_title(fix.title)} — {suffix}"),
            explanation=explanation,
            extra={**extra, "verified": best.to_json()},
        )
    unverifiable = [(i, v) for i, v in enumerate(done) if v.status == "unverifiable"]
    if unverifiable:
        i, v = unverifiable[0]
        return replace(
            _unverified(base, fixes[i], v.reason, offer_unverified, diffs[i : i + 1], done),
            extra=extra,
        )
    reasons = [_dropped_reason(v) for v in done]
    shown = reasons[0] if len(reasons) == 1 else f"{reasons[0]} (and {len(reasons) - 1} more)"
    return replace(
        base,
        message=f"{finding.message} (hone did not offer a suggested rewrite: {shown})",
        fix=None,
        explanation=_join(
            finding.explanation,
            "Suggested rewrites not offered:\n" + "\n".join(f"- {r}" for r in reasons),
        ),
        extra={**extra, "dropped": reasons},
    )


def _dropped_reason(v: Verdict) -> str:
    if v.status == "rejected":
        return v.reason
    if v.slower:
        at = f" at n={v.size:,}" if v.size else ""
        return f"ran slower than the original{at} ({v.speedup or 0:.2f}×)"
    return v.timing_note or "no measurable speedup"


def _unverified(
    base: Finding,
    fix: Fix,
    why: str,
    offer: bool,
    diffs: Sequence[str],
    verdicts: Sequence[Verdict] = (),
) -> Finding:
    hover = [f"A suggested rewrite could not be verified: {why}."]
    hover.append(
        'It becomes verifiable with a "Run with timing" that calls the function, a project test '
        "that calls it (in a trusted folder), type hints on its parameters, or a doctest example."
    )
    if diffs and diffs[0]:
        hover.append("```diff\n" + diffs[0].rstrip() + "\n```")
    explanation = _join(base.explanation, "\n\n".join(hover))
    message = f"{base.message} (a suggested rewrite could not be verified: {why})"
    if offer:
        return replace(
            base,
            message=message,
            fix=replace(fix, title=f"Unverified: {plain_title(fix.title)}"),
            explanation=explanation,
        )
    return replace(base, message=message, fix=None, explanation=explanation)


def _without_candidates(finding: Finding) -> Finding:
    extra: Mapping[str, Any] = finding.extra or {}
    if "candidates" not in extra:
        return finding
    return replace(finding, extra={k: v for k, v in extra.items() if k != "candidates"})


def _join(*parts: str | None) -> str:
    return "\n\n".join(p for p in parts if p)


def function_diff(before: str, after: str, name: str) -> str:
    """A unified diff of one function, for the hover of an unverifiable suggestion."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{name} (now)",
        tofile=f"{name} (suggested)",
        n=2,
    )
    return "".join(lines)
