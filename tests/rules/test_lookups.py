"""Tests of the double-lookup rule (hone.rules.lookups): positives with exact fixed text,
look-alike negatives, fix safety, idempotency and behaviour equivalence on sample inputs."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from tests.rules.fixcheck import DICTS, fix, no_fix, silent
from tests.rules.ruletest import assert_same_behaviour

VALUES = [(v,) for v in (0, 1, 2, 3, 4, -1, 1.0, 2.5, True, "a", "b", "rb", "", "ü", None, b"a")]

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


def test_215_self_is_left_alone() -> None:
    # a mapping's own get() is typically written like this: get() here would recurse forever
    silent(
        "class M(Mapping):\n    def get(self, key, default=None):\n"
        "        return self[key] if key in self else default\n",
        "HONE215",
    )
