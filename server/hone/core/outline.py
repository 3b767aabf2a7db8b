"""A document's outline -- its top-level statements, chunks and functions -- kept up to date by
re-parsing only the statements an edit touched.

``ast.parse`` of a whole file is the syntax check and the source of chunk boundaries and the
function index, but on a 10,000-line file it costs ~80 ms and ~10 MB of short-lived ast objects
on every keystroke.  An edit usually changes a few lines: the outline re-parses the region from
the top-level statement before the change to the one after it (a few hundred lines at most),
keeps the other statements' chunks and functions, and shifts those below by the lines added or
removed.

A first parse is done in pieces for the same reason (:meth:`Outline.build`).

Why the region decides for the whole file: the statements outside it are unchanged complete
top-level statements, so the text is valid exactly when the region parses on its own as complete
top-level statements.  The statement *before* the change is inside the region because an indented
line added after it extends its body; the one *after* because a change can decorate it.  When the
region does not parse alone (an unclosed bracket or string that may run on past it, an ``else:``
that may belong to the statement before it, an indented first line...), the caller falls back to
parsing the whole text, which then also gives the exact syntax error.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hone.core.document import Chunk, split_chunks, statement_spans
from hone.core.functions import FunctionInfo, index_functions

# ``from __future__ import barry_as_FLUFL`` changes how ``!=`` and ``<>`` parse in the rest of
# the file, so a region cannot be judged alone in a file that mentions it.
_WHOLE_FILE_FUTURE = "barry_as_FLUFL"


@dataclass(frozen=True, slots=True)
class Outline:
    lines: Sequence[str]  # the document lines (with their line endings) this outline describes
    statements: tuple[tuple[int, int], ...]  # (first, last) 0-based lines per top-level statement
    chunks: tuple[Chunk, ...]
    functions: tuple[FunctionInfo, ...]

    @classmethod
    def of(cls, tree: ast.Module, lines: Sequence[str]) -> Outline:
        """The outline of a whole parsed document."""
        return cls(
            lines,
            tuple((first, last) for first, last, _ in statement_spans(tree.body)),
            tuple(split_chunks(tree, lines)),
            tuple(index_functions(tree, lines)),
        )

    @classmethod
    def build(cls, lines: Sequence[str]) -> Outline | None:
        """The outline of a whole document, parsed a few hundred lines at a time so that only
        one piece's ast is alive at once (a 10,000-line file's whole ast is ~20 MB at its
        peak).  Pieces are cut before a line that starts at column 0 and so may begin a
        top-level statement; None when a piece does not parse on its own (a cut inside a
        string, or a real syntax error): then only a whole-file parse can tell."""
        if any(_WHOLE_FILE_FUTURE in line for line in lines):
            return None
        statements: list[tuple[int, int]] = []
        chunks: list[Chunk] = []
        functions: list[FunctionInfo] = []
        first = 0
        while first < len(lines):
            last = _piece_end(lines, first)
            for _ in range(_PIECE_RETRIES):
                try:
                    tree = ast.parse(
                        "\n" * first + "".join(lines[first : last + 1]), type_comments=False
                    )
                    break
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    if last == len(lines) - 1:
                        return None
                    last = _piece_end(lines, last + 1)  # e.g. cut inside a string: go on
            else:
                return None
            piece = Outline.of(tree, lines)
            del tree
            statements += piece.statements
            chunks += piece.chunks
            functions += piece.functions
            first = last + 1
        return cls(lines, tuple(statements), tuple(chunks), tuple(functions))

    def updated(self, lines: Sequence[str]) -> Outline | None:
        """The outline of ``lines``, a later version of this document, from a parse of the
        changed region only; None when that region does not parse on its own (then only a
        whole-file parse can tell whether the text is valid)."""
        old = self.lines
        same_head = _common_head(old, lines)
        if same_head == len(old) == len(lines):
            return replace(self, lines=lines)
        same_tail = _common_tail(old, lines, limit=min(len(old), len(lines)) - same_head)
        changed_from, changed_to = same_head, len(old) - same_tail  # old lines [from, to)
        if any(_WHOLE_FILE_FUTURE in line for line in lines) or any(
            _WHOLE_FILE_FUTURE in line for line in old[changed_from:changed_to]
        ):
            return None
        delta = len(lines) - len(old)

        before = [s for s in self.statements if s[1] < changed_from]
        after = [s for s in self.statements if s[0] >= changed_to]
        # the statement just before the change and the one just after it are parsed again
        region_first = before[-1][0] if before else 0
        region_last = after[0][1] + delta if after else len(lines) - 1  # inclusive, new lines
        kept_before, kept_after = before[:-1], after[1:]
        old_region_last = after[0][1] if after else len(old) - 1

        region = "".join(lines[region_first : region_last + 1])
        try:
            # leading newlines make the ast's line numbers those of the document
            tree = ast.parse("\n" * region_first + region, type_comments=False)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        fresh = Outline.of(tree, lines)
        del tree
        return Outline(
            lines,
            (
                *kept_before,
                *fresh.statements,
                *((first + delta, last + delta) for first, last in kept_after),
            ),
            (
                *(c for c in self.chunks if c.last_line < region_first),
                *fresh.chunks,
                *(c.shifted(delta) for c in self.chunks if c.first_line > old_region_last),
            ),
            (
                *(f for f in self.functions if f.end_line < region_first),
                *fresh.functions,
                *(f.shifted(delta) for f in self.functions if f.start_line > old_region_last),
            ),
        )


PIECE_LINES = 300  # lines per piece of a first parse, before looking for a place to cut
_PIECE_RETRIES = 3  # a piece that does not parse is extended this many times, then give up
_CANNOT_START_STATEMENT = frozenset(" \t\f\r\n#)]}")
# clauses that continue the statement before them: never cut there
_CONTINUES = re.compile(r"(?:else|elif|except|finally)\b")


def _piece_end(lines: Sequence[str], first: int) -> int:
    """Last line of the piece starting at ``first``: the line before the first line, at least
    PIECE_LINES on, that starts at column 0 with something that can begin a statement (and
    does not follow a decorator)."""
    for i in range(first + PIECE_LINES, len(lines)):
        line = lines[i]
        if (
            line
            and line[0] not in _CANNOT_START_STATEMENT
            and not _CONTINUES.match(line)
            and not lines[i - 1].startswith("@")
        ):
            return i - 1
    return len(lines) - 1


def _common_head(a: Sequence[str], b: Sequence[str]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _common_tail(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    i = 0
    while i < limit and a[-1 - i] == b[-1 - i]:
        i += 1
    return i
