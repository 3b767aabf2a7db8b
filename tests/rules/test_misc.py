"""Tests of the misc rules (hone.rules.misc): positives with exact fixed text, look-alike
negatives, fix safety, idempotency and behaviour equivalence on sample inputs."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from tests.rules.fixcheck import DICTS, ITERABLES, fix, no_fix, silent
from tests.rules.ruletest import assert_same_behaviour, findings

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


# -- HONE211 dict-items-unused -------------------------------------------------------------

ITEMS_KEYS = """
def f(d):
    out = []
    for k, v in d.items():
        out.append(k)
    return out
"""

ITEMS_VALUES = """
def f(d):
    out = []
    for k, v in d.items():
        out.append(v)
    return out
"""


def test_211_keys_only() -> None:
    after = fix(
        ITEMS_KEYS,
        "HONE211",
        """
        def f(d):
            out = []
            for k in d:
                out.append(k)
            return out
        """,
        Safety.UNSAFE,
    )
    assert_same_behaviour(ITEMS_KEYS, after, "f", DICTS)


def test_211_values_only() -> None:
    after = fix(
        ITEMS_VALUES,
        "HONE211",
        """
        def f(d):
            out = []
            for v in d.values():
                out.append(v)
            return out
        """,
        Safety.UNSAFE,
    )
    assert_same_behaviour(ITEMS_VALUES, after, "f", DICTS)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (
            "def f(d):\n    return [k for k, _ in d.items()]\n",
            "def f(d):\n    return [k for k in d]\n",
        ),
        (
            "def f(d):\n    return {v for _k, v in d.items() if v}\n",
            "def f(d):\n    return {v for v in d.values() if v}\n",
        ),
        (
            "def f(d):\n    return [k for k, v in (d or {}).items()]\n",
            "def f(d):\n    return [k for k in (d or {})]\n",
        ),
        (
            "def f(d):\n    return [v for k, v in d.items()], [k for k, v in d.items()]\n",
            "def f(d):\n    return [v for v in d.values()], [k for k in d]\n",
        ),
    ],
)
def test_211_comprehensions(src: str, expected: str) -> None:
    after = fix(src, "HONE211", expected, Safety.UNSAFE)
    assert_same_behaviour(src, after, "f", DICTS)


def test_211_module_level_underscore() -> None:
    fix(
        "for name, _ in users.items():\n    print(name)\n",
        "HONE211",
        "for name in users:\n    print(name)\n",
        Safety.UNSAFE,
    )


def test_211_pandas_like_object_is_why_it_is_unsafe() -> None:
    class Series:
        def __init__(self, data: dict[str, int]) -> None:
            self.data = data

        def items(self) -> object:
            return self.data.items()

        def __iter__(self) -> object:
            return iter(self.data.values())  # like pandas: iterating gives values

    before = "def f(s):\n    return [k for k, _ in s.items()]\n"
    after = "def f(s):\n    return [k for k in s]\n"
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [(Series({"a": 1}),)])


@pytest.mark.parametrize(
    "src",
    [
        "def f(d):\n    for k, v in d.items():\n        print(k, v)\n",
        "def f(d):\n    for k, v in d.items():\n        pass\n",  # both unused: unclear intent
        "def f(d):\n    for k, v in d.items():\n        print(k)\n    return v\n",
        "def f(d):\n    for k, v in d.items():\n        print(k)\n    del v\n",
        "def f(d):\n    for k, v in d.items(1):\n        print(k)\n",
        "def f(d):\n    for k, v in d.iteritems():\n        print(k)\n",
        "def f(d):\n    for k, (a, b) in d.items():\n        print(k)\n",
        "def f(d):\n    for k, *v in d.items():\n        print(k)\n",
        "def f(d):\n    for k, v in d.items():\n        print(k)\n    g = lambda: v\n",
        "for k, v in d.items():\n    print(k)\n",  # module level: v may be read elsewhere
        "class C:\n    for _k, v in d.items():\n        print(v)\n",
        "async def f(d):\n    async for k, v in d.items():\n        print(k)\n",
        "def f(d):\n    return [k for k, v in d.items() if v]\n",
        "def f(d):\n    for k, v in d.items():\n        print(k, locals()['v'] if v else 0)\n",
    ],
)
def test_211_negative(src: str) -> None:
    silent(src, "HONE211")


def test_211_comment_in_target_means_no_fix() -> None:
    no_fix(
        "def f(d):\n    for (k,  # key\n         v) in d.items():\n        print(v)\n", "HONE211"
    )


# -- HONE215 double-lookup -----------------------------------------------------------------

IF_ELSE = """
def f(d, k):
    if k in d:
        v = d[k]
    else:
        v = None
    return v
"""


def test_215_if_else() -> None:
    after = fix(IF_ELSE, "HONE215", "def f(d, k):\n    v = d.get(k)\n    return v\n", Safety.UNSAFE)
    inputs = [(d[0], k) for d in DICTS for k in ("a", "b", None, (1, 2), "ü")]
    assert_same_behaviour(IF_ELSE, after, "f", inputs)


def test_215_not_in_with_default() -> None:
    src = """
    class Box:
        def f(self, name):
            if name not in self.cache:
                size = 0
            else:
                size = self.cache[name]
            return size
    """
    fix(
        src,
        "HONE215",
        """
        class Box:
            def f(self, name):
                size = self.cache.get(name, 0)
                return size
        """,
        Safety.UNSAFE,
    )


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("d[k] if k in d else 0", "d.get(k, 0)"),
        ("d[k] if k in d else None", "d.get(k)"),
        ("(d[k] if k in d else ())", "(d.get(k, ()))"),
        ("default if k not in d else d[k]", "d.get(k, default)"),
        ("d['x'] if 'x' in d else []", "d.get('x', [])"),
    ],
)
def test_215_conditional_expression(expr: str, expected: str) -> None:
    before = f"def f(d, k, default=-1):\n    return {expr}\n"
    after = fix(
        before, "HONE215", f"def f(d, k, default=-1):\n    return {expected}\n", Safety.UNSAFE
    )
    inputs = [(d[0], k) for d in DICTS for k in ("a", "x", None, (1, 2))]
    assert_same_behaviour(before, after, "f", inputs)


def test_215_statement_in_loop_keeps_indentation() -> None:
    src = """
    def f(d, keys):
        out = []
        for k in keys:
            if k in d:
                v = d[k]
            else:
                v = ""
            out.append(v)
        return out
    """
    after = fix(
        src,
        "HONE215",
        """
        def f(d, keys):
            out = []
            for k in keys:
                v = d.get(k, "")
                out.append(v)
            return out
        """,
        Safety.UNSAFE,
    )
    assert_same_behaviour(src, after, "f", [({"a": 1}, ["a", "b", "a"]), ({}, [])])


def test_215_non_dict_is_why_it_is_unsafe() -> None:
    before = "def f(d, k):\n    return d[k] if k in d else 0\n"
    after = "def f(d, k):\n    return d.get(k, 0)\n"
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [(["a", "b"], "a")])


@pytest.mark.parametrize(
    "src",
    [
        "def f(d, k):\n    if k in d:\n        v = d[k]\n    return v\n",  # no else
        "def f(d, k):\n    if k in d:\n        v = d[k]\n    elif k:\n        v = 1\n"
        "    else:\n        v = 2\n",
        "def f(d, k, j):\n    if k in d:\n        v = d[k]\n    else:\n        w = None\n",
        "def f(d, k):\n    if k in d:\n        v = d[k]\n    else:\n        v = compute()\n",
        "def f(d, k):\n    if k in d:\n        v = d[k]\n        log(k)\n    else:\n        v = 0\n",
        "def f(d, e, k):\n    if k in d:\n        v = e[k]\n    else:\n        v = 0\n",
        "def f(d, k, j):\n    if k in d:\n        v = d[j]\n    else:\n        v = 0\n",
        "def f(d, k):\n    if k in d:\n        d[k] += 1\n    else:\n        d[k] = 1\n",
        "def f(d, k):\n    if f(k) in d:\n        v = d[f(k)]\n    else:\n        v = 0\n",
        "def f(d, k):\n    if k in g():\n        v = g()[k]\n    else:\n        v = 0\n",
        "def f(d, k):\n    if k not in d:\n        v = d[k]\n    else:\n        v = 0\n",
        "def f(d, k):\n    return d[k] if k in e else 0\n",
        "def f(d, k):\n    return d[k] if k in d else make()\n",
        "def f(d, k):\n    return d[k] if k in d and k else 0\n",
        "def f(d, k):\n    return 0 if k in d else d[k]\n",
        "def f(d, k):\n    return d[k:1] if k in d else 0\n",
        "def f(d, k):\n    return d[k] if k in d else [1]\n",
        "def f(d, k):\n    if k in d:\n        v[0] = d[k]\n    else:\n        v[0] = 0\n",
    ],
)
def test_215_negative(src: str) -> None:
    silent(src, "HONE215")


def test_215_comment_inside_means_no_fix() -> None:
    no_fix(
        "def f(d, k):\n    if k in d:\n        v = d[k]  # hit\n    else:\n        v = 0\n",
        "HONE215",
    )


def test_215_comment_above_is_kept_and_fix_offered() -> None:
    fix(
        "def f(d, k):\n    # look it up\n    if k in d:\n        v = d[k]\n    else:\n"
        "        v = 0\n    return v\n",
        "HONE215",
        "def f(d, k):\n    # look it up\n    v = d.get(k, 0)\n    return v\n",
        Safety.UNSAFE,
    )


# -- HONE221 unused-enumerate-index --------------------------------------------------------

ENUM = """
def f(xs):
    out = []
    for _, x in enumerate(xs):
        out.append(x)
    return out
"""


def test_221_loop() -> None:
    after = fix(
        ENUM,
        "HONE221",
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            return out
        """,
        Safety.SAFE,
    )
    assert_same_behaviour(ENUM, after, "f", ITERABLES)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (
            "def f(xs):\n    return [x for i, x in enumerate(xs)]\n",
            "def f(xs):\n    return [x for x in xs]\n",
        ),
        (
            "def f(xs):\n    return [x for _, x in enumerate(xs, 1)]\n",
            "def f(xs):\n    return [x for x in xs]\n",
        ),
        (
            "def f(xs):\n    return [x for _, x in enumerate(xs, start=-1)]\n",
            "def f(xs):\n    return [x for x in xs]\n",
        ),
        (
            "def f(xs):\n    return [a for _, (a, b) in enumerate(zip(xs, xs))]\n",
            "def f(xs):\n    return [a for (a, b) in zip(xs, xs)]\n",
        ),
        (
            "def f(xs):\n    return [x for _, x in enumerate(xs if xs else [])]\n",
            "def f(xs):\n    return [x for x in (xs if xs else [])]\n",
        ),
        (
            "def f(xs):\n    out = 0\n    for idx, x in enumerate(xs):\n        out += 1\n"
            "    return out\n",
            "def f(xs):\n    out = 0\n    for x in xs:\n        out += 1\n    return out\n",
        ),
    ],
)
def test_221_positive(src: str, expected: str) -> None:
    after = fix(src, "HONE221", expected, Safety.SAFE)
    inputs = [i for i in ITERABLES if not isinstance(i[0], dict | set)]
    assert_same_behaviour(src, after, "f", inputs)


def test_221_module_level_underscore() -> None:
    fix(
        "for _, row in enumerate(rows):\n    print(row)\n",
        "HONE221",
        "for row in rows:\n    print(row)\n",
        Safety.UNSAFE,
    )


@pytest.mark.parametrize(
    "src",
    [
        "def f(xs):\n    for i, x in enumerate(xs):\n        print(i, x)\n",
        "def f(xs):\n    for i, x in enumerate(xs):\n        print(x)\n    return i\n",
        "def f(xs):\n    for i, x in enumerate(xs, start()):\n        print(x)\n",
        "def f(xs):\n    for i, x in enumerate(xs, n):\n        print(x)\n",
        "def f(xs):\n    for i, x in enumerate(*xs):\n        print(x)\n",
        "def f(xs):\n    for i, x in enumerate(xs, 1, 2):\n        print(x)\n",
        "def f(xs):\n    for i, x in enumerate(iterable=xs):\n        print(x)\n",
        "def f(xs):\n    for i, x in items(xs):\n        print(x)\n",
        "def f(xs):\n    for x, i in enumerate(xs):\n        print(x)\n",  # element unused
        "def f(xs):\n    for i, *x in enumerate(xs):\n        print(x)\n",
        "for i, x in enumerate(xs):\n    print(x)\n",  # module level: i may be read elsewhere
        "class C:\n    for _, x in enumerate(xs):\n        print(x)\n",
        "def f(xs):\n    return [x for i, x in enumerate(xs) if i]\n",
    ],
)
def test_221_negative(src: str) -> None:
    silent(src, "HONE221")


def test_221_only_one_finding_per_loop() -> None:
    assert len(findings(ENUM, "HONE221")) == 1


def test_215_self_is_left_alone() -> None:
    # a mapping's own get() is typically written like this: get() here would recurse forever
    silent(
        "class M(Mapping):\n    def get(self, key, default=None):\n"
        "        return self[key] if key in self else default\n",
        "HONE215",
    )
