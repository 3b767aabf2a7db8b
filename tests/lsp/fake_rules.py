"""Test-only rules (HONE98x) so the LSP tests do not depend on the real catalog's fixes.

Loaded only by ``serve_with_test_rules.py`` (the server the e2e tests start).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from hone.core.finding import Safety
from hone.rules.base import Replacement, Rule, RuleDoc, RuleMeta

_DOC = RuleDoc(why="test rule", before="x == None", after="x is None")


class CompareNoneRule(Rule):
    """``x == None`` -> ``x is None``: a safe fix that changes two characters."""

    meta = RuleMeta(
        id="HONE980",
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

    meta = RuleMeta(id="HONE981", name="test-boom", message="boom", doc=_DOC)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "hone_boom":
            raise RuntimeError("rule exploded")


class ExpandRule(Rule):
    """A statement ``hone_expand()`` -> two statements: a safe, multi-line fix."""

    meta = RuleMeta(
        id="HONE982",
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
