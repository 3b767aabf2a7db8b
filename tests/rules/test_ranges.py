"""A finding's range is the construct to change: a loop's header, a multi-line call's callee."""

from __future__ import annotations

import pytest

from tests.rules.ruletest import dedent, findings

MULTILINE_APPEND = """
def f(n):
    orders = []
    for i in range(n):
        orders.append(
            Order(
                i,
                name=str(i),
                price=i * 2,
                qty=1,
            )
        )
    return orders
"""


@pytest.mark.parametrize(
    ("src", "rule", "text"),
    [
        (MULTILINE_APPEND, "HONE101", "for i in range(n)"),
        (
            "def g(xs):\n    for x in xs:\n        if x == 3:\n            return True\n"
            "    return False\n",
            "HONE103",
            "for x in xs",
        ),
        (
            "def h(xs):\n    return set(\n        [\n            x\n            for x in xs\n"
            "        ]\n    )\n",
            "HONE220",
            "set",
        ),
    ],
)
def test_range_is_one_line_on_the_construct_to_change(src: str, rule: str, text: str) -> None:
    (finding,) = findings(src, rule)
    span = finding.span
    assert span.start.line == span.end.line
    line = dedent(src).splitlines()[span.start.line]
    assert line[span.start.character : span.end.character] == text
    assert finding.fix is not None  # the fix still replaces the whole construct
    assert any(e.span.end.line > e.span.start.line for e in finding.fix.edits)
