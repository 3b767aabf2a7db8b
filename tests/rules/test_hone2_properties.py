"""Property tests: every safe HONE2xx fix keeps behaviour on generated inputs (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hone.core.finding import Safety
from tests.rules.ruletest import assert_same_behaviour, findings, fixed

SCALARS = st.integers(min_value=-5, max_value=5) | st.text(alphabet="ab✓", max_size=3)
LISTS = st.lists(SCALARS, max_size=8)
TEXTS = st.text(alphabet="abcz-✓", max_size=8)

CASES: list[tuple[str, str, st.SearchStrategy[Any]]] = [
    (
        "HONE202",
        "def f(xs):\n    d = {x: 1 for x in xs}\n    return len(list(d)), len(list(range(len(xs))))\n",
        LISTS,
    ),
    (
        "HONE204",
        "def f(xs):\n    return list(sorted(xs)), set(list(xs)), tuple(list(xs)), "
        "sorted(tuple(xs), reverse=True)\n",
        LISTS,
    ),
    ("HONE205", "def f(xs):\n    return [x for x in xs], {x for x in xs}\n", LISTS),
    (
        "HONE207",
        'def f(s):\n    return s.startswith("a") or s.startswith("bc") or s.endswith("z")\n',
        TEXTS,
    ),
    (
        "HONE212",
        "def f(xs):\n    return list(map(lambda x: x * 2, xs)), list(filter(lambda x: x, xs))\n",
        LISTS,
    ),
    ("HONE213", 'import re\n\ndef f(s):\n    t = str(s)\n    return re.sub("-", "+", t)\n', TEXTS),
    (
        "HONE219",
        "def f(x):\n    return set([x, 1]), tuple([x]), dict(a=x), list((x, x))\n",
        SCALARS,
    ),
    (
        "HONE220",
        "def f(xs):\n    return list(x for x in xs if x), set([x for x in xs]), "
        "dict((x, x) for x in xs)\n",
        LISTS,
    ),
    ("HONE221", "def f(xs):\n    return [x for _, x in enumerate(xs)]\n", LISTS),
]


@pytest.mark.parametrize(("rule", "before", "inputs"), CASES, ids=[c[0] for c in CASES])
def test_safe_fix_keeps_behaviour(rule: str, before: str, inputs: st.SearchStrategy[Any]) -> None:
    found = findings(before, rule)
    assert found and all(f.fix is not None and f.fix.safety is Safety.SAFE for f in found)
    after = fixed(before, rule)
    assert after != before

    @settings(max_examples=60, deadline=None, database=None)
    @given(inputs)
    def check(value: Any) -> None:
        assert_same_behaviour(before, after, "f", [(value,)])

    check()
