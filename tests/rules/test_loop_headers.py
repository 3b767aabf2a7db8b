"""Tests of the loop-header rules (hone.rules.loop_headers): positives with exact fixed text,
look-alike negatives, fix safety, idempotency and behaviour equivalence on sample inputs."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from tests.rules.fixcheck import DICTS, ITERABLES, fix, no_fix, silent
from tests.rules.ruletest import assert_same_behaviour, findings

VALUES = [(v,) for v in (0, 1, 2, 3, 4, -1, 1.0, 2.5, True, "a", "b", "rb", "", "ü", None, b"a")]

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
