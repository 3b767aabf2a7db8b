"""Rules about comparisons, lookups and loop headers that do redundant work.

Loop *bodies* (append loops, manual sums, membership in loops...) and ``for x in f.readlines()``
(HONE115) are in the loop rules.
"""

from __future__ import annotations

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import Replacement, RuleContext, RuleDoc, RuleMeta
from hone.rules.nodeutil import (
    HoneRule,
    ScopedRule,
    as_comprehension_part,
    call_name,
    code,
    dotted,
    flatten_bool,
    is_hashable_literal,
    is_name,
    method_call,
    name_loads,
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
