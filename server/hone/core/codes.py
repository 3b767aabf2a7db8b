"""Codes the engine itself reports, and the ``# hone: ignore[...]`` comment syntax.

They live here, apart from :mod:`hone.analysis.engine` (which imports libcst at load time), so
the language server's light modules and the CLI share them instead of restating them.
"""

from __future__ import annotations

import re

SYNTAX_CODE = "HONE000"  # the file does not parse, or cannot be decoded
SKIPPED_CODE = "HONE001"  # the file is above analysis.maxFileSizeKb
INTERNAL_CODE = "HONE002"  # hone failed while analysing the file
NOT_ANALYSED_CODE = "HONE003"  # valid Python that hone's rules cannot walk (too deep for libcst)

# Engine notes, not rules: they cannot be selected, ignored or silenced by a comment.
ENGINE_CODES = frozenset({SYNTAX_CODE, SKIPPED_CODE, INTERNAL_CODE, NOT_ANALYSED_CODE})

# ``# hone: ignore`` silences every rule on its line, ``# hone: ignore[HONE101, HONE2]`` some.
IGNORE_COMMENT_RE = re.compile(r"#\s*hone:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


def parse_ignore_codes(codes: str | None) -> set[str]:
    """The codes inside an ignore comment's brackets (``None``: a bare comment -> empty set)."""
    if codes is None:
        return set()
    return {c.strip().upper() for c in codes.split(",") if c.strip()}


def ignored_codes(line: str) -> set[str] | None:
    """Codes a ``# hone: ignore[...]`` comment on ``line`` exempts; empty set means all, None
    means the line has no such comment."""
    match = IGNORE_COMMENT_RE.search(line)
    if match is None:
        return None
    return parse_ignore_codes(match.group("codes"))
