"""Tests of the comparison rules (hone.rules.comparisons): positives with exact fixed text,
look-alike negatives, fix safety, idempotency and behaviour equivalence on sample inputs."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from tests.rules.fixcheck import fix, no_fix, silent
from tests.rules.ruletest import assert_same_behaviour

VALUES = [(v,) for v in (0, 1, 2, 3, 4, -1, 1.0, 2.5, True, "a", "b", "rb", "", "ü", None, b"a")]

# -- HONE209 repeated-equality -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("x == 1 or x == 2 or x == 3", "x in {1, 2, 3}"),
        ("x != 1 and x != 2 and x != 3", "x not in {1, 2, 3}"),
        ('x == "r" or x == "rb" or x == "rt"', 'x in {"r", "rb", "rt"}'),
        ("x == -1 or x == 0 or x == 2.5 or x == 'a'", "x in {-1, 0, 2.5, 'a'}"),
        ("x == 1 or x == 1 or x == 1", "x in {1, 1, 1}"),
        ("y or x == 1 or x == 2 or x == 3", "y or x in {1, 2, 3}"),
        ("x == 1 or x == 2 or x == 3 or y", "x in {1, 2, 3} or y"),
        ("x == 1 and y or x == 2 or x == 3 or x == 4", "x == 1 and y or x in {2, 3, 4}"),
    ],
)
def test_209_positive(expr: str, expected: str) -> None:
    before = f"def f(x, y=False):\n    return bool({expr})\n"
    after = fix(
        before, "HONE209", f"def f(x, y=False):\n    return bool({expected})\n", Safety.UNSAFE
    )
    # unsafe for unhashable x; on hashable values the result agrees
    assert_same_behaviour(before, after, "f", VALUES)


def test_209_attribute_subject() -> None:
    src = """
    def f(o):
        if o.mode == "r" or o.mode == "rb" or o.mode == "rt":
            return True
        return False
    """
    fix(
        src,
        "HONE209",
        """
        def f(o):
            if o.mode in {"r", "rb", "rt"}:
                return True
            return False
        """,
        Safety.UNSAFE,
    )


def test_209_unhashable_is_why_it_is_unsafe() -> None:
    before = "def f(x):\n    return x == 1 or x == 2 or x == 3\n"
    after = "def f(x):\n    return x in {1, 2, 3}\n"
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [([1],)])


@pytest.mark.parametrize(
    "expr",
    [
        "x == 1 or x == 2",  # two comparisons: not worth a report
        "x == 1 or y == 2 or x == 3",
        "x == a or x == b or x == c",  # names: identity/NaN semantics
        "x == f() or x == 2 or x == 3",
        "x == 1 and x == 2 and x == 3",
        "x != 1 or x != 2 or x != 3",
        "x == [1] or x == [2] or x == [3]",
        "1 == x or 2 == x or 3 == x",
        "x == 1 or x == 2 or x < 3",
        "x == 1 == y or x == 2 or x == 3",
        "x is 1 or x is 2 or x is 3",
        "(x == 1) or x == 2 or x == 3 or z",
        "f(x) == 1 or f(x) == 2 or f(x) == 3",
        'x == f"a" or x == "b" or x == "c"',
    ],
)
def test_209_negative(expr: str) -> None:
    silent(f"def f(x, y, z, a, b, c):\n    return {expr}\n", "HONE209")


def test_209_comment_in_chain_means_no_fix() -> None:
    no_fix("ok = (\n    x == 1  # one\n    or x == 2\n    or x == 3\n)\n", "HONE209")
