"""Correctness rules (category BUG): code that does not do what it looks like it does."""

from __future__ import annotations

import libcst as cst

from hone.core.finding import Category, Safety
from hone.rules.base import Replacement, RuleDoc, RuleMeta
from hone.rules.nodeutil import (
    HoneRule,
    ScopedRule,
    Walker,
    call_name,
    code,
    is_number_literal,
)

# -- HONE301 --------------------------------------------------------------------------------

_MUTABLE_CALLS = {
    "list",
    "dict",
    "set",
    "bytearray",
    "defaultdict",
    "OrderedDict",
    "deque",
    "Counter",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.deque",
    "collections.Counter",
}
_MUTATORS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "popitem",
    "clear",
    "sort",
    "reverse",
    "update",
    "setdefault",
    "add",
    "discard",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "appendleft",
    "extendleft",
    "popleft",
    "rotate",
    "__setitem__",
    "__delitem__",
    "__iadd__",
}


def _mutable_default(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.List | cst.ListComp):
        return "list"
    if isinstance(expr, cst.Dict | cst.DictComp):
        return "dict"
    if isinstance(expr, cst.Set | cst.SetComp):
        return "set"
    name = call_name(expr)
    if name in _MUTABLE_CALLS:
        assert name is not None
        return name.rsplit(".", 1)[-1]
    return None


class _Usage(Walker):
    """How a function body uses one name: rebinds it, mutates it, or lets it escape."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rebound = False
        self.mutated = False  # changed by this function (a mutating method, attribute, +=)
        self.stored: str | None = None  # where it is stored (``self.items``), if anywhere
        self.returned = False  # returned or yielded to the caller

    @property
    def changed(self) -> bool:
        """Whether the shared default can change: here, or later through what holds it."""
        return self.mutated or self.stored is not None or self.returned

    def _is(self, expr: cst.CSTNode | None) -> bool:
        return isinstance(expr, cst.Name) and expr.value == self.name

    def _binds(self, target: cst.CSTNode) -> bool:
        if self._is(target):
            return True
        if isinstance(target, cst.Tuple | cst.List):
            return any(self._binds(e.value) for e in target.elements)
        if isinstance(target, cst.StarredElement):
            return self._binds(target.value)
        return False

    def _into(self, target: cst.CSTNode, *, items: bool = True) -> bool:
        """``name.attr = ...`` (and ``name[...] = ...`` when ``items``), also inside unpacking
        targets.  Item assignment alone is how deliberate per-function state is kept (memo
        dicts, ``n=[0]`` counters), so callers may leave it out."""
        if isinstance(target, cst.Attribute) or (items and isinstance(target, cst.Subscript)):
            return self._is(target.value)
        if isinstance(target, cst.Tuple | cst.List):
            return any(self._into(e.value, items=items) for e in target.elements)
        if isinstance(target, cst.StarredElement):
            return self._into(target.value, items=items)
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.rebound |= self._binds(node.target)
        self.mutated |= self._into(node.target, items=False)

    def visit_Assign(self, node: cst.Assign) -> None:
        # stored into an object (self.items = items): callers can mutate it later
        if self._is(node.value) and self.stored is None:
            for t in node.targets:
                if isinstance(t.target, cst.Subscript | cst.Attribute):
                    self.stored = code(t.target)
                    break

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.rebound |= self._binds(node.target)
        self.mutated |= self._into(node.target, items=False)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.mutated |= self._is(node.target) or self._into(node.target, items=False)

    def visit_Del(self, node: cst.Del) -> None:
        self.mutated |= self._into(node.target, items=False)
        self.rebound |= self._binds(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.rebound |= self._binds(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self.rebound |= self._binds(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.rebound |= self._binds(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self.rebound |= self._is(node.name)  # shadowed in a nested function: stay out

    def visit_Global(self, node: cst.Global) -> None:
        self.rebound |= any(n.name.value == self.name for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.rebound |= any(n.name.value == self.name for n in node.names)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and self._is(func.value):
            self.mutated |= func.attr.value in _MUTATORS

    def _escapes(self, value: cst.BaseExpression | None) -> bool:
        if self._is(value):
            return True
        return isinstance(value, cst.Tuple | cst.List) and any(
            self._is(e.value) for e in value.elements
        )

    def visit_Return(self, node: cst.Return) -> None:
        self.returned |= self._escapes(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self.returned |= self._escapes(node.value)


def _deliberate_state(name: str) -> bool:
    """``_cache={}``, ``memo={}``: the shared default is the point (memoisation)."""
    lowered = name.lower()
    return name.startswith("_") or "cache" in lowered or "memo" in lowered


class MutableDefaultRule(HoneRule):
    meta = RuleMeta(
        id="HONE301",
        name="mutable-default-argument",
        message="Mutable default argument is shared between calls: default to None and create "
        "the value inside the function",
        category=Category.BUG,
        doc=RuleDoc(
            why="A default value is evaluated once, when the function is defined; a list/dict/"
            "set default is the same object in every call, so changes made in one call are "
            "seen by the next.",
            before="def add(item, items=[]):\n    items.append(item)\n    return items",
            after="def add(item, items=None):\n    if items is None:\n        items = []\n"
            "    items.append(item)\n    return items",
            not_applicable="Reported only when the function changes the parameter (a mutating "
            "method such as append/update/add, attribute assignment, +=), returns it or stores "
            "it in an object; a default that is only read is harmless.  Deliberate per-function "
            "state is left alone: parameters named _x or containing 'cache'/'memo', and defaults "
            "changed only by item assignment (memo dicts, n=[0] counters).  Parameters that are "
            "rebound in the body are left alone.  No automatic fix: the body needs a new first "
            "statement.",
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is None:
                continue
            kind = _mutable_default(param.default)
            if kind is None:
                continue
            if _deliberate_state(param.name.value):
                continue
            usage = _Usage(param.name.value)
            usage.run(node.body)
            if usage.changed and not usage.rebound:
                name = param.name.value
                if usage.mutated:
                    how = "this function changes it"
                elif usage.stored is not None:
                    how = (
                        f"this function stores it in {usage.stored}, so a change made through "
                        "one holder is seen by every other"
                    )
                else:
                    how = "this function returns it, so a caller that changes the result "
                    how += "changes the default"
                self.report(
                    param.default,
                    f"The default {kind} of {name!r} is shared by every call and {how}: "
                    f"default to None and create a new {kind} inside",
                )


# -- HONE302 --------------------------------------------------------------------------------

_HTTP = (
    "use an async HTTP client (httpx.AsyncClient, aiohttp) or run it with "
    "`await asyncio.to_thread(...)`"
)
_SUBPROCESS = "use `await asyncio.create_subprocess_exec(...)` (or _shell)"
_BLOCKING = {
    "time.sleep": "use `await asyncio.sleep(...)`",
    **{
        f"requests.{verb}": _HTTP
        for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")
    },
    "urllib.request.urlopen": _HTTP,
    "subprocess.run": _SUBPROCESS,
    "subprocess.call": _SUBPROCESS,
    "subprocess.check_call": _SUBPROCESS,
    "subprocess.check_output": _SUBPROCESS,
    "os.system": _SUBPROCESS,
    "open": "read/write files with `await asyncio.to_thread(...)` (or aiofiles)",
    "input": "use `await asyncio.to_thread(input, ...)`",
}


class BlockingCallInAsyncRule(ScopedRule):
    meta = RuleMeta(
        id="HONE302",
        name="blocking-call-in-async",
        message="Blocking call inside async def stalls the event loop",
        category=Category.BUG,
        doc=RuleDoc(
            why="An async function runs on the event loop thread: a blocking call (sleep, "
            "HTTP request, subprocess, file I/O) stops every other task until it returns.",
            before="async def poll():\n    time.sleep(1)\n    return requests.get(URL)",
            after="async def poll():\n    await asyncio.sleep(1)\n"
            "    async with httpx.AsyncClient() as client:\n        return await client.get(URL)",
            not_applicable="Calls inside a nested def or lambda (e.g. handed to run_in_executor) "
            "are not reported, nor functions passed uncalled (asyncio.to_thread(time.sleep, 1)). "
            "Only these spellings are recognised: time.sleep, requests.<verb>, "
            "urllib.request.urlopen, subprocess.run/call/check_call/check_output, os.system, "
            "open, input.  No automatic fix: the replacement is a different API.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        scope = self.scopes[-1] if self.scopes else None
        if not isinstance(scope, cst.FunctionDef) or scope.asynchronous is None:
            return
        name = call_name(node)
        advice = _BLOCKING.get(name or "")
        if advice is None:
            return
        self.report(node, f"{name}() blocks the event loop inside async def: {advice}")


# -- HONE303 --------------------------------------------------------------------------------


def _is_literal(expr: cst.BaseExpression) -> bool:
    return is_number_literal(expr) or isinstance(
        expr,
        cst.SimpleString
        | cst.ConcatenatedString
        | cst.FormattedString
        | cst.List
        | cst.Dict
        | cst.Set
        | cst.ListComp
        | cst.DictComp
        | cst.SetComp
        | cst.Tuple,
    )


class IsLiteralRule(HoneRule):
    meta = RuleMeta(
        id="HONE303",
        name="is-literal",
        message="Use == / != to compare with a literal: `is` compares object identity",
        category=Category.BUG,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="`x is 1` or `s is 'a'` asks whether x is the very same object as the literal, "
            "which depends on interpreter caching (small ints, interned strings) and differs "
            "between runs and implementations; `x is []` is always False.  Python itself warns "
            "(SyntaxWarning).  Equality is what is meant.",
            before="if count is 0 or name is 'root':\n    reset()",
            after="if count == 0 or name == 'root':\n    reset()",
            not_applicable="`is None`, `is True`/`is False`, `is ...` and comparisons between "
            "two names are correct uses of `is` and are not reported.",
            unsafe_because="The fix changes behaviour on purpose: values that are equal but not "
            "identical (1.0 == 1, a copy of a string) now compare equal, and __eq__ of x runs.",
        ),
    )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        targets: list[cst.ComparisonTarget] = []
        changed = False
        for target in node.comparisons:
            op = target.operator
            if isinstance(op, cst.Is | cst.IsNot) and (
                _is_literal(left) or _is_literal(target.comparator)
            ):
                new_op: cst.BaseCompOp = (
                    cst.Equal(
                        whitespace_before=op.whitespace_before,
                        whitespace_after=op.whitespace_after,
                    )
                    if isinstance(op, cst.Is)
                    else cst.NotEqual(
                        whitespace_before=op.whitespace_before,
                        whitespace_after=op.whitespace_after,
                    )
                )
                target = target.with_changes(operator=new_op)
                changed = True
            targets.append(target)
            left = target.comparator
        if not changed:
            return
        new = node.with_changes(comparisons=targets, lpar=[], rpar=[])
        self.report(
            node,
            fix=self.node_fix("Compare with == / !=", Safety.UNSAFE, node, Replacement(node, new)),
        )
