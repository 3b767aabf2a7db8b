"""Test-only rules (HONE99x) so the CLI and LSP tests do not depend on the real catalog's fixes.

Added to the registry by the CLI tests' ``fake_rules`` fixture, and by
``tests/lsp/serve_with_test_rules.py`` (the server the LSP end-to-end tests start).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from hone.core.finding import Safety
from hone.rules.base import Replacement, Rule, RuleDoc, RuleMeta

_DOC = RuleDoc(why="test rule", before="x == None", after="x is None")


class CompareNoneRule(Rule):
    """``x == None`` -> ``x is None``: a safe, single-line fix."""

    meta = RuleMeta(
        id="HONE990",
        name="test-compare-none",
        message="Compare to None with `is`",
        fix_safety=Safety.SAFE,
        doc=_DOC,
    )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        if not (
            isinstance(target.operator, cst.Equal) and m.matches(target.comparator, m.Name("None"))
        ):
            return
        op = target.operator
        new_op = cst.Is(
            whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after
        )
        new = node.with_changes(comparisons=[target.with_changes(operator=new_op)])
        self.report(node, fix=self.fix("Use `is None`", Replacement(node, new)))


class BoomRule(Rule):
    """Raises on the name ``hone_boom``: a crashing rule."""

    meta = RuleMeta(id="HONE991", name="test-boom", message="boom", doc=_DOC)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "hone_boom":
            raise RuntimeError("rule exploded")


class ExpandRule(Rule):
    """Top-level ``hone_expand()`` -> two statements: a safe, multi-line fix."""

    meta = RuleMeta(
        id="HONE992",
        name="test-expand",
        message="Expand this call",
        fix_safety=Safety.SAFE,
        doc=_DOC,
    )

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if m.matches(
            node, m.SimpleStatementLine(body=[m.Expr(m.Call(func=m.Name("hone_expand")))])
        ):
            body = node.body[0]
            self.report(body, fix=self.fix("Expand", Replacement(body, "first = 1\nsecond = 2")))
