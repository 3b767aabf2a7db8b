"""Position helpers for e2e assertions, written independently of hone's own conversions."""

from __future__ import annotations

import re

from lsprotocol import types as lsp

_BREAK = re.compile(r"\r\n|\r|\n")


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


def position_at(text: str, offset: int, encoding: str) -> lsp.Position:
    before = text[:offset]
    breaks = list(_BREAK.finditer(before))
    line_start = breaks[-1].end() if breaks else 0
    return lsp.Position(line=len(breaks), character=_units(before[line_start:], encoding))


def range_of(text: str, needle: str, encoding: str, nth: int = 0) -> lsp.Range:
    """The LSP range of the ``nth`` occurrence of ``needle`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return lsp.Range(
        start=position_at(text, start, encoding),
        end=position_at(text, start + len(needle), encoding),
    )


# The codes these tests assert on: hone's own (HONE00x), the test rules (tests/fake_rules.py)
# and one real rule with an unsafe fix.  Other real rules may fire on the test texts too; the
# tests ignore them so that the catalog can grow without breaking the LSP tests.
TEST_CODES = {"HONE000", "HONE001", "HONE002", "HONE990", "HONE991", "HONE992", "HONE201"}


def ours(diagnostics: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    return [d for d in diagnostics if d.code in TEST_CODES]


def codes(diagnostics: list[lsp.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in ours(diagnostics))
