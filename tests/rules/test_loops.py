"""Tests of the loop rules (hone.rules.loops): positives with exact fixed text, look-alike
negatives, fix safety, and behaviour equivalence of safe fixes on sample inputs."""

from __future__ import annotations

import ast
import math

import pytest

from hone.analysis.engine import analyse_text
from hone.analysis.fixes import fix_all
from hone.core.finding import Safety, Severity
from hone.core.settings import Settings
from hone.rules.registry import all_rules
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
        def f(out: list[int], xs):
            for x in xs:
                out.append(x)
            return out
    """
    assert fixed(src, "HONE101") == dedent("""
        def f(out: list[int], xs):
            out.extend(xs)
            return out
    """)
    assert fix_safety(src, "HONE101") is Safety.UNSAFE
    set_src = """
        def f(xs):
            s = set()
            print(s)
            for x in xs:
                s.add(x)
    """
    assert fixed(set_src, "HONE101") == dedent("""
        def f(xs):
            s = set()
            print(s)
            s.update(xs)
    """)


@pytest.mark.parametrize(
    "src",
    [
        # receiver of unknown type: extend() may not exist, or be the method being written
        """
        class Seq:
            def extend(self, values):
                for v in values:
                    self.append(v)
        """,
        """
        def f(out, xs):
            for x in xs:
                out.append(x)
        """,
        # module level: the init is in another chunk and the type is unknown
        """
        items = []
        for x in range(3):
            items.append(x)
        """,
        # a computed element appended to an existing list: extend(genexpr) is not faster
        """
        def f(out: list[int], xs):
            for x in xs:
                out.append(x + 1)
        """,
    ],
)
def test_101_no_extend_suggestion(src: str) -> None:
    _no_findings(src, "HONE101")


def test_101_nested_loops_report_once() -> None:
    src = """
        def f(rows):
            out = []
            for row in rows:
                for x in row:
                    out.append(x)
            return out
    """
    found = findings(src, "HONE101")
    assert len(found) == 1
    assert fixed(src, "HONE101") == dedent("""
        def f(rows):
            out = [x for row in rows for x in row]
            return out
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
        # zero-argument super() does not work inside a comprehension
        """
        class C(Base):
            def f(self, xs):
                out = []
                for x in xs:
                    out.append(super().g(x))
                return out
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


# -- HONE102 manual-sum-loop -----------------------------------------------------------------

SUM_SRC = """
def f(xs):
    total = 0
    for x in xs:
        total += x
    return total
"""


def test_102_identity_sum() -> None:
    after = fixed(SUM_SRC, "HONE102")
    assert after == dedent("""
        def f(xs):
            total = sum(xs)
            return total
    """)
    assert fix_safety(SUM_SRC, "HONE102") is Safety.UNSAFE
    # unsafe in general, but equal for ints and for mismatched types (TypeError both ways)
    inputs = [([],), ([1, 2, 3],), (range(1000),), ([True, 2],), (["a"],), ([None],)]
    assert_same_behaviour(SUM_SRC, after, "f", inputs)
    _reanalysed_clean(SUM_SRC, "HONE102")


def test_102_builtin_map_float_start_and_plain_addition() -> None:
    src = """
        def f(words):
            n = 0.0
            for w in words:
                n = n + len(w)
            return n
    """
    after = fixed(src, "HONE102")
    assert after == dedent("""
        def f(words):
            n = sum(map(len, words), 0.0)
            return n
    """)
    assert_same_behaviour(src, after, "f", [([],), (["ab", "", "xyz"],), ([[1], (2, 3)],)])


@pytest.mark.parametrize(
    "src",
    [
        # a generator expression would not be faster: not reported
        """
        def f(xs):
            t = 0
            for x in xs:
                t += x * x
            return t
        """,
        # conditional counting
        """
        def f(xs):
            t = 0
            for x in xs:
                if x:
                    t += 1
            return t
        """,
        # a user function in map() is no faster
        """
        def f(xs, g):
            t = 0
            for x in xs:
                t += g(x)
            return t
        """,
        # not started from zero directly before
        """
        def f(xs, t):
            for x in xs:
                t += x
            return t
        """,
        """
        def f(xs):
            t = 1
            for x in xs:
                t += x
            return t
        """,
        # string accumulation
        """
        def f(xs):
            t = ""
            for x in xs:
                t += x
            return t
        """,
        # the body does more
        """
        def f(xs):
            t = 0
            for x in xs:
                t += x
                print(t)
            return t
        """,
        # -= is not a sum
        """
        def f(xs):
            t = 0
            for x in xs:
                t -= x
            return t
        """,
    ],
)
def test_102_negatives(src: str) -> None:
    _no_findings(src, "HONE102")


def test_102_no_fix_when_loop_variable_is_used_after() -> None:
    src = """
        def f(xs):
            t = 0
            for x in xs:
                t += x
            return t, x
    """
    found = findings(src, "HONE102")
    assert len(found) == 1 and found[0].fix is None


# -- HONE103 manual-any-all ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "inside", "expected"),
    [
        ("x", "True", "any(xs)"),
        ("not x", "False", "all(xs)"),
        ("x", "False", "not any(xs)"),
        ("not x", "True", "not all(xs)"),
    ],
)
def test_103_any_all_forms(test: str, inside: str, expected: str) -> None:
    outside = "False" if inside == "True" else "True"
    src = f"""
def f(xs):
    for x in xs:
        if {test}:
            return {inside}
    return {outside}
"""
    after = fixed(src, "HONE103")
    assert after == f"def f(xs):\n    return {expected}\n"
    assert fix_safety(src, "HONE103") is Safety.SAFE
    inputs = [([],), ([0],), ([1, 0],), ([0, 0, 3],), ([None, "", []],), ("abc",), ((0, 1),)]
    inputs += [([float("nan")],), ([0] * 1000,), ({0: "a", 1: "b"},)]
    assert_same_behaviour(src, after, "f", inputs)
    _reanalysed_clean(src, "HONE103")


def test_103_equality_becomes_in_and_is_unsafe() -> None:
    src = """
        def f(xs, target):
            for x in xs:
                if x == target:
                    return True
            return False
    """
    after = fixed(src, "HONE103")
    assert after == dedent("""
        def f(xs, target):
            return target in xs
    """)
    assert fix_safety(src, "HONE103") is Safety.UNSAFE
    # equal on ordinary lists; the documented edge (NaN identity) differs, which is why unsafe
    assert_same_behaviour(src, after, "f", [([1, 2], 2), ([], 1), ([1, 2], 3), (["a"], "a")])
    nan = math.nan
    g_before, g_after = {}, {}  # type: ignore[var-annotated]
    exec(dedent(src), g_before)
    exec(after, g_after)
    assert g_before["f"]([nan], nan) is False and g_after["f"]([nan], nan) is True


def test_103_constant_and_not_in() -> None:
    src = """
        def f(xs):
            for x in xs:
                if 'stop' == x:
                    return False
            return True
    """
    assert fixed(src, "HONE103") == dedent("""
        def f(xs):
            return 'stop' not in xs
    """)


@pytest.mark.parametrize(
    "src",
    [
        # a condition on x: any(genexpr) would be slower, not reported
        """
        def f(xs):
            for x in xs:
                if x > 0:
                    return True
            return False
        """,
        # returns the item, not a bool
        """
        def f(xs):
            for x in xs:
                if x:
                    return x
            return None
        """,
        # not followed by the opposite return
        """
        def f(xs):
            for x in xs:
                if x:
                    return True
            return True
        """,
        """
        def f(xs):
            for x in xs:
                if x:
                    return True
            print("none")
            return False
        """,
        # loop with else
        """
        def f(xs):
            for x in xs:
                if x:
                    return True
            else:
                pass
            return False
        """,
        # more in the body
        """
        def f(xs):
            for x in xs:
                print(x)
                if x:
                    return True
            return False
        """,
        # comparison with something computed from x
        """
        def f(xs):
            for x in xs:
                if x == x.lower():
                    return True
            return False
        """,
    ],
)
def test_103_negatives(src: str) -> None:
    _no_findings(src, "HONE103")


def test_103_comment_blocks_fix() -> None:
    src = """
        def f(xs):
            for x in xs:
                if x:
                    return True  # found
            return False
    """
    found = findings(src, "HONE103")
    assert len(found) == 1 and found[0].fix is None


# -- HONE106 range-len-indexing --------------------------------------------------------------

RANGE_SRC = """
def f(prices):
    total = 0
    for i in range(len(prices)):
        total += prices[i] * 2
        print(prices[i])
    return total
"""


def test_106_direct_iteration() -> None:
    after = fixed(RANGE_SRC, "HONE106")
    assert after == dedent("""
        def f(prices):
            total = 0
            for price in prices:
                total += price * 2
                print(price)
            return total
    """)
    assert fix_safety(RANGE_SRC, "HONE106") is Safety.UNSAFE
    assert_same_behaviour(RANGE_SRC, after, "f", [([],), ([1, 2],), ("ab",), ((3,),)])
    _reanalysed_clean(RANGE_SRC, "HONE106")


def test_106_fresh_name_and_attribute_sequence() -> None:
    src = """
        class C:
            def f(self, item):
                for i in range(len(self.data)):
                    print(self.data[i], item)
    """
    assert fixed(src, "HONE106") == dedent("""
        class C:
            def f(self, item):
                for item_1 in self.data:
                    print(item_1, item)
    """)


@pytest.mark.parametrize(
    "src",
    [
        # i used otherwise: enumerate is not faster, not reported
        """
        def f(xs):
            for i in range(len(xs)):
                print(i, xs[i])
        """,
        # xs[i] assigned
        """
        def f(xs):
            for i in range(len(xs)):
                xs[i] = xs[i] * 2
        """,
        # xs mutated in the loop
        """
        def f(xs):
            for i in range(len(xs)):
                xs.append(xs[i])
        """,
        # another sequence indexed
        """
        def f(xs, ys):
            for i in range(len(xs)):
                print(ys[i])
        """,
        # range with a start
        """
        def f(xs):
            for i in range(1, len(xs)):
                print(xs[i])
        """,
        # neighbour access
        """
        def f(xs):
            for i in range(len(xs)):
                print(xs[i], xs[i - 1])
        """,
        # i rebound
        """
        def f(xs):
            for i in range(len(xs)):
                i = 0
                print(xs[i])
        """,
        # else clause uses i
        """
        def f(xs):
            for i in range(len(xs)):
                print(xs[i])
            else:
                print(i)
        """,
    ],
)
def test_106_negatives(src: str) -> None:
    _no_findings(src, "HONE106")


def test_106_no_fix_when_index_used_after_loop() -> None:
    src = """
        def f(xs):
            for i in range(len(xs)):
                print(xs[i])
            return i
    """
    found = findings(src, "HONE106")
    assert len(found) == 1 and found[0].fix is None


# -- HONE109 regex-in-loop -------------------------------------------------------------------


def test_109_positives() -> None:
    src = """
        import re

        def f(lines):
            out = []
            for line in lines:
                pat = re.compile(r"(\\d+)-(\\d+)", re.I | re.M)
                if re.match(r"\\s*#", line):
                    continue
                out.append(re.sub("a+", "b", line))
                out.append([m for m in lines if re.search(r"x.y" "z", m, flags=re.I)])
            return out, pat
    """
    found = findings(src, "HONE109")
    assert [f.span.start.line for f in found] == [5, 6, 8, 9]
    assert "Hoist" in found[0].message and "PATTERN.match" in found[1].message
    assert all(f.fix is None for f in found)


@pytest.mark.parametrize(
    "src",
    [
        # outside any loop
        """
        import re
        def f(s):
            return re.match(r"\\d+", s)
        """,
        # pattern from a variable / f-string
        """
        import re
        def f(lines, pat):
            for line in lines:
                re.match(pat, line)
                re.search(f"{pat}+", line)
        """,
        # computed flags
        """
        import re
        def f(lines, flags):
            for line in lines:
                re.match(r"\\d", line, flags)
        """,
        # plain-string sub: left to the str.replace rule
        """
        import re
        def f(lines):
            return [re.sub("abc", "x", s) for s in lines]
        """,
        # already compiled
        """
        import re
        P = re.compile(r"\\d")
        def f(lines):
            return [P.match(s) for s in lines]
        """,
        # a loop over a short literal
        """
        import re
        def f(s):
            for p in ("a", "b"):
                re.compile(r"\\d+")
        """,
        # not the re module
        """
        def f(lines, regex):
            for line in lines:
                regex.match(r"\\d", line)
        """,
    ],
)
def test_109_negatives(src: str) -> None:
    _no_findings(src, "HONE109")


# -- HONE110 string-concat-in-loop -----------------------------------------------------------


def test_110_positives() -> None:
    src = """
        def f(rows, sock):
            out = ""
            for row in rows:
                out += f"<li>{row}</li>"
                out += "\\n"
            data = b""
            while len(data) < 10:
                data = data + sock.recv(10 - len(data))
            return out, data

        class Buf:
            def fill(self, parts):
                self.text = ""
                for p in parts:
                    self.text += p
    """
    found = findings(src, "HONE110")
    assert [f.span.start.line for f in found] == [3, 7, 14]  # one finding per variable and loop
    assert "''.join()" in found[0].message
    assert "b''.join()" in found[1].message
    assert "self.text" in found[2].message


@pytest.mark.parametrize(
    "src",
    [
        # numbers
        """
        def f(xs):
            t = 0
            for x in xs:
                t += x
        """,
        # lists
        """
        def f(xs):
            t = []
            for x in xs:
                t += [x]
        """,
        # unknown type
        """
        def f(xs, t):
            for x in xs:
                t += x
        """,
        # also bound to something that is not a string
        """
        def f(xs):
            t = ""
            t = make()
            for x in xs:
                t += x
        """,
        # not in a loop
        """
        def f(a, b):
            s = ""
            s += a
            s += b
            return s
        """,
        # loop over a short literal
        """
        def f(sep):
            s = ""
            for part in ("a", "b", "c"):
                s += part + sep
            return s
        """,
        # attribute of unknown type
        """
        class C:
            def f(self, xs):
                for x in xs:
                    self.total += x
        """,
        # built afresh in each pass from a few parts (pygments' stylesheet builder)
        """
        def f(styles):
            out = {}
            for name, ndef in styles:
                style = ""
                if ndef.get("color"):
                    style += "color: red; "
                if ndef.get("bold"):
                    style += "font-weight: bold; "
                out[name] = style
            return out
        """,
        """
        def f(rows):
            lines = []
            for row in rows:
                line = ""
                line = line + str(row)
                lines.append(line)
            return lines
        """,
    ],
)
def test_110_negatives(src: str) -> None:
    _no_findings(src, "HONE110")


# -- HONE112 loop-invariant-constant ---------------------------------------------------------


def test_112_positives() -> None:
    src = """
        def f(words):
            n = 0
            for w in words:
                if w in set(["a", "b", "c"]):
                    n += {"x": 1, "y": 2}.get(w, 0)
                n += {"x": 1}[w] if w == "x" else 0
                for c in tuple([1, 2, 3]):
                    n += c
                if frozenset("aeiou").isdisjoint(w):
                    n += 1
            return [y for y in words if y not in dict(a=1, b=2)]
    """
    found = findings(src, "HONE112")
    lines = sorted(f.span.start.line for f in found)
    assert lines == [3, 4, 5, 6, 8, 10]
    # only the `in` test of set([...]) has a fix: its display is folded into a constant there
    assert [f.span.start.line for f in found if f.fix is not None] == [3]
    (tested,) = [f for f in found if f.fix is not None]
    assert tested.fix is not None and tested.fix.edits[0].new_text == '{"a", "b", "c"}'


@pytest.mark.parametrize(
    "src",
    [
        # not in a loop
        """
        def f(w):
            return w in set(["a", "b"])
        """,
        # folded by CPython already
        """
        def f(ws):
            return [w for w in ws if w in {"a", "b"} or w in ("c", "d")]
        """,
        # non-constant arguments
        """
        def f(ws, extra):
            return [w for w in ws if w in set([extra, "b"])]
        """,
        # a fresh mutable container stored per iteration is intended
        """
        def f(ws):
            out = []
            for w in ws:
                acc = set(["start"])
                acc.add(w)
                out.append(acc)
            return out
        """,
        # a dict display stored: may be mutated
        """
        def f(ws):
            for w in ws:
                row = {"name": "x"}
                row["w"] = w
        """,
        # an empty call
        """
        def f(ws):
            for w in ws:
                s = set()
        """,
    ],
)
def test_112_negatives(src: str) -> None:
    _no_findings(src, "HONE112")


# -- HONE113 dict-lookup-in-key-loop ---------------------------------------------------------

ITEMS_SRC = """
def f(rows):
    prices = dict(rows)
    total = 0
    for name in prices:
        if prices[name] > 1:
            total += prices[name]
    return total
"""


def test_113_items() -> None:
    after = fixed(ITEMS_SRC, "HONE113")
    assert after == dedent("""
        def f(rows):
            prices = dict(rows)
            total = 0
            for name, price in prices.items():
                if price > 1:
                    total += price
            return total
        """)
    assert fix_safety(ITEMS_SRC, "HONE113") is Safety.UNSAFE
    inputs = [([],), ([("a", 2), ("b", 1), ("c", 5)],), ([(i, i) for i in range(100)],)]
    assert_same_behaviour(ITEMS_SRC, after, "f", inputs)
    _reanalysed_clean(ITEMS_SRC, "HONE113")


def test_113_keys_call_marks_a_mapping() -> None:
    src = """
        def f(table):
            for k in table.keys():
                print(k, table[k])
    """
    assert fixed(src, "HONE113") == dedent("""
        def f(table):
            for k, value in table.items():
                print(k, value)
    """)


@pytest.mark.parametrize(
    "src",
    [
        # unknown type iterated directly: could be a list indexed by its own values
        """
        def f(perm):
            for i in perm:
                print(perm[i])
        """,
        # value written
        """
        def f(rows):
            d = dict(rows)
            for k in d:
                d[k] = d[k] + 1
        """,
        # d used otherwise in the loop
        """
        def f(rows):
            d = dict(rows)
            for k in d:
                print(d[k], len(d))
        """,
        # another key
        """
        def f(rows, other):
            d = dict(rows)
            for k in d:
                print(d[other])
        """,
        # k rebound
        """
        def f(rows):
            d = dict(rows)
            for k in d:
                k = k.lower()
                print(d[k])
        """,
    ],
)
def test_113_negatives(src: str) -> None:
    _no_findings(src, "HONE113")


# -- HONE115 readlines-in-for ----------------------------------------------------------------


def test_115_safe_with_private_open_file(tmp_path: object) -> None:
    src = """
        def f(path):
            out = []
            with open(path) as fh:
                for line in fh.readlines():
                    out.append(line.upper())
            return out
    """
    after = fixed(src, "HONE115")
    assert after == dedent("""
        def f(path):
            out = []
            with open(path) as fh:
                for line in fh:
                    out.append(line.upper())
            return out
    """)
    assert fix_safety(src, "HONE115") is Safety.SAFE
    _reanalysed_clean(src, "HONE115")
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    files = []
    for i, text in enumerate(["", "a\nb\n", "no newline", "x\r\ny\n" * 100]):
        p = tmp_path / f"f{i}.txt"
        p.write_text(text, newline="")
        files.append((str(p),))
    files.append((str(tmp_path / "missing.txt"),))
    assert_same_behaviour(src, after, "f", files)


def test_115_unsafe_when_file_is_used_elsewhere_or_unknown() -> None:
    src = """
        def f(fh):
            return [line for line in fh.readlines()]

        def g(path):
            with open(path) as fh:
                for line in fh.readlines():
                    print(fh.tell())
    """
    found = findings(src, "HONE115")
    assert [f.fix.safety for f in found if f.fix] == [Safety.UNSAFE, Safety.UNSAFE]


def test_115_negatives() -> None:
    _no_findings(
        """
        def f(fh):
            lines = fh.readlines()
            for line in fh.readlines(100):
                print(line)
            return lines
        """,
        "HONE115",
    )


# -- the catalog as a whole (HONE101-HONE149, both modules) ----------------------------------

OWN_RULES = [r for r in all_rules() if "HONE101" <= r.meta.id <= "HONE149"]


def test_catalog_metadata() -> None:
    assert len(OWN_RULES) >= 13
    names = set()
    for rule in OWN_RULES:
        meta = rule.meta
        assert meta.name.replace("-", "").isalpha() and meta.name == meta.name.lower()
        assert meta.name not in names
        names.add(meta.name)
        assert meta.message and meta.doc.why and meta.doc.before and meta.doc.after
        assert meta.doc.not_applicable, meta.id
        assert meta.severity in (Severity.WARNING, Severity.INFO)
        if meta.fix_safety is Safety.UNSAFE:
            assert meta.doc.unsafe_because, meta.id


# Rules whose documented "after" is exactly what the fix produces from "before".
FIX_REPRODUCES_DOC = {
    "HONE101",
    "HONE102",
    "HONE103",
    "HONE104",
    "HONE106",
    "HONE108",
    "HONE111",
    "HONE113",
    "HONE115",
    "HONE117",
}


@pytest.mark.parametrize("rule", OWN_RULES, ids=lambda r: r.meta.id)
def test_doc_examples(rule: type) -> None:
    meta = rule.meta  # type: ignore[attr-defined]
    assert findings(meta.doc.before, meta.id), f"{meta.id}: the 'before' example is not reported"
    ast.parse(meta.doc.after)
    assert findings(meta.doc.after, meta.id) == [], f"{meta.id}: 'after' is still reported"
    if meta.id in FIX_REPRODUCES_DOC:
        assert fixed(meta.doc.before, meta.id).rstrip("\n") == dedent(meta.doc.after).rstrip("\n")
    else:
        # HONE112's example needs a module-level constant: its fix covers only `in` tests
        assert meta.fix_safety is None or meta.id in ("HONE109", "HONE112")


# Every positive example of the tests above, for whole-catalog properties.
CORPUS = [
    APPEND_COND,
    SUM_SRC,
    RANGE_SRC,
    ITEMS_SRC,
    """
def f(xs, target, rows, path, d):
    found = set()
    for x in xs:
        found.add(x)
    out = []
    for r in rows:
        for x in r:
            if x in (1, 2, 3):
                out = out + [x]
    with open(path) as fh:
        lines = [l for l in fh.readlines() if l in d.keys()]
    for i in range(len(lines)):
        print(lines[i])
    return found, out
""",
    """
def g(xs):
    for x in xs:
        if not x:
            return False
    return True
""",
]


@pytest.mark.parametrize("src", CORPUS)
def test_fix_all_parses_and_is_idempotent(src: str) -> None:
    first = fix_all(src, Settings(), unsafe=True)
    assert first.applied >= 1
    ast.parse(first.text)
    again = fix_all(first.text, Settings(), unsafe=True)
    assert again.applied == 0 and again.text == first.text
    own = [f for f in again.remaining if f.code.startswith("HONE1") and f.fix is not None]
    assert own == [], own


HOSTILE = """
import re

async def a(xs, q):
    out = []
    async for x in xs:
        out.append(x)
    res = [await q(x) for x in xs if x in (1, 2, 3)]
    total = 0
    for x in xs:
        total += await q(x)
    return out, res

def b(items, *args, **kwargs):
    global G
    seen = []
    for (i, *rest) in items:
        match i:
            case {"k": v, **others} if v in seen:
                seen.append(v)
            case [first, *tail]:
                seen = seen + [first]
            case Point(x=px) as p:
                print(px, p)
            case _:
                pass
    try:
        pass
    except* ValueError as eg:
        print(eg)
    lam = lambda x=[y for y in items if y in seen]: x
    if (n := len(items)) > 3:
        while n:
            n -= 1
            del seen[0]
    class Inner:
        acc = []
        for z in range(3):
            acc.append(z)
    def inner():
        nonlocal_like = [k for k in kwargs.keys() if k in kwargs.keys()]
        return nonlocal_like
    return seen, lam, Inner, inner, [re.match(r"\\d", s) for s in args]

for k in {}.keys():
    print({}[k])
x = [[c for c in row if c in [1, 2, 3]] for row in ()]
"""


def test_hostile_syntax_does_not_break_rules() -> None:
    analysis = analyse_text(HOSTILE, Settings())
    assert analysis.syntax_error is None
    assert not [e for e in analysis.rule_errors if e.startswith("HONE1")]
    for f in analysis.findings:
        if f.fix is not None and f.code.startswith("HONE1"):
            from hone.core.text import apply_edits

            ast.parse(apply_edits(HOSTILE, list(f.fix.edits)))


# -- property-based equivalence of the safe fixes --------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_values = st.one_of(
    st.integers(-5, 5),
    st.none(),
    st.text(max_size=2),
    st.booleans(),
    st.lists(st.integers(0, 3), max_size=2),  # unhashable: add()/dict keys raise TypeError
    st.floats(allow_nan=True, allow_infinity=True),
)

SAFE_FIX_CASES = [
    (APPEND_COND, "HONE101"),
    (
        """
        def f(xs):
            s = set()
            for x in xs:
                if x:
                    s.add(x)
            return s
        """,
        "HONE101",
    ),
    (
        """
        def f(xs):
            d = {}
            for i, x in enumerate(xs):
                d[x] = i
            return d
        """,
        "HONE101",
    ),
    (
        """
        def f(xs):
            for x in xs:
                if not x:
                    return False
            return True
        """,
        "HONE103",
    ),
]


@pytest.fixture(scope="module")
def safe_fixed_pairs() -> list[tuple[str, str]]:
    pairs = []
    for src, code in SAFE_FIX_CASES:
        assert fix_safety(src, code) is Safety.SAFE
        pairs.append((src, fixed(src, code)))
    return pairs


def test_safe_fixes_behave_the_same_on_random_inputs(
    safe_fixed_pairs: list[tuple[str, str]],
) -> None:
    @settings(max_examples=150, deadline=None)
    @given(xs=st.lists(_values, max_size=8))
    def check(xs: list[object]) -> None:
        for before, after in safe_fixed_pairs:
            assert_same_behaviour(before, after, "f", [(xs,), (tuple(xs),)])

    check()
