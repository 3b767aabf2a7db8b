"""The one shape every analysis result takes, whatever produced it (rule, LLM, timing run).

Positions are 0-based lines and 0-based *code point* columns into the document text (Python
``str`` indices within the line).  Conversion to LSP's UTF-16 / UTF-8 columns happens only at the
protocol boundary (:mod:`hone.core.text`), so analysis code never has to think about encodings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Position:
    line: int
    character: int

    def shifted(self, lines: int) -> Position:
        return Position(self.line + lines, self.character)


@dataclass(frozen=True, slots=True)
class Span:
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, col: int, end_line: int, end_col: int) -> Span:
        return cls(Position(line, col), Position(end_line, end_col))

    def shifted(self, lines: int) -> Span:
        return Span(self.start.shifted(lines), self.end.shifted(lines))

    def overlaps(self, other: Span) -> bool:
        """True when the two spans share any text (touching ends do not overlap)."""
        return self.start < other.end and other.start < self.end

    def contains_line(self, line: int) -> bool:
        return self.start.line <= line <= self.end.line


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in ``span`` with ``new_text`` (an insertion when the span is empty)."""

    span: Span
    new_text: str

    def shifted(self, lines: int) -> Edit:
        return Edit(self.span.shifted(lines), self.new_text)


class Safety(StrEnum):
    """How much a fix can be trusted (the same levels as Ruff's fixes)."""

    SAFE = "safe"  # same behaviour for every input: may be applied by fix-all
    UNSAFE = "unsafe"  # may differ in edge cases (aliasing, exception types, evaluation order)
    SUGGESTION = "suggestion"  # produced by a model: only ever applied by an explicit user choice


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


class Category(StrEnum):
    PERFORMANCE = "performance"
    BUG = "bug"
    SECURITY = "security"
    MAINTAINABILITY = "maintainability"
    SYNTAX = "syntax"
    RUNTIME = "runtime"


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    safety: Safety

    def shifted(self, lines: int) -> Fix:
        return replace(self, edits=tuple(e.shifted(lines) for e in self.edits))


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing hone wants to tell the user about a span of a document.

    ``code`` is a rule id (``HONE101``), ``HONE000`` for syntax errors, or ``LLM…`` for model
    findings; ``source`` is what the editor shows as the diagnostic's source.
    """

    code: str
    message: str
    span: Span
    severity: Severity
    category: Category = Category.PERFORMANCE
    source: str = "hone"
    fix: Fix | None = None
    explanation: str | None = None
    function: str | None = None  # qualified name of the enclosing function, if any
    extra: Mapping[str, Any] = field(default_factory=dict)

    def shifted(self, lines: int) -> Finding:
        if lines == 0:
            return self
        return replace(
            self,
            span=self.span.shifted(lines),
            fix=self.fix.shifted(lines) if self.fix else None,
        )
