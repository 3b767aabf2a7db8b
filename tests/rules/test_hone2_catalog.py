"""Catalog checks for the HONE2xx/HONE3xx rules: complete docs, and the documented example
really triggers the rule, its fix turns it into the documented "after", which is clean."""

from __future__ import annotations

import ast
import re

import pytest

from hone.analysis.engine import analyse_text
from hone.analysis.fixes import fix_all
from hone.core.finding import Category, Safety
from hone.core.settings import merge
from hone.core.text import apply_edits
from hone.rules.base import Rule
from hone.rules.registry import all_rules
from tests.rules.ruletest import assert_same_behaviour

MINE = [r for r in all_rules() if r.meta.id.startswith(("HONE2", "HONE3"))]


def _ids(rule: type[Rule]) -> str:
    return rule.meta.id


def test_enough_rules() -> None:
    assert len(MINE) >= 13
    assert len({r.meta.name for r in MINE}) == len(MINE)


@pytest.mark.parametrize("rule", MINE, ids=_ids)
def test_meta_is_complete(rule: type[Rule]) -> None:
    meta = rule.meta
    assert re.fullmatch(r"HONE[23]\d\d", meta.id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta.name)
    assert meta.message and meta.message[0].isupper()
    assert meta.doc.why and meta.doc.before and meta.doc.after and meta.doc.not_applicable
    if meta.fix_safety is Safety.UNSAFE:
        assert meta.doc.unsafe_because, "unsafe fixes must say which edge cases differ"
    assert (meta.category is Category.BUG) == meta.id.startswith("HONE3")


@pytest.mark.parametrize("rule", MINE, ids=_ids)
def test_documented_example(rule: type[Rule]) -> None:
    before = rule.meta.doc.before + "\n"
    after = rule.meta.doc.after + "\n"
    ast.parse(before)
    ast.parse(after)
    analysis = analyse_text(before)
    fired = [f for f in analysis.findings if f.code == rule.meta.id]
    assert fired, "the documented 'before' example does not trigger the rule"
    assert not [f for f in analyse_text(after).findings if f.code == rule.meta.id]
    if rule.meta.fix_safety is None:
        assert all(f.fix is None for f in fired)
        return
    edits = [e for f in fired if f.fix for e in f.fix.edits]
    assert apply_edits(before, edits) == after


NESTED = """
def f(xs, d, s):
    a = len(list(sorted(list(xs))))
    b = list(list(list(xs)))
    c = [x for x in [y for y in xs]]
    e = set([x for x in list(map(lambda v: v * 2, xs))])
    g = dict([(k, v) for k, v in d.items()])
    h = s.startswith("a") or s.startswith("b") or s.startswith("c")
    i = [x for _, x in enumerate(xs)]
    j = tuple(list(dict().keys()))
    return a, b, c, e, g, h, i, j
"""

NESTED_FIXED = """
def f(xs, d, s):
    a = len(sorted(xs))
    b = list(xs)
    c = list(xs)
    e = {v * 2 for v in xs}
    g = dict(d.items())
    h = s.startswith(("a", "b", "c"))
    i = list(xs)
    j = tuple({}.keys())
    return a, b, c, e, g, h, i, j
"""


def test_fix_all_converges_on_nested_patterns() -> None:
    """Overlapping fixes apply over several fix-all rounds; the result is stable, silent and
    behaves the same."""
    mine = merge([("test", {"rules.select": ["HONE2", "HONE3"]})])[0]
    result = fix_all(NESTED, mine)
    assert result.text == NESTED_FIXED
    assert result.remaining == ()
    assert fix_all(result.text, mine).applied == 0
    inputs = [([3, 1, 2], {"a": 1}, "abc"), ([], {}, ""), (list(range(50)), {1: 2}, "zz")]
    assert_same_behaviour(NESTED, result.text, "f", inputs)
