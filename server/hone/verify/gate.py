"""Static gate for model output: what a rewrite may newly reference before anything runs it.

A rewrite is untrusted code (a prompt-injected comment or a compromised endpoint writes it).  The
sandbox contains what it does; this gate keeps it from being run at all when it reaches for
anything a pure speed-up never needs.  The check is *relative* to the original module: whatever
the original already uses (its own ``os.path`` calls, its imports) stays allowed, so the gate
judges only what the rewrite adds:

* imports only from :data:`PURE_MODULES` (modules without I/O, processes, or interpreter access);
* no new reference to a module or builtin that reaches outside (``os``, ``sys``, ``open``,
  ``eval``, ``__import__``, ``globals`` ...), with attribute chains compared in full so an
  original's ``os.path.join`` does not admit a rewrite's ``os.system``;
* no attribute access to dunders beyond the ordinary data model, nor to frame/code/traceback
  internals (``f_globals``, ``gi_frame`` ...), and no ``getattr``-family call whose name is not a
  plain constant (``getattr(f, "__glo" + "bals__")``);
* no format string that walks into dunder attributes (``"{0.__globals__}".format(f)``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

PURE_MODULES = frozenset(
    {
        "__future__",
        "abc",
        "array",
        "bisect",
        "cmath",
        "collections",
        "copy",
        "dataclasses",
        "decimal",
        "enum",
        "fractions",
        "functools",
        "heapq",
        "itertools",
        "keyword",
        "math",
        "numbers",
        "operator",
        "re",
        "statistics",
        "string",
        "struct",
        "textwrap",
        "typing",
        "typing_extensions",
        "unicodedata",
    }
)

# Names (modules or builtins) whose new use means the rewrite reaches outside pure computation.
FORBIDDEN_NAMES = frozenset(
    {
        "os",
        "sys",
        "subprocess",
        "socket",
        "ctypes",
        "importlib",
        "builtins",
        "shutil",
        "signal",
        "time",
        "threading",
        "multiprocessing",
        "pathlib",
        "io",
        "pickle",
        "marshal",
        "gc",
        "inspect",
        "open",
        "exec",
        "eval",
        "compile",
        "__import__",
        "__builtins__",
        "__loader__",
        "__spec__",
        "globals",
        "vars",
        "locals",
        "breakpoint",
        "input",
        "help",
        "exit",
        "quit",
        "memoryview",
    }
)

# The ordinary data model: what a faster rewrite of a class or function may touch.
ALLOWED_DUNDERS = frozenset(
    {
        "__init__",
        "__new__",
        "__post_init__",
        "__len__",
        "__iter__",
        "__next__",
        "__reversed__",
        "__contains__",
        "__getitem__",
        "__setitem__",
        "__delitem__",
        "__missing__",
        "__eq__",
        "__ne__",
        "__lt__",
        "__le__",
        "__gt__",
        "__ge__",
        "__hash__",
        "__bool__",
        "__repr__",
        "__str__",
        "__format__",
        "__add__",
        "__radd__",
        "__iadd__",
        "__sub__",
        "__rsub__",
        "__mul__",
        "__rmul__",
        "__truediv__",
        "__floordiv__",
        "__mod__",
        "__pow__",
        "__neg__",
        "__abs__",
        "__index__",
        "__int__",
        "__float__",
        "__enter__",
        "__exit__",
        "__call__",
        "__slots__",
        "__name__",
        "__qualname__",
        "__doc__",
        "__all__",
        "__annotations__",
    }
)

_FRAME_ATTRS = re.compile(r"^(f|gi|cr|ag|tb|co)_\w+$")
_GETATTR_FAMILY = frozenset({"getattr", "setattr", "delattr", "hasattr"})
_FORMAT_WALK = re.compile(r"\{[^{}]*?[.\[]\s*_")


@dataclass(frozen=True, slots=True)
class GateResult:
    ok: bool
    reasons: tuple[str, ...] = ()

    def message(self) -> str:
        """One line for the diagnostic: why the rewrite was neither run nor offered."""
        if self.ok:
            return ""
        shown = "; ".join(self.reasons[:3])
        more = f" (+{len(self.reasons) - 3} more)" if len(self.reasons) > 3 else ""
        return f"not run: the suggested rewrite {shown}{more}"


def check_rewrite(original: str, rewrite: str) -> GateResult:
    """Whether ``rewrite`` (a whole module) may be executed, judged against ``original``."""
    try:
        new_tree = ast.parse(rewrite)
    except SyntaxError as exc:
        return GateResult(False, (f"does not parse (line {exc.lineno})",))
    try:
        old = {feature for feature, _ in _features(ast.parse(original))}
    except SyntaxError:
        old = set()
    reasons: list[str] = []
    for feature, why in _features(new_tree):
        if feature not in old and why not in reasons:
            reasons.append(why)
    return GateResult(not reasons, tuple(reasons))


def _features(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(feature, reason) for every sensitive thing a module does; features compare across texts."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top not in PURE_MODULES:
                    yield f"import:{alias.name}", f"imports {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            mod = "." * node.level + (node.module or "")
            top = mod.split(".")[0]
            if node.level or top not in PURE_MODULES:
                yield f"import:{mod}", f"imports from {mod}"
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            dotted = _dotted_parent(node, tree)
            yield f"name:{dotted}", f"uses {dotted}"
        elif isinstance(node, ast.Name) and _bad_dunder(node.id):
            yield f"name:{node.id}", f"uses {node.id}"
        elif isinstance(node, ast.Attribute) and (
            _bad_dunder(node.attr) or _FRAME_ATTRS.match(node.attr)
        ):
            yield f"attr:{node.attr}", f"accesses .{node.attr}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _GETATTR_FAMILY and len(node.args) >= 2:
                name = node.args[1]
                if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                    yield (
                        f"dyn:{node.func.id}",
                        f"calls {node.func.id} with a computed attribute name",
                    )
                elif _bad_dunder(name.value) or _FRAME_ATTRS.match(name.value):
                    yield f"attr:{name.value}", f"accesses {name.value} via {node.func.id}"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _FORMAT_WALK.search(node.value)
        ):
            yield f"fmt:{node.value}", "walks into private attributes in a format string"


def _bad_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS


def _dotted_parent(node: ast.Name, tree: ast.AST) -> str:
    """``os.path.join`` for the ``os`` in it: the feature is the whole attribute chain."""
    parents = _parent_map(tree)
    dotted = node.id
    cur: ast.AST = node
    while True:
        parent = parents.get(id(cur))
        if not (isinstance(parent, ast.Attribute) and parent.value is cur):
            return dotted
        dotted += "." + parent.attr
        cur = parent


_PARENTS: dict[int, tuple[ast.AST, dict[int, ast.AST]]] = {}


def _parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    cached = _PARENTS.get(id(tree))
    if cached is not None and cached[0] is tree:
        return cached[1]
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    _PARENTS.clear()  # one tree at a time: keeps no old trees alive
    _PARENTS[id(tree)] = (tree, parents)
    return parents
