"""Tests of the builtin-call rules (hone.rules.builtins_calls): positives with exact fixed text,
look-alike negatives, fix safety, idempotency and behaviour equivalence on sample inputs."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from tests.rules.fixcheck import DICTS, ITERABLES, STRINGS, fix, no_fix, silent
from tests.rules.ruletest import assert_same_behaviour, fixed

NUMBERS = [(x,) for x in (0, 1, -1, 5, 255, -256, 2**70 + 3, True)]

# -- HONE201 sorted-for-min-max ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("sorted(xs)[0]", "min(xs)"),
        ("sorted(xs)[-1]", "max(xs)"),
        ("sorted(xs, reverse=True)[0]", "max(xs)"),
        ("sorted(xs, reverse=True)[-1]", "min(xs)"),
        ("sorted(xs, reverse=False)[-1]", "max(xs)"),
        ("sorted(xs, key=abs)[0]", "min(xs, key=abs)"),
        ("sorted(xs, key=abs, reverse=True)[0]", "max(xs, key=abs)"),
        ("sorted(xs)[-0x1]", "max(xs)"),
    ],
)
def test_201_positive(expr: str, expected: str) -> None:
    before = f"def f(xs):\n    return {expr}\n"
    after = fix(before, "HONE201", f"def f(xs):\n    return {expected}\n", Safety.UNSAFE)
    # unsafe in general (ties, NaN, exception type) but equal on inputs without those
    inputs = [([3, -1, 4, 5, -9, 2, 6],), ([1],), (range(100),), ("hello",)]
    assert_same_behaviour(before, after, "f", inputs)


@pytest.mark.parametrize(
    "expr",
    [
        "sorted(xs)[1]",
        "sorted(xs)[:1]",
        "sorted(xs)[i]",
        "sorted(xs, reverse=flag)[0]",
        "sorted(*xs)[0]",
        "sorted(xs, cmp=f)[0]",
        "xs.sorted()[0]",
        "sorted(xs)[0, 1]",
        "reversed(xs)[0]",
    ],
)
def test_201_negative(expr: str) -> None:
    silent(f"def f(xs, i, flag):\n    return {expr}\n", "HONE201")


def test_201_assignment_target_is_left_alone() -> None:
    silent("sorted(xs)[0] = 1\n", "HONE201")
    silent("del sorted(xs)[-1]\n", "HONE201")


def test_201_comment_inside_means_no_fix() -> None:
    no_fix("m = sorted(\n    xs,  # the data\n    key=abs,\n)[0]\n", "HONE201")


# -- HONE202 len-of-materialised -----------------------------------------------------------

LEN_LOCAL = """
def f(pairs):
    d = {}
    for k, v in pairs:
        d[k] = v
    return len(list(d))
"""


def test_202_local_dict() -> None:
    after = fix(
        LEN_LOCAL,
        "HONE202",
        """
        def f(pairs):
            d = {}
            for k, v in pairs:
                d[k] = v
            return len(d)
        """,
        Safety.SAFE,
    )
    inputs = [([],), ([(1, 2), (1, 3)],), ([(i, i) for i in range(1000)],), ([("ü", 1)],)]
    assert_same_behaviour(LEN_LOCAL, after, "f", inputs)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("len(list(range(n)))", "len(range(n))"),
        ("len(tuple(range(0, n, 3)))", "len(range(0, n, 3))"),
        ('len(list("héllo"))', 'len("héllo")'),
        ("len([c for c in str(n)])", "len(str(n))"),
        ("len(list({n, 1, 1}))", "len({n, 1, 1})"),
        ("len(list(sorted([n, 2])))", "len(sorted([n, 2]))"),
        ("len(tuple(x for x in range(n)))", None),
    ],
)
def test_202_known_sized(expr: str, expected: str | None) -> None:
    before = f"def f(n):\n    return {expr}\n"
    if expected is None:
        silent(before, "HONE202")
        return
    after = fix(before, "HONE202", f"def f(n):\n    return {expected}\n", Safety.SAFE)
    assert_same_behaviour(before, after, "f", [(0,), (1,), (7,), (-3,), (1000,), (2**70,)])


def test_202_local_with_several_sized_kinds() -> None:
    src = """
    def f(flag):
        x = [1, 2]
        if flag:
            x = "abc"
        return len(list(x))
    """
    after = fix(
        src,
        "HONE202",
        """
        def f(flag):
            x = [1, 2]
            if flag:
                x = "abc"
            return len(x)
        """,
        Safety.SAFE,
    )
    assert_same_behaviour(src, after, "f", [(True,), (False,)])


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("len(list(d.keys()))", "len(d)"),
        ("len(list(d.values()))", "len(d)"),
        ("len(tuple(d.items()))", "len(d)"),
        ("len([k for k in d.keys()])", "len(d)"),
    ],
)
def test_202_views_are_unsafe(expr: str, expected: str) -> None:
    before = f"def f(d):\n    return {expr}\n"
    after = fix(before, "HONE202", f"def f(d):\n    return {expected}\n", Safety.UNSAFE)
    assert_same_behaviour(before, after, "f", DICTS)


@pytest.mark.parametrize(
    "src",
    [
        "def f(it):\n    return len(list(it))\n",  # unknown: may be an iterator
        "def f(g):\n    return len(list(g()))\n",
        "def f(x):\n    return len([y for y in x if y])\n",
        "def f(x):\n    return len([y + 1 for y in range(x)])\n",
        "def f(x):\n    return len([y for y in range(x) for z in range(2)])\n",
        "def f(x):\n    return len(set([1, 1, x]))\n",  # deduplicates: not the same count
        "def f():\n    x = get()\n    return len(list(x))\n",
        "def f(x):\n    x = []\n    return len(list(x))\n",  # also a parameter
        "def f():\n    x = []\n    for x in g():\n        pass\n    return len(list(x))\n",
        "def f():\n    global x\n    x = []\n    return len(list(x))\n",
        "def f():\n    x = []\n    x += g()\n    return len(list(x))\n",
        "def f():\n    x, y = [], []\n    return len(list(x))\n",
        "x = []\nn = len(list(x))\n",  # module level: other statements may rebind x
        "def f(d):\n    return len(list(d.keys(1)))\n",
        "def f(x):\n    return len(list(x), 2)\n",
        "def f(x):\n    return len(list(*x))\n",
        "def f(x):\n    return size(list(range(x)))\n",
    ],
)
def test_202_negative(src: str) -> None:
    silent(src, "HONE202")


def test_202_nested_function_binding_is_conservative() -> None:
    silent(
        "def f():\n    x = []\n    def g(x):\n        return x\n    return len(list(x))\n",
        "HONE202",
    )


# -- HONE203 bin-count ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('bin(x).count("1")', "x.bit_count()"),
        ("bin(x).count('1')", "x.bit_count()"),
        ('bin(x + 1).count("1")', "(x + 1).bit_count()"),
        ('bin(-x).count("1")', "(-x).bit_count()"),
        ('bin(5).count("1") + x * 0', "(5).bit_count() + x * 0"),
        ('bin(abs(x)).count("1")', "abs(x).bit_count()"),
    ],
)
def test_203_positive(expr: str, expected: str) -> None:
    before = f"def f(x):\n    return {expr}\n"
    after = fix(before, "HONE203", f"def f(x):\n    return {expected}\n", Safety.UNSAFE)
    assert_same_behaviour(before, after, "f", NUMBERS)


@pytest.mark.parametrize(
    "expr",
    [
        'bin(x).count("0")',
        'bin(x).count("1", 2)',
        "bin(x).count(one)",
        'hex(x).count("1")',
        'bin(x, y).count("1")',
        'b.count("1")',
        'bin(x).index("1")',
        'bin(*x).count("1")',
    ],
)
def test_203_negative(expr: str) -> None:
    silent(f"def f(x, y, b, one):\n    return {expr}\n", "HONE203")


# -- HONE204 needless-list-call ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("list(sorted(xs))", "sorted(xs)"),
        ("list(sorted(xs, key=str, reverse=True))", "sorted(xs, key=str, reverse=True)"),
        ("sorted(list(xs))", "sorted(xs)"),
        ("sorted(tuple(xs), key=str)", "sorted(xs, key=str)"),
        ("list(list(xs))", "list(xs)"),
        ("list(tuple(xs))", "list(xs)"),
        ("tuple(list(xs))", "tuple(xs)"),
        ("tuple(tuple(xs))", "tuple(xs)"),
        ("set(list(xs))", "set(xs)"),
        ("set(tuple(xs))", "set(xs)"),
        ("frozenset(set(xs))", "frozenset(xs)"),
        ("list([str(x) for x in xs])", "[str(x) for x in xs]"),
        ("set({str(x) for x in xs})", "{str(x) for x in xs}"),
    ],
)
def test_204_positive(expr: str, expected: str) -> None:
    before = f"def f(xs):\n    return {expr}\n"
    after = fix(before, "HONE204", f"def f(xs):\n    return {expected}\n", Safety.SAFE)
    assert_same_behaviour(before, after, "f", ITERABLES)


def test_204_result_is_still_a_fresh_list() -> None:
    before = "def f(xs):\n    out = list(list(xs))\n    return out is xs, out\n"
    after = fix(
        before,
        "HONE204",
        "def f(xs):\n    out = list(xs)\n    return out is xs, out\n",
        Safety.SAFE,
    )
    assert_same_behaviour(before, after, "f", [([1, 2],), ([],)])


@pytest.mark.parametrize(
    "expr",
    [
        "tuple(sorted(xs))",  # changes the type
        "set(sorted(xs))",  # sorted() may raise on incomparable items
        "list(reversed(xs))",
        "list(set(xs))",
        "sorted(set(xs))",
        "sorted(sorted(xs))",
        "list(xs)",
        "list(list(xs, 1))",
        "list(list(*xs))",
        "list(sorted)",
        "dict(list(xs))",
        "list(tuple(xs), 1)",
        "tuple([1, 2])",  # a literal: HONE219
        "sorted(list(xs), list(xs))",
    ],
)
def test_204_negative(expr: str) -> None:
    silent(f"def f(xs):\n    return {expr}\n", "HONE204")


def test_204_comment_inside_means_no_fix() -> None:
    no_fix("ys = list(  # copy\n    sorted(xs)\n)\n", "HONE204")


# -- HONE205 needless-comprehension --------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected", "safety"),
    [
        ("[x for x in xs]", "list(xs)", Safety.SAFE),
        ("{x for x in xs}", "set(xs)", Safety.SAFE),
        ("[x for x in (xs or [])]", "list((xs or []))", Safety.SAFE),
        ("{k: v for k, v in d.items()}", "dict(d.items())", Safety.SAFE),
        ("{k: v for k, v in zip(xs, xs)}", "dict(zip(xs, xs))", Safety.SAFE),
        ("{k: v for k, v in enumerate(xs)}", "dict(enumerate(xs))", Safety.SAFE),
        ("{k: v for k, v in d}", "dict(d)", Safety.UNSAFE),
    ],
)
def test_205_positive(expr: str, expected: str, safety: Safety) -> None:
    before = f"def f(xs, d={{}}):\n    return {expr}\n"
    after = fix(before, "HONE205", f"def f(xs, d={{}}):\n    return {expected}\n", safety)
    if safety is Safety.SAFE:
        assert_same_behaviour(before, after, "f", ITERABLES)


def test_205_dict_of_mapping_differs() -> None:
    """Why dict(x) is unsafe: a dict whose keys are pairs."""
    before = "def f(d):\n    return {k: v for k, v in d}\n"
    after = "def f(d):\n    return dict(d)\n"
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [({(1, 2): "x"},)])


@pytest.mark.parametrize(
    "expr",
    [
        "[x for x in xs if x]",
        "[x + 1 for x in xs]",
        "[(a, b) for a, b in xs]",  # converts inner lists to tuples
        "[x for x in xs for y in xs]",
        "[y for x in xs]",
        "{v: k for k, v in d.items()}",
        "{k: k for k, v in d.items()}",
        "{k: v for k, v, w in xs}",
        "{k: v for (k, v) in d.items() if k}",
        "(x for x in xs)",  # a generator is lazy: not a copy
        "[[x] for x in xs]",
    ],
)
def test_205_negative(expr: str) -> None:
    silent(f"def f(xs, d):\n    return {expr}\n", "HONE205")


def test_205_async_comprehension_is_left_alone() -> None:
    silent("async def f(xs):\n    return [x async for x in xs]\n", "HONE205")


# -- HONE206 list-comp-in-any-all ----------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("any([x > 0 for x in xs])", "any(x > 0 for x in xs)"),
        ("all([x for x in xs if x is not None])", "all(x for x in xs if x is not None)"),
        ("any([x == y for x in xs for y in xs])", "any(x == y for x in xs for y in xs)"),
    ],
)
def test_206_positive(expr: str, expected: str) -> None:
    before = f"def f(xs):\n    return {expr}\n"
    after = fix(before, "HONE206", f"def f(xs):\n    return {expected}\n", Safety.UNSAFE)
    # unsafe because of skipped side effects; these expressions have none
    assert_same_behaviour(before, after, "f", [i for i in ITERABLES if i != ([None],)])


def test_206_short_circuit_is_the_difference() -> None:
    """Why the fix is unsafe: side effects of elements after the deciding one are skipped."""
    before = (
        "def f(xs):\n    seen = []\n    any([seen.append(x) or x for x in xs])\n    return seen\n"
    )
    after = fixed(before, "HONE206")
    assert "any(seen.append(x) or x for x in xs)" in after
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [([1, 2, 3],)])


@pytest.mark.parametrize(
    "expr",
    [
        "any(x for x in xs)",
        "any([xs, xs])",
        "sum([x for x in xs])",  # the list comprehension is faster for sum(): not reported
        "max([x for x in xs])",
        "any(*[xs])",
        "any([x for x in xs], 1)",
    ],
)
def test_206_negative(expr: str) -> None:
    silent(f"def f(xs):\n    return {expr}\n", "HONE206")


def test_206_async_left_alone() -> None:
    silent("async def f(xs):\n    return any([x async for x in xs])\n", "HONE206")


# -- HONE212 lambda-in-map-filter ----------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("list(map(lambda x: x * 2, xs))", "[x * 2 for x in xs]"),
        ("set(map(lambda s: str(s)[:1], xs))", "{str(s)[:1] for s in xs}"),
        ("list(filter(lambda x: x, xs))", "[x for x in xs if x]"),
        ("list(filter(lambda x: x if x else 0, xs))", "[x for x in xs if (x if x else 0)]"),
        ("list(map(lambda x: x if x else -1, xs))", "[x if x else -1 for x in xs]"),
        ("list(map(lambda xs: xs, xs))", "[xs for xs in xs]"),
        ("set(filter(lambda x: not x, xs))", "{x for x in xs if not x}"),
        ("list(map(lambda x: (x, 1), xs or []))", "[(x, 1) for x in xs or []]"),
        ("list(map(lambda x: x, xs if xs else []))", "[x for x in (xs if xs else [])]"),
    ],
)
def test_212_positive(expr: str, expected: str) -> None:
    before = f"def f(xs):\n    return {expr}\n"
    after = fix(before, "HONE212", f"def f(xs):\n    return {expected}\n", Safety.SAFE)
    assert_same_behaviour(before, after, "f", ITERABLES)


def test_212_closure_over_outer_variable() -> None:
    src = "def f(xs):\n    k = 3\n    return list(map(lambda x: x * k, xs))\n"
    after = fix(
        src, "HONE212", "def f(xs):\n    k = 3\n    return [x * k for x in xs]\n", Safety.SAFE
    )
    assert_same_behaviour(src, after, "f", ITERABLES[:8])


@pytest.mark.parametrize(
    "expr",
    [
        "list(map(str, xs))",
        "list(map(lambda x, y: x + y, xs, xs))",
        "list(map(lambda x=1: x, xs))",
        "list(map(lambda *a: a, xs))",
        "list(map(lambda x: lambda: x, xs))",  # closures would share one loop variable
        "list(map(lambda x: [x for _ in xs], xs))",
        "list(map(lambda x: (y := x), xs))",
        "list(map(lambda x: locals(), xs))",
        "list(map(lambda x: super(), xs))",
        "tuple(map(lambda x: x, xs))",
        "map(lambda x: x, xs)",
        "list(filter(None, xs))",
        "list(map(lambda x: x, xs), 1)",
        "list(map(lambda x: x, *xs))",
        "sorted(map(lambda x: x, xs))",
    ],
)
def test_212_negative(expr: str) -> None:
    silent(f"def f(xs):\n    return {expr}\n", "HONE212")


# -- HONE216 list-first-element ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("list(xs)[0]", "next(iter(xs))"),
        ("tuple(xs)[0]", "next(iter(xs))"),
        ("list(d.keys())[0]", "next(iter(d.keys()))"),
        ("list(x * 2 for x in xs)[0]", "next(iter(x * 2 for x in xs))"),
    ],
)
def test_216_positive(expr: str, expected: str) -> None:
    before = f"def f(xs, d={{'a': 1}}):\n    return {expr}\n"
    after = fix(
        before, "HONE216", f"def f(xs, d={{'a': 1}}):\n    return {expected}\n", Safety.UNSAFE
    )
    assert_same_behaviour(before, after, "f", [i for i in ITERABLES if len(i[0])])


def test_216_empty_input_is_why_it_is_unsafe() -> None:
    before = "def f(xs):\n    return list(xs)[0]\n"
    after = "def f(xs):\n    return next(iter(xs))\n"
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [([],)])


@pytest.mark.parametrize(
    "src",
    [
        "def f(xs):\n    return list(xs)[1]\n",
        "def f(xs):\n    return list(xs)[-1]\n",
        "def f(xs):\n    return list(xs)[0:1]\n",
        "def f(xs):\n    return xs[0]\n",
        "def f(xs):\n    return set(xs)[0]\n",
        "def f(xs):\n    return list(*xs)[0]\n",
        "def f(xs):\n    return list(xs)[0, 0]\n",
        "def f(xs):\n    list(xs)[0] = 1\n",
        "def f(xs):\n    del list(xs)[0]\n",
    ],
)
def test_216_negative(src: str) -> None:
    silent(src, "HONE216")


# -- HONE219 literal-via-call --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("dict()", "{}"),
        ("list()", "[]"),
        ("tuple()", "()"),
        ("dict(a=1, b=x)", '{"a": 1, "b": x}'),
        ("dict(a='1', b=x)", "{'a': '1', 'b': x}"),
        ("set([1, x])", "{1, x}"),
        ("set((1, 2, 2))", "{1, 2, 2}"),
        ("set([])", "set()"),
        ("list((1, x))", "[1, x]"),
        ("list([1, x])", "[1, x]"),
        ("tuple([x])", "(x,)"),
        ("tuple([])", "()"),
        ("tuple((1, 2))", "(1, 2)"),
        ("dict([(1, 2), (x, 4)])", "{1: 2, x: 4}"),
        ("dict(((1, 2),))", "{1: 2}"),
        ("dict([])", "{}"),
        ("set([*x, 1])", "{*x, 1}"),
    ],
)
def test_219_positive(expr: str, expected: str) -> None:
    before = f"def f(x):\n    return {expr}\n"
    after = fix(before, "HONE219", f"def f(x):\n    return {expected}\n", Safety.SAFE)
    assert_same_behaviour(before, after, "f", [((3,),), ((),), (("ü", "✓"),)])


def test_219_multiline_layout_is_kept() -> None:
    src = """
    COLOURS = set([
        "red",
        "green",
    ])
    """
    fix(src, "HONE219", '\nCOLOURS = {\n    "red",\n    "green",\n}\n'[1:], Safety.SAFE)


def test_219_parenthesised_call() -> None:
    fix("x = (dict())\ny = (tuple())\n", "HONE219", "x = ({})\ny = (())\n", Safety.SAFE)


@pytest.mark.parametrize(
    "expr",
    [
        "set()",
        "frozenset([1])",
        "dict(**x)",
        "dict(x, a=1)",
        "dict(x)",
        "list(x)",
        "list('ab')",
        "dict([(1, 2, 3)])",
        "dict([x])",
        "dict([(*x, 1)])",
        "set([y for y in x])",
        "list(*x)",
    ],
)
def test_219_negative(expr: str) -> None:
    silent(f"def f(x):\n    return {expr}\n", "HONE219")


def test_219_comments_inside_the_literal_are_kept() -> None:
    fix(
        "x = set([\n    1,  # one\n    2,\n])\ny = dict(\n    a=1,  # first\n    b=2,\n)\n",
        "HONE219",
        'x = {\n    1,  # one\n    2,\n}\ny = {\n    "a": 1,  # first\n    "b": 2,\n}\n',
        Safety.SAFE,
    )


def test_219_comment_that_cannot_be_kept_means_no_fix() -> None:
    no_fix("x = set(  # colours\n    ['red'])\n", "HONE219")


# -- HONE220 call-around-comprehension -----------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected", "safety"),
    [
        ("list(x * 2 for x in xs)", "[x * 2 for x in xs]", Safety.SAFE),
        ("set(x for x in xs if x)", "{x for x in xs if x}", Safety.SAFE),
        ("set([x for x in xs])", "{x for x in xs}", Safety.SAFE),
        ("dict((x, 1) for x in xs)", "{x: 1 for x in xs}", Safety.SAFE),
        ("dict([(x, x) for x in xs])", "{x: x for x in xs}", Safety.SAFE),
        ("list(str(x) for x in xs)", "[str(x) for x in xs]", Safety.UNSAFE),
        ("set([x for x in xs if f(x)])", "{x for x in xs if f(x)}", Safety.UNSAFE),
        ("list((x for x in xs))", "[x for x in xs]", Safety.SAFE),
    ],
)
def test_220_positive(expr: str, expected: str, safety: Safety) -> None:
    before = f"def f(xs):\n    return {expr}\n"
    after = fix(before, "HONE220", f"def f(xs):\n    return {expected}\n", safety)
    assert_same_behaviour(before, after, "f", ITERABLES)


def test_220_stop_iteration_is_why_calls_are_unsafe() -> None:
    before = "def f(xs):\n    it = iter(xs)\n    return list(next(it) for _ in range(3))\n"
    after = "def f(xs):\n    it = iter(xs)\n    return [next(it) for _ in range(3)]\n"
    assert fixed(before, "HONE220") == after
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [([1],)])


@pytest.mark.parametrize(
    "expr",
    [
        "tuple(x for x in xs)",
        "frozenset(x for x in xs)",
        "list([x for x in xs])",  # HONE204
        "dict(x for x in xs)",
        "dict((x, 1, 2) for x in xs)",
        "dict((*x,) for x in xs)",
        "list(xs)",
        "sorted(x for x in xs)",
    ],
)
def test_220_negative(expr: str) -> None:
    silent(f"def f(xs):\n    return {expr}\n", "HONE220")


def test_220_async_left_alone() -> None:
    silent("async def f(xs):\n    return set([x async for x in xs])\n", "HONE220")


def test_string_inputs_for_comprehension_fixes() -> None:
    before = "def f(s):\n    return list(c for c in s), set([c for c in s])\n"
    after = "def f(s):\n    return [c for c in s], {c for c in s}\n"
    assert fixed(before, "HONE220") == after
    assert_same_behaviour(before, after, "f", STRINGS)


def test_multiline_layout_and_comments_are_kept() -> None:
    """Continuation lines keep the enclosing blocks' indentation; comments inside the
    brackets survive the change of brackets."""
    src = """
    class C:
        def f(self, xs):
            if xs:
                return set([
                    x * 2
                    for x in xs  # keep
                ]), any([
                    x
                    for x in xs
                ])
    """
    fix(
        src,
        "HONE220",
        """
        class C:
            def f(self, xs):
                if xs:
                    return {
                        x * 2
                        for x in xs  # keep
                    }, any([
                        x
                        for x in xs
                    ])
        """,
        Safety.SAFE,
    )
    fix(
        src,
        "HONE206",
        """
        class C:
            def f(self, xs):
                if xs:
                    return set([
                        x * 2
                        for x in xs  # keep
                    ]), any(
                        x
                        for x in xs
                    )
        """,
        Safety.UNSAFE,
    )
