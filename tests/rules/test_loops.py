"""Tests of the loop rules (hone.rules.loops): positives with exact fixed text, look-alike
negatives, fix safety, and behaviour equivalence of safe fixes on sample inputs."""

from __future__ import annotations

import ast
import math

import pytest

from hone.analysis.engine import analyse_text
from hone.core.finding import Safety
from tests.rules.ruletest import assert_same_behaviour, dedent, findings, fix_safety, fixed

# Inputs shared by behaviour checks of functions taking one iterable.
SEQUENCES: list[tuple[object, ...]] = [
    ([],),
    ([1],),
    ([3, -1, 4, -1, 5, -9, 2, 6],),
    ([0, 0, 0],),
    (list(range(-500, 500)),),
    ((7, 7, 7, -7),),
    (range(10),),
    ([True, False, True],),
    ([None],),  # comparisons raise TypeError in both versions
    ([1.5, -2.25, float("inf")],),
]


def _no_findings(src: str, code: str) -> None:
    assert findings(src, code) == [], dedent(src)


def _reanalysed_clean(src: str, code: str) -> None:
    """The fixed text parses and the rule does not fire on it again (idempotency)."""
    out = fixed(src, code)
    ast.parse(out)
    assert findings(out, code) == [], out


# -- HONE101 append-in-loop ------------------------------------------------------------------

APPEND_COND = """
def f(xs):
    out = []
    for x in xs:
        if x > 0:
            out.append(x * 2)
    return out
"""


def test_101_list_with_condition() -> None:
    assert fixed(APPEND_COND, "HONE101") == dedent("""
        def f(xs):
            out = [x * 2 for x in xs if x > 0]
            return out
    """)
    assert fix_safety(APPEND_COND, "HONE101") is Safety.SAFE
    assert_same_behaviour(APPEND_COND, fixed(APPEND_COND, "HONE101"), "f", SEQUENCES)
    _reanalysed_clean(APPEND_COND, "HONE101")


def test_101_copy_becomes_list_call() -> None:
    src = """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            return out
    """
    after = fixed(src, "HONE101")
    assert after == dedent("""
        def f(xs):
            out = list(xs)
            return out
    """)
    assert_same_behaviour(src, after, "f", [*SEQUENCES, ("abc",), ({"a": 1, "b": 2},)])


def test_101_set_and_annotated_init() -> None:
    src = """
        def f(xs):
            seen: set[int] = set()
            for x in xs:
                seen.add(abs(x))
            return seen
    """
    after = fixed(src, "HONE101")
    assert after == dedent("""
        def f(xs):
            seen: set[int] = {abs(x) for x in xs}
            return seen
    """)
    assert fix_safety(src, "HONE101") is Safety.SAFE
    assert_same_behaviour(src, after, "f", SEQUENCES)


def test_101_set_copy() -> None:
    src = """
        def f(xs):
            s = set()
            for x in xs:
                s.add(x)
            return s
    """
    assert fixed(src, "HONE101") == dedent("""
        def f(xs):
            s = set(xs)
            return s
    """)
    assert_same_behaviour(src, fixed(src, "HONE101"), "f", [*SEQUENCES, ("hello",)])


def test_101_dict_with_loop_variable_key_is_safe() -> None:
    src = """
        def f(words):
            lengths = {}
            for w in words:
                lengths[w] = len(w)
            return lengths
    """
    after = fixed(src, "HONE101")
    assert after == dedent("""
        def f(words):
            lengths = {w: len(w) for w in words}
            return lengths
    """)
    assert fix_safety(src, "HONE101") is Safety.SAFE
    inputs = [([],), (["a", "bb", "a"],), (["x"] * 50,), ([1, "a"],), (("q", "rr"),)]
    assert_same_behaviour(src, after, "f", inputs)


def test_101_dict_with_computed_key_and_value_is_unsafe() -> None:
    src = """
        def f(pairs):
            d = dict()
            for a, b in pairs:
                d[a.lower()] = b.upper()
            return d
    """
    assert fixed(src, "HONE101") == dedent("""
        def f(pairs):
            d = {a.lower(): b.upper() for a, b in pairs}
            return d
    """)
    assert fix_safety(src, "HONE101") is Safety.UNSAFE


def test_101_nested_loops_and_tuple_keys() -> None:
    src = """
        def f(grid):
            cells = {}
            for r, row in enumerate(grid):
                for c, v in enumerate(row):
                    if v:
                        cells[r, c] = v
            return cells
    """
    after = fixed(src, "HONE101")
    assert after == dedent("""
        def f(grid):
            cells = {(r, c): v for r, row in enumerate(grid) for c, v in enumerate(row) if v}
            return cells
    """)
    assert fix_safety(src, "HONE101") is Safety.SAFE
    inputs = [([],), ([[0, 1], [2, 0]],), ([[1] * 30] * 30,), ([[], [None, 3]],)]
    assert_same_behaviour(src, after, "f", inputs)


def test_101_parenthesises_what_needs_it() -> None:
    src = """
        def f(xs, flag):
            out = []
            for x in xs if flag else []:
                if (x if flag else None):
                    out.append((x, -x))
            return out
    """
    after = fixed(src, "HONE101")
    assert after == dedent("""
        def f(xs, flag):
            out = [(x, -x) for x in (xs if flag else []) if (x if flag else None)]
            return out
    """)
    inputs = [([1, 0, 2], True), ([1, 2], False), ([], True)]
    assert_same_behaviour(src, after, "f", inputs)


def test_101_single_line_body_and_indentation_in_method() -> None:
    src = """
        class C:
            def f(self, xs):
                if xs:
                    out = []
                    for x in xs: out.append(x + 1)
                    return out
                return None
    """
    assert fixed(src, "HONE101") == dedent("""
        class C:
            def f(self, xs):
                if xs:
                    out = [x + 1 for x in xs]
                    return out
                return None
    """)


def test_101_loop_variable_rebound_by_a_later_loop_is_fine() -> None:
    src = """
        def f(xs):
            out = []
            for x in xs:
                out.append(x * 2)
            for x in out:
                print(x)
            x = 0
            return out, x
    """
    assert findings(src, "HONE101")[0].fix is not None


def test_101_extend_without_init() -> None:
    src = """
        def f(out, xs):
            for x in xs:
                out.append(x)
            return out
    """
    assert fixed(src, "HONE101") == dedent("""
        def f(out, xs):
            out.extend(xs)
            return out
    """)
    assert fix_safety(src, "HONE101") is Safety.UNSAFE
    set_src = """
        def f(s, xs):
            for x in xs:
                s.add(x)
    """
    assert fixed(set_src, "HONE101") == dedent("""
        def f(s, xs):
            s.update(xs)
    """)


def test_101_reports_without_fix_when_fix_is_not_provable() -> None:
    cases = [
        # the loop variable is read after the loop
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            return out, x
        """,
        # a comment would be lost
        """
        def f(xs):
            out = []
            # keep me
            for x in xs:
                out.append(x + 1)
            return out
        """,
        """
        def f(xs):
            out = []  # keep me
            for x in xs:
                out.append(x + 1)
            return out
        """,
        # the accumulator is captured by a closure that the loop body calls
        """
        def f(xs):
            def peek(v):
                return len(out) + v
            out = []
            for x in xs:
                out.append(peek(x))
            return out
        """,
        # an exception handler reads the partial list
        """
        def f(xs):
            try:
                out = []
                for x in xs:
                    out.append(1 / x)
            except ZeroDivisionError:
                return out
            return out
        """,
        # a lambda in the element would close over a different variable
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(lambda: x)
            x = 5
            return out
        """,
        # global accumulator: other code can watch it fill
        """
        def f(xs):
            global out
            out = []
            for x in xs:
                out.append(x + 1)
        """,
        # an outer loop reads the variable on its next iteration
        """
        def f(rows):
            x = None
            for row in rows:
                print(x)
                out = []
                for x in row:
                    out.append(x + 1)
        """,
    ]
    for src in cases:
        found = findings(src, "HONE101")
        assert len(found) == 1, dedent(src)
        assert found[0].fix is None, dedent(src)


def test_101_fix_behaviour_with_exception_mid_loop() -> None:
    src = """
        def f(xs):
            out = []
            for x in xs:
                out.append(10 // x)
            return out
    """
    after = fixed(src, "HONE101")
    assert fix_safety(src, "HONE101") is Safety.SAFE
    assert_same_behaviour(src, after, "f", [([1, 2, 0, 4],), ([5],), (["a"],), (None,)])


@pytest.mark.parametrize(
    "src",
    [
        # body does more than append
        """
        def f(xs):
            out = []
            for x in xs:
                print(x)
                out.append(x * 2)
            return out
        """,
        # else clause
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(x * 2)
            else:
                out.append(0)
            return out
        """,
        # the element uses the list being built
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(len(out) + x)
            return out
        """,
        # if/else in the body
        """
        def f(xs):
            out = []
            for x in xs:
                if x:
                    out.append(x)
                else:
                    out.append(-1)
            return out
        """,
        # not a list being built and not a plain copy
        """
        def f(log, xs):
            for x in xs:
                log.append(x * 2)
        """,
        # async for
        """
        async def f(xs):
            out = []
            async for x in xs:
                out.append(x)
            return out
        """,
        # two arguments: not list.append
        """
        def f(xs, out):
            for x in xs:
                out.append(x, 1)
        """,
        # break in the body
        """
        def f(xs):
            out = []
            for x in xs:
                if x:
                    break
            return out
        """,
        # a non-empty initial list is not rebuilt by a comprehension
        """
        def f(xs):
            out = [0]
            for x in xs:
                out.append(x * 2)
            return out
        """,
        # iterating the accumulator itself
        """
        def f(out):
            for x in out:
                out.append(x)
        """,
    ],
)
def test_101_negatives(src: str) -> None:
    _no_findings(src, "HONE101")


def test_101_module_level_copy_reported_without_fix() -> None:
    src = """
        items = []
        for x in range(3):
            items.append(x)
    """
    found = findings(src, "HONE101")
    assert len(found) == 1 and found[0].fix is None
