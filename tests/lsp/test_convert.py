"""Unit tests of the LSP layer's text handling: edits, diffs, incremental sync, comments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp

from hone.core.finding import Edit, Position, Span
from hone.core.settings import Settings
from hone.core.text import Encoding, TextDocumentLines, apply_edits
from hone.lsp.convert import ClientFeatures, diff_edits, edits_to_lsp, kind_matches
from hone.lsp.features.code_actions import ignore_edit, scan_comments
from hone.lsp.state import DocumentState
from tests.lsp.conftest import apply_text_edits
from tests.lsp.helpers import position_at

ENCODINGS = [Encoding.UTF16, Encoding.UTF8, Encoding.UTF32]
# characters that stress positions: line breaks of every kind, tabs, astral and CJK
ALPHABET = st.sampled_from([*"ab \t\n\r", "\r\n", "😀", "漢", "é", "\x0c", "\u2028"])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(old=TEXTS, new=TEXTS)
def test_diff_edits_turn_old_into_new(encoding: Encoding, old: str, new: str) -> None:
    edits = diff_edits(old, new, TextDocumentLines(old), encoding)
    assert apply_text_edits(old, edits, encoding.value) == new
    if old == new:
        assert edits == []


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(text=TEXTS, data=st.data())
def test_fix_edits_are_exact_and_trimmed(
    encoding: Encoding, text: str, data: st.DataObject
) -> None:
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    if (0 < a < len(text) and text[a - 1 : a + 1] == "\r\n") or (
        0 < b < len(text) and text[b - 1 : b + 1] == "\r\n"
    ):
        return  # not a position a rule can report
    new = data.draw(TEXTS)
    lines = TextDocumentLines(text)
    start, end = _pos(text, a), _pos(text, b)
    expected = apply_edits(text, [Edit(Span(start, end), new)])
    lsp_edits = edits_to_lsp([Edit(Span(start, end), new)], lines, encoding)
    assert apply_text_edits(text, lsp_edits, encoding.value) == expected
    for e in lsp_edits:  # trimmed: the replaced text and the new text differ at both ends
        assert e.new_text != _slice(text, e.range, encoding)


def _pos(text: str, offset: int) -> Position:
    p = position_at(text, offset, "utf-32")
    return Position(p.line, p.character)


def _slice(text: str, rng: lsp.Range, encoding: Encoding) -> str:
    from tests.lsp.conftest import offset_at

    a = offset_at(text, rng.start.line, rng.start.character, encoding.value)
    b = offset_at(text, rng.end.line, rng.end.character, encoding.value)
    return text[a:b]


def test_a_fix_edit_never_splits_crlf() -> None:
    text = "a = 1\r\nb = 2\r\n"
    lines = TextDocumentLines(text)
    # replacing "1\r\nb" by "1\nb": the common prefix ends in the middle of "\r\n"
    [e] = edits_to_lsp([Edit(Span.of(0, 4, 1, 1), "1\nb")], lines, Encoding.UTF16)
    assert apply_text_edits(text, [e], "utf-16") == "a = 1\nb = 2\r\n"
    assert e.range.start.line == 0 and e.range.end.line in (0, 1)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(text=TEXTS, data=st.data())
def test_incremental_changes_match_the_client(
    encoding: Encoding, text: str, data: st.DataObject
) -> None:
    doc = DocumentState("file:///a.py", None, 1, text, "python", None, Settings())
    client_text = text
    for version in range(2, 5):
        line = data.draw(st.integers(0, client_text.count("\n") + 2))
        char = data.draw(st.integers(0, 8))
        end_line = data.draw(st.integers(line, line + 2))
        end_char = data.draw(st.integers(0, 8))
        if (end_line, end_char) < (line, char):
            end_char = char
        new = data.draw(TEXTS)
        rng = lsp.Range(
            start=lsp.Position(line=line, character=char),
            end=lsp.Position(line=end_line, character=end_char),
        )
        # clients only send positions between characters; snap like the spec says servers must
        client_text = apply_text_edits(
            client_text, [lsp.TextEdit(range=rng, new_text=new)], encoding.value
        )
        doc.apply_changes(
            [lsp.TextDocumentContentChangePartial(range=rng, text=new)], version, encoding
        )
        assert doc.text == client_text
        assert doc.version == version


def test_full_and_partial_changes_in_one_notification() -> None:
    doc = DocumentState("file:///a.py", None, 1, "x = 1\n", "python", None, Settings())
    doc.apply_changes(
        [
            lsp.TextDocumentContentChangeWholeDocument(text="a\nb\n"),
            lsp.TextDocumentContentChangePartial(
                range=lsp.Range(
                    start=lsp.Position(line=1, character=0), end=lsp.Position(line=1, character=1)
                ),
                text="😀",
            ),
            lsp.TextDocumentContentChangePartial(
                range=lsp.Range(
                    start=lsp.Position(line=1, character=2), end=lsp.Position(line=1, character=2)
                ),
                text="!",
            ),
        ],
        2,
        Encoding.UTF16,
    )
    assert doc.text == "a\n😀!\n"


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("x = 1\n", 0, "x = 1  # hone: ignore[HONE101]\n"),
        ("x = 1   \r\n", 0, "x = 1  # hone: ignore[HONE101]\r\n"),
        ("x = 1  # note\n", 0, "x = 1  # note  # hone: ignore[HONE101]\n"),
        ("x = 1  # hone: ignore[HONE2]\n", 0, "x = 1  # hone: ignore[HONE2, HONE101]\n"),
        ("x = 1  # hone:ignore[]\n", 0, "x = 1  # hone:ignore[HONE101]\n"),
        ("x = 1  # hone: ignore\n", 0, None),  # already silences everything
        ("x = 1  # hone: ignore[HONE101]\n", 0, None),
        ("f(a,\n  b)\n", 0, "f(a,  # hone: ignore[HONE101]\n  b)\n"),
        ("s = '''\nabc'''\n", 0, None),
        ("x = a + \\\n    b\n", 0, None),
        ("x = '#'\n", 0, "x = '#'  # hone: ignore[HONE101]\n"),
        ("x = 1", 0, "x = 1  # hone: ignore[HONE101]"),
        ("x = 1\ry = 2\n", 0, None),  # a lone CR: the tokenizer's lines are not LSP lines
    ],
)
def test_ignore_edit(text: str, line: int, expected: str | None) -> None:
    lines = TextDocumentLines(text)
    edit = ignore_edit("HONE101", line, lines, scan_comments(text))
    if expected is None:
        assert edit is None
    else:
        assert edit is not None
        assert apply_edits(text, [edit]) == expected


def test_kind_hierarchy() -> None:
    assert kind_matches("source.fixAll.hone", ["source"])
    assert kind_matches("source.fixAll.hone", ["source.fixAll"])
    assert kind_matches("quickfix", None)
    assert not kind_matches("quickfix", ["source"])
    assert not kind_matches("source.fixAllX", ["source.fixAll.hone"])


def test_position_encoding_negotiation() -> None:
    def negotiated(offered: list[str] | None) -> Encoding:
        caps = lsp.ClientCapabilities(
            general=lsp.GeneralClientCapabilities(position_encodings=offered)  # type: ignore[arg-type]
        )
        return ClientFeatures.from_capabilities(caps).encoding

    assert negotiated(None) is Encoding.UTF16
    assert negotiated(["utf-16", "utf-8"]) is Encoding.UTF8
    assert negotiated(["utf-32"]) is Encoding.UTF32
    assert negotiated(["utf-32", "utf-16"]) is Encoding.UTF16
    assert negotiated(["latin-1"]) is Encoding.UTF16


def test_the_last_good_analysis_survives_a_syntax_error() -> None:
    doc = DocumentState("file:///a.py", None, 1, "def f():\n    return 1\n", "python", None)
    assert doc.last_good is None
    good = doc.analyzer.analyse(doc.text, Settings())
    doc.analysis, doc.analysis_version = good, 1
    assert doc.last_good is good
    doc.apply_changes(
        [lsp.TextDocumentContentChangeWholeDocument(text="def f(:\n")], 2, Encoding.UTF16
    )
    bad = doc.analyzer.analyse(doc.text, Settings())
    doc.analysis, doc.analysis_version = bad, 2
    assert not bad.parses
    last = doc.last_good
    assert last is not None and [f.name for f in last.functions] == ["f"]
