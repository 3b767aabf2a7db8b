"""Small syntactic helpers shared by the rule modules (builtin calls, strings, comparisons,
loop headers, lookups, bugs).

Everything here is purely syntactic (no imports resolved, no type inference beyond literals and
constructor calls): rules assume builtins such as ``list`` and ``len`` are not shadowed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState

from hone.core.finding import Safety
from hone.rules.base import NodeFix, Replacement, Rule, RuleContext

_EMPTY_MODULE = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    """Source of an expression node built or taken from any tree."""
    return _EMPTY_MODULE.code_for_node(node)


# -- comments -------------------------------------------------------------------------------


# -- traversal ------------------------------------------------------------------------------
# libcst's own ``node.visit()``/``m.findall`` rebuild the subtree they walk; rules run on every
# edit, so they walk the dataclass fields instead (about 20x cheaper).

_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}
_IS_NODE: dict[type, bool] = {}  # isinstance() against the CSTNode ABC is slow; types repeat


def is_node(value: object) -> bool:
    t = type(value)
    known = _IS_NODE.get(t)
    if known is None:
        known = _IS_NODE[t] = isinstance(value, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Child nodes of ``node`` in field order (source order for everything rules look at)."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(node))
        _FIELDS[type(node)] = names
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if type(value) is list or type(value) is tuple:
            out.extend(v for v in value if is_node(v))
        elif is_node(value):
            out.append(value)
    return out


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and its descendants, parents before children (iterative: no recursion limit)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


class Walker:
    """A read-only visitor over :func:`walk`: calls ``visit_<NodeType>`` for each node."""

    def run(self, node: cst.CSTNode) -> None:
        for n in walk(node):
            method = getattr(self, "visit_" + type(n).__name__, None)
            if method is not None:
                method(n)


def comments(node: cst.CSTNode) -> Counter[str]:
    return Counter(n.value for n in walk(node) if isinstance(n, cst.Comment))


def keeps_comments(old: cst.CSTNode | Sequence[cst.CSTNode], new: cst.CSTNode) -> bool:
    """True when every comment of ``old`` (a node or the nodes a replacement spans) is in ``new``.

    A fix must never silently delete a user's comment, so rules offer no fix otherwise.
    """
    olds = [old] if isinstance(old, cst.CSTNode) else list(old)
    had: Counter[str] = Counter()
    for node in olds:
        had += comments(node)
    return not had - comments(new)


# -- names and calls ------------------------------------------------------------------------


def dotted(expr: cst.BaseExpression) -> str | None:
    """``a`` or ``a.b.c`` for names and attribute chains of names, else None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr.value}"
    return None


def call_name(node: cst.CSTNode) -> str | None:
    """The dotted name a call calls (``len``, ``re.sub``), or None."""
    if isinstance(node, cst.Call):
        return dotted(node.func)
    return None


def positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    """The call's arguments when all are plain positional ones (no keywords, no stars)."""
    if any(a.keyword is not None or a.star for a in call.args):
        return None
    return [a.value for a in call.args]


def single_arg(call: cst.Call, *names: str) -> cst.BaseExpression | None:
    """``X`` for ``name(X)`` (one plain positional argument) when the callee is one of ``names``."""
    if call_name(call) not in names:
        return None
    args = positional(call)
    if args is None or len(args) != 1:
        return None
    return args[0]


def method_call(
    node: cst.CSTNode, *methods: str
) -> tuple[cst.BaseExpression, str, cst.Call] | None:
    """(receiver, method, call) for ``receiver.method(...)`` with ``method`` in ``methods``."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in methods
    ):
        return node.func.value, node.func.attr.value, node
    return None


def is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def is_int(expr: cst.BaseExpression, value: int) -> bool:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0) == value
        except ValueError:  # e.g. "0777" is not valid Python 3 anyway
            return False
    return False


def string_value(expr: cst.BaseExpression) -> str | bytes | None:
    """The value of a plain (non-f) string literal or a concatenation of them."""
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        try:
            value = expr.evaluated_value
        except Exception:  # malformed escapes: not our business
            return None
        return value if isinstance(value, str | bytes) else None
    return None


def is_number_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary):
        return True
    return (
        isinstance(expr, cst.UnaryOperation)
        and isinstance(expr.operator, cst.Minus | cst.Plus)
        and isinstance(expr.expression, cst.Integer | cst.Float | cst.Imaginary)
    )


def is_hashable_literal(expr: cst.BaseExpression) -> bool:
    """A number or plain string/bytes literal (always hashable, no side effects)."""
    return is_number_literal(expr) or string_value(expr) is not None


_ATOMS = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.List,
    cst.Dict,
    cst.Set,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


def as_receiver(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` made usable before ``.method()``: parenthesised unless it is an atom."""
    if expr.lpar or isinstance(expr, _ATOMS):
        return expr
    if isinstance(expr, cst.Tuple) and expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def contains(node: cst.CSTNode, *types: type[cst.CSTNode]) -> bool:
    return any(isinstance(n, types) for n in walk(node))


def has_calls(*nodes: cst.CSTNode | None) -> bool:
    """Whether evaluating the nodes may run user code beyond operators (calls, awaits...)."""
    return any(
        n is not None and contains(n, cst.Call, cst.Await, cst.Yield, cst.NamedExpr) for n in nodes
    )


class _Loads(Walker):
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.not_loads: set[int] = set()

    def _store(self, target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.not_loads.add(id(target))
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self._store(el.value)
        elif isinstance(target, cst.StarredElement):
            self._store(target.value)

    def visit_For(self, node: cst.For) -> None:
        self._store(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._store(node.target)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._store(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._store(node.name)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_loads.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_loads.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self.not_loads:
            self.count += 1


def name_loads(scope: cst.CSTNode, name: str) -> int:
    """How often ``name`` is read (or deleted, or bound by import/def...) in ``scope``: every
    occurrence except assignment and loop targets, attribute names and keyword names."""
    visitor = _Loads(name)
    visitor.run(scope)
    return visitor.count


# -- boolean chains -------------------------------------------------------------------------


def flatten_bool(
    node: cst.BooleanOperation,
) -> tuple[list[cst.BaseExpression], list[cst.BooleanOperation]]:
    """Operands of an unparenthesised chain ``a or b or c`` (one operator kind) and the chain's
    BooleanOperation nodes (including ``node``)."""
    op = type(node.operator)
    operands: list[cst.BaseExpression] = []
    links: list[cst.BooleanOperation] = []

    def walk(expr: cst.BaseExpression, top: bool) -> None:
        if (
            isinstance(expr, cst.BooleanOperation)
            and isinstance(expr.operator, op)
            and (top or not expr.lpar)
        ):
            links.append(expr)
            walk(expr.left, False)
            walk(expr.right, False)
        else:
            operands.append(expr)

    walk(node, True)
    return operands, links


def operator_has_comment(links: Sequence[cst.BooleanOperation]) -> bool:
    return any(comments(link.operator) for link in links)


def runs(items: Sequence[cst.BaseExpression], key: list[str | None]) -> Iterator[tuple[int, int]]:
    """(start, end) index ranges (end exclusive) of maximal runs of equal, non-None keys."""
    i = 0
    while i < len(items):
        if key[i] is None:
            i += 1
            continue
        j = i + 1
        while j < len(items) and key[j] == key[i]:
            j += 1
        yield i, j
        i = j


# -- kinds of values ------------------------------------------------------------------------

# What a call to these builtins returns (or it raises).
_CONSTRUCTOR_KINDS = {
    "list": "list",
    "tuple": "tuple",
    "set": "set",
    "frozenset": "frozenset",
    "dict": "dict",
    "str": "str",
    "bytes": "bytes",
    "bytearray": "bytearray",
    "sorted": "list",
    "range": "range",
}

SIZED_KINDS = frozenset(_CONSTRUCTOR_KINDS.values())

# str/bytes methods that return the receiver's type (or raise)
_STR_METHODS = frozenset(
    ("join", "replace", "lower", "upper", "strip", "lstrip", "rstrip", "title", "casefold")
)


def expr_kind(expr: cst.BaseExpression) -> str | None:
    """The builtin type an expression certainly evaluates to (if it does not raise), or None."""
    if isinstance(expr, cst.List | cst.ListComp):
        return "list"
    if isinstance(expr, cst.Tuple):
        return "tuple"
    if isinstance(expr, cst.Set | cst.SetComp):
        return "set"
    if isinstance(expr, cst.Dict | cst.DictComp):
        return "dict"
    if isinstance(expr, cst.FormattedString):
        return "str"
    value = string_value(expr)
    if value is not None:
        return "bytes" if isinstance(value, bytes) else "str"
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _STR_METHODS
    ):
        receiver = expr_kind(expr.func.value)
        if receiver in ("str", "bytes"):  # e.g. ", ".join(parts)
            return receiver
    name = call_name(expr)
    if name in _CONSTRUCTOR_KINDS and not any(a.star for a in expr.args):  # type: ignore[attr-defined]
        return _CONSTRUCTOR_KINDS[name]
    return None


class _Bindings(Walker):
    """Collects, for one function, the kinds assigned to each name and the names bound in any
    other way (parameters, loops, imports, ``global``...), which make a name's kind unknown."""

    def __init__(self) -> None:
        self.kinds: dict[str, set[str]] = {}
        self.unknown: set[str] = set()

    def _target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            kind = expr_kind(value) if value is not None else None
            if kind is None:
                self.unknown.add(target.value)
            else:
                self.kinds.setdefault(target.value, set()).add(kind)
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self._target(el.value, None)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value, None)
        # attributes and subscripts bind no name

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # ``s += x`` can call x.__radd__ and return anything
        self._target(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target, None)

    def visit_AsName(self, node: cst.AsName) -> None:  # with / except / import ... as
        if isinstance(node.name, cst.BaseExpression):
            self._target(node.name, None)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            first = code(node.name).split(".")[0]
            self.unknown.add(first)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target, None)

    def visit_Global(self, node: cst.Global) -> None:
        self.unknown.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.unknown.update(n.name.value for n in node.names)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target, None)

    def visit_Param(self, node: cst.Param) -> None:
        self.unknown.add(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.unknown.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.unknown.add(node.name.value)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.unknown.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.unknown.add(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.unknown.add(node.rest.value)


def local_kinds(func: cst.FunctionDef) -> dict[str, frozenset[str]]:
    """Names of ``func``'s locals whose every binding assigns a value of a known builtin kind.

    Conservative: any other binding of the name anywhere in the function (including nested
    scopes) makes it unknown.  Names not bound in the function (globals, closures) are unknown.
    """
    b = _Bindings()
    b.run(func)
    return {n: frozenset(k) for n, k in b.kinds.items() if n not in b.unknown}


class HoneRule(Rule):
    """Base of the HONE2xx/3xx rules: offers fixes that keep comments and indentation.

    A multi-line expression's continuation lines are indented relative to the enclosing blocks
    (libcst's ``indent=True`` whitespace); rendering a replacement node on its own would drop
    that indentation, so replacements are rendered here with the blocks' indentation.
    """

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.indents: list[str] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.indents.append(
            node.indent if node.indent is not None else self.ctx.module.default_indent
        )

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.indents.pop()

    def node_fix(
        self,
        title: str,
        safety: Safety,
        old: cst.CSTNode | Sequence[cst.CSTNode],
        *replacements: Replacement,
    ) -> NodeFix | None:
        """:func:`node_fix` with expression replacements rendered at this indentation."""
        fix = node_fix(title, safety, old, *replacements)
        if fix is None:
            return None
        nodes = [r.new for r in replacements if isinstance(r.new, cst.CSTNode)]
        return NodeFix(title, [self._render(r) for r in replacements], safety, nodes)

    def _render(self, rep: Replacement) -> Replacement:
        new = rep.new
        if not isinstance(new, cst.BaseExpression | cst.BaseAssignTargetExpression):
            return rep  # statements are re-indented by the engine; text is used verbatim
        module = self.ctx.module
        state = CodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            indent_tokens=list(self.indents),
        )
        new._codegen(state)
        return Replacement(rep.start, "".join(state.tokens), rep.end)


class ScopedRule(HoneRule):
    """A rule that knows its enclosing function/class/lambda and comprehension.

    Subclasses overriding these ``visit_``/``leave_`` methods must call ``super()``.
    """

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.scopes: list[cst.FunctionDef | cst.ClassDef | cst.Lambda] = []
        self.comprehensions: list[cst.CSTNode] = []
        self._kinds: dict[int, tuple[cst.FunctionDef, dict[str, frozenset[str]]]] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scopes.pop()

    def _comp_enter(self, node: cst.CSTNode) -> None:
        self.comprehensions.append(node)

    def _comp_leave(self) -> None:
        self.comprehensions.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._comp_enter(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._comp_leave()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._comp_enter(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._comp_leave()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._comp_enter(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._comp_leave()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comp_enter(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._comp_leave()

    @property
    def function(self) -> cst.FunctionDef | None:
        """The innermost enclosing ``def`` if it is also the innermost scope."""
        if self.scopes and isinstance(self.scopes[-1], cst.FunctionDef):
            return self.scopes[-1]
        return None

    def kind_of(self, expr: cst.BaseExpression) -> str | None:
        """Builtin kind of ``expr``: from its syntax, or for a local name from its assignments."""
        kind = expr_kind(expr)
        if kind is not None or not isinstance(expr, cst.Name):
            return kind
        func = self.function
        if func is None:
            return None
        entry = self._kinds.get(id(func))
        if entry is None or entry[0] is not func:
            entry = (func, local_kinds(func))
            self._kinds[id(func)] = entry
        kinds = entry[1].get(expr.value)
        if kinds is not None and len(kinds) == 1:
            return next(iter(kinds))
        if kinds and kinds <= SIZED_KINDS:
            return "sized"
        return None


# -- fixes ----------------------------------------------------------------------------------


def node_fix(
    title: str,
    safety: Safety,
    old: cst.CSTNode | Sequence[cst.CSTNode],
    *replacements: Replacement,
) -> NodeFix | None:
    """A fix replacing ``old`` (what the replacements span), or None if that would drop a
    comment.  Every replacement's ``new`` must be a node."""
    for rep in replacements:
        assert isinstance(rep.new, cst.CSTNode)
    new_nodes = [rep.new for rep in replacements if isinstance(rep.new, cst.CSTNode)]
    olds = [old] if isinstance(old, cst.CSTNode) else list(old)
    had: Counter[str] = Counter()
    for node in olds:
        had += comments(node)
    kept: Counter[str] = Counter()
    for node in new_nodes:
        kept += comments(node)
    if had - kept:
        return None
    return NodeFix(title, replacements, safety)


def parenthesized(expr: cst.BaseExpression) -> cst.BaseExpression:
    if expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def as_comprehension_part(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` made valid as a comprehension's iterable or ``if`` condition (a disjunction)."""
    if isinstance(expr, cst.IfExp | cst.Lambda | cst.NamedExpr | cst.Yield | cst.Tuple):
        return parenthesized(expr)
    return expr


def comp_parts(comp_for: cst.CompFor) -> tuple[list[cst.CSTNode], bool]:
    """(conditions and inner iterables, any async) of a comprehension's ``for`` chain; the first
    iterable is left out because every form evaluates it eagerly in the enclosing scope."""
    parts: list[cst.CSTNode] = []
    is_async = False
    first = True
    cur: cst.CompFor | None = comp_for
    while cur is not None:
        if cur.asynchronous is not None:
            is_async = True
        if not first:
            parts.append(cur.iter)
        parts.extend(cur.ifs)
        first = False
        cur = cur.inner_for_in
    return parts, is_async
