"""Laying out generated code the way a formatter (Ruff, Black) would.

A fix that turns a loop into ``out = [<elt> for ... if ...]`` must not leave a 180-column line or
``[Order(\\n    i,\\n) for i in range(n)]``: when the comprehension does not fit on one line,
or a part of it spans several, it is exploded as formatters do -- the bracket on the first line,
each part (element, ``for`` and ``if`` clauses) on its own line one level deeper, the closing
bracket back at the statement's indentation.  Code that was formatted stays formatted.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

LINE_LENGTH = 100  # Ruff's and hone's own default (fixes are built before settings are known)
_STEP = "    "


def _reindent(part: str, indent: str) -> str | None:
    """``part`` with its continuation lines re-indented under ``indent`` (their structure kept,
    relative to the least indented one), or None when that could change a string's value."""
    first, _, rest = part.partition("\n")
    if not rest:
        return first
    if '"""' in part or "'''" in part or "\\\n" in part:
        return None  # a line break inside a string or a backslash continuation: keep verbatim
    body = textwrap.dedent(rest)
    return "\n".join([first, *(indent + ln if ln.strip() else "" for ln in body.split("\n"))])


def bracketed(
    prefix: str, opening: str, parts: Sequence[str], closing: str, *, line_length: int = LINE_LENGTH
) -> Callable[[str], str]:
    """A text for the engine to place at a statement whose indentation is ``indent``:
    ``prefix + opening + " ".join(parts) + closing`` on one line when it fits, else exploded."""

    def render(indent: str) -> str:
        flat = f"{prefix}{opening}{' '.join(parts)}{closing}"
        if "\n" not in flat and len(indent) + len(flat) <= line_length:
            return flat
        inner = indent + _STEP
        laid = [_reindent(p, inner) for p in parts]
        if any(p is None for p in laid):
            return flat  # as the source had it: valid, if not pretty
        lines = [f"{prefix}{opening}", *(inner + p for p in laid if p is not None)]
        return "\n".join([*lines, indent + closing])

    return render
