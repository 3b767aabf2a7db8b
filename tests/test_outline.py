"""The incremental outline must say exactly what a whole-file ``ast.parse`` says.

For random line edits of real modules: whenever :meth:`Outline.updated` answers, the file parses
and the outline equals the one built from the whole file; whenever the file does not parse, it
does not answer.  Edits are drawn from the lines that make region-by-region judging hard:
indented lines, dedented ``else:``, decorators, open brackets and strings, backslashes.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hone.core import document, finding, functions
from hone.core import outline as outline_module
from hone.core import settings as settings_module
from hone.core.outline import Outline
from hone.core.text import split_lines

SOURCES = [inspect.getsource(m) for m in (document, finding, functions, settings_module, json)]
SMALL = textwrap.dedent(
    '''\
    import os


    @decorator
    def first(a, b=1):
        """Doc."""
        if a:
            return a
        else:
            return b


    class Thing:
        x = 1

        def method(self):
            return [
                i
                for i in range(3)
            ]


    value = first(1); other = 2
    if value:
        pass
    def tiny(): return 1
    def tinier(): pass
    class Small: pass
    '''
)

PIECES = [
    "",
    "\n",
    "x = 1\n",
    "    y = 2\n",
    "        z = 3\n",
    "else:\n",
    "    else:\n",
    "elif x:\n",
    "except ValueError:\n",
    "@decorator\n",
    "def f():\n",
    "def g(): pass\n",
    "class C:\n",
    "    def m(self):\n",
    "        return self\n",
    "call(\n",
    ")\n",
    "]\n",
    '"""\n',
    "'''\n",
    "text = '''\n",
    "x = 1 + \\\n",
    "# comment\n",
    "    # indented comment\n",
    "pass\n",
    "    pass\n",
    "if x:\n",
    "try:\n",
    "finally:\n",
    "    return 1\n",
    "lambda: (yield)\n",
    "from __future__ import annotations\n",
    "x = 1\r\n",
    "\tz = 1\n",
    "x = (1,\n",
    "     2)\n",
    "match x:\n",
    "    case 1:\n",
]


def _whole(lines: list[str]) -> Outline | None:
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None
    return Outline.of(tree, lines)


def _same(a: Outline, b: Outline) -> bool:
    return (a.statements, a.chunks, a.functions) == (b.statements, b.chunks, b.functions)


@st.composite
def edits(draw: st.DrawFn, n_lines: int) -> tuple[int, int, list[str]]:
    start = draw(st.integers(0, n_lines))
    removed = draw(st.integers(0, min(4, n_lines - start)))
    inserted = draw(st.lists(st.sampled_from(PIECES), max_size=4))
    return start, removed, inserted


@pytest.mark.parametrize(
    "source",
    [SMALL, *SOURCES],
    ids=["small", "document", "finding", "functions", "settings", "json"],
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_incremental_outline_agrees_with_a_whole_file_parse(
    source: str, data: st.DataObject
) -> None:
    lines = split_lines(source)
    current = _whole(lines)
    assert current is not None
    for _ in range(3):  # a few successive edits, each judged from the last good outline
        start, removed, inserted = data.draw(edits(len(lines)))
        lines = lines[:start] + inserted + lines[start + removed :]
        lines = split_lines("".join(lines))  # re-split: pieces may have merged lines
        _check(current, lines)
        whole = _whole(lines)
        if whole is not None:
            current = whole


def _check(current: Outline, lines: list[str]) -> None:
    whole = _whole(lines)
    incremental = current.updated(lines)
    if incremental is not None:
        assert whole is not None, "the region parsed, but the whole file does not"
        assert _same(incremental, whole)


def test_every_single_line_insertion_and_replacement_of_the_small_module() -> None:
    """Systematically, not by sampling: each piece inserted before and put in place of each line."""
    lines = split_lines(SMALL)
    outline = _whole(lines)
    assert outline is not None
    answered = 0
    for at in range(len(lines) + 1):
        for piece in PIECES:
            for edited in (
                [*lines[:at], piece, *lines[at:]],
                [*lines[:at], piece, *lines[at + 1 :]],
            ):
                edited = split_lines("".join(edited))
                _check(outline, edited)
                answered += outline.updated(edited) is not None
    assert answered > 500  # and most edits are judged without a whole-file parse


def test_an_edit_inside_a_function_reparses_only_its_neighbourhood() -> None:
    lines = split_lines(SOURCES[-1])
    outline = _whole(lines)
    assert outline is not None
    target = next(f for f in outline.functions if f.name == "dumps")
    # just before the function's last statement
    at = max(
        i
        for i in range(target.body_start_line, target.end_line + 1)
        if lines[i].startswith("    return")
    )
    edited = list(lines)
    edited.insert(at, "    unused = 1\n")
    updated = outline.updated(edited)
    assert updated is not None
    fn = next(f for f in updated.functions if f.name == "dumps")
    assert fn.content_hash != target.content_hash
    later = [f for f in outline.functions if f.start_line > target.end_line]
    moved = [f for f in updated.functions if f.start_line > fn.end_line]
    assert [(f.qualname, f.start_line + 1, f.content_hash) for f in later] == [
        (f.qualname, f.start_line, f.content_hash) for f in moved
    ]


def test_an_unchanged_text_reuses_the_outline() -> None:
    lines = split_lines(SMALL)
    outline = _whole(lines)
    assert outline is not None
    again = outline.updated(list(lines))
    assert again is not None and _same(again, outline)


def test_a_region_that_does_not_parse_alone_defers_to_the_whole_file() -> None:
    lines = split_lines("def f():\n    return 1\n\nx = 2\n")
    outline = _whole(lines)
    assert outline is not None
    # an indented line after the function belongs to its body: valid, but not on its own
    assert outline.updated(split_lines("def f():\n    return 1\n\n    y = 3\nx = 2\n")) is not None
    # an unclosed bracket: invalid, and the region says so by not answering
    assert outline.updated(split_lines("def f():\n    return (1\n\nx = 2\n")) is None


def test_a_decorator_added_above_a_function_is_judged_with_it() -> None:
    lines = split_lines(SMALL)
    outline = _whole(lines)
    assert outline is not None
    at = next(i for i, line in enumerate(lines) if line.startswith("def tiny"))
    updated = outline.updated([*lines[:at], "@cache\n", *lines[at:]])
    assert updated is not None
    assert ("tiny", at) in {(f.name, f.start_line) for f in updated.functions}


def test_barry_as_flufl_files_are_always_judged_whole() -> None:
    text = "from __future__ import barry_as_FLUFL\nx = 1\n"
    outline = _whole(split_lines(text))
    assert outline is not None
    assert outline.updated(split_lines(text + "y = 1 <> 2\n")) is None


def _check_build(lines: list[str]) -> Outline | None:
    whole = _whole(lines)
    built = Outline.build(lines)
    if built is not None:
        assert whole is not None, "every piece parsed, but the whole file does not"
        assert _same(built, whole)
    return built


@pytest.mark.parametrize("piece_lines", [1, 2, 7])
def test_a_first_parse_in_pieces_agrees_with_a_whole_file_parse(
    piece_lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small pieces, so that cuts land everywhere: inside strings, brackets, before ``else:``."""
    monkeypatch.setattr(outline_module, "PIECE_LINES", piece_lines)
    answered = sum(_check_build(split_lines(source)) is not None for source in SOURCES)
    lines = split_lines(SMALL)
    for at in range(len(lines) + 1):
        for piece in PIECES:
            edited = split_lines("".join([*lines[:at], piece, *lines[at:]]))
            answered += _check_build(edited) is not None
    assert answered > 100  # cuts inside long strings give up; most others do not


def test_a_first_parse_in_pieces_answers_for_real_modules() -> None:
    import argparse
    import typing

    for module in (argparse, typing, json.decoder):
        lines = split_lines(inspect.getsource(module))
        assert len(lines) > outline_module.PIECE_LINES  # the premise: cut into pieces
        assert _check_build(lines) is not None
