"""Helpers for the builtin-call/string/misc/bug rule tests (on top of ``ruletest``)."""

from __future__ import annotations

import ast
from typing import Any

from hone.core.finding import Safety
from hone.rules.registry import rule_meta
from tests.rules.ruletest import dedent, findings, fix_safety, fixed

# Inputs for functions of one iterable: empty, single, duplicates, negatives, large, unicode...
ITERABLES: list[tuple[Any, ...]] = [
    ([],),
    ([1],),
    ([3, -1, 4, -1, 5, -9, 2, 6],),
    ([0, 0, 0],),
    (list(range(-500, 500)),),
    ((7, 7, 7, -7),),
    (range(10),),
    ([True, False, True],),
    ("héllo wörld ✓",),
    ({"b": 1, "a": 2},),
    ({3, 1, 2},),
    ([None],),
]

STRINGS: list[tuple[Any, ...]] = [
    ("",),
    ("a",),
    ("abc",),
    ("b-a-c",),
    ("--",),
    ("ünï-cödé ✓",),
    ("x" * 10_000,),
    ("test_one",),
    ("check_two",),
    ("_private",),
]

DICTS: list[tuple[Any, ...]] = [
    ({},),
    ({"a": 1},),
    ({"a": 1, "b": 2, "c": 3},),
    ({i: str(i) for i in range(1000)},),
    ({(1, 2): "tuple key", None: 0, "ü": "✓"},),
]


def fix(src: str, rule: str, expected: str, safety: Safety) -> str:
    """Check the exact fixed text and the safety of the first finding, that the fixed text
    parses, and that the rule is silent on it (idempotency).  Returns the fixed text."""
    out = fixed(src, rule)
    assert out == dedent(expected), f"got:\n{out}"
    ast.parse(out)
    assert fix_safety(src, rule) is safety
    again = findings(out, rule)
    assert again == [], f"{rule} still fires after its fix:\n{out}"
    return out


def silent(src: str, rule: str) -> None:
    assert findings(src, rule) == [], f"{rule} fired on:\n{dedent(src)}"


def no_fix(src: str, rule: str) -> None:
    """The rule reports but offers no fix (e.g. a comment would be lost)."""
    found = findings(src, rule)
    assert found, f"{rule} did not fire on:\n{dedent(src)}"
    assert all(f.fix is None for f in found)


def meta_safety(rule: str) -> Safety | None:
    meta = rule_meta(rule)
    assert meta is not None
    return meta.fix_safety
