"""Catalog checks for the HONE2xx/HONE3xx rules: complete docs, and the documented example
really triggers the rule, its fix turns it into the documented "after", which is clean."""

from __future__ import annotations

import ast
import re

import pytest

from hone.analysis.engine import analyse_text
from hone.core.finding import Category, Safety
from hone.core.text import apply_edits
from hone.rules.base import Rule
from hone.rules.registry import all_rules

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
