"""Line handling and column-unit conversion (code points <-> UTF-16 / UTF-8 code units).

LSP positions count columns in the negotiated encoding (UTF-16 by default); hone's analysis uses
Python ``str`` indices.  Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` as in the LSP specification.
"""

from __future__ import annotations

import re
from enum import StrEnum

from hone.core.finding import Edit, Position, Span

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


class Encoding(StrEnum):
    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"  # i.e. code points, hone's internal unit


def split_lines(text: str) -> list[str]:
    """Lines *with* their terminators; the last (possibly empty) line has none.

    ``"a\\nb"`` -> ``["a\\n", "b"]``; ``"a\\n"`` -> ``["a\\n", ""]``.
    """
    lines = _LINE_RE.findall(text)
    # findall yields a final empty match at end of input; keep exactly one trailing line
    if len(lines) >= 2 and lines[-1] == "" and lines[-2].endswith(("\n", "\r")):
        return lines
    if lines and lines[-1] == "" and len(lines) >= 2:
        lines.pop()
    return lines


def line_content(line: str) -> str:
    return line.rstrip("\r\n")


def _units(ch: str, encoding: Encoding) -> int:
    o = ord(ch)
    if encoding is Encoding.UTF16:
        return 2 if o > 0xFFFF else 1
    if encoding is Encoding.UTF8:
        return 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
    return 1


def to_units(line: str, column: int, encoding: Encoding) -> int:
    """Code-point column -> column in ``encoding`` units (clamped to the line's content)."""
    content = line_content(line)
    column = max(0, min(column, len(content)))
    if encoding is Encoding.UTF32 or content.isascii():
        return column
    return sum(_units(c, encoding) for c in content[:column])


def from_units(line: str, units: int, encoding: Encoding) -> int:
    """Column in ``encoding`` units -> code-point column.

    Out-of-range columns clamp to the end of the line (as the LSP spec asks); a column in the
    middle of a surrogate pair / UTF-8 sequence snaps to the character's end.
    """
    content = line_content(line)
    if units <= 0:
        return 0
    if encoding is Encoding.UTF32 or content.isascii():
        return min(units, len(content))
    seen = 0
    for i, ch in enumerate(content):
        if seen >= units:
            return i
        seen += _units(ch, encoding)
    return len(content)


class TextDocumentLines:
    """A document's text split into lines, with position conversion and offset lookup."""

    __slots__ = ("_offsets", "lines", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self._offsets: list[int] | None = None

    def line(self, n: int) -> str:
        return self.lines[n] if 0 <= n < len(self.lines) else ""

    def clamp(self, pos: Position) -> Position:
        if pos.line < 0:
            return Position(0, 0)
        if pos.line >= len(self.lines):
            last = len(self.lines) - 1
            return Position(last, len(line_content(self.lines[last])))
        return Position(
            pos.line, min(max(pos.character, 0), len(line_content(self.lines[pos.line])))
        )

    def offset(self, pos: Position) -> int:
        """Absolute ``str`` index of a (clamped) code-point position."""
        if self._offsets is None:
            acc, offs = 0, []
            for ln in self.lines:
                offs.append(acc)
                acc += len(ln)
            self._offsets = offs
        p = self.clamp(pos)
        return self._offsets[p.line] + p.character

    def to_client(self, pos: Position, encoding: Encoding) -> tuple[int, int]:
        p = self.clamp(pos)
        return p.line, to_units(self.lines[p.line], p.character, encoding)

    def from_client(self, line: int, character: int, encoding: Encoding) -> Position:
        if line >= len(self.lines):
            return self.clamp(Position(line, 0))
        if line < 0:
            return Position(0, 0)
        return Position(line, from_units(self.lines[line], character, encoding))


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Apply non-overlapping edits (any order) to ``text``; raises ValueError on overlap."""
    doc = TextDocumentLines(text)
    spans = sorted((doc.offset(e.span.start), doc.offset(e.span.end), e.new_text) for e in edits)
    out: list[str] = []
    cursor = 0
    for start, end, new in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(new)
        cursor = max(cursor, end)
    out.append(text[cursor:])
    return "".join(out)


def span_text(doc: TextDocumentLines, span: Span) -> str:
    return doc.text[doc.offset(span.start) : doc.offset(span.end)]
