"""Hover on a finding: what it means and what to do, where the cursor is.

* a rule (or engine) code: its documentation, as ``hone rules --explain CODE`` prints it (why,
  an example and its fix, when it does not apply, why a fix is unsafe) and a link to its page;
* an LLM finding: the model's explanation, the suggested rewrite as a diff and the verification
  verdict (verified and how much faster, rejected and why, or not verified yet);
* a timed line (``TIME001``) or a crash or stop of the last run: its figures.

Several findings under the cursor are shown one after the other. Positions outside every
finding get no hover (``None``), so other servers' hovers are not crowded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from hone.lsp.feature import Feature

if TYPE_CHECKING:
    from hone.core.finding import Finding
    from hone.lsp.session import Session
    from hone.lsp.state import DocumentState

log = logging.getLogger(__name__)

MAX_DIFF_LINES = 80  # a long rewrite: the code action's preview shows the whole of it


def _contains(finding: Finding, line: int, character: int) -> bool:
    """Whether a (line, character) position is within the finding's span, ends included."""
    start, end = finding.span.start, finding.span.end
    return (start.line, start.character) <= (line, character) <= (end.line, end.character)


def rule_markdown(code: str) -> str | None:
    """The documentation of a catalog code, its title as a bold line, with a link to its page."""
    from hone.docs_catalog import explain_markdown, find_entry
    from hone.rule_docs import doc_url

    entry = find_entry(code)
    if entry is None or entry.id != code:
        return None
    text = explain_markdown(entry)
    head, _, rest = text.partition("\n")
    # "# HONE101 append-in-loop" as a heading is too loud in a hover: a bold line instead
    title = f"**{entry.id}** `{entry.name}`" if head.startswith("# ") else head
    # the hover is smaller than a page: its sections become level-4 headings
    body = rest.replace("\n## ", "\n#### ")
    url = doc_url(code)
    link = f"\n\n[{entry.id} documentation]({url})" if url else ""
    return f"{title}\n{body.rstrip()}{link}"


def _verdict_line(verification: Any) -> str:
    if not isinstance(verification, Mapping):
        return "**Verification:** not verified yet (the rewrite is offered once it is)."
    try:
        from hone.verify.verifier import Verdict

        verdict = Verdict.from_json(dict(verification))
        return f"**Verification:** {verdict.title_suffix()}. {verdict.explanation()}"
    except Exception as exc:  # a verdict of another shape: say what is known
        log.debug("hover: unreadable verdict %r: %r", verification, exc)
        status = verification.get("status", "unknown")
        return f"**Verification:** {status}."


def llm_markdown(finding: Finding) -> str:
    extra = finding.extra or {}
    model = (extra.get("llm") or {}).get("model") if isinstance(extra.get("llm"), Mapping) else None
    head = f"**{finding.code}** LLM finding" + (f" ({model})" if model else "")
    parts = [head, finding.message]
    explanation = finding.explanation or ""
    # the analyser appends the diff and the verdict to the explanation; they get their own blocks
    explanation = explanation.split("\n\nSuggested rewrite", 1)[0]
    explanation = explanation.split("Suggested rewrite (apply it", 1)[0].strip()
    if explanation:
        parts.append(explanation)
    diff = extra.get("diff")
    if isinstance(diff, str) and diff.strip():
        lines = diff.rstrip("\n").splitlines()
        shown = "\n".join(lines[:MAX_DIFF_LINES])
        more = (
            f"\n… {len(lines) - MAX_DIFF_LINES} more lines" if len(lines) > MAX_DIFF_LINES else ""
        )
        parts.append(f"Suggested rewrite:\n```diff\n{shown}\n```{more}")
        parts.append(_verdict_line(extra.get("verification")))
    elif extra.get("rewrite_rejected"):
        parts.append(f"The model's rewrite was dropped: {extra['rewrite_rejected']}")
    return "\n\n".join(parts)


def timing_markdown(finding: Finding) -> str:
    from hone.runner.report import fmt_seconds, fmt_share

    extra = finding.extra or {}
    lines = [f"**{finding.code}** run with timing"]
    self_s, share = extra.get("self_s"), extra.get("share")
    if isinstance(self_s, int | float) and isinstance(share, int | float):
        where = f" in `{finding.function}`" if finding.function else ""
        lines.append(
            f"This line{where}: **{fmt_seconds(float(self_s))}** of the run's sampled time "
            f"(**{fmt_share(float(share))}**), in the line itself (not in the functions it calls)."
        )
    else:
        first, _, rest = finding.message.partition("\n\n")
        lines.append(first)
        if rest.strip():
            lines.append(f"```\n{rest.strip()}\n```")
    lines.append("The figures are the last run's; editing the file clears them.")
    return "\n\n".join(lines)


def finding_markdown(finding: Finding) -> str:
    if finding.source == "llm" or finding.code.startswith("LLM"):
        return llm_markdown(finding)
    if finding.code.startswith("TIME"):
        return timing_markdown(finding)
    return rule_markdown(finding.code) or f"**{finding.code}** {finding.message}"


def hover_markdown(findings: Sequence[Finding]) -> str | None:
    """One hover for the findings under the cursor (each code once), or None."""
    seen: set[tuple[str, str]] = set()
    sections: list[str] = []
    for f in findings:
        key = (f.code, f.message if f.code.startswith(("LLM", "TIME")) else "")
        if key in seen:
            continue
        seen.add(key)
        sections.append(finding_markdown(f))
    return "\n\n---\n\n".join(sections) if sections else None


class HoverFeature(Feature):
    name = "hover"

    def __init__(self, session: Session) -> None:
        self.session = session

    def hover(self, doc: DocumentState, params: lsp.HoverParams) -> lsp.Hover | None:
        pos = params.position
        line, character = self._to_server(doc, pos)
        under = [f for _, f in self.session.get_findings(doc.uri) if _contains(f, line, character)]
        under.sort(key=lambda f: (f.span.end.line - f.span.start.line, f.span.start.line))
        text = hover_markdown(under)
        if text is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))

    def _to_server(self, doc: DocumentState, pos: lsp.Position) -> tuple[int, int]:
        """A client position in code points, as findings' spans are."""
        at = doc.lines.from_client(pos.line, pos.character, self.session.client.encoding)
        return at.line, at.character
