"""What names mean: the cheap binding pass that keeps rules from misreading shadowed names.

Rules match spellings (``list()``, ``sorted(x)[0]``, ``re.sub(...)``) and their fixes write
spellings (``[]``, ``min(x)``).  Both are only right when the name means what the rule thinks:
``def b(list): return list()`` must not become ``return []``, and ``import regex as re`` makes
``re.sub`` another function.  A libcst ``ScopeProvider`` answers this exactly, but needs a
``MetadataWrapper`` (a deep copy and a full scope analysis) per chunk and keystroke; this module
answers it conservatively for the price of one walk of the chunks that reported something:

- every report carries its *assumptions*: each free name of the matched expression and of its
  fix that the rule reads as a builtin (``list``) or as a well-known module (``re``);
- a chunk's *bindings* are every name it binds in any scope (parameters, assignments, loop and
  ``with``/``except`` targets, imports, ``def``/``class``, ``global``/``nonlocal``, ``:=``,
  ``match`` captures, ``del``), each with where its value comes from;
- a report is dropped when one of its names is bound anywhere in its chunk, or at the top level
  of the file (any chunk's module-level bindings, which the engine unions), in a way other than
  the assumed one.  A star import may bind anything, so it defeats every assumption.

Being conservative only costs findings in code that rebinds the very names a finding is about.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Iterator, Mapping

import libcst as cst

from hone.rules.base import NodeFix, Rule, RuleContext
from hone.rules.nodeutil import children, code, walk

BUILTIN = "builtins"
STAR = "*"  # the name a star import binds: anything
# Modules whose functions rules recognise by their dotted spelling (``re.sub``, ``time.sleep``).
KNOWN_MODULES = frozenset(("re", "time", "requests", "urllib", "subprocess", "os"))
BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))

# name -> where its value comes from ("builtins", "import:re"); a finding keeps its claim only
# while every binding of the name in reach agrees
Assumptions = Mapping[str, str]
Bindings = Mapping[str, frozenset[str]]

_LOCAL = "local"


def module_origin(name: str) -> str:
    return f"import:{name}"


# -- assumptions ------------------------------------------------------------------------------


def _scan(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes whose names a report relies on: for a compound statement only its header (a
    loop's target and iterable, an ``if``'s test), since the body is the user's own code."""
    if isinstance(node, cst.For):
        yield from walk(node.target)
        yield from walk(node.iter)
    elif isinstance(node, cst.While | cst.If):
        yield from walk(node.test)
    elif isinstance(node, cst.BaseCompoundStatement):
        return
    else:
        yield from walk(node)


def assumptions(nodes: Iterable[cst.CSTNode]) -> dict[str, str]:
    """The builtin and module names ``nodes`` read freely (not as attributes, keywords or names
    they bind themselves, like a comprehension's or lambda's own variables)."""
    bound: set[str] = set()
    used: dict[str, str] = {}
    skip: set[int] = set()
    for top in nodes:
        for n in _scan(top):
            if isinstance(n, cst.Attribute):
                skip.add(id(n.attr))
                root = n.value
                if isinstance(root, cst.Name) and root.value in KNOWN_MODULES:
                    used.setdefault(root.value, module_origin(root.value))
                    skip.add(id(root))
            elif isinstance(n, cst.Arg) and n.keyword is not None:
                skip.add(id(n.keyword))
            elif isinstance(n, cst.CompFor):
                bound.update(_target_names(n.target))
            elif isinstance(n, cst.Lambda):
                bound.update(p.name.value for p in _params(n.params))
            elif isinstance(n, cst.NamedExpr) and isinstance(n.target, cst.Name):
                bound.add(n.target.value)
            elif isinstance(n, cst.Name) and id(n) not in skip and n.value in BUILTIN_NAMES:
                used.setdefault(n.value, BUILTIN)
    for name in bound:
        if used.get(name) == BUILTIN:
            del used[name]
    return used


def _params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _target_names(target: cst.CSTNode) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for el in target.elements:
            yield from _target_names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def report_assumptions(
    node: cst.CSTNode,
    end_node: cst.CSTNode | None,
    fix: NodeFix | None,
    assumes: Iterable[cst.CSTNode] = (),
) -> dict[str, str]:
    """What the names of the reported code, of its fix and of the code elsewhere its claim rests
    on (``assumes``) are taken to mean."""
    nodes: list[cst.CSTNode] = [node, *assumes]
    texts: list[str] = []
    if end_node is not None and end_node is not node:
        nodes.append(end_node)
    if fix is not None and fix.nodes:
        nodes.extend(fix.nodes)
    for rep in fix.replacements if fix is not None and not fix.nodes else ():
        if isinstance(rep.new, str):
            texts.append(rep.new)
        elif isinstance(rep.new, cst.CSTNode):
            nodes.append(rep.new)
        else:
            texts.append(rep.new(""))
    found = assumptions(nodes)
    for text in texts:  # rendered fix text: every identifier counts (conservative)
        for name in _IDENTIFIER.findall(text):
            if name in BUILTIN_NAMES:
                found.setdefault(name, BUILTIN)
    return found


# -- bindings ---------------------------------------------------------------------------------


# nodes whose ``target`` field binds names
_TARGETED = (
    cst.AssignTarget,
    cst.AnnAssign,
    cst.AugAssign,
    cst.For,
    cst.CompFor,
    cst.NamedExpr,
    cst.Del,
)


class _Collector:
    def __init__(self) -> None:
        self.found: dict[str, set[str]] = {}

    def bind(self, name: str, origin: str = _LOCAL) -> None:
        self.found.setdefault(name, set()).add(origin)

    def targets(self, target: cst.CSTNode) -> None:
        for name in _target_names(target):
            self.bind(name)

    def imports(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar):
                self.bind(STAR, STAR)
                return
            module = "." * len(node.relative) + (code(node.module) if node.module else "")
            for alias in node.names:
                name = code(alias.name)
                shown = alias.asname.name if alias.asname else None
                self.bind(
                    shown.value if isinstance(shown, cst.Name) else name,
                    f"from:{module}.{name}",
                )
            return
        for alias in node.names:
            full = code(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value, module_origin(full))
            else:  # ``import a.b`` binds ``a`` to the package a
                root = full.split(".")[0]
                self.bind(root, module_origin(root))

    def node(self, n: cst.CSTNode) -> None:
        """Record what ``n`` binds (its children are visited separately)."""
        if isinstance(n, _TARGETED):
            self.targets(n.target)
        elif isinstance(n, cst.AsName):  # with ... as, except ... as (imports handled apart)
            self.targets(n.name)
        elif isinstance(n, cst.Import | cst.ImportFrom):
            self.imports(n)
        elif isinstance(n, cst.FunctionDef | cst.ClassDef | cst.Param):
            self.bind(n.name.value)
        elif isinstance(n, cst.Global | cst.Nonlocal):
            for item in n.names:
                self.bind(item.name.value)
        elif isinstance(n, cst.MatchAs | cst.MatchStar) and n.name is not None:
            self.bind(n.name.value)
        elif isinstance(n, cst.MatchMapping) and n.rest is not None:
            self.bind(n.rest.value)

    def frozen(self) -> dict[str, frozenset[str]]:
        return {k: frozenset(v) for k, v in self.found.items()}


# the node types that bind names (exact types: libcst's node classes are not subclassed), so
# the walk below asks one dict lookup per node instead of a chain of isinstance() checks
_BINDERS = frozenset(
    (
        *_TARGETED,
        cst.AsName,
        cst.Import,
        cst.ImportFrom,
        cst.FunctionDef,
        cst.ClassDef,
        cst.Param,
        cst.Global,
        cst.Nonlocal,
        cst.MatchAs,
        cst.MatchStar,
        cst.MatchMapping,
    )
)


class BindingCollector(Rule):
    """Collects every binding of a chunk during the rule pass itself (the traversal calls it
    only at the node types that bind), so resolving names costs no walk of its own."""

    KEY = "scope.bindings"

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.collector = ctx.shared[self.KEY] = _Collector()

    def _bind(self, node: cst.CSTNode) -> None:
        self.collector.node(node)

    visit_AssignTarget = visit_AnnAssign = visit_AugAssign = visit_For = _bind
    visit_CompFor = visit_NamedExpr = visit_Del = visit_AsName = visit_Import = _bind
    visit_ImportFrom = visit_FunctionDef = visit_ClassDef = visit_Param = _bind
    visit_Global = visit_Nonlocal = visit_MatchAs = visit_MatchStar = _bind
    visit_MatchMapping = _bind


def collected_bindings(ctx: RuleContext) -> dict[str, frozenset[str]] | None:
    """What a :class:`BindingCollector` in the pass over ``ctx`` found (None: it did not run)."""
    collector = ctx.shared.get(BindingCollector.KEY)
    return collector.frozen() if isinstance(collector, _Collector) else None


def all_bindings(module: cst.Module) -> dict[str, frozenset[str]]:
    """Every name ``module`` binds, in any of its scopes, with the origins of its values."""
    collector = _Collector()
    binders = _BINDERS
    for n in walk(module):
        if type(n) in binders:
            collector.node(n)
    return collector.frozen()


_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def top_level_bindings(
    module: cst.Module, source: str, class_member: bool
) -> dict[str, frozenset[str]]:
    """The names ``module`` binds in its outermost scope (for a class member chunk, the class
    body's: conservatively counted with the file's), without walking function bodies.

    Expressions are entered only when the source can bind in them (``:=``), and function bodies
    only when it declares names ``global``.
    """
    collector = _Collector()
    deep = ":=" in source
    stack: list[cst.CSTNode] = list(module.body)
    if class_member:  # the synthetic ``class _hone_chunk_:`` around a member: its body counts
        stack = [
            s
            for top in module.body
            if isinstance(top, cst.ClassDef)
            for s in (top.body.body if isinstance(top.body, cst.IndentedBlock) else [top.body])
        ]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.ImportAlias):
            continue
        collector.node(n)
        if isinstance(n, _SCOPES):
            if isinstance(n, cst.FunctionDef | cst.ClassDef):
                stack.extend(n.decorators)
                if isinstance(n, cst.FunctionDef):
                    stack.extend(d for p in _params(n.params) if (d := p.default) is not None)
            continue
        if isinstance(n, cst.BaseExpression) and not deep:
            continue
        stack.extend(children(n))
    if "global" in source:
        for n in walk(module):
            if isinstance(n, cst.Global):
                collector.node(n)
    return collector.frozen()


# -- the check --------------------------------------------------------------------------------


def holds(assumed: Assumptions, *bindings: Bindings) -> bool:
    """Whether every assumed name keeps its assumed meaning under all ``bindings``."""
    for scope in bindings:
        if STAR in scope and assumed:
            return False
        for name, origin in assumed.items():
            found = scope.get(name)
            if found is None:
                continue
            if origin == BUILTIN or found != {origin}:
                return False
    return True
