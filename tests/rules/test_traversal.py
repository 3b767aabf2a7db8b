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
from hone.rules.base import Report, RuleContext
from hone.rules.nodeutil import code
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
                r.new if isinstance(r.new, str) else code(r.new),
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
