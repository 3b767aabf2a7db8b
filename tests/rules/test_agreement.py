"""Messages, fixes and the catalog agree: one safety per finding as ``hone rules`` states it,
one finding per span, and a message that says what the code actually does."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from hone.docs_catalog import find_entry, fix_label
from hone.rules.registry import all_rules
from tests.rules.ruletest import findings


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.meta.id)
def test_doc_example_finding_carries_a_safety_the_catalog_states(rule: type) -> None:
    meta = rule.meta  # type: ignore[attr-defined]
    found = findings(meta.doc.before, meta.id)
    entry = find_entry(meta.id)
    assert entry is not None
    label = fix_label(entry)
    for f in found:
        if f.fix is None:
            continue
        assert f.fix.safety in meta.fix_safeties
        assert f.fix.safety.value in label, (meta.id, f.fix.safety, label)


@pytest.mark.parametrize(
    ("rule", "src", "safety"),
    [
        ("HONE202", "def f(d: dict):\n    return len(list(d.keys()))\n", Safety.UNSAFE),
        ("HONE202", "def f():\n    xs = [1]\n    return len(list(xs))\n", Safety.SAFE),
        (
            "HONE103",
            "def f(xs, y):\n    for x in xs:\n        if x == y:\n            return True\n"
            "    return False\n",
            Safety.UNSAFE,
        ),
        ("HONE108", "def f(d, ks):\n    return [k for k in ks if k in d.keys()]\n", Safety.UNSAFE),
        (
            "HONE108",
            "def f(ks):\n    d = {}\n    return [k for k in ks if k in d.keys()]\n",
            Safety.SAFE,
        ),
    ],
)
def test_rules_whose_safety_varies_say_so_in_the_catalog(
    rule: str, src: str, safety: Safety
) -> None:
    found = findings(src, rule)
    assert found and found[0].fix is not None and found[0].fix.safety is safety
    entry = find_entry(rule)
    assert entry is not None and fix_label(entry) == "safe or unsafe"


def test_constant_rebuilt_in_loop_gets_one_finding_with_the_folded_literal() -> None:
    src = (
        "def f(ws):\n    n = 0\n    for w in ws:\n        if w in set(['a', 'b']):\n"
        "            n += 1\n        if w in dict(a=1):\n            n += 1\n    return n\n"
    )
    from hone.analysis.engine import analyse_text

    got = analyse_text(src).findings
    spans = [f.span for f in got]
    assert len(spans) == len(set(spans)), [(f.code, f.span) for f in got]
    assert [f.code for f in got] == ["HONE112", "HONE112"]
    assert got[0].fix is not None and "set display" in got[0].message
    assert got[1].fix is None and "outside the loop" in got[1].message


@pytest.mark.parametrize(
    ("src", "says", "not_says"),
    [
        (
            "class A:\n    def __init__(self, items=[]):\n        self.items = items\n",
            "stores it in self.items",
            "changes it",
        ),
        (
            "def g(x, acc=[]):\n    acc.append(x)\n    return acc\n",
            "this function changes it",
            "stores",
        ),
        ("def h(acc={}):\n    return acc\n", "returns it", "changes it:"),
    ],
)
def test_mutable_default_message_says_what_the_function_does(
    src: str, says: str, not_says: str
) -> None:
    (finding,) = findings(src, "HONE301")
    assert says in finding.message and not_says not in finding.message


def test_comparison_table_covers_every_performance_rule() -> None:
    from hone.core.finding import Category
    from hone.docs_catalog import COMPARISON

    listed = {row[0] for row in COMPARISON}
    perf = {r.meta.id for r in all_rules() if r.meta.category is Category.PERFORMANCE}
    assert perf <= listed, sorted(perf - listed)
    assert listed - {"-"} <= {r.meta.id for r in all_rules()}
