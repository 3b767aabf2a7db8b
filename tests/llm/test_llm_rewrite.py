"""Rewrite validation: only a same-signature, parseable, function-only rewrite is offered."""

from __future__ import annotations

import ast
import re

import pytest

from hone.core.finding import Position, Span
from hone.core.functions import FunctionInfo, index_functions
from hone.core.text import apply_edits, split_lines
from hone.llm.rewrite import Rewrite, RewriteRejected, clean_model_code, validate_rewrite

DOC = """\
import functools


class Finder:
    @functools.lru_cache(maxsize=None)
    def common(self, a, b=(), *rest, key=None, **kw):
        out = []
        for x in a:
            if x in b:
                out.append(x)
        return out


def tail():
    return 1
"""

GOOD = """\
@functools.lru_cache(maxsize=None)
def common(self, a, b=(), *rest, key=None, **kw):
    wanted = set(b)
    return [x for x in a if x in wanted]
"""


def _fn(doc: str = DOC, qualname: str = "Finder.common") -> FunctionInfo:
    fns = index_functions(ast.parse(doc), split_lines(doc))
    return next(f for f in fns if f.qualname == qualname)


def _validate(
    rewrite: str, doc: str = DOC, mapping: dict[str, str] | None = None
) -> Rewrite | None:
    return validate_rewrite(
        uri="file:///x.py",
        version=3,
        document_text=doc,
        function=_fn(doc),
        rewrite=rewrite,
        mapping=mapping or {},
    )


def test_valid_rewrite_is_reindented_and_applies() -> None:
    rw = _validate(GOOD)
    assert rw is not None
    assert rw.qualname == "Finder.common" and rw.version == 3 and rw.uri == "file:///x.py"
    assert rw.original_text == _fn().text
    assert rw.new_text.splitlines()[0] == "    @functools.lru_cache(maxsize=None)"
    new_doc = apply_edits(DOC, [rw.edit()])
    ast.parse(new_doc)
    assert "wanted = set(b)" in new_doc
    assert new_doc.endswith("def tail():\n    return 1\n"), "text after the function untouched"
    assert new_doc.startswith("import functools\n\n\nclass Finder:\n")
    assert "-            if x in b:" in rw.diff()
    assert rw.to_json()["qualname"] == "Finder.common"


@pytest.mark.parametrize(
    "wrapped",
    [
        "```python\n" + GOOD + "```",
        "```\n" + GOOD + "\n```\n",
        "\n".join(f"{i:>3}| {ln}" for i, ln in enumerate(GOOD.splitlines(), 1)),
        "\n".join("        " + ln for ln in GOOD.splitlines()),  # over-indented
    ],
)
def test_model_wrappings_are_undone(wrapped: str) -> None:
    rw = _validate(wrapped)
    assert rw is not None
    assert rw.new_text == _validate(GOOD).new_text  # type: ignore[union-attr]


def test_missing_decorators_are_kept_from_the_original() -> None:
    rw = _validate(GOOD.split("\n", 1)[1])
    assert rw is not None
    assert rw.new_text.startswith("    @functools.lru_cache(maxsize=None)\n    def common(")


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        ("def common(self, a, b=(:\n    pass\n", "does not parse"),
        (GOOD.replace("def common", "def common2"), "name"),
        (GOOD.replace("b=()", "b=None"), "parameters or defaults"),
        (GOOD.replace(", b=()", ", c=()"), "parameters or defaults"),
        (GOOD.replace("key=None", "key=1"), "keyword-only"),
        (GOOD.replace("*rest", "*others"), "*args"),
        (GOOD.replace("**kw", "**options"), "**kwargs"),
        (GOOD.replace("maxsize=None", "maxsize=128"), "decorators"),
        (GOOD.replace("def common", "async def common"), "async"),
        ("import itertools\n\n" + GOOD, "exactly one function"),
        (GOOD + "\n\ndef helper():\n    pass\n", "exactly one function"),
        ("x = 1\n", "exactly one function"),
        ("", "empty"),
        (GOOD.replace("set(b)", "set(HONE_REDACTED_9)"), "placeholder"),
    ],
)
def test_rejections(rewrite: str, reason: str) -> None:
    with pytest.raises(RewriteRejected, match=re.escape(reason)):
        _validate(rewrite)


def test_whitespace_only_differences_in_signature_are_fine() -> None:
    rw = _validate(GOOD.replace("b=()", "b = ( )").replace("maxsize=None", "maxsize = None"))
    assert rw is not None


def test_annotations_may_change() -> None:
    assert _validate(GOOD.replace("def common(self, a,", "def common(self, a: list,")) is not None


def test_placeholders_are_restored() -> None:
    doc = 'def f():\n    return connect("s3cr3t-pw")\n'
    rewrite = 'def f():\n    conn = connect("HONE_REDACTED_1")\n    return conn\n'
    rw = validate_rewrite(
        uri="u",
        version=1,
        document_text=doc,
        function=_fn(doc, "f"),
        rewrite=rewrite,
        mapping={"HONE_REDACTED_1": "s3cr3t-pw"},
    )
    assert rw is not None and 'connect("s3cr3t-pw")' in rw.new_text
    assert "HONE_REDACTED" not in rw.new_text


def test_identical_rewrite_is_nothing_to_offer() -> None:
    original = _fn().text
    assert _validate(original) is None


def test_document_must_still_hold_the_function() -> None:
    fn = _fn()
    changed = DOC.replace("out.append(x)", "out.append(x + 1)")
    with pytest.raises(RewriteRejected, match="no longer holds"):
        validate_rewrite(
            uri="u", version=4, document_text=changed, function=fn, rewrite=GOOD, mapping={}
        )


def test_crlf_documents_keep_crlf() -> None:
    doc = DOC.replace("\n", "\r\n")
    rw = _validate(GOOD, doc=doc)
    assert rw is not None and "\r\n" in rw.new_text and "\n" not in rw.new_text.replace("\r\n", "")
    ast.parse(apply_edits(doc, [rw.edit()]))


def test_edit_follows_a_moved_function_and_refuses_a_changed_one() -> None:
    rw = _validate(GOOD)
    assert rw is not None
    moved = "# a comment\n# another\n" + DOC
    edit = rw.edit_for(index_functions(ast.parse(moved), split_lines(moved)))
    assert edit is not None and edit.span.start == Position(6, 0)
    ast.parse(apply_edits(moved, [edit]))
    changed = DOC.replace("out = []", "out = list()")
    assert rw.edit_for(index_functions(ast.parse(changed), split_lines(changed))) is None


def test_clean_model_code_strips_only_consistent_numbering() -> None:
    assert clean_model_code("1| a\n2| b") == "a\nb"
    assert clean_model_code("x = 1\n2| b") == "x = 1\n2| b"
    assert isinstance(Span.of(0, 0, 0, 0), Span)
