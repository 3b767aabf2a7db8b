"""Rules about loop headers that produce values the loop never uses (HONE211, HONE221).

Loop *bodies* (append loops, manual sums, membership in loops...) and ``for x in f.readlines()``
(HONE115) are in the loop rules.
"""

from __future__ import annotations

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import Replacement, RuleDoc, RuleMeta
from hone.rules.nodeutil import (
    ScopedRule,
    as_comprehension_part,
    call_name,
    method_call,
    name_loads,
)

# -- HONE211 / HONE221 ----------------------------------------------------------------------


class _UnusedLoopVariable(ScopedRule):
    """Shared logic: a two-name loop target of which one name is never used."""

    def visit_For(self, node: cst.For) -> None:
        scope: cst.CSTNode
        if node.asynchronous is not None:
            return
        if not self.scopes:
            scope = self.ctx.module
            module_level = True
        elif isinstance(self.scopes[-1], cst.FunctionDef):
            scope, module_level = self.scopes[-1], False
        else:
            return  # class bodies: loop variables become class attributes
        self.check(node.target, node.iter, scope, module_level, in_comprehension=False)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is None and self.comprehensions:
            comp = self.comprehensions[-1]
            self.check(node.target, node.iter, comp, False, in_comprehension=True)

    def unused(self, name: str, scope: cst.CSTNode, module_level: bool) -> bool:
        if module_level and not name.startswith("_"):
            return False  # other top-level statements may read it
        return name_loads(scope, name) == 0

    def check(
        self,
        target: cst.BaseAssignTargetExpression,
        it: cst.BaseExpression,
        scope: cst.CSTNode,
        module_level: bool,
        *,
        in_comprehension: bool,
    ) -> None:
        raise NotImplementedError


def _pair(target: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
        return None
    a, b = target.elements
    if not isinstance(a, cst.Element) or not isinstance(b, cst.Element):
        return None
    return a.value, b.value


class DictItemsUnusedRule(_UnusedLoopVariable):
    meta = RuleMeta(
        id="HONE211",
        name="dict-items-unused",
        message="Iterate over the keys or .values() instead of .items() when one part is unused",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why=".items() builds a (key, value) tuple per entry and the loop unpacks it; when "
            "only keys or only values are used, iterating the dict or .values() skips that "
            "(about 1.7x faster).",
            before="for name, _ in users.items():\n    print(name)\n"
            "for _, user in users.items():\n    save(user)",
            after="for name in users:\n    print(name)\nfor user in users.values():\n    save(user)",
            not_applicable="A name counts as unused only if it appears nowhere else in the "
            "function (or comprehension); at module level only names starting with '_' are "
            "considered, and loops in class bodies are left alone.",
            unsafe_because="For an object that is not a dict, iterating it may not give its keys "
            "(a pandas Series iterates its values) and .values() may not be a method.",
        ),
    )

    def check(
        self,
        target: cst.BaseAssignTargetExpression,
        it: cst.BaseExpression,
        scope: cst.CSTNode,
        module_level: bool,
        *,
        in_comprehension: bool,
    ) -> None:
        pair = _pair(target)
        found = method_call(it, "items")
        if pair is None or found is None or found[2].args:
            return
        key, value = pair
        if not isinstance(key, cst.Name) or not isinstance(value, cst.Name):
            return
        key_unused = self.unused(key.value, scope, module_level)
        value_unused = self.unused(value.value, scope, module_level)
        receiver = found[0]
        if key_unused == value_unused:
            return
        if key_unused:
            new_target: cst.BaseExpression = value
            new_it: cst.BaseExpression = cst.Call(
                func=cst.Attribute(value=receiver, attr=cst.Name("values"))
            )
            message = f"The key {key.value!r} is unused: iterate over .values() instead"
        else:
            new_target, new_it = key, receiver
            message = f"The value {value.value!r} is unused: iterate over the dict itself"
        self.report(
            target,
            message,
            end_node=it,
            fix=self.node_fix(
                "Iterate over what is used",
                Safety.UNSAFE,
                [target, it],
                Replacement(target, new_target),
                Replacement(it, new_it),
            ),
        )


def _literal_int(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Integer) or (
        isinstance(expr, cst.UnaryOperation)
        and isinstance(expr.operator, cst.Minus)
        and isinstance(expr.expression, cst.Integer)
    )


class UnusedEnumerateIndexRule(_UnusedLoopVariable):
    meta = RuleMeta(
        id="HONE221",
        name="unused-enumerate-index",
        message="Drop enumerate(): the index is never used",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the loop is inside a function (at module level the index is a global "
        "another statement may read)",
        doc=RuleDoc(
            why="enumerate() creates an index integer and a tuple per element that the loop "
            "then throws away; iterating the sequence directly is about 3x faster.",
            before="for _, row in enumerate(rows):\n    process(row)",
            after="for row in rows:\n    process(row)",
            not_applicable="The index counts as unused only if its name appears nowhere else in "
            "the function (or comprehension); at module level only names starting with '_' are "
            "considered, and loops in class bodies are left alone.  A start= that is not an "
            "integer literal is left alone.",
            unsafe_because="Safe inside functions and comprehensions.  At module level the "
            "loop no longer assigns the index name, a global that code elsewhere (another "
            "module, a later statement) could read, so the fix is unsafe there.",
        ),
    )

    def check(
        self,
        target: cst.BaseAssignTargetExpression,
        it: cst.BaseExpression,
        scope: cst.CSTNode,
        module_level: bool,
        *,
        in_comprehension: bool,
    ) -> None:
        pair = _pair(target)
        if pair is None or call_name(it) != "enumerate":
            return
        assert isinstance(it, cst.Call)
        args = it.args
        if not args or args[0].keyword is not None or args[0].star or len(args) > 2:
            return
        if len(args) == 2 and (
            args[1].star
            or (args[1].keyword is not None and args[1].keyword.value != "start")
            or not _literal_int(args[1].value)
        ):
            return
        index, element = pair
        if not isinstance(index, cst.Name) or not self.unused(index.value, scope, module_level):
            return
        iterable = args[0].value
        if in_comprehension:
            iterable = as_comprehension_part(iterable)
        self.report(
            target,
            f"The index {index.value!r} is unused: iterate without enumerate()",
            end_node=it,
            fix=self.node_fix(
                "Iterate without enumerate()",
                # at module level the name is a global that another statement could read
                Safety.UNSAFE if module_level else Safety.SAFE,
                [target, it],
                Replacement(target, element),
                Replacement(it, iterable),
            ),
        )
