"""Shared machinery of the loop and collection rules (HONE1xx).

* :class:`LoopRule` - a :class:`~hone.rules.base.Rule` that knows whether the node being visited
  runs once per iteration of a loop (``for``/``while`` bodies, a ``while`` test, a comprehension's
  element, conditions and inner loops - but not a ``for``'s iterable, evaluated once) and which
  function it is in.  Nested ``def``/``lambda`` bodies start a fresh context: they run when
  called, not per iteration of the loop around their definition.
* :class:`FunctionFacts` - every binding and reference of the names of one function, in source
  order.  Fixes use it to prove that a rewrite cannot be observed: that a loop variable is not
  read after the loop, that an accumulator is not visible to other code while it is filled, that
  a name is only ever bound to a list.
* Small code helpers (constants, comments, parenthesising).

Everything here is conservative: when the analysis is unsure it answers "unsafe"/"unknown".
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from hone.rules.base import Rule, RuleContext
from hone.rules.nodeutil import children, contains, is_name, walk

LOOP_STATEMENTS = (cst.For, cst.While)
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)

_BUILTIN_NAMES = frozenset(dir(builtins))


# -- loop context --------------------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    func: cst.FunctionDef | None
    loops: list[cst.CSTNode] = field(default_factory=list)


# Per-traversal state shared by the loop rules, kept in RuleContext.shared (one context per
# traversal, so it goes away with the chunk's tree):
# - the loop context: the first LoopRule built for a context owns it (only the owner has the
#   tracking visitor methods), the others read it;
# - the FunctionFacts of the functions met, built once for all rules.
_TRACKER = "loopkit.tracker"
_FACTS = "loopkit.facts"


class LoopRule(Rule):
    """Base of rules that need to know about enclosing loops and the enclosing function.

    Subclasses must not override the ``visit_*_body``/``visit_*_elt``/... attribute hooks
    defined here (or must call ``super()``); they use ordinary ``visit_<Node>`` methods.
    """

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        frames: list[_Frame] | None = ctx.shared.get(_TRACKER)
        self._owner = frames is None
        if frames is None:
            frames = ctx.shared[_TRACKER] = [_Frame(None)]
        self._frames = frames

    def visitor_names(self) -> tuple[str, ...]:
        """The rule's own visitor methods, plus the tracking ones if it owns the tracker."""
        key = (type(self), self._owner)
        names = _VISITOR_NAMES.get(key)
        if names is None:
            names = tuple(
                name for name in super().visitor_names() if self._owner or name not in _TRACKING
            )
            _VISITOR_NAMES[key] = names
        return names

    @property
    def in_loop(self) -> bool:
        return bool(self._frames[-1].loops)

    @property
    def loops(self) -> Sequence[cst.CSTNode]:
        """Loops (statements, comprehensions, inner ``CompFor``s) around the current node."""
        return self._frames[-1].loops

    @property
    def function(self) -> cst.FunctionDef | None:
        """The function whose body the current node is directly in (None: module/class/lambda)."""
        return self._frames[-1].func

    def in_repeated_loop(self) -> bool:
        """In a loop that may run many times: not only loops over short literal displays."""
        return any(not _small_literal_loop(loop) for loop in self.loops)

    def facts(self) -> FunctionFacts | None:
        func = self.function
        if func is None:
            return None
        cache: dict[int, FunctionFacts | None] = self.ctx.shared.setdefault(_FACTS, {})
        key = id(func)
        if key not in cache:
            cache[key] = FunctionFacts.build(func)
        return cache[key]

    # -- scopes (the method names are what libcst dispatches on: no aliases possible) --
    def _push_scope(self, func: cst.FunctionDef | None, keep_loops: bool = False) -> None:
        loops = list(self._frames[-1].loops) if keep_loops else []
        self._frames.append(_Frame(func, loops))

    def _pop_scope(self) -> None:
        self._frames.pop()

    def _enter_loop(self, node: cst.CSTNode) -> None:
        self._frames[-1].loops.append(node)

    def _leave_loop(self) -> None:
        self._frames[-1].loops.pop()

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._push_scope(node)

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._pop_scope()

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        self._push_scope(None)

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self._pop_scope()

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        # a class body runs where it is defined (once per iteration inside a loop), but it is
        # not the enclosing function's scope
        self._push_scope(None, keep_loops=True)

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._pop_scope()

    def visit_For_body(self, node: cst.For) -> None:
        self._enter_loop(node)

    def leave_For_body(self, node: cst.For) -> None:
        self._leave_loop()

    def visit_While_test(self, node: cst.While) -> None:
        self._enter_loop(node)

    def leave_While_test(self, node: cst.While) -> None:
        self._leave_loop()

    def visit_While_body(self, node: cst.While) -> None:
        self._enter_loop(node)

    def leave_While_body(self, node: cst.While) -> None:
        self._leave_loop()

    def visit_ListComp_elt(self, node: cst.ListComp) -> None:
        self._enter_loop(node)

    def leave_ListComp_elt(self, node: cst.ListComp) -> None:
        self._leave_loop()

    def visit_SetComp_elt(self, node: cst.SetComp) -> None:
        self._enter_loop(node)

    def leave_SetComp_elt(self, node: cst.SetComp) -> None:
        self._leave_loop()

    def visit_GeneratorExp_elt(self, node: cst.GeneratorExp) -> None:
        self._enter_loop(node)

    def leave_GeneratorExp_elt(self, node: cst.GeneratorExp) -> None:
        self._leave_loop()

    def visit_DictComp_key(self, node: cst.DictComp) -> None:
        self._enter_loop(node)

    def leave_DictComp_key(self, node: cst.DictComp) -> None:
        self._leave_loop()

    def visit_DictComp_value(self, node: cst.DictComp) -> None:
        self._enter_loop(node)

    def leave_DictComp_value(self, node: cst.DictComp) -> None:
        self._leave_loop()

    def visit_CompFor_ifs(self, node: cst.CompFor) -> None:
        self._enter_loop(node)

    def leave_CompFor_ifs(self, node: cst.CompFor) -> None:
        self._leave_loop()

    def visit_CompFor_inner_for_in(self, node: cst.CompFor) -> None:
        self._enter_loop(node)

    def leave_CompFor_inner_for_in(self, node: cst.CompFor) -> None:
        self._leave_loop()


_VISITOR_NAMES: dict[tuple[type, bool], tuple[str, ...]] = {}

_TRACKING = frozenset(
    name
    for name, value in vars(LoopRule).items()
    if name.startswith(("visit_", "leave_")) and callable(value)
)


def _small_literal_loop(loop: cst.CSTNode) -> bool:
    """A ``for`` over a literal list/tuple/set display: a handful of iterations by construction."""
    if isinstance(loop, cst.For):
        return isinstance(loop.iter, cst.List | cst.Tuple | cst.Set)
    if isinstance(loop, cst.CompFor):
        return isinstance(loop.iter, cst.List | cst.Tuple | cst.Set) and loop.inner_for_in is None
    if isinstance(loop, COMPREHENSIONS):
        f = loop.for_in
        return isinstance(f.iter, cst.List | cst.Tuple | cst.Set) and f.inner_for_in is None
    return False


# -- names ---------------------------------------------------------------------------------

RefKind = Literal["load", "store", "del", "aug"]
BindingKind = Literal["assign", "annassign", "aug", "for", "with", "param", "other"]


@dataclass(slots=True)
class Ref:
    name: str
    node: cst.Name
    kind: RefKind
    nested: bool  # runs in another scope or later: nested def/lambda/class, generator expression


@dataclass(slots=True)
class Binding:
    kind: BindingKind
    node: cst.CSTNode  # the statement/param that binds
    value: cst.BaseExpression | None = None  # right-hand side (assign/aug)
    annotation: cst.BaseExpression | None = None
    implicit: str | None = None  # the container kind a parameter always has (*args, **kwargs)


def target_names(target: cst.BaseExpression) -> list[cst.Name]:
    """The names an assignment target binds (``a``, ``a, (b, *c)``); attributes etc. bind none."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, cst.Tuple | cst.List):
        out: list[cst.Name] = []
        for el in target.elements:
            out.extend(target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def is_simple_target(target: cst.BaseExpression) -> bool:
    """Only names (possibly unpacked): the kind of target a comprehension can take over."""
    if isinstance(target, cst.Name):
        return True
    if isinstance(target, cst.Tuple | cst.List):
        return all(is_simple_target(el.value) for el in target.elements)
    return False


class FunctionFacts:
    """Bindings and references of the names of one function body, in source order."""

    def __init__(self, func: cst.FunctionDef) -> None:
        self.func = func
        self.refs: list[Ref] = []
        self.bindings: dict[str, list[Binding]] = {}
        self.declared: set[str] = set()  # global/nonlocal anywhere inside
        self.dynamic = False  # locals()/vars()/eval()/exec(): names may be read invisibly
        self.all_names: set[str] = set()  # every identifier spelled anywhere in the function
        self._order: dict[cst.CSTNode, tuple[int, int]] = {}
        self._parent: dict[cst.CSTNode, cst.CSTNode] = {}
        self._kind: dict[cst.CSTNode, RefKind | Literal["skip"]] = {}
        self._override: dict[cst.CSTNode, tuple[frozenset[str], bool]] = {}
        self._counter = 0

    @classmethod
    def build(cls, func: cst.FunctionDef) -> FunctionFacts | None:
        facts = cls(func)
        try:
            facts._params(func.params)
            facts._walk(func.body, func, frozenset(), False)
        except RecursionError:
            return None
        return facts

    # -- construction --
    def _bind(self, name: str, binding: Binding, nested: bool) -> None:
        if not nested:
            self.bindings.setdefault(name, []).append(binding)

    def _params(self, params: cst.Parameters) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for p in every:
            ann = p.annotation.annotation if p.annotation is not None else None
            self.all_names.add(p.name.value)
            self._bind(p.name.value, Binding("param", p, annotation=ann), False)
        # *args is always a tuple and **kwargs a dict, whatever their annotations say
        for extra, kind in ((params.star_arg, "tuple"), (params.star_kwarg, "dict")):
            if isinstance(extra, cst.Param):
                self.all_names.add(extra.name.value)
                self._bind(extra.name.value, Binding("param", extra, implicit=kind), False)

    def _mark(self, names: Sequence[cst.Name], kind: RefKind | Literal["skip"]) -> None:
        for n in names:
            self._kind[n] = kind

    def _walk(
        self, node: cst.CSTNode, parent: cst.CSTNode, shadow: frozenset[str], nested: bool
    ) -> None:
        override = self._override.pop(node, None)
        if override is not None:
            shadow, nested = override
        start = self._counter
        self._counter += 1
        self._parent[node] = parent
        if type(node) is cst.Name:
            assert isinstance(node, cst.Name)
            self._name(node, shadow, nested)
        else:
            shadow, nested = self._enter(node, shadow, nested)
            for child in children(node):
                self._walk(child, node, shadow, nested)
        self._order[node] = (start, self._counter - 1)

    def _name(self, node: cst.Name, shadow: frozenset[str], nested: bool) -> None:
        self.all_names.add(node.value)
        kind = self._kind.get(node, "load")
        if kind == "skip" or node.value in shadow:
            return
        self.refs.append(Ref(node.value, node, kind, nested))

    def _enter(
        self, node: cst.CSTNode, shadow: frozenset[str], nested: bool
    ) -> tuple[frozenset[str], bool]:
        # exact-type gate first: isinstance on libcst's ABC-based classes is slow, and most
        # nodes (whitespace, operators, literals) need nothing here
        if type(node) not in _INTERESTING:
            return shadow, nested
        if isinstance(node, cst.Attribute):
            self._kind[node.attr] = "skip"
        elif isinstance(node, cst.Arg):
            if node.keyword is not None:
                self._kind[node.keyword] = "skip"
        elif isinstance(node, cst.Assign):
            for t in node.targets:
                names = target_names(t.target)
                self._mark(names, "store")
                # ``a, b = 0, x`` binds a to a part of the value: record the value as unknown
                kind: BindingKind = "assign" if isinstance(t.target, cst.Name) else "other"
                for n in names:
                    self._bind(n.value, Binding(kind, node, node.value), nested)
        elif isinstance(node, cst.AnnAssign):
            names = target_names(node.target)
            self._mark(names, "store" if node.value is not None else "skip")
            if node.value is not None:
                for n in names:
                    b = Binding("annassign", node, node.value, node.annotation.annotation)
                    self._bind(n.value, b, nested)
        elif isinstance(node, cst.AugAssign):
            names = target_names(node.target)
            self._mark(names, "aug")
            for n in names:
                self._bind(n.value, Binding("aug", node, node.value), nested)
        elif isinstance(node, cst.For):
            names = target_names(node.target)
            self._mark(names, "store")
            for n in names:
                self._bind(n.value, Binding("for", node), nested)
        elif isinstance(node, cst.CompFor):
            self._mark(target_names(node.target), "store")
        elif isinstance(node, cst.NamedExpr):
            names = target_names(node.target)
            self._mark(names, "store")
            for n in names:
                self._bind(n.value, Binding("other", node), nested)
        elif isinstance(node, cst.WithItem):
            if node.asname is not None:
                names = target_names(node.asname.name)
                self._mark(names, "store")
                for n in names:
                    self._bind(n.value, Binding("with", node, node.item), nested)
        elif isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler):
            if node.name is not None and isinstance(node.name.name, cst.Name):
                self._mark([node.name.name], "store")
                self._bind(node.name.name.value, Binding("other", node), nested)
        elif isinstance(node, cst.Del):
            names = target_names(node.target)
            self._mark(names, "del")
            for n in names:
                self._bind(n.value, Binding("other", node), nested)
        elif isinstance(node, cst.Import | cst.ImportFrom):
            self._import(node, nested)
        elif isinstance(node, cst.Global | cst.Nonlocal):
            for item in node.names:
                self.declared.add(item.name.value)
                self._kind[item.name] = "skip"
        elif isinstance(node, cst.FunctionDef | cst.ClassDef):
            self._kind[node.name] = "store"
            self._bind(node.name.value, Binding("other", node), nested)
            return shadow, True
        elif isinstance(node, cst.Lambda):
            return shadow, True
        elif isinstance(node, cst.Param):
            self._kind[node.name] = "store"
        elif isinstance(node, COMPREHENSIONS):
            bound: set[str] = set()
            comp: cst.CompFor | None = node.for_in
            while comp is not None:
                bound.update(n.value for n in target_names(comp.target))
                comp = comp.inner_for_in
            # the outermost iterable is evaluated in the enclosing scope, immediately
            self._override[node.for_in.iter] = (shadow, nested)
            return shadow | bound, nested or isinstance(node, cst.GeneratorExp)
        elif isinstance(node, cst.Call):
            if (
                isinstance(node.func, cst.Name)
                and node.func.value in ("locals", "vars", "eval", "exec")
                and (node.func.value != "vars" or not node.args)
            ):
                self.dynamic = True
        elif isinstance(node, cst.MatchAs | cst.MatchStar):
            if node.name is not None:
                self._kind[node.name] = "store"
                self._bind(node.name.value, Binding("other", node), nested)
        elif isinstance(node, cst.MatchMapping):
            if node.rest is not None:
                self._kind[node.rest] = "store"
                self._bind(node.rest.value, Binding("other", node), nested)
        elif isinstance(node, cst.MatchKeywordElement):
            self._kind[node.key] = "skip"
        return shadow, nested

    def _import(self, node: cst.Import | cst.ImportFrom, nested: bool) -> None:
        if isinstance(node, cst.ImportFrom) and node.module is not None:
            self._mark([n for n in walk(node.module) if isinstance(n, cst.Name)], "skip")
        if isinstance(node.names, cst.ImportStar):
            self.dynamic = True
            return
        for alias in node.names:
            self._mark([n for n in walk(alias.name) if isinstance(n, cst.Name)], "skip")
            if alias.asname is not None:
                bound = target_names(alias.asname.name)
                self._mark(bound, "store")
                names = [n.value for n in bound]
            else:
                top: cst.BaseExpression = alias.name
                while isinstance(top, cst.Attribute):
                    top = top.value
                names = [top.value] if isinstance(top, cst.Name) else []
            for name in names:
                self._bind(name, Binding("other", node), nested)

    # -- queries: structure --
    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        return self._order[node]

    def inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        s, e = self._order[container]
        return s <= self._order[node][0] <= e

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        p = self._parent.get(node)
        return None if p is None or p is self.func else p

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        p = self.parent(node)
        while p is not None:
            yield p
            p = self.parent(p)

    def in_enclosing_loop(self, node: cst.CSTNode) -> bool:
        return self.innermost_loop(node) is not None

    def innermost_loop(
        self,
        node: cst.CSTNode,
        kinds: tuple[type[cst.CSTNode], ...] = LOOP_STATEMENTS,
    ) -> cst.CSTNode | None:
        """The nearest ancestor of ``node`` of one of ``kinds`` (for/while by default)."""
        return next((a for a in self.ancestors(node) if isinstance(a, kinds)), None)

    def in_handler_scope(self, node: cst.CSTNode) -> bool:
        """Inside a ``try`` or ``with``: an exception from ``node`` may be caught here."""
        return any(isinstance(a, cst.Try | cst.TryStar | cst.With) for a in self.ancestors(node))

    def siblings(self, stmt: cst.CSTNode) -> Sequence[cst.CSTNode] | None:
        parent = self._parent.get(stmt)
        if isinstance(parent, cst.IndentedBlock):
            return parent.body
        return None

    def previous_statement(self, stmt: cst.CSTNode) -> cst.CSTNode | None:
        sib = self.siblings(stmt)
        if sib is None:
            return None
        i = _index(sib, stmt)
        return sib[i - 1] if i > 0 else None

    def next_statement(self, stmt: cst.CSTNode) -> cst.CSTNode | None:
        sib = self.siblings(stmt)
        if sib is None:
            return None
        i = _index(sib, stmt)
        return sib[i + 1] if 0 <= i < len(sib) - 1 else None

    # -- queries: names --
    def refs_of(self, name: str) -> list[Ref]:
        return [r for r in self.refs if r.name == name]

    def reads(self, name: str, within: cst.CSTNode) -> list[Ref]:
        return [
            r
            for r in self.refs
            if r.name == name and r.kind != "store" and self.inside(r.node, within)
        ]

    def writes(self, name: str, within: cst.CSTNode) -> list[Ref]:
        return [
            r
            for r in self.refs
            if r.name == name and r.kind != "load" and self.inside(r.node, within)
        ]

    def mentions(self, name: str, within: cst.CSTNode) -> bool:
        return any(r.name == name and self.inside(r.node, within) for r in self.refs)

    def loop_names_escape(self, names: Sequence[str], loop: cst.CSTNode) -> bool:
        """Could code outside ``loop`` observe the values its target names get?

        False only when every read of the names outside the loop provably sees a value bound
        elsewhere: reads before the loop (when no outer loop repeats it), or reads after a plain
        assignment that follows the loop in the same block (and no ``try``/``with`` could jump
        past that assignment).  Used before a rewrite that stops binding the names.
        """
        if self.dynamic:
            return True
        loop_end = self.span(loop)[1]
        for name in names:
            if name in self.declared:
                return True
            outside = [r for r in self.refs_of(name) if not self.inside(r.node, loop)]
            if any(r.nested for r in outside):
                return True
            reads = [r for r in outside if r.kind != "store" and not self._rebound_by_loop(r, loop)]
            if not reads:
                continue
            if self.in_enclosing_loop(loop):
                return True
            after = [r for r in reads if self.span(r.node)[0] > loop_end]
            if not after:
                continue
            if self.in_handler_scope(loop):
                return True
            kill = self._killing_assignment(name, loop)
            if kill is None or any(self.span(r.node)[0] <= self.span(kill)[1] for r in after):
                return True
        return False

    def _rebound_by_loop(self, ref: Ref, loop: cst.CSTNode) -> bool:
        """Is ``ref`` in the body of another ``for`` loop whose target binds its name?

        Such a read always sees that loop's own binding (the body runs only after the target
        was assigned), whatever ``loop`` did.
        """
        for a in self.ancestors(ref.node):
            if (
                isinstance(a, cst.For)
                and not self.inside(loop, a)  # an outer loop sees what ``loop`` bound
                and self.inside(ref.node, a.body)
                and any(n.value == ref.name for n in target_names(a.target))
            ):
                return True
        return False

    def _killing_assignment(self, name: str, loop: cst.CSTNode) -> cst.CSTNode | None:
        """The first statement after ``loop`` in its block that certainly rebinds ``name``."""
        sib = self.siblings(loop)
        if sib is None:
            return None
        for stmt in sib[_index(sib, loop) + 1 :]:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and any(
                        n.value == name for t in small.targets for n in target_names(t.target)
                    ):
                        return stmt
        return None

    def private_accumulator(self, name: str, init: cst.CSTNode, loop: cst.CSTNode) -> bool:
        """Is ``name`` - bound by ``init``, filled by ``loop`` - invisible to other code meanwhile?

        True when it is a plain local: not global/nonlocal, not captured by a nested scope, and
        (if an exception from the loop could be caught inside the function) not read anywhere
        an exception could lead to.  Then building it in one go cannot be told apart.
        """
        if self.dynamic or name in self.declared:
            return False
        outside = [
            r
            for r in self.refs_of(name)
            if not self.inside(r.node, init) and not self.inside(r.node, loop)
        ]
        if any(r.nested for r in outside):
            return False
        if not self.in_handler_scope(loop):
            return True
        block = self._parent.get(loop)
        if block is None:
            return False
        loop_end = self.span(loop)[1]
        block_end = self.span(block)[1]
        return all(loop_end < self.span(r.node)[0] <= block_end for r in outside)

    # -- queries: types --
    def only_bound_to(self, name: str, kind: ContainerKind, at: cst.CSTNode | None = None) -> bool:
        """Every binding of ``name`` in this function gives a ``kind`` (list/dict/str/tuple);
        with ``at``, every binding whose value ``at`` may see (:meth:`live_bindings`)."""
        if name in self.declared or self.dynamic:
            return False
        binds = self.bindings.get(name) if at is None else self.live_bindings(name, at, kind)
        if not binds:
            return False
        produces = _PRODUCERS[kind]
        for b in binds:
            if b.kind in ("assign", "annassign"):
                if b.value is None or not produces(b.value, name):
                    return False
            elif b.kind == "aug":
                assert isinstance(b.node, cst.AugAssign)
                if not isinstance(b.node.operator, cst.AddAssign | cst.MultiplyAssign):
                    return False
            elif b.kind == "param":
                if b.implicit is not None:
                    if b.implicit != kind:
                        return False
                elif b.annotation is None or not _annotation_is(b.annotation, kind):
                    return False
            else:
                return False
        return True

    def rebound_each_pass(self, name: str, node: cst.CSTNode) -> bool:
        """``name`` is also bound, other than by ``node``, inside the innermost loop around
        ``node``: a value built afresh for each pass (pygments' ``style = ''`` then a few
        ``+=``; sympy's ``sexpv = []`` ... ``sexpv = [c] + sexpv``), not grown across passes."""
        loop = self.innermost_loop(node)
        return loop is not None and any(
            r.kind == "store" and not self.inside(r.node, node) for r in self.writes(name, loop)
        )

    def annotated_param(self, name: str) -> bool:
        """``name`` is a parameter whose container kind comes only from its annotation."""
        return any(
            b.kind == "param" and b.implicit is None and b.annotation is not None
            for b in self.bindings.get(name, ())
        )

    def live_bindings(self, name: str, at: cst.CSTNode, kind: ContainerKind) -> list[Binding]:
        """The bindings of ``name`` whose value the code at ``at`` may see.

        An anchor is a plain assignment of a value that is a ``kind`` whatever ``name`` held
        before (``items = list(items)``, ``seen = []``), a statement of a block around ``at``
        and before it: execution passes it on every way to ``at``, and only code after it can
        rebind the name before ``at`` runs.  With one, the last anchor and every binding after
        it (the parameter's own value never reaches ``at``); otherwise all the bindings.
        """
        binds = self.bindings.get(name, [])
        start = self._order.get(at)
        if start is None:
            return binds
        produces = _PRODUCERS[kind]
        anchor: tuple[int, int] | None = None
        for b in binds:
            value = b.value
            if b.kind not in ("assign", "annassign") or value is None:
                continue
            # ``items + [x]`` or ``items[1:]`` is a list only if ``items`` was one
            if not produces(value, "") or (
                isinstance(value, cst.BinaryOperation | cst.Subscript) and uses_name(value, name)
            ):
                continue
            line = self._parent.get(b.node)
            block = self._parent.get(line) if line is not None else None
            if not (
                isinstance(line, cst.SimpleStatementLine)
                and isinstance(block, cst.IndentedBlock)
                and block in self._order
                and self.inside(at, block)
                and self.span(line)[1] < start[0]
            ):
                continue
            if anchor is None or self.span(b.node)[0] > anchor[0]:
                anchor = self.span(b.node)
        if anchor is None:
            return binds
        # parameters have no position: they are bound before the body runs
        return [b for b in binds if self._order.get(b.node, (-1, -1))[0] >= anchor[0]]

    def is_small_literal_list(self, name: str, at: cst.CSTNode | None = None) -> bool:
        """Bound only to list/tuple displays of fewer than four elements, never grown (with
        ``at``: the bindings whose value ``at`` may see, :meth:`live_bindings`)."""
        binds = self.bindings.get(name, []) if at is None else self.live_bindings(name, at, "list")
        for b in binds:
            if b.kind not in ("assign", "annassign"):
                return False
            if not isinstance(b.value, cst.List | cst.Tuple) or len(b.value.elements) >= 4:
                return False
        for r in self.refs_of(name):
            parent = self._parent.get(r.node)
            if isinstance(parent, cst.Attribute) and parent.attr.value in _LIST_GROWERS:
                return False
        return bool(binds)

    def fresh_name(self, *candidates: str) -> str:
        """A name not used anywhere in the function, not a keyword and not a builtin."""
        tried = [c for c in candidates if c]
        for c in tried:
            if self._free(c):
                return c
        base = tried[-1] if tried else "item"
        i = 1
        while not self._free(f"{base}_{i}"):
            i += 1
        return f"{base}_{i}"

    def _free(self, name: str) -> bool:
        return (
            name.isidentifier()
            and not keyword.iskeyword(name)
            and name not in _BUILTIN_NAMES
            and name not in self.all_names
        )


_INTERESTING = frozenset(
    {
        cst.Attribute,
        cst.Arg,
        cst.Assign,
        cst.AnnAssign,
        cst.AugAssign,
        cst.For,
        cst.CompFor,
        cst.NamedExpr,
        cst.WithItem,
        cst.ExceptHandler,
        cst.ExceptStarHandler,
        cst.Del,
        cst.Import,
        cst.ImportFrom,
        cst.Global,
        cst.Nonlocal,
        cst.FunctionDef,
        cst.ClassDef,
        cst.Lambda,
        cst.Param,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
        cst.GeneratorExp,
        cst.Call,
        cst.MatchAs,
        cst.MatchStar,
        cst.MatchMapping,
        cst.MatchKeywordElement,
    }
)

ContainerKind = Literal["list", "dict", "set", "str", "tuple"]

_LIST_GROWERS = frozenset({"append", "extend", "insert", "__iadd__"})


def _index(seq: Sequence[cst.CSTNode], node: cst.CSTNode) -> int:
    for i, item in enumerate(seq):
        if item is node:
            return i
    return -1


def _call_to(node: cst.BaseExpression, *names: str) -> bool:
    """``name(...)`` or ``module.name(...)`` for one of ``names``."""
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Name):
        return func.value in names
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.attr.value in names and func.value.value in ("collections", "builtins")
    return False


def _produces_list(e: cst.BaseExpression, name: str) -> bool:
    if isinstance(e, cst.List | cst.ListComp) or _call_to(e, "list", "sorted"):
        return True
    if isinstance(e, cst.BinaryOperation):
        if isinstance(e.operator, cst.Add):
            sides = (e.left, e.right)
            return any(_produces_list(s, name) or is_name(s, name) for s in sides)
        if isinstance(e.operator, cst.Multiply):
            return isinstance(e.left, cst.List) or isinstance(e.right, cst.List)
    if isinstance(e, cst.Subscript) and is_name(e.value, name):
        return len(e.slice) == 1 and isinstance(e.slice[0].slice, cst.Slice)
    return False


def _produces_dict(e: cst.BaseExpression, name: str) -> bool:
    return isinstance(e, cst.Dict | cst.DictComp) or _call_to(
        e, "dict", "defaultdict", "OrderedDict", "Counter"
    )


def _produces_set(e: cst.BaseExpression, name: str) -> bool:
    return isinstance(e, cst.Set | cst.SetComp) or _call_to(e, "set")


def is_string_literal(e: cst.BaseExpression) -> bool:
    return isinstance(e, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString)


def _produces_str(e: cst.BaseExpression, name: str) -> bool:
    if is_string_literal(e):
        return True
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
        return is_name(e.left, name) or is_name(e.right, name) or is_string_literal(e.left)
    return False


def _produces_tuple(e: cst.BaseExpression, name: str) -> bool:
    if isinstance(e, cst.Tuple) or _call_to(e, "tuple"):
        return True
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
        return any(is_name(s, name) or isinstance(s, cst.Tuple) for s in (e.left, e.right))
    return False


_PRODUCERS = {
    "list": _produces_list,
    "dict": _produces_dict,
    "set": _produces_set,
    "str": _produces_str,
    "tuple": _produces_tuple,
}

_ANNOTATION_NAMES = {
    "list": ("list", "List"),
    "dict": ("dict", "Dict"),
    "set": ("set", "Set"),
    "str": ("str",),
    "tuple": ("tuple", "Tuple"),
}


def _annotation_is(ann: cst.BaseExpression, kind: ContainerKind) -> bool:
    if isinstance(ann, cst.Subscript):
        ann = ann.value
    if isinstance(ann, cst.Attribute) and is_name(ann.value, "typing"):
        ann = ann.attr
    return isinstance(ann, cst.Name) and ann.value in _ANNOTATION_NAMES[kind]


# -- code helpers --------------------------------------------------------------------------


def names_in(node: cst.CSTNode) -> Iterator[cst.Name]:
    """Identifiers inside ``node``, without attribute names (``a.b``: only ``a``) and keywords."""
    skip: set[int] = set()
    for n in walk(node):
        if isinstance(n, cst.Attribute):
            skip.add(id(n.attr))
        elif isinstance(n, cst.Arg) and n.keyword is not None:
            skip.add(id(n.keyword))
        elif isinstance(n, cst.Name) and id(n) not in skip:
            yield n


def uses_name(node: cst.CSTNode, *names: str) -> bool:
    return any(n.value in names for n in names_in(node))


def has_comment(node: cst.CSTNode) -> bool:
    return contains(node, cst.Comment)


def statement_has_comment(stmt: cst.CSTNode) -> bool:
    """Comments a replacement of ``stmt`` would delete: all but those on lines before it."""
    if isinstance(stmt, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        stmt = stmt.with_changes(leading_lines=())
    return has_comment(stmt)


def single_small(stmt: cst.CSTNode) -> cst.BaseSmallStatement | None:
    """The one small statement of a simple statement line/suite, else None."""
    if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite) and len(stmt.body) == 1:
        return stmt.body[0]
    return None


def only_statement(block: cst.BaseSuite) -> cst.CSTNode | None:
    """The single statement of a suite (``for ...: x`` or an indented block of one statement)."""
    if isinstance(block, cst.SimpleStatementSuite):
        return block.body[0] if len(block.body) == 1 else None
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
        stmt = block.body[0]
        if isinstance(stmt, cst.SimpleStatementLine):
            return stmt.body[0] if len(stmt.body) == 1 else None
        return stmt
    return None


def is_constant(e: cst.BaseExpression) -> bool:
    """A literal whose value can never change or raise: numbers, strings, True/False/None."""
    if isinstance(e, cst.Integer | cst.Float | cst.Imaginary):
        return True
    if isinstance(e, cst.SimpleString):
        return True
    if isinstance(e, cst.ConcatenatedString):
        return all(
            isinstance(part, cst.SimpleString | cst.ConcatenatedString) and is_constant(part)
            for part in (e.left, e.right)
        )
    if isinstance(e, cst.Name):
        return e.value in ("True", "False", "None")
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus | cst.Plus):
        return isinstance(e.expression, cst.Integer | cst.Float | cst.Imaginary)
    return False


def is_constant_value(e: cst.BaseExpression) -> bool:
    """A constant, or a tuple/list/set/dict display built only from constant values."""
    if is_constant(e):
        return True
    if isinstance(e, cst.Tuple | cst.List | cst.Set):
        return all(isinstance(el, cst.Element) and is_constant_value(el.value) for el in e.elements)
    if isinstance(e, cst.Dict):
        return all(
            isinstance(el, cst.DictElement)
            and is_constant_value(el.key)
            and is_constant_value(el.value)
            for el in e.elements
        )
    return False


_NEEDS_PARENS = (
    cst.Tuple,
    cst.GeneratorExp,
    cst.Await,
    cst.IfExp,
    cst.Lambda,
    cst.NamedExpr,
    cst.Yield,
    cst.StarredElement,
)


def expr_code(ctx: RuleContext, node: cst.BaseExpression) -> str:
    """Source of ``node``, parenthesised when it could not stand as an operand/argument.

    Tuples without brackets (``a, b``), generator expressions that borrowed a call's
    parentheses, conditional expressions, lambdas and the like get their own parentheses.
    """
    code = ctx.code(node)
    lpar = getattr(node, "lpar", ())
    if lpar:
        return code
    if isinstance(node, _NEEDS_PARENS):
        return f"({code})"
    return code
