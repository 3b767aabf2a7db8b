"""Loop rules (HONE101-HONE103, HONE106, HONE109, HONE110, HONE112, HONE113, HONE115).

Every rule here reports only shapes that measurably run slower than the suggested form on
CPython 3.11 (see ``bench/`` and the rule docs); look-alikes that are merely unidiomatic are left
alone.  A fix is offered only when its preconditions are proven from the function's own code
(:class:`~hone.rules.loopkit.FunctionFacts`); otherwise the finding carries no fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import NodeFix, Replacement, RuleContext, RuleDoc, RuleMeta
from hone.rules.builtins_calls import LOOP_CONSTANT_KEY, literal_for_call
from hone.rules.layout import bracketed
from hone.rules.loopkit import (
    COMPREHENSIONS,
    LOOP_STATEMENTS,
    FunctionFacts,
    LoopRule,
    expr_code,
    has_comment,
    is_constant,
    is_constant_value,
    is_simple_target,
    is_string_literal,
    names_in,
    only_statement,
    single_small,
    statement_has_comment,
    target_names,
)
from hone.rules.nodeutil import children, contains, is_name, walk

# Constructs whose meaning changes when code moves into a comprehension's own scope, or that a
# comprehension cannot contain: they make a loop ineligible for a rewrite.
_SCOPE_SENSITIVE = (cst.Await, cst.Yield, cst.NamedExpr, cst.Lambda, cst.GeneratorExp)


def _method_call(node: cst.CSTNode, method: str) -> tuple[cst.Name, cst.Call] | None:
    """``<name>.<method>(...)``: the receiver name and the call."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and isinstance(node.func.value, cst.Name)
        and node.func.attr.value == method
    ):
        return node.func.value, node
    return None


def _positional(call: cst.Call, count: int) -> list[cst.BaseExpression] | None:
    """The call's arguments when it has exactly ``count`` plain positional ones."""
    if len(call.args) != count or any(a.keyword is not None or a.star for a in call.args):
        return None
    return [a.value for a in call.args]


def _operand_code(rule: LoopRule, node: cst.BaseExpression) -> str:
    """Source of ``node`` usable as an operand of ``in``/``not`` (parenthesised if needed)."""
    atomic = (
        cst.Name,
        cst.Attribute,
        cst.Call,
        cst.Subscript,
        cst.List,
        cst.Set,
        cst.Dict,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
        cst.Integer,
        cst.Float,
        cst.Imaginary,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.FormattedString,
    )
    code = rule.ctx.code(node)
    if getattr(node, "lpar", ()) or isinstance(node, atomic):
        return code
    return f"({code})"


# -- HONE101 -------------------------------------------------------------------------------

AccKind = Literal["list", "set", "dict"]


@dataclass(slots=True)
class _Accumulation:
    kind: AccKind
    receiver: str
    leaf: cst.BaseSmallStatement
    clauses: list[cst.For | cst.If]
    elt: cst.BaseExpression | None = None  # list/set element
    key: cst.BaseExpression | None = None  # dict key
    value: cst.BaseExpression | None = None  # dict value


def _accumulation(loop: cst.For) -> _Accumulation | None:
    """``for ...: [for ...: | if ...:]* out.append(e) / s.add(e) / d[k] = v`` - nothing else."""
    clauses: list[cst.For | cst.If] = []
    current: cst.CSTNode = loop
    while isinstance(current, cst.For | cst.If):
        if isinstance(current, cst.For) and current.asynchronous is not None:
            return None
        if current.orelse is not None:
            return None
        clauses.append(current)
        inner = only_statement(current.body)
        if inner is None:
            return None
        current = inner
    if isinstance(current, cst.Expr):
        for method, kind in (("append", "list"), ("add", "set")):
            found = _method_call(current.value, method)
            if found is not None:
                args = _positional(found[1], 1)
                if args is None:
                    return None
                acc_kind: AccKind = "list" if kind == "list" else "set"
                return _Accumulation(acc_kind, found[0].value, current, clauses, elt=args[0])
        return None
    if isinstance(current, cst.Assign) and len(current.targets) == 1:
        target = current.targets[0].target
        if (
            isinstance(target, cst.Subscript)
            and isinstance(target.value, cst.Name)
            and all(
                isinstance(el.slice, cst.Index) and el.slice.star is None for el in target.slice
            )
        ):
            values = [el.slice.value for el in target.slice if isinstance(el.slice, cst.Index)]
            # d[a, b] = v stores under the tuple (a, b)
            key = values[0] if len(values) == 1 else cst.Tuple([cst.Element(v) for v in values])
            return _Accumulation(
                "dict", target.value.value, current, clauses, key=key, value=current.value
            )
    return None


def _empty_container(value: cst.BaseExpression, kind: AccKind) -> bool:
    if isinstance(value, cst.Call):
        return (
            is_name(value.func, {"list": "list", "set": "set", "dict": "dict"}[kind])
            and not value.args
        )
    if kind == "list":
        return isinstance(value, cst.List) and not value.elements
    if kind == "dict":
        return isinstance(value, cst.Dict) and not value.elements
    return False


class AppendInLoopRule(LoopRule):
    meta = RuleMeta(
        id="HONE101",
        name="append-in-loop",
        message="Build the list with a comprehension instead of appending in a loop",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the loop builds a list or set, or a dict whose key or value is the "
        "loop variable itself",
        doc=RuleDoc(
            why="A loop that only appends runs a method lookup and call per element; a "
            "comprehension appends with one bytecode and no call (10-25% faster on CPython "
            "3.11 for list and set, more on 3.12 where comprehensions are inlined), and "
            "list(it)/set(it) copy in C, 5-8x faster than an append loop. For dicts the gain is "
            "small; the rule reports them for consistency with list and set.",
            before="def squares(xs):\n    out = []\n    for x in xs:\n        if x > 0:\n"
            "            out.append(x * x)\n    return out",
            after="def squares(xs):\n    out = [x * x for x in xs if x > 0]\n    return out",
            not_applicable="Reported only when the loop body is the append/add/item assignment "
            "alone (optionally under if-statements and nested for-loops without else), the "
            "accumulator is not used in the loop otherwise, and either the empty "
            "list/set/dict is created in the statement just before the loop (or earlier in "
            "the same block, with nothing in between mentioning it: reported without a fix) "
            "or the loop "
            "copies its items unchanged into a name the function binds only to lists/sets "
            "(then out.extend(it)/s.update(it) is suggested; appending the result of an "
            "expression to an existing list is not reported: extend() over a generator is "
            "slower than the loop). The "
            "fix is withheld when a comment would be lost, when the loop variable is read "
            "after the loop, when the accumulator could be seen by other code while it is "
            "filled (global, captured by a closure, read in an exception handler), or when the "
            "loop contains await, yield, := , lambda, generator expressions or super() (which "
            "fails inside a comprehension's scope).",
            unsafe_because="The comprehension fix is safe. Dict comprehensions evaluate the "
            "key before the value while d[k] = v evaluates the value first: when neither is a "
            "plain loop variable or constant the fix is marked unsafe. The extend()/update() "
            "fix (no initialisation just before the loop) is unsafe: the receiver may not be a "
            "list/set, and if it is the iterable itself the loop never ends while extend() "
            "doubles it. list(it)/set(it) ask the iterable for a length hint, so an iterable "
            "whose __len__ raises something other than TypeError is the one input the "
            "safe list(it) fix treats differently.",
        ),
    )

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self._reported: set[int] = set()  # leaves already reported from an outer loop

    def visit_For(self, node: cst.For) -> None:
        acc = _accumulation(node)
        if acc is None or id(acc.leaf) in self._reported:
            return
        self._reported.add(id(acc.leaf))
        headers: list[cst.CSTNode] = []
        for c in acc.clauses:
            headers.extend([c.target, c.iter] if isinstance(c, cst.For) else [c.test])
        headers.extend(e for e in (acc.elt, acc.key, acc.value) if e is not None)
        if any(_mentions(n, acc.receiver) for n in headers):
            return
        facts = self.facts()
        init = facts.previous_statement(node) if facts is not None else None
        init_prefix = self._init_prefix(init, acc) if init is not None else None
        if facts is not None and init is not None and init_prefix is not None:
            fix = self._comprehension_fix(facts, node, acc, init, init_prefix)
            what = {"list": "list", "set": "set", "dict": "dict"}[acc.kind]
            self.report(
                node,  # shown on the loop's header: the loop is what the fix replaces
                f"Build the {what} with a comprehension instead of filling it in a loop",
                fix=fix,
            )
            return
        if (
            self._is_copy(acc)
            and facts is not None
            and facts.only_bound_to(acc.receiver, "list" if acc.kind == "list" else "set")
            # list()/sorted()/set() named by a local prove nothing
            and not {"list", "sorted", "set"} & facts.bindings.keys()
        ):
            # only on a proven list/set: on other objects extend()/update() may not exist, or
            # be the very method this loop implements
            method = "extend" if acc.kind == "list" else "update"
            fix = self._extend_fix(facts, node, acc, method)
            self.report(
                node,
                f"Use {acc.receiver}.{method}(...) instead of a loop that adds the items one by "
                "one",
                fix=fix,
            )
            return
        earlier = _earlier_init(facts, node, acc.receiver) if facts is not None else None
        if earlier is not None and self._init_prefix(earlier, acc) is not None:
            # the empty container is bound a few statements up: no fix (the statements in
            # between would have to move), but the loop is the same comprehension
            what = {"list": "list", "set": "set", "dict": "dict"}[acc.kind]
            self.report(
                node, f"Build the {what} with a comprehension instead of filling it in a loop"
            )

    def _init_prefix(self, stmt: cst.CSTNode, acc: _Accumulation) -> str | None:
        small = single_small(stmt)
        facts = self.facts()
        if (
            isinstance(small, cst.Assign | cst.AnnAssign)
            and isinstance(small.value, cst.Call)
            and isinstance(small.value.func, cst.Name)
            and (facts is None or small.value.func.value in facts.bindings)
        ):
            return None  # list()/set()/dict() named by a local: not the builtin
        if isinstance(small, cst.Assign):
            if len(small.targets) != 1 or not is_name(small.targets[0].target, acc.receiver):
                return None
            if not _empty_container(small.value, acc.kind):
                return None
            return f"{acc.receiver} = "
        if isinstance(small, cst.AnnAssign) and small.value is not None:
            if not is_name(small.target, acc.receiver):
                return None
            if not _empty_container(small.value, acc.kind):
                return None
            return f"{acc.receiver}: {self.ctx.code(small.annotation.annotation)} = "
        return None

    @staticmethod
    def _is_copy(acc: _Accumulation) -> bool:
        if acc.kind == "dict" or len(acc.clauses) != 1 or acc.elt is None:
            return False
        loop = acc.clauses[0]
        assert isinstance(loop, cst.For)
        return isinstance(loop.target, cst.Name) and is_name(acc.elt, loop.target.value)

    def _eligible(
        self, facts: FunctionFacts | None, node: cst.For, acc: _Accumulation, whole: bool
    ) -> bool:
        """Can the loop become one expression?  ``whole``: comments above it would be lost too."""
        if facts is None or (has_comment(node) if whole else statement_has_comment(node)):
            return False
        fors = [c for c in acc.clauses if isinstance(c, cst.For)]
        if not all(is_simple_target(f.target) for f in fors):
            return False
        inner = [node.target, *acc.clauses[1:], acc.leaf]
        if any(contains(n, *_SCOPE_SENSITIVE) for n in inner):
            return False
        # zero-argument super() fails inside a comprehension's own scope (Python 3.11)
        if any(_mentions(n, "super") for n in inner):
            return False
        if contains(node.iter, cst.Await, cst.Yield, cst.NamedExpr):
            return False
        names = [n.value for f in fors for n in target_names(f.target)]
        return not facts.loop_names_escape(names, node)

    def _comprehension_fix(
        self,
        facts: FunctionFacts,
        node: cst.For,
        acc: _Accumulation,
        init: cst.CSTNode,
        prefix: str,
    ) -> NodeFix | None:
        if not self._eligible(facts, node, acc, True) or statement_has_comment(init):
            return None
        if not facts.private_accumulator(acc.receiver, init, node):
            return None
        safety = Safety.SAFE
        text: str | Callable[[str], str]
        if self._is_copy(acc):
            call = "list" if acc.kind == "list" else "set"
            text = bracketed(prefix, f"{call}(", [expr_code(self.ctx, node.iter)], ")")
        else:
            clauses = [self._clause(c) for c in acc.clauses]
            if acc.kind == "list":
                assert acc.elt is not None
                text = bracketed(prefix, "[", [expr_code(self.ctx, acc.elt), *clauses], "]")
            elif acc.kind == "set":
                assert acc.elt is not None
                text = bracketed(prefix, "{", [expr_code(self.ctx, acc.elt), *clauses], "}")
            else:
                assert acc.key is not None and acc.value is not None
                key, value = expr_code(self.ctx, acc.key), expr_code(self.ctx, acc.value)
                text = bracketed(prefix, "{", [f"{key}: {value}", *clauses], "}")
                loop_names = {
                    n.value
                    for c in acc.clauses
                    if isinstance(c, cst.For)
                    for n in target_names(c.target)
                }
                if not (_trivial(acc.key, loop_names) or _trivial(acc.value, loop_names)):
                    safety = Safety.UNSAFE
        what = "list()" if self._is_copy(acc) and acc.kind == "list" else "a comprehension"
        if self._is_copy(acc) and acc.kind == "set":
            what = "set()"
        return NodeFix(f"Replace the loop with {what}", [Replacement(init, text, node)], safety)

    def _clause(self, clause: cst.For | cst.If) -> str:
        if isinstance(clause, cst.For):
            target = self.ctx.code(clause.target)
            return f"for {target} in {expr_code(self.ctx, clause.iter)}"
        return f"if {expr_code(self.ctx, clause.test)}"

    def _extend_fix(
        self, facts: FunctionFacts | None, node: cst.For, acc: _Accumulation, method: str
    ) -> NodeFix | None:
        if not self._eligible(facts, node, acc, False):
            return None
        text = f"{acc.receiver}.{method}({expr_code(self.ctx, node.iter)})"
        return NodeFix(
            f"Replace the loop with {acc.receiver}.{method}()",
            [Replacement(node, text)],
            Safety.UNSAFE,
        )


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(n.value == name for n in names_in(node))


def _earlier_init(facts: FunctionFacts, loop: cst.CSTNode, name: str) -> cst.CSTNode | None:
    """The simple statement that binds ``name`` alone, earlier in ``loop``'s block but not just
    before it, when no statement in between mentions ``name`` and it is a private local (so
    nothing can change it before the loop starts)."""
    sib = facts.siblings(loop)
    if sib is None:
        return None
    index = next((i for i, stmt in enumerate(sib) if stmt is loop), 0)
    between: list[cst.CSTNode] = []
    for stmt in reversed(sib[:index]):
        small = single_small(stmt)
        binds: tuple[cst.BaseExpression, cst.BaseExpression | None] | None = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            binds = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign):
            binds = small.target, small.value
        if binds is not None and is_name(binds[0], name):
            value = binds[1]
            if not between or value is None or _mentions(value, name):
                return None
            return stmt if facts.private_accumulator(name, stmt, loop) else None
        if _mentions(stmt, name):
            return None
        between.append(stmt)
    return None


def _trivial(expr: cst.BaseExpression, loop_names: set[str]) -> bool:
    """Cannot raise or have side effects: a loop variable, a constant, or a tuple of those."""
    if isinstance(expr, cst.Tuple):
        return all(_trivial(el.value, loop_names) for el in expr.elements)
    return is_constant(expr) or (isinstance(expr, cst.Name) and expr.value in loop_names)


# -- HONE102 -------------------------------------------------------------------------------

# Builtins that are C functions of one argument: sum(map(f, it)) runs the whole loop in C.
_C_UNARY = frozenset({"abs", "len", "int", "float", "round", "ord", "bool", "str", "hash"})


class ManualSumRule(LoopRule):
    meta = RuleMeta(
        id="HONE102",
        name="manual-sum-loop",
        message="Use sum() instead of adding up in a loop",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="sum() adds in C: sum(xs) is about 4x faster than `for x in xs: total += x`, "
            "and sum(map(len, xs)) about 1.5x faster than adding len(x) in a loop.",
            before="def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t",
            after="def total(xs):\n    t = sum(xs)\n    return t",
            not_applicable="Only the exact shape `acc = 0` (or 0.0) followed by a loop whose "
            "whole body is `acc += x` or `acc += f(x)` with f a one-argument C "
            "builtin (abs, len, int, float, round, ord, bool, str, hash). Loops adding other "
            "expressions or with conditions are not reported: sum() over a generator "
            "expression is not faster than the loop. When statements stand between `acc = 0` "
            "and the loop (none of them mentioning acc), the loop is reported without a fix.",
            unsafe_because="sum() uses + where the loop uses +=, which differs for types "
            "whose __iadd__ is not __add__ (e.g. numpy arrays cast differently in place); "
            "from Python 3.12 sum() adds floats with compensated summation, so float results "
            "can differ in the last bits; the fix is withheld when the loop variable is read "
            "after the loop or the accumulator is visible to other code.",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or node.orelse is not None:
            return
        if not isinstance(node.target, cst.Name):
            return
        stmt = only_statement(node.body)
        found = _accumulated(stmt)
        if found is None:
            return
        acc, added = found
        var = node.target.value
        if is_name(added, var):
            mapped = None
        elif (
            isinstance(added, cst.Call)
            and isinstance(added.func, cst.Name)
            and added.func.value in _C_UNARY
            and (args := _positional(added, 1)) is not None
            and is_name(args[0], var)
        ):
            mapped = added.func.value
        else:
            return
        facts = self.facts()
        if facts is None:
            return
        init = facts.previous_statement(node)
        if init is None or not _zero_init(init, acc):
            # bound to zero a few statements up: reported, but with no fix (the statements in
            # between would have to move)
            init = _earlier_init(facts, node, acc)
            if init is None or not _zero_init(init, acc):
                return
            adjacent = False
        else:
            adjacent = True
        small = single_small(init)
        assert isinstance(small, cst.Assign) and isinstance(small.value, cst.Integer | cst.Float)
        if _mentions(node.iter, acc):
            return
        assert stmt is not None
        start = "" if isinstance(small.value, cst.Integer) else f", {small.value.value}"
        iterable = expr_code(self.ctx, node.iter)
        arg = f"map({mapped}, {iterable})" if mapped else iterable
        fix = None
        if (
            adjacent
            and not has_comment(node)
            and not statement_has_comment(init)
            and not facts.loop_names_escape([var], node)
            and facts.private_accumulator(acc, init, node)
        ):
            fix = self.fix(
                "Replace the loop with sum()",
                Replacement(init, f"{acc} = sum({arg}{start})", node),
            )
        self.report(stmt, f"Use {acc} = sum({arg}{start}) instead of adding in a loop", fix=fix)


def _zero_init(stmt: cst.CSTNode, acc: str) -> bool:
    """``acc = 0`` or ``acc = 0.0``."""
    small = single_small(stmt)
    return (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and is_name(small.targets[0].target, acc)
        and isinstance(small.value, cst.Integer | cst.Float)
        and small.value.evaluated_value == 0
    )


def _accumulated(stmt: cst.CSTNode | None) -> tuple[str, cst.BaseExpression] | None:
    """``acc += e`` or ``acc = acc + e``: (acc, e)."""
    if (
        isinstance(stmt, cst.AugAssign)
        and isinstance(stmt.operator, cst.AddAssign)
        and isinstance(stmt.target, cst.Name)
    ):
        return stmt.target.value, stmt.value
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0].target
        value = stmt.value
        if (
            isinstance(target, cst.Name)
            and isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, cst.Add)
            and is_name(value.left, target.value)
        ):
            return target.value, value.right
    return None


# -- HONE103 -------------------------------------------------------------------------------


def _bool_return(stmt: cst.CSTNode | None) -> bool | None:
    if isinstance(stmt, cst.SimpleStatementLine):
        stmt = single_small(stmt)
    if (
        isinstance(stmt, cst.Return)
        and isinstance(stmt.value, cst.Name)
        and stmt.value.value in ("True", "False")
    ):
        return stmt.value.value == "True"
    return None


class ManualAnyAllRule(LoopRule):
    meta = RuleMeta(
        id="HONE103",
        name="manual-any-all",
        message="Use any()/all() or `in` instead of a search loop",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the loop tests the element's truth (any()/all()) and stops at the first "
        "match; an equality search becomes `in`, which also matches by identity, and is unsafe",
        doc=RuleDoc(
            why="any(xs)/all(xs) test truthiness in C, about 2.5x faster than a Python loop "
            "that returns on the first true item; `c in xs` compares in C, several times "
            "faster than a loop that tests x == c.",
            before="def has_error(flags):\n    for f in flags:\n        if f:\n"
            "            return True\n    return False",
            after="def has_error(flags):\n    return any(flags)",
            not_applicable="Only loops that return True/False on the loop variable itself "
            "(`if x`, `if not x`) or on `x == c` for a constant or a name c, immediately "
            "followed by the opposite return, and loops that set a flag on the same tests "
            "(`found = False` just before the loop, `if x == c: found = True`, with or "
            "without `break`, and nothing else in the loop). Other conditions are not reported: "
            "any(cond for x in xs) runs a generator and is about 2x *slower* than the loop "
            "on CPython 3.11.",
            unsafe_because="The any()/all() fixes are safe when the loop stops at the first "
            "match (return or break); a flag loop without break goes on testing the remaining "
            "items (and exhausts an iterator) where the builtin stops, so that fix is unsafe. "
            "The `c in xs` fix is unsafe: "
            "`in` also matches by identity (a NaN is found in [nan]), on a string it finds "
            "substrings, on a dict/set it hashes c (TypeError if c is unhashable) instead of "
            "comparing, and c is evaluated once even when the iterable is empty.",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or node.orelse is not None:
            return
        if not isinstance(node.target, cst.Name):
            return
        test_if = only_statement(node.body)
        if not isinstance(test_if, cst.If) or test_if.orelse is not None:
            return
        facts = self.facts()
        if facts is None:
            return
        inside = _bool_return(only_statement(test_if.body))
        if inside is None:
            self._flag_search(facts, node, test_if)
            return
        after = facts.next_statement(node)
        if after is None or _bool_return(after) is not (not inside):
            return
        var = node.target.value
        found = self._search(facts, node, test_if.test, var, inside)
        if found is None:
            return
        text, title, safety = found
        fix = None
        if (
            not has_comment(node)
            and not has_comment(after)
            and not contains(node.iter, cst.Await, cst.Yield, cst.NamedExpr)
            and not facts.loop_names_escape([var], node)
        ):
            fix = NodeFix(
                f"Replace the loop with {title}",
                [Replacement(node, f"return {text}", after)],
                safety,
            )
        self.report(node, f"Replace this loop with `return {text}`", fix=fix, end_node=after)

    def _search(
        self, facts: FunctionFacts, node: cst.For, test: cst.BaseExpression, var: str, inside: bool
    ) -> tuple[str, str, Safety] | None:
        """What the search loop computes: (expression, fix title, fix safety); ``inside``:
        the result when the test holds for some item."""
        iterable = node.iter
        if _mentions(iterable, var):
            return None
        it = expr_code(self.ctx, iterable)
        builtin: str | None = None
        if is_name(test, var):
            builtin = "any"
            text = f"any({it})" if inside else f"not any({it})"
        elif (
            isinstance(test, cst.UnaryOperation)
            and isinstance(test.operator, cst.Not)
            and is_name(test.expression, var)
        ):
            builtin = "all"
            text = f"not all({it})" if inside else f"all({it})"
        if builtin is not None:
            if builtin in facts.bindings:
                return None  # the advice would call a local, not the builtin
            return text, f"{builtin}()", Safety.SAFE
        other = _equality_with(test, var)
        if other is not None:
            op = "in" if inside else "not in"
            text = f"{_operand_code(self, other)} {op} {_operand_code(self, iterable)}"
            return text, f"`{op}`", Safety.UNSAFE
        return None

    def _flag_search(self, facts: FunctionFacts, node: cst.For, test_if: cst.If) -> None:
        """``flag = False`` just before ``for x in xs: if <test>: flag = True [; break]``."""
        assert isinstance(node.target, cst.Name)
        found = _flag_set(test_if.body)
        if found is None:
            return
        flag, value, breaks = found
        init = facts.previous_statement(node)
        small = single_small(init) if init is not None else None
        if not (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and is_name(small.targets[0].target, flag)
            and _bool_constant(small.value) is (not value)
        ):
            return
        var = node.target.value
        if var == flag or _mentions(node.iter, flag) or _mentions(test_if.test, flag):
            return
        search = self._search(facts, node, test_if.test, var, value)
        if search is None:
            return
        assert init is not None
        text, title, safety = search
        fix = None
        if (
            not has_comment(node)
            and not statement_has_comment(init)
            and not contains(node.iter, cst.Await, cst.Yield, cst.NamedExpr)
            and not facts.loop_names_escape([var], node)
            and facts.private_accumulator(flag, init, node)
        ):
            # without break the loop tests every item (and exhausts an iterator); the builtin
            # stops at the first match
            fix = NodeFix(
                f"Replace the loop with {title}",
                [Replacement(init, f"{flag} = {text}", node)],
                safety if breaks else Safety.UNSAFE,
            )
        self.report(node, f"Replace this loop with `{flag} = {text}`", fix=fix)


def _bool_constant(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _flag_set(block: cst.BaseSuite) -> tuple[str, bool, bool] | None:
    """``flag = True`` or ``flag = False``, optionally followed by ``break``, and nothing else:
    (flag, value, whether it breaks)."""
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(block, cst.SimpleStatementSuite):
        smalls = list(block.body)
    else:
        assert isinstance(block, cst.IndentedBlock)
        for stmt in block.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return None
            smalls.extend(stmt.body)
    if not 1 <= len(smalls) <= 2:
        return None
    first = smalls[0]
    breaks = len(smalls) == 2
    if breaks and not isinstance(smalls[1], cst.Break):
        return None
    if not (
        isinstance(first, cst.Assign)
        and len(first.targets) == 1
        and isinstance(first.targets[0].target, cst.Name)
    ):
        return None
    value = _bool_constant(first.value)
    if value is None:
        return None
    return first.targets[0].target.value, value, breaks


def _equality_with(test: cst.BaseExpression, var: str) -> cst.BaseExpression | None:
    """For ``var == c`` / ``c == var`` with c a constant or another plain name: c."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    comp = test.comparisons[0]
    if not isinstance(comp.operator, cst.Equal):
        return None
    left, right = test.left, comp.comparator
    other = right if is_name(left, var) else left if is_name(right, var) else None
    if other is None:
        return None
    if is_constant(other) or (isinstance(other, cst.Name) and other.value != var):
        return other
    return None


# -- HONE106 -------------------------------------------------------------------------------


def _dotted(node: cst.BaseExpression) -> str | None:
    """``a`` or ``a.b.c`` made of names only: its base name."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _assignment_targets(root: cst.CSTNode) -> set[int]:
    """ids of every expression that is written to (or deleted) inside ``root``."""
    out: set[int] = set()

    def add(target: cst.BaseExpression) -> None:
        out.add(id(target))
        if isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                add(el.value)
        elif isinstance(target, cst.StarredElement):
            add(target.value)

    for n in walk(root):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                add(t.target)
        elif isinstance(n, cst.AnnAssign | cst.AugAssign | cst.Del | cst.For | cst.CompFor):
            add(n.target)
        elif isinstance(n, cst.WithItem) and n.asname is not None:
            add(n.asname.name)
        elif isinstance(n, cst.NamedExpr):
            add(n.target)
    return out


def _late_nodes(root: cst.CSTNode) -> set[int]:
    """ids of nodes inside a lambda, nested def or generator expression within ``root``."""
    out: set[int] = set()
    for n in walk(root):
        if isinstance(n, cst.Lambda | cst.FunctionDef | cst.GeneratorExp | cst.ClassDef):
            out.update(id(d) for d in walk(n) if d is not n)
    return out


def _singular(name: str) -> str:
    if len(name) >= 2 and name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return ""


class RangeLenRule(LoopRule):
    meta = RuleMeta(
        id="HONE106",
        name="range-len-indexing",
        message="Iterate over the sequence directly instead of indexing with range(len(...))",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="`for i in range(len(xs)): ... xs[i]` creates an int and indexes the sequence "
            "on every iteration; iterating the sequence itself does neither and is about "
            "1.6x faster.",
            before="def total(xs):\n    t = 0\n    for i in range(len(xs)):\n"
            "        t += xs[i]\n    return t",
            after="def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t",
            not_applicable="Reported only when the index is used for nothing but reading "
            "xs[i] (then the index is not needed at all). When i is also used otherwise, "
            "enumerate() would be more idiomatic but it is not faster, so nothing is "
            "reported. Not reported when xs[i] is assigned or deleted, when xs is rebound or "
            "used otherwise in the loop (it might be mutated), or when the else clause uses "
            "i.",
            unsafe_because="Iterating xs is not the same as indexing it with 0..len-1 when xs "
            "is a mapping with integer keys, a type whose __getitem__ and __iter__ disagree "
            "(pandas Series index by label), or when the loop mutates xs through another "
            "reference: range(len(xs)) is fixed when the loop starts. The fix is withheld "
            "when i is read after the loop.",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or not isinstance(node.target, cst.Name):
            return
        seq = _range_len_arg(node.iter)
        if seq is None:
            return
        base = _dotted(seq)
        if base is None:
            return
        index = node.target.value
        seq_code = self.ctx.code(seq)
        written = _assignment_targets(node.body)
        uses: list[cst.Subscript] = []
        covered: set[int] = set()
        for n in walk(node.body):
            if (
                isinstance(n, cst.Subscript)
                and len(n.slice) == 1
                and isinstance(n.slice[0].slice, cst.Index)
                and n.slice[0].slice.star is None
                and is_name(n.slice[0].slice.value, index)
                and self.ctx.code(n.value) == seq_code
            ):
                if id(n) in written:
                    return
                uses.append(n)
                covered.update(id(d) for d in walk(n))
        if not uses:
            return
        for name in names_in(node.body):
            if name.value in (index, base) and id(name) not in covered:
                return
        if node.orelse is not None and _mentions(node.orelse, index):
            return
        fix = None
        facts = self.facts()
        late = _late_nodes(node.body)
        if (
            facts is not None
            and not any(id(u) in late for u in uses)
            and not has_comment(node.iter)
            and not any(has_comment(u) for u in uses)
            and not facts.loop_names_escape([index], node)
        ):
            last = seq.attr.value if isinstance(seq, cst.Attribute) else base
            new = facts.fresh_name(_singular(last), "item")
            fix = self.fix(
                f"Iterate over {seq_code} directly",
                Replacement(node.target, new),
                Replacement(node.iter, expr_code(self.ctx, seq)),
                *[Replacement(u, new) for u in uses],
            )
        self.report(
            node.iter,
            f"Iterate over {seq_code} directly: the index is only used to read {seq_code}[{index}]",
            fix=fix,
        )


def _range_len_arg(node: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(node, cst.Call) and is_name(node.func, "range"):
        args = _positional(node, 1)
        if args and isinstance(args[0], cst.Call) and is_name(args[0].func, "len"):
            inner = _positional(args[0], 1)
            if inner:
                return inner[0]
    return None


# -- HONE109 -------------------------------------------------------------------------------

_RE_FUNCS = frozenset(
    {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
)
_RE_META = frozenset(".^$*+?{}[]\\|()")


def _literal_pattern(node: cst.BaseExpression) -> str | None:
    """The source of a plain (non-f) string/bytes literal, else None."""
    if isinstance(node, cst.SimpleString):
        return node.value
    if isinstance(node, cst.ConcatenatedString) and is_constant(node):
        left, right = _literal_pattern(node.left), _literal_pattern(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _constant_flags(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return True
    if isinstance(node, cst.Attribute) and is_name(node.value, "re"):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _constant_flags(node.left) and _constant_flags(node.right)
    return False


def _re_call(node: cst.BaseExpression, name: str) -> bool:
    """``re.<name>(...)``."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and is_name(node.func.value, "re")
        and node.func.attr.value == name
    )


def _dotted_text(node: cst.BaseExpression) -> str | None:
    """``a`` or ``a.b.c`` made of names only, spelled without spaces."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted_text(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _guarded(test: cst.BaseExpression) -> str | None:
    """What a run-once guard tests: P in ``P is None`` / ``not P`` (P a name or attribute),
    or ``obj.p`` for ``not hasattr(obj, 'p')``."""
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and is_name(test.comparisons[0].comparator, "None")
    ):
        return _dotted_text(test.left)
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
        return None
    inner = test.expression
    if isinstance(inner, cst.Call) and is_name(inner.func, "hasattr"):
        args = _positional(inner, 2)
        owner = _dotted_text(args[0]) if args is not None else None
        if args is None or owner is None or not isinstance(args[1], cst.SimpleString):
            return None
        attr = args[1].evaluated_value
        return f"{owner}.{attr}" if isinstance(attr, str) and attr.isidentifier() else None
    return _dotted_text(inner)


def _run_once_compiles(guard: cst.If) -> Iterator[cst.Call]:
    """The ``re.compile()`` calls that ``guard`` - ``if P is None:``, ``if not P:`` or
    ``if not hasattr(obj, 'p'):`` - runs only until their result is stored in P (a compiled
    pattern is neither None nor false); not those in a loop or scope nested in the guard."""
    tested = _guarded(guard.test)
    if tested is None:
        return
    stack: list[cst.CSTNode] = [guard.body]
    while stack:
        n = stack.pop()
        if isinstance(n, _NOT_ONCE):
            continue
        if isinstance(n, cst.Assign) and len(n.targets) == 1:
            value = n.value
            if isinstance(value, cst.Attribute):  # P = re.compile(...).match
                value = value.value
            if (
                isinstance(value, cst.Call)
                and _re_call(value, "compile")
                and _dotted_text(n.targets[0].target) == tested
            ):
                yield value
        stack.extend(children(n))


# code that runs other than once per pass of the guard around it
_NOT_ONCE = (*LOOP_STATEMENTS, *COMPREHENSIONS, cst.FunctionDef, cst.Lambda, cst.ClassDef)


class RegexInLoopRule(LoopRule):
    meta = RuleMeta(
        id="HONE109",
        name="regex-in-loop",
        message="Compile the regular expression once, outside the loop",
        severity=Severity.WARNING,
        doc=RuleDoc(
            why="re.match(pattern, s) and re.compile(pattern) look the pattern up in re's "
            "cache on every call (type checks, a dict lookup keyed on pattern and flags); a "
            "pattern compiled once and reused runs about 2.4x faster per call on CPython "
            "3.11. Past 512 distinct patterns the cache is evicted and the regex is "
            "recompiled outright.",
            before="import re\n\ndef count(lines):\n    n = 0\n    for line in lines:\n"
            "        if re.match(r'\\d+', line):\n            n += 1\n    return n",
            after="import re\n\nDIGITS = re.compile(r'\\d+')\n\ndef count(lines):\n    n = 0\n"
            "    for line in lines:\n        if DIGITS.match(line):\n            n += 1\n"
            "    return n",
            not_applicable="Only calls with a literal pattern (not an f-string or a variable) "
            "and constant flags, inside a loop or comprehension. re.sub/re.split with a "
            "pattern that has no regex metacharacters are left to the plain-replace rule "
            "(str.replace/str.split are faster still). A re.compile() that only runs once, "
            "behind a guard on where its result is kept (`if P is None: P = re.compile(...)`, "
            "`if not P:`, `if not hasattr(obj, 'p'):`, or `P = P or re.compile(...)`), is not "
            "reported. No fix: the constant belongs at module level, outside the statement "
            "being fixed.",
        ),
    )

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self._run_once: set[int] = set()  # re.compile() calls behind a run-once guard

    def visit_If(self, node: cst.If) -> None:
        if self.in_repeated_loop():
            self._run_once.update(id(c) for c in _run_once_compiles(node))

    def visit_Assign(self, node: cst.Assign) -> None:
        # P = P or re.compile(...)
        value = node.value
        if (
            len(node.targets) == 1
            and isinstance(value, cst.BooleanOperation)
            and isinstance(value.operator, cst.Or)
            and _re_call(value.right, "compile")
            and _dotted_text(value.left) is not None
            and _dotted_text(value.left) == _dotted_text(node.targets[0].target)
        ):
            self._run_once.add(id(value.right))

    def visit_Call(self, node: cst.Call) -> None:
        if not self.in_repeated_loop() or id(node) in self._run_once:
            return
        func = node.func
        if not (isinstance(func, cst.Attribute) and is_name(func.value, "re")):
            return
        name = func.attr.value
        if name != "compile" and name not in _RE_FUNCS:
            return
        if not node.args or node.args[0].keyword is not None or node.args[0].star:
            return
        pattern = _literal_pattern(node.args[0].value)
        if pattern is None:
            return
        flag_arg = {"compile": 1, "sub": 4, "subn": 4, "split": 3}.get(name, 2)
        for i, arg in enumerate(node.args):
            is_flags = (arg.keyword is not None and arg.keyword.value == "flags") or (
                arg.keyword is None and i == flag_arg
            )
            if is_flags and not _constant_flags(arg.value):
                return
        if name in ("sub", "split") and not (set(pattern.lstrip("rRbBuU")[1:-1]) & _RE_META):
            return  # a plain string: the plain-replace rule suggests str.replace/str.split
        if name == "compile":
            msg = "Hoist this re.compile() out of the loop (e.g. to a module-level constant)"
        else:
            msg = (
                f"Compile this pattern once outside the loop (PATTERN = re.compile(...)) and "
                f"call PATTERN.{name}(...) here"
            )
        self.report(node, msg)


# -- HONE110 -------------------------------------------------------------------------------


def _string_kind(node: cst.BaseExpression) -> Literal["str", "bytes"]:
    first: cst.BaseExpression = node
    while isinstance(first, cst.ConcatenatedString):
        first = first.left
    if isinstance(first, cst.SimpleString) and "b" in first.prefix.lower():
        return "bytes"
    return "str"


class StringConcatInLoopRule(LoopRule):
    meta = RuleMeta(
        id="HONE110",
        name="string-concat-in-loop",
        message="Collect the parts in a list and join them once instead of += in a loop",
        severity=Severity.WARNING,
        doc=RuleDoc(
            why="Strings are immutable: s += part builds a new string and copies everything "
            "so far, which is quadratic. CPython avoids the copy only when s is a plain local "
            "variable with no other reference (even then it is about 5x slower per part than "
            "''.join); on an attribute or a string that is also referenced elsewhere the "
            "loop is quadratic - 17 µs per part at 200,000 parts in a measurement. bytes "
            "have no such optimisation at all.",
            before="def render(rows):\n    out = ''\n    for row in rows:\n"
            "        out += f'<li>{row}</li>'\n    return out",
            after="def render(rows):\n    parts = []\n    for row in rows:\n"
            "        parts.append(f'<li>{row}</li>')\n    return ''.join(parts)",
            not_applicable="Only when the target is proven to hold a string: a local bound "
            "only to string literals and concatenations in the same function, or an attribute "
            "(self.x) assigned a string literal in the same function. Loops over a short "
            "literal tuple/list are not reported, nor a local assigned afresh in each pass of "
            "the loop (a string built from a few parts per pass, not grown across passes), nor "
            "a loop that only ever adds one and the same literal (padding such as `while "
            "len(s) < n: s += ' '`, where ljust() or ' ' * n is the answer, not join). "
            "No fix: the rewrite changes several "
            "statements and the variable's type while it is built.",
        ),
    )

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self._seen: set[tuple[str, int]] = set()

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign):
            self._check(node, node.target)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        value = node.value
        if (
            isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, cst.Add)
            and isinstance(target, cst.Name | cst.Attribute)
            and self.ctx.code(value.left) == self.ctx.code(target)
        ):
            self._check(node, target)

    def _check(self, node: cst.CSTNode, target: cst.BaseExpression) -> None:
        if not self.in_repeated_loop():
            return
        facts = self.facts()
        if facts is None:
            return
        kind: Literal["str", "bytes"] | None = None
        if isinstance(target, cst.Name):
            if facts.only_bound_to(target.value, "str"):
                kind = self._literal_kind(facts, lambda t: is_name(t, target.value))
                if kind is None and any(
                    b.kind == "param" for b in facts.bindings.get(target.value, [])
                ):
                    kind = "str"
        elif isinstance(target, cst.Attribute) and _dotted(target) is not None:
            code = self.ctx.code(target)
            kind = self._literal_kind(facts, lambda t: self.ctx.code(t) == code, strict=True)
        if kind is None:
            return
        if isinstance(target, cst.Name) and facts.rebound_each_pass(target.value, node):
            return
        loop = self.loops[-1]
        if isinstance(loop, cst.For | cst.While) and self._repeats_one_literal(loop, target):
            return
        key = (self.ctx.code(target), id(loop))
        if key in self._seen:
            return
        self._seen.add(key)
        empty = "b''" if kind == "bytes" else "''"
        name = self.ctx.code(target)
        if kind == "str" and isinstance(target, cst.Name):
            # CPython usually extends a local str in place: slower than join, not quadratic
            msg = (
                f"Building the string {name} with + in a loop: append the parts to a list and "
                f"''.join() them once (several times faster, and never quadratic)"
            )
        else:
            msg = (
                f"{name} is a {kind} grown with + in a loop, copied in full every time "
                f"(quadratic): append the parts to a list and {empty}.join() them once"
            )
        self.report(node, msg)

    def _repeats_one_literal(self, loop: cst.For | cst.While, target: cst.BaseExpression) -> bool:
        """Every addition to ``target`` in ``loop`` adds the same string literal (padding,
        ``while len(s) < n: s += ' '``): the answer is ljust() or ``' ' * n``, not join."""
        name = self.ctx.code(target)
        added: set[str] = set()
        stack: list[cst.CSTNode] = [loop.body]
        while stack:
            n = stack.pop()
            if isinstance(n, cst.FunctionDef | cst.Lambda | cst.ClassDef):
                continue
            part: cst.BaseExpression | None = None
            if (
                isinstance(n, cst.AugAssign)
                and isinstance(n.operator, cst.AddAssign)
                and self.ctx.code(n.target) == name
            ):
                part = n.value
            elif (
                isinstance(n, cst.Assign)
                and len(n.targets) == 1
                and self.ctx.code(n.targets[0].target) == name
                and isinstance(n.value, cst.BinaryOperation)
                and isinstance(n.value.operator, cst.Add)
                and self.ctx.code(n.value.left) == name
            ):
                part = n.value.right
            if part is not None:
                if not (is_string_literal(part) and is_constant(part)):
                    return False
                added.add(self.ctx.code(part))
            stack.extend(children(n))
        return len(added) == 1

    def _literal_kind(
        self,
        facts: FunctionFacts,
        is_target: Callable[[cst.BaseExpression], bool],
        strict: bool = False,
    ) -> Literal["str", "bytes"] | None:
        """Kind of the string literal(s) assigned to the target in this function, if any.

        ``strict``: every plain assignment to the target must be a literal (used for
        attributes, whose other bindings are not tracked by FunctionFacts).
        """
        kind: Literal["str", "bytes"] | None = None
        for n in walk(facts.func.body):
            pairs: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = []
            if isinstance(n, cst.Assign):
                pairs = [(t.target, n.value) for t in n.targets]
            elif isinstance(n, cst.AnnAssign):
                pairs = [(n.target, n.value)]
            for target, value in pairs:
                if not is_target(target) or value is None:
                    continue
                if is_string_literal(value):
                    kind = _string_kind(value)
                elif strict and not (
                    isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add)
                ):
                    return None
        return kind


# -- HONE112 -------------------------------------------------------------------------------

_IMMUTABLE_BUILDERS = frozenset({"frozenset", "tuple"})
_MUTABLE_BUILDERS = frozenset({"set", "list", "dict", "sorted"})
_READ_ONLY_METHODS = frozenset(
    {
        "get",
        "keys",
        "values",
        "items",
        "issubset",
        "issuperset",
        "isdisjoint",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
        "index",
        "count",
        "copy",
    }
)


def _constant_builder(node: cst.BaseExpression) -> str | None:
    """``set([1, 2])``, ``frozenset('ab')``, ``dict(a=1)``... with only constant arguments."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)):
        return None
    name = node.func.value
    if name not in _IMMUTABLE_BUILDERS | _MUTABLE_BUILDERS or not node.args:
        return None
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is not None and name != "dict":
            return None
        if not is_constant_value(arg.value):
            return None
    if name != "dict" and len(node.args) != 1:
        return None
    return name


def _constant_dict(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Dict) and bool(node.elements) and is_constant_value(node)


class LoopInvariantConstantRule(LoopRule):
    meta = RuleMeta(
        id="HONE112",
        name="loop-invariant-constant",
        message="Build this constant once, outside the loop",
        severity=Severity.WARNING,
        fix_safety=Safety.SAFE,
        doc=RuleDoc(
            why="set([...]), frozenset(...), tuple([...]), dict(...) and dict displays built "
            "from constants are rebuilt on every iteration (a temporary list, then the "
            "container); `x in set(['a', 'b', 'c'])` in a loop is about 8x slower than the "
            "same test against a constant built once. (Plain `x in {...}`/`x in (...)` tests "
            "are not reported: CPython folds those displays into constants.)",
            before="def vowels(words):\n    n = 0\n    for w in words:\n"
            "        if w[0] in set(['a', 'e', 'i', 'o', 'u']):\n            n += 1\n"
            "    return n",
            after="VOWELS = frozenset('aeiou')\n\ndef vowels(words):\n    n = 0\n"
            "    for w in words:\n        if w[0] in VOWELS:\n            n += 1\n    return n",
            not_applicable="Only in loops (not over short literal tuples) and only for "
            "arguments that are literal constants. A mutable result (set/list/dict/sorted) is "
            "reported only where it is used read-only on the spot (an `in` test, indexing, "
            "iteration, a non-mutating method); one that is stored in a variable may be "
            "mutated and is left alone. The fix is offered only for set([...]), list([...]) "
            "and tuple([...]) tested with `in`: their display there is folded into a constant; "
            "elsewhere the constant belongs outside the statement.",
        ),
    )

    def _report(self, node: cst.BaseExpression, what: str, *, tested: bool = False) -> None:
        """Report a constant rebuilt per iteration; one tested with ``in`` gets the literal
        display fix where Python folds that display into a constant."""
        if not self.in_repeated_loop():
            return
        self.ctx.shared.setdefault(LOOP_CONSTANT_KEY, set()).add(id(node))
        func = (
            node.func.value
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
            else ""
        )
        literal = None
        if tested and func in ("set", "list", "tuple"):
            assert isinstance(node, cst.Call)
            literal = literal_for_call(node, func)
        if literal is not None:
            shown = "a set" if func == "set" else "a tuple or list"
            self.report(
                node,
                f"This {what} is rebuilt on every iteration: write {shown} display in the `in` "
                "test, which Python builds once as a constant",
                fix=self.fix("Use a literal", Replacement(node, literal)),
            )
            return
        self.report(
            node,
            f"This {what} is rebuilt on every iteration: build it once outside the loop "
            "(e.g. a module-level constant)",
        )

    def visit_Call(self, node: cst.Call) -> None:
        name = _constant_builder(node)
        if name in _IMMUTABLE_BUILDERS and not self._tested(node):
            self._report(node, f"{name}(...)")
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _READ_ONLY_METHODS:
            self._used_read_only(func.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for comp in node.comparisons:
            if isinstance(comp.operator, cst.In | cst.NotIn):
                self._used_read_only(comp.comparator, tested=True)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._used_read_only(node.value)

    def visit_For(self, node: cst.For) -> None:
        # the iterable of a loop nested in a loop is rebuilt once per outer iteration
        self._used_read_only(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._used_read_only(node.iter)

    def _tested(self, node: cst.Call) -> bool:
        """Reported already, as the right operand of an ``in`` test (its parent is visited
        first)."""
        return id(node) in self.ctx.shared.get(LOOP_CONSTANT_KEY, ())

    def _used_read_only(self, node: cst.BaseExpression, *, tested: bool = False) -> None:
        name = _constant_builder(node)
        if name in _MUTABLE_BUILDERS or (tested and name == "tuple"):
            self._report(node, f"{name}(...)", tested=tested)
        elif _constant_dict(node):
            self._report(node, "dict display")


# -- HONE113 -------------------------------------------------------------------------------


class DictKeyLookupRule(LoopRule):
    meta = RuleMeta(
        id="HONE113",
        name="dict-lookup-in-key-loop",
        message="Iterate over d.items() instead of looking up d[k] for every key",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="`for k in d: ... d[k]` hashes every key a second time to find a value the "
            "iteration just passed; d.items() yields both (about 1.2x faster for the loop).",
            before="def total(prices):\n    t = 0\n    for name in prices.keys():\n"
            "        t += prices[name]\n    return t",
            after="def total(prices):\n    t = 0\n    for name, price in prices.items():\n"
            "        t += price\n    return t",
            not_applicable="Reported for `for k in d.keys()`, and for `for k in d` only when "
            "the function binds d to nothing but dicts (a list can legitimately be iterated "
            "and indexed by its own values, e.g. a permutation). Not reported when d is used "
            "in the loop other than to read d[k] (it may be mutated), when d[k] is assigned or "
            "deleted, or when k is rebound.",
            unsafe_because="d might not be a dict: a mapping whose __getitem__ computes "
            "values, or an object that offers only keys() and __getitem__ (the protocol "
            "dict.update() accepts) and has no items(); and code called in the loop could "
            "change d[k] through another "
            "reference while the rewritten loop keeps the value fetched at the start of the "
            "iteration.",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or not isinstance(node.target, cst.Name):
            return
        it = node.iter
        receiver = it
        if (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "keys"
            and not it.args
        ):
            receiver = it.func.value
        if not isinstance(receiver, cst.Name):
            return
        d, k = receiver.value, node.target.value
        facts = self.facts()
        # a list can be iterated and indexed by its own values (permutations): only report
        # what is known to be a mapping
        known_dict = facts is not None and facts.only_bound_to(d, "dict")
        if receiver is it and not known_dict:
            return
        written = _assignment_targets(node.body)
        uses: list[cst.Subscript] = []
        covered: set[int] = set()
        for n in walk(node.body):
            if (
                isinstance(n, cst.Subscript)
                and is_name(n.value, d)
                and len(n.slice) == 1
                and isinstance(n.slice[0].slice, cst.Index)
                and n.slice[0].slice.star is None
                and is_name(n.slice[0].slice.value, k)
            ):
                if id(n) in written:
                    return
                uses.append(n)
                covered.update(id(x) for x in walk(n))
        if not uses:
            return
        for name in names_in(node.body):
            if name.value == d and id(name) not in covered:
                return
            if name.value == k and id(name) in written:
                return
        late = _late_nodes(node.body)
        fix = None
        if (
            facts is not None
            and not any(id(u) in late for u in uses)
            and not any(has_comment(u) for u in uses)
            and not has_comment(node.target)
            and not has_comment(node.iter)
        ):
            value = facts.fresh_name(_singular(d), "value")
            fix = self.fix(
                f"Iterate over {d}.items()",
                Replacement(node.target, f"{k}, {value}"),
                Replacement(node.iter, f"{d}.items()"),
                *[Replacement(u, value) for u in uses],
            )
        self.report(
            node.iter,
            f"Iterate over {d}.items() instead of looking up {d}[{k}] for every key",
            fix=fix,
        )


# -- HONE115 -------------------------------------------------------------------------------


class ReadlinesInForRule(LoopRule):
    meta = RuleMeta(
        id="HONE115",
        name="readlines-in-for",
        message="Iterate over the file object directly instead of over readlines()",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the file is opened by a `with open(...)` of this function and used "
        "only by this loop",
        doc=RuleDoc(
            why="f.readlines() reads the whole file into a list before the first line is "
            "processed (memory proportional to the file); iterating f streams it line by "
            "line with the same lines, at least as fast.",
            before="def count(path):\n    with open(path) as f:\n"
            "        return sum(1 for line in f.readlines() if line.strip())",
            after="def count(path):\n    with open(path) as f:\n"
            "        return sum(1 for line in f if line.strip())",
            not_applicable="Only readlines() without a size hint used as a for-loop's or "
            "comprehension's iterable.",
            unsafe_because="The object might not be a file (something with readlines() that "
            "is not iterable the same way), and code that touches the file while the loop "
            "runs (readline(), tell(), seek(), or reading after a break) sees a different "
            "position. The fix is safe - and marked so - when the object comes from "
            "`with open(...) as f` around the loop and f is used nowhere else.",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        self._check(node.iter, node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._check(node.iter, node)

    def _check(self, it: cst.BaseExpression, loop: cst.CSTNode) -> None:
        if not (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "readlines"
            and not it.args
        ):
            return
        found = it.func.value
        fix = None
        if not has_comment(it):
            safety = Safety.SAFE if self._private_file(found, it) else Safety.UNSAFE
            fix = NodeFix(
                "Iterate over the file directly",
                [Replacement(it, self.ctx.code(found))],
                safety,
            )
        self.report(
            it,
            f"Iterate over {self.ctx.code(found)} directly: readlines() reads the whole file "
            "into a list first",
            fix=fix,
        )

    def _private_file(self, receiver: cst.BaseExpression, call: cst.Call) -> bool:
        facts = self.facts()
        if facts is None or not isinstance(receiver, cst.Name):
            return False
        binds = facts.bindings.get(receiver.value, [])
        if len(binds) != 1 or binds[0].kind != "with":
            return False
        opened = binds[0].value
        if not (isinstance(opened, cst.Call) and is_name(opened.func, "open")):
            return False
        with_item = binds[0].node
        with_stmt = facts.parent(with_item)
        if not isinstance(with_stmt, cst.With) or not facts.inside(call, with_stmt.body):
            return False
        others = [
            r for r in facts.refs_of(receiver.value) if r.kind != "store" and r.node is not receiver
        ]
        return not others and not facts.dynamic and receiver.value not in facts.declared
