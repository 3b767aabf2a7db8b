"""hone's read-only rule pass reports exactly what ``libcst.visit_batched`` reports.

Same rules, same trees (real modules, cut into the chunks the engine analyses), same reports in
the same order: which rule, at which node, with which message and fix.  A difference in field
order or in which visit_/leave_ methods run would show up here.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from hone.core.outline import Outline
from hone.core.text import split_lines
from hone.rules import traversal
from hone.rules.base import Report, Rule, RuleContext
from hone.rules.loopkit import LoopRule
from hone.rules.nodeutil import code, is_node, walk
from hone.rules.registry import all_rules
from hone.rules.traversal import visit_batched

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MODULES = [
    "argparse",
    "ast",
    "collections",
    "dataclasses",
    "difflib",
    "email._header_value_parser",
    "inspect",
    "json.decoder",
    "statistics",
    "textwrap",
    "typing",
]


def _sources() -> list[tuple[str, str]]:
    out = [(name, inspect.getsource(importlib.import_module(name))) for name in MODULES]
    out += [(p.name, p.read_text()) for p in sorted(EXAMPLES.glob("*.py"))]
    return out


def _signature(report: Report) -> tuple[Any, ...]:
    fix = report.fix
    replacements = (
        tuple(
            (
                id(r.start),
                id(r.end),
                r.new
                if isinstance(r.new, str)
                else code(r.new)
                if isinstance(r.new, cst.CSTNode)
                else r.new("    "),  # a layout: its text at some indentation
            )
            for r in fix.replacements
        )
        if fix is not None
        else None
    )
    return (
        report.rule.id,
        id(report.node),
        id(report.end_node),
        report.message,
        fix.title if fix is not None else None,
        replacements,
    )


def _reports(module: cst.Module, run: Any) -> list[tuple[Any, ...]]:
    ctx = RuleContext(module)
    run(module, [rule(ctx) for rule in all_rules()])
    return [_signature(r) for r in ctx.reports]


@pytest.mark.parametrize(("name", "source"), _sources(), ids=lambda v: v if len(v) < 40 else "")
def test_same_reports_as_libcst_visit_batched(name: str, source: str) -> None:
    outline = Outline.build(split_lines(source))
    assert outline is not None
    total = 0
    for chunk in outline.chunks:
        module = cst.parse_module(chunk.source)
        ours = _reports(module, visit_batched)
        theirs = _reports(module, cst.visit_batched)
        assert ours == theirs, (name, chunk.first_line + 1)
        total += len(ours)
    if name.endswith(".py"):  # the examples are written to be found
        assert total > 0


class _LoopProbe(LoopRule):
    """Records the loop context each call is seen in (the tracker is shared by loop rules)."""

    meta = all_rules()[0].meta
    seen: list[tuple[str, int, str | None]]

    def visit_Call(self, node: cst.Call) -> None:
        func = self.function
        self.seen.append((type(self).__name__, len(self.loops), func and func.name.value))


class _ProbeA(_LoopProbe):
    pass


class _ProbeB(_LoopProbe):
    pass


NESTED = """\
def f(rows):
    for row in rows:
        for cell in row:
            g(cell)
        [h(x) for x in row for y in x]
    while rows:
        rows.pop()

    def inner():
        return k()
"""


@pytest.mark.parametrize("run", [visit_batched, cst.visit_batched], ids=["hone", "libcst"])
def test_loop_rules_share_one_tracker(run: Any) -> None:
    module = cst.parse_module(NESTED)
    ctx = RuleContext(module)
    probes = [_ProbeA(ctx), _ProbeB(ctx)]
    for probe in probes:
        probe.seen = []
    run(module, probes)
    expected = [
        ("f", 2),  # g(cell): two for statements
        ("f", 2),  # h(x): the for statement and the comprehension
        ("f", 1),  # rows.pop(): the while loop
        ("inner", 0),  # k(): a new function, no loops
    ]
    for probe in probes:
        assert [(name, depth) for _, depth, name in probe.seen] == expected


def test_children_are_visited_in_libcsts_order() -> None:
    """For every node of several real modules: the children the pass walks, in its order, are
    libcst's ``node.children``."""

    def ordered(node: cst.CSTNode) -> list[cst.CSTNode]:
        out: list[cst.CSTNode] = []
        for field in traversal._fields(node).order:
            value = getattr(node, field)
            values = value if type(value) in (tuple, list) else (value,)
            out.extend(v for v in values if is_node(v))
        return out

    kinds: set[type] = set()
    for name in ("argparse", "email._header_value_parser", "typing", "dataclasses"):
        module = cst.parse_module(inspect.getsource(importlib.import_module(name)))
        for node in walk(module):
            kinds.add(type(node))
            assert [id(c) for c in ordered(node)] == [id(c) for c in node.children], type(node)
    assert len(kinds) > 80  # most of libcst's node types were met


class _FStringProbe(Rule):
    """Records the calls libcst makes around f-string parts, whose format_spec it skips when
    there is none."""

    meta = all_rules()[0].meta
    calls: list[str]

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self.calls.append("visit")

    def visit_FormattedStringExpression_format_spec(
        self, node: cst.FormattedStringExpression
    ) -> None:
        self.calls.append("spec")

    def leave_FormattedStringExpression_format_spec(
        self, node: cst.FormattedStringExpression
    ) -> None:
        self.calls.append("/spec")

    def visit_Name(self, node: cst.Name) -> None:
        self.calls.append(node.value)


@pytest.mark.parametrize(
    "source",
    ['x = f"{a:>{w}}" + f"{b}"\n', 'x = f"{b}" + f"{a:>{w}}" + f"{c!r}"\n'],
    ids=["spec-first", "spec-later"],
)
def test_fields_libcst_skips_when_empty_are_learnt_whatever_comes_first(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(traversal, "_FIELDS", {})  # learn from this source alone
    monkeypatch.setattr(traversal, "_PLANS", {})
    module = cst.parse_module(source)
    calls = []
    for run in (visit_batched, cst.visit_batched):
        probe = _FStringProbe(RuleContext(module))
        probe.calls = []
        run(module, [probe])
        calls.append(probe.calls)
    assert calls[0] == calls[1]
    assert "spec" in calls[0] and "w" in calls[0]
