"""Families, not spellings: per rule, a table of shapes it must catch (spelled differently) and
look-alikes it must not; one test per row."""

from __future__ import annotations

import pytest

from tests.rules.ruletest import findings
from tests.rules.test_families_collections import FAMILIES as COLLECTION_FAMILIES
from tests.rules.test_families_loops import FAMILIES as LOOP_FAMILIES

# rule -> (shapes it catches, look-alikes it must leave alone)
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    "HONE117": (
        [
            "def f(names):\n    for n in names:\n        if names.count(n) > 1:\n"
            "            print(n)\n",
            "def f(names):\n    return [n for n in names if names.count(n) == 1]\n",
            "def f(names):\n    return {n: names.count(n) for n in names}\n",
            "def f(names):\n    i = 0\n    while i < 10:\n        total = names.count(i)\n"
            "        i += 1\n    return total\n",
            "def f(data: bytes, marks):\n    return sum(data.count(m) for m in marks)\n",
            "def f(names, others):\n    for a in others:\n        for b in a:\n"
            "            names.count(b)\n",
        ],
        [
            # a different string each iteration
            "def f(lines):\n    n = 0\n    for line in lines:\n        n += line.count(',')\n"
            "    return n\n",
            # substring counting: Counter is no answer
            "def f(text, ws):\n    return [text.count('ab') for w in ws]\n",
            # the list changes in the loop
            "def f(names, new):\n    for n in new:\n        if names.count(n) == 0:\n"
            "            names.append(n)\n",
            # rebound in the loop
            "def f(groups):\n    for names in groups:\n        print(names.count('x'))\n",
            # not in a loop
            "def f(names, n):\n    return names.count(n)\n",
            # a loop over a short literal
            "def f(names):\n    return [names.count(c) for c in ('a', 'b')]\n",
            # each row counted once, in a generator over the rows (docutils' latex2mathml)
            "def f(rows):\n    return max(row.count('&') - row.count('x') for row in rows)\n",
        ],
    ),
    "HONE219": (
        [
            "def f():\n    return dict()\n",
            "def f():\n    return list()\n",
            "def f():\n    return tuple()\n",
            "def f(a, b):\n    return set([a, b])\n",
            "def f(a):\n    return dict(mode=a, size=3)\n",
            "def f(a, b):\n    return dict([(a, 1), (b, 2)])\n",
        ],
        [
            "def f(list):\n    return list()\n",
            "def f(self):\n    return self.dict()\n",
            "def f():\n    return set()\n",
            "def f(kw):\n    return dict(**kw)\n",
            "def f(xs):\n    return list(xs)\n",
            "from collections import OrderedDict as dict\n\n\ndef f():\n    return dict()\n",
        ],
    ),
}

# every table: this file's and those beside the rules' own fix tests
TABLES = {**FAMILIES, **COLLECTION_FAMILIES, **LOOP_FAMILIES}
CATCH = [(rule, src) for rule, (good, _) in TABLES.items() for src in good]
LEAVE = [(rule, src) for rule, (_, bad) in TABLES.items() for src in bad]


@pytest.mark.parametrize(("rule", "src"), CATCH)
def test_catches_every_shape_of_the_family(rule: str, src: str) -> None:
    assert findings(src, rule), src


@pytest.mark.parametrize(("rule", "src"), LEAVE)
def test_leaves_look_alikes_alone(rule: str, src: str) -> None:
    assert not findings(src, rule), src


def test_each_family_has_five_shapes_and_five_look_alikes() -> None:
    assert len(TABLES) == len(FAMILIES) + len(COLLECTION_FAMILIES) + len(LOOP_FAMILIES)
    for rule, (good, bad) in TABLES.items():
        assert len(good) >= 5 and len(bad) >= 5, rule


def test_count_in_loop_fix_keeps_behaviour_on_hashable_lists() -> None:
    from tests.rules.ruletest import assert_same_behaviour, fixed

    src = (
        "def repeats(names):\n    out = []\n    for i in range(len(names)):\n"
        "        if names.count(names[i]) > 1 and names[i] not in out:\n"
        "            out.append(names[i])\n    return out\n"
    )
    after = fixed(src, "HONE117")
    assert "Counter(names)" in after and ".count(" not in after
    inputs = [([],), (["a"],), (["a", "b", "a", "c", "b", "a"],), ([1, 1.0, True, 2],)]
    assert_same_behaviour(src, after, "repeats", inputs)
