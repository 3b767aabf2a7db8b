"""Reply parsing: what one request's validated reply says about each function it carried.

The provider has already turned the endpoint's text into a :class:`~hone.llm.schema.ParsedReply`
(JSON validated, fields normalised).  Here its findings are routed to the functions of the
request (:func:`split_reply`) and, for a batch, their redaction placeholders renumbered to each
function's own, so that a function's :class:`FunctionResult` is the same whether it travelled
alone or in a batch (and whether it came from the endpoint or the cache).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from hone.core.functions import FunctionInfo
from hone.llm.redact import PLACEHOLDER_PREFIX
from hone.llm.request import Request
from hone.llm.schema import ParsedReply, ReplyFinding

log = logging.getLogger(__name__)

_PLACEHOLDER_RE = re.compile(PLACEHOLDER_PREFIX + r"\d+")


@dataclass(frozen=True, slots=True)
class FunctionResult:
    """What the model said about one function at one exact text."""

    qualname: str
    content_hash: str
    items: tuple[ReplyFinding, ...]
    mapping: dict[str, str]  # redaction placeholders -> originals, to restore rewrites
    endpoint: str  # base URL without credentials: a result is only shown for its own endpoint
    model: str
    cached: bool
    error: str | None = None  # the model answered, but unusably (not retried until edited)

    @property
    def source(self) -> tuple[str, str]:
        return self.endpoint, self.model


def names_match(reported: str, fn: FunctionInfo) -> bool:
    """Whether the function name a finding gives (loosely spelt by models) is ``fn``."""
    name = reported.strip().strip("`")
    for prefix in ("async def ", "def ", "async "):
        name = name.removeprefix(prefix)
    name = name.split("(")[0].strip()
    return not name or name in (fn.qualname, fn.name) or name.split(".")[-1] == fn.name


def split_reply(reply: ParsedReply, request: Request) -> dict[str, tuple[ReplyFinding, ...]]:
    """The reply's findings per qualified name of the request's functions, in each function's
    own placeholder numbering (a rewrite using another function's secret is dropped)."""
    routed = route(reply.findings, request.functions)
    if not request.batched:
        return routed
    out: dict[str, tuple[ReplyFinding, ...]] = {}
    for prompt in request.prompts:
        items = routed.get(prompt.qualname, ())
        own = prompt.redaction.mapping
        out[prompt.qualname] = tuple(renumber(f, request.mapping, own) for f in items)
    return out


def route(
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
            matches = [fn for fn in functions if f.function and names_match(f.function, fn)]
            target = matches[0] if len(matches) == 1 else None
        if target is None:
            log.info("hone: LLM finding for unknown function %r in a batch: dropped", f.function)
            continue
        out.setdefault(target.qualname, []).append(f)
    return {k: tuple(v) for k, v in out.items()}


def renumber(
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
