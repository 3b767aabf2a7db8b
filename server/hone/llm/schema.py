"""The LLM reply schema, tolerant extraction of JSON from model output, and validation.

Models differ wildly in how well they follow a format: some honour a strict JSON schema, some wrap
the JSON in Markdown fences or explain themselves in prose around it, some invent their own
severity words.  Everything here is therefore lenient about *shape* and strict about *meaning*:
an item that cannot be understood is dropped (with a reason) and the rest of the reply is kept.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from hone.core.finding import Category, Severity

# One reply covers one function (hone sends functions one at a time); line numbers are 1-based
# and relative to the first line of the function source as it was sent.
REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "function": {"type": "string"},
                    "start_line": {"type": "integer"},
                    "end_line": {"type": "integer"},
                    "severity": {"type": "string", "enum": ["error", "warning", "info", "hint"]},
                    "category": {
                        "type": "string",
                        "enum": ["performance", "bug", "security", "maintainability"],
                    },
                    "message": {"type": "string"},
                    "explanation": {"type": ["string", "null"]},
                    "rewrite": {"type": ["string", "null"]},
                    "estimated_speedup": {"type": ["number", "null"]},
                },
                "required": [
                    "function",
                    "start_line",
                    "end_line",
                    "severity",
                    "category",
                    "message",
                    "explanation",
                    "rewrite",
                    "estimated_speedup",
                ],
                "additionalProperties": False,
            },
        }
    },
    "required": ["findings"],
    "additionalProperties": False,
}

# The finding pass of the two-step flow: four fields a small model can fill.
FINDINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "line": {"type": "integer"},
                    "category": {"type": "string", "enum": ["performance", "bug"]},
                    "problem": {"type": "string"},
                    "why": {"type": "string"},
                },
                "required": ["line", "category", "problem", "why"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["findings"],
    "additionalProperties": False,
}

# Several functions in one request: each finding names its function.
FINDINGS_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "function": {"type": "string"},
                    **FINDINGS_SCHEMA["properties"]["findings"]["items"]["properties"],
                },
                "required": ["function", "line", "category", "problem", "why"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["findings"],
    "additionalProperties": False,
}

# "Nothing to report" written as a finding (small models do this instead of an empty list).
_NO_PROBLEM_RE = re.compile(
    r"^\W*(there (are|is) )?no (significant |obvious |major |real |apparent )?"
    r"(performance )?(issues?|problems?|bugs?|bottlenecks?|findings?)\b"
    r"|\b(is|are|looks|seems) (already )?(efficient|optimal|optimized|optimised|fine|good)\b"
    r"|\bnothing (to report|slow|wrong)\b"
    r"|\bno (changes?|improvements?|optimi[sz]ations?) (needed|required|necessary)\b",
    re.IGNORECASE,
)


def says_no_problem(message: str) -> bool:
    return bool(_NO_PROBLEM_RE.search(message))


MAX_FINDINGS_PER_FUNCTION = 10
MAX_MESSAGE_CHARS = 400
MAX_EXPLANATION_CHARS = 4000
MAX_REWRITE_CHARS = 40_000

_SEVERITY_WORDS: dict[str, Severity] = {
    "error": Severity.ERROR,
    "critical": Severity.ERROR,
    "high": Severity.ERROR,
    "fatal": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "medium": Severity.WARNING,
    "moderate": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
    "low": Severity.INFO,
    "note": Severity.INFO,
    "hint": Severity.HINT,
    "suggestion": Severity.HINT,
    "style": Severity.HINT,
}

_CATEGORY_WORDS: dict[str, Category] = {
    "performance": Category.PERFORMANCE,
    "perf": Category.PERFORMANCE,
    "speed": Category.PERFORMANCE,
    "efficiency": Category.PERFORMANCE,
    "complexity": Category.PERFORMANCE,
    "algorithm": Category.PERFORMANCE,
    "bug": Category.BUG,
    "correctness": Category.BUG,
    "error": Category.BUG,
    "logic": Category.BUG,
    "security": Category.SECURITY,
    "safety": Category.SECURITY,
    "maintainability": Category.MAINTAINABILITY,
    "readability": Category.MAINTAINABILITY,
    "style": Category.MAINTAINABILITY,
    "design": Category.MAINTAINABILITY,
}


@dataclass(frozen=True, slots=True)
class ReplyFinding:
    """One validated finding, positions still relative to the function as sent."""

    function: str
    start_line: int | None  # 1-based within the function; None when the model gave none/garbage
    end_line: int | None
    severity: Severity
    category: Category
    message: str
    explanation: str | None = None
    rewrite: str | None = None
    estimated_speedup: float | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.value
        d["category"] = self.category.value
        return d


@dataclass(frozen=True, slots=True)
class ParsedReply:
    findings: tuple[ReplyFinding, ...]
    problems: tuple[str, ...] = field(default=())  # what was dropped or adjusted, for the log

    def to_json(self) -> dict[str, Any]:
        """The normalised form stored in the cache (re-validated when read back)."""
        return {"findings": [f.to_json() for f in self.findings]}


class ReplyError(ValueError):
    """The reply holds no usable JSON object at all."""


_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\r?\n(.*?)```", re.DOTALL)
_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")


def extract_json(content: str) -> Any:
    """The JSON value in a model's reply, tolerating fences, prose and reasoning blocks.

    Tries, in order: the whole text; each fenced block; the first decodable ``{``/``[`` value
    anywhere in the text (scanning from each opening brace).  Raises :class:`ReplyError`.
    """
    text = _THINK_RE.sub("", content).strip()
    if not text:
        raise ReplyError("the reply is empty")
    candidates = [text, *(m.group(1).strip() for m in _FENCE_RE.finditer(text))]
    for candidate in candidates:
        for attempt in (candidate, _TRAILING_COMMA_RE.sub(r"\1", candidate)):
            try:
                # strict=False: raw newlines/tabs inside strings (code!) are common in replies
                return json.loads(attempt, strict=False)
            except ValueError:
                pass
    decoder = json.JSONDecoder(strict=False)
    # Prefer objects (our schema's root); fall back to a bare list of findings.
    for opener in ("{", "["):
        start = text.find(opener)
        while start != -1:
            try:
                value, _ = decoder.raw_decode(text, start)
            except ValueError:
                start = text.find(opener, start + 1)
                continue
            if isinstance(value, dict | list) and value:
                return value
            start = text.find(opener, start + 1)
    raise ReplyError("no JSON object found in the reply")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None


_SPEEDUP_RE = re.compile(r"(\d+(?:\.\d+)?)")


def _as_speedup(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        m = _SPEEDUP_RE.search(value)
        number = float(m.group(1)) if m else None
    if number is None or not math.isfinite(number) or number <= 0:
        return None
    return min(number, 1e6)


def _as_text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text: str = value.strip()
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first(item: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in item:
            return item[key]
    return None


def validate_reply(data: Any) -> ParsedReply:
    """Validate a decoded reply against :data:`REPLY_SCHEMA`, leniently, item by item."""
    problems: list[str] = []
    if isinstance(data, list):
        items: Any = data
    elif isinstance(data, dict):
        items = _first(data, "findings", "issues", "results")
        if items is None:
            # A single finding object at the root is common with small models.
            items = [data] if ("message" in data or "problem" in data) else []
            if not items and data:
                problems.append("reply has no 'findings' list")
    else:
        raise ReplyError(f"expected a JSON object, got {type(data).__name__}")
    if not isinstance(items, list):
        raise ReplyError("'findings' is not a list")
    out: list[ReplyFinding] = []
    for index, item in enumerate(items):
        if len(out) >= MAX_FINDINGS_PER_FUNCTION:
            problems.append(f"more than {MAX_FINDINGS_PER_FUNCTION} findings: rest dropped")
            break
        if not isinstance(item, dict):
            problems.append(f"finding {index}: not an object")
            continue
        message = _as_text(
            _first(item, "message", "problem", "title", "summary", "issue", "description"),
            MAX_MESSAGE_CHARS,
        )
        if message is None:
            problems.append(f"finding {index}: no message")
            continue
        if says_no_problem(message) and not _as_text(_first(item, "rewrite", "code"), 10):
            problems.append(f"finding {index}: says there is no problem; not a finding")
            continue
        sev_word = str(_first(item, "severity", "level") or "").strip().lower()
        severity = _SEVERITY_WORDS.get(sev_word, Severity.WARNING)
        if sev_word and sev_word not in _SEVERITY_WORDS:
            problems.append(f"finding {index}: unknown severity {sev_word!r}, using warning")
        cat_word = str(_first(item, "category", "kind", "type") or "").strip().lower()
        category = _CATEGORY_WORDS.get(cat_word, Category.MAINTAINABILITY)
        if cat_word not in _CATEGORY_WORDS:
            problems.append(
                f"finding {index}: unknown category {cat_word!r}, using maintainability"
            )
        start = _as_int(_first(item, "start_line", "startLine", "line", "start"))
        end = _as_int(_first(item, "end_line", "endLine", "end"))
        rewrite_raw = _first(item, "rewrite", "rewritten", "fixed_code", "code")
        rewrite = rewrite_raw if isinstance(rewrite_raw, str) and rewrite_raw.strip() else None
        if rewrite is not None and len(rewrite) > MAX_REWRITE_CHARS:
            problems.append(f"finding {index}: rewrite too long, dropped")
            rewrite = None
        function: Any = _first(item, "function", "function_name", "qualname")
        out.append(
            ReplyFinding(
                function=function.strip() if isinstance(function, str) else "",
                start_line=start,
                end_line=end,
                severity=severity,
                category=category,
                message=message,
                explanation=_as_text(
                    _first(item, "explanation", "why", "details", "rationale", "reason"),
                    MAX_EXPLANATION_CHARS,
                ),
                rewrite=rewrite,
                estimated_speedup=_as_speedup(
                    _first(item, "estimated_speedup", "speedup", "estimatedSpeedup")
                ),
            )
        )
    return ParsedReply(tuple(out), tuple(problems))


def parse_reply_text(content: str) -> ParsedReply:
    """Extract and validate in one step (raises :class:`ReplyError` when nothing is usable)."""
    return validate_reply(extract_json(content))
