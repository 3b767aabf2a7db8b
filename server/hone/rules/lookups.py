"""Rules about looking the same key up twice: ``if k in d: v = d[k]`` (HONE215)."""

from __future__ import annotations

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import Replacement, RuleContext, RuleDoc, RuleMeta
from hone.rules.nodeutil import (
    HoneRule,
    code,
    dotted,
    is_hashable_literal,
    is_name,
)

# -- HONE215 --------------------------------------------------------------------------------


def _simple_key(expr: cst.BaseExpression) -> bool:
    return dotted(expr) is not None or is_hashable_literal(expr)


def _simple_default(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name) or is_hashable_literal(expr):
        return True
    return isinstance(expr, cst.List | cst.Dict | cst.Tuple) and not expr.elements


def _lookup(expr: cst.BaseExpression, d: str, k: str) -> bool:
    """Whether ``expr`` is ``d[k]``."""
    return (
        isinstance(expr, cst.Subscript)
        and not expr.lpar
        and code(expr.value) == d
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and expr.slice[0].slice.star is None
        and code(expr.slice[0].slice.value) == k
    )


def _single_assign(block: cst.BaseSuite) -> cst.Assign | None:
    if not isinstance(block, cst.IndentedBlock) or len(block.body) != 1:
        return None
    line = block.body[0]
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    stmt = line.body[0]
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
        return stmt
    return None


class DoubleLookupRule(HoneRule):
    meta = RuleMeta(
        id="HONE215",
        name="double-lookup",
        message="Use d.get(key, default): one lookup instead of a membership test and an index",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="`if k in d: v = d[k]` hashes and looks up k twice on a hit; d.get(k, default) "
            "does one lookup (about 1.4x faster on hits, more for keys that are costly to hash "
            "such as tuples).",
            before="if key in cache:\n    value = cache[key]\nelse:\n    value = None\n"
            "size = sizes[name] if name in sizes else 0",
            after="value = cache.get(key)\nsize = sizes.get(name, 0)",
            not_applicable="Only the exact if/else (or conditional expression) that assigns "
            "d[k] on one side and a literal, a name or an empty literal on the other is "
            "rewritten; key and dict must be names/attributes (evaluated twice in the original).  "
            "Counting patterns (d[k] += 1) belong to the loop rules.  `self`/`cls` as the "
            "dict are left alone (a mapping class's own get() is often written this way).",
            unsafe_because="For objects that are not dicts, get() may behave differently from "
            "`in` plus indexing (or not exist); a default that is a name is evaluated even on a "
            "hit (NameError if it is unbound).",
        ),
    )

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self._elifs: set[int] = set()

    @staticmethod
    def _test(test: cst.BaseExpression) -> tuple[str, str, bool] | None:
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return None
        op = test.comparisons[0].operator
        d = test.comparisons[0].comparator
        if not isinstance(op, cst.In | cst.NotIn) or dotted(d) is None:
            return None
        if isinstance(d, cst.Name) and d.value in ("self", "cls"):
            return None  # a mapping class of its own, whose get() may be this very code
        if not _simple_key(test.left):
            return None
        return code(test.left), code(d), isinstance(op, cst.In)

    @staticmethod
    def _get(d: cst.BaseExpression, k: cst.BaseExpression, default: cst.BaseExpression) -> cst.Call:
        args = [cst.Arg(k)]
        if not is_name(default, "None"):
            args.append(cst.Arg(default))
        return cst.Call(func=cst.Attribute(value=d, attr=cst.Name("get")), args=args)

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
            return
        if id(node) in self._elifs or not isinstance(node.orelse, cst.Else):
            return
        parsed = self._test(node.test)
        if parsed is None:
            return
        k, d, positive = parsed
        hit = _single_assign(node.body if positive else node.orelse.body)
        miss = _single_assign(node.orelse.body if positive else node.body)
        if hit is None or miss is None:
            return
        target = hit.targets[0].target
        if (
            dotted(target) is None
            or code(miss.targets[0].target) != code(target)
            or not _lookup(hit.value, d, k)
            or not _simple_default(miss.value)
        ):
            return
        assert isinstance(hit.value, cst.Subscript) and isinstance(node.test, cst.Comparison)
        get = self._get(hit.value.value, node.test.left, miss.value)
        new = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(target)], value=get)]
        )
        self.report(
            node,
            f"Use `{code(target)} = {code(get)}`: one lookup instead of two",
            end_node=node,
            fix=self.node_fix(
                "Use dict.get()",
                Safety.UNSAFE,
                node.with_changes(leading_lines=()),
                Replacement(node, new),
            ),
        )

    def visit_IfExp(self, node: cst.IfExp) -> None:
        parsed = self._test(node.test)
        if parsed is None:
            return
        k, d, positive = parsed
        hit, miss = (node.body, node.orelse) if positive else (node.orelse, node.body)
        if not _lookup(hit, d, k) or not _simple_default(miss):
            return
        assert isinstance(hit, cst.Subscript) and isinstance(node.test, cst.Comparison)
        new = self._get(hit.value, node.test.left, miss)
        self.report(
            node,
            f"Use `{code(new)}`: one lookup instead of two"
            if len(code(new)) <= 60
            else self.meta.message,
            fix=self.node_fix("Use dict.get()", Safety.UNSAFE, node, Replacement(node, new)),
        )
