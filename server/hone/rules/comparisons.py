"""Rules about comparisons that repeat work: a chain of ``==`` against one subject (HONE209)."""

from __future__ import annotations

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import Replacement, RuleContext, RuleDoc, RuleMeta
from hone.rules.nodeutil import (
    HoneRule,
    code,
    dotted,
    flatten_bool,
    is_hashable_literal,
    operator_has_comment,
    runs,
)

# -- HONE209 --------------------------------------------------------------------------------


class RepeatedEqualityRule(HoneRule):
    meta = RuleMeta(
        id="HONE209",
        name="repeated-equality",
        message="Test membership in a set literal instead of comparing with each value",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="x == a or x == b or x == c compares one value after another; x in {a, b, c} "
            "with constant values is a single hash lookup in a set built at compile time "
            "(2-5x faster when x matches none or a late one).  A tuple (x in (a, b, c)) is "
            "*not* faster on CPython 3.11, so hone suggests the set.",
            before="if mode == 'r' or mode == 'rb' or mode == 'rt':\n    read()",
            after="if mode in {'r', 'rb', 'rt'}:\n    read()",
            not_applicable="Needs at least three consecutive comparisons of the same name with "
            "number or string literals in one `or` chain (`!=` in an `and` chain becomes "
            "`not in`).  Comparisons with variables are left alone.",
            unsafe_because="x in {...} hashes x: an unhashable x (a list, a dict) raises "
            "TypeError where the comparisons returned False, and a type whose __hash__ "
            "disagrees with __eq__ can differ.  The result is always a bool, where the `or` "
            "chain returned what __eq__ returned (e.g. numpy.bool_).",
        ),
    )

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self._inner: set[int] = set()

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if id(node) in self._inner:
            return
        negated = isinstance(node.operator, cst.And)
        operands, links = flatten_bool(node)
        self._inner.update(id(link) for link in links)
        want = cst.NotEqual if negated else cst.Equal
        keys: list[str | None] = []
        for op in operands:
            key = None
            if (
                isinstance(op, cst.Comparison)
                and not op.lpar  # the replaced span would cut through its parentheses
                and len(op.comparisons) == 1
                and isinstance(op.comparisons[0].operator, want)
                and is_hashable_literal(op.comparisons[0].comparator)
            ):
                key = dotted(op.left)
            keys.append(key)
        for start, end in runs(operands, keys):
            if end - start >= 3:
                self._fix(operands[start:end], links, negated)

    def _fix(
        self, ops: list[cst.BaseExpression], links: list[cst.BooleanOperation], negated: bool
    ) -> None:
        comparisons = [op for op in ops if isinstance(op, cst.Comparison)]
        first, last = comparisons[0], comparisons[-1]
        values = [c.comparisons[0].comparator for c in comparisons]
        operator: cst.BaseCompOp = cst.NotIn() if negated else cst.In()
        new = cst.Comparison(
            left=first.left,
            comparisons=[cst.ComparisonTarget(operator, cst.Set([cst.Element(v) for v in values]))],
        )
        span_links = [link for link in links if any(link.right is op for op in ops[1:])]
        fix = None
        if not operator_has_comment(span_links):
            fix = self.node_fix(
                "Use a set membership test", Safety.UNSAFE, ops, Replacement(first, new, last)
            )
        self.report(
            first,
            f"Use `{code(new)}` instead of {len(ops)} comparisons"
            if len(code(new)) <= 60
            else self.meta.message,
            fix=fix,
            end_node=last,
        )
