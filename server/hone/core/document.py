"""Splitting a document into independently parsable chunks.

Re-parsing a whole file with libcst on every keystroke is far too slow (~140 ms for argparse.py,
plus more for positions), so hone parses *chunks*: each top-level statement (decorators and all)
is its own small module, and a large class is split further into its members.  A chunk's parse
and rule findings are cached by its exact text, so an edit re-parses only the chunk it touched;
a chunk that merely moved (lines added above it) is reused and its findings are shifted.

Chunk boundaries come from the stdlib ``ast`` tree, which is also the cheap syntax check.
Class members are parsed inside a synthetic ``class _hone_chunk_:`` header line: their original
indentation and columns are kept, so positions need only a line offset.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

# A top-level class longer than this many lines is split into its members.
CLASS_SPLIT_LINES = 60

MEMBER_PREFIX = "class _hone_chunk_:\n"


@dataclass(frozen=True, slots=True)
class Chunk:
    first_line: int  # 0-based first document line of the chunk
    last_line: int  # 0-based last document line (inclusive)
    prefix: str  # synthetic text before the chunk's lines ("" or MEMBER_PREFIX)
    text: str  # the chunk's own lines, exactly as in the document

    @property
    def source(self) -> str:
        """What is given to libcst."""
        return self.prefix + self.text

    @property
    def prefix_lines(self) -> int:
        return self.prefix.count("\n")

    def shifted(self, lines: int) -> Chunk:
        """The same chunk ``lines`` further down (called per chunk below an edit, so it does
        not go through ``dataclasses.replace``, which costs several times more)."""
        if lines == 0:
            return self
        return Chunk(self.first_line + lines, self.last_line + lines, self.prefix, self.text)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    first: int = min([node.lineno, *(d.lineno for d in decorators)])
    return first - 1


def statement_spans(body: list[ast.stmt]) -> list[tuple[int, int, ast.stmt]]:
    """(first, last, node) per statement, merging statements that share a line (``a; b``)."""
    out: list[tuple[int, int, ast.stmt]] = []
    for node in body:
        first, last = _first_line(node), (node.end_lineno or node.lineno) - 1
        if out and first <= out[-1][1]:
            prev_first, prev_last, prev_node = out[-1]
            out[-1] = (prev_first, max(prev_last, last), prev_node)
        else:
            out.append((first, last, node))
    return out


def split_chunks(tree: ast.Module, lines: Sequence[str]) -> list[Chunk]:
    """Chunks covering every statement of the module; blank/comment-only lines are left out."""
    chunks: list[Chunk] = []

    def text(first: int, last: int) -> str:
        t = "".join(lines[first : last + 1])
        return t if t.endswith(("\n", "\r")) else t + "\n"

    for first, last, node in statement_spans(tree.body):
        members = node.body if isinstance(node, ast.ClassDef) else []
        if (
            isinstance(node, ast.ClassDef)
            and last - first + 1 > CLASS_SPLIT_LINES
            and members
            and members[0].lineno - 1 > node.lineno - 1  # body not on the ``class`` line
        ):
            for m_first, m_last, _ in statement_spans(members):
                chunks.append(Chunk(m_first, m_last, MEMBER_PREFIX, text(m_first, m_last)))
        else:
            chunks.append(Chunk(first, last, "", text(first, last)))
    return chunks
