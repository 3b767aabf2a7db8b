"""Parameter types for untyped functions, read from how the body uses each parameter.

For a function that was never called (no recorded run, no test, no call site with data), the
body still says a lot: ``for k, v in rows`` makes ``rows`` a list of pairs, ``s.split()`` a
string, ``n + 1`` or ``range(n)`` a number, ``d.items()`` a dict.  The result is a type
expression per required parameter (built from a fixed vocabulary, never from user text) that the
worker turns into Hypothesis strategies.  A parameter with no telling use gets no hint, and then
the function stays without generated inputs rather than being fed guesses.
"""

from __future__ import annotations

import ast

_STR_METHODS = frozenset(
    {
        "split",
        "rsplit",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "startswith",
        "endswith",
        "replace",
        "find",
        "rfind",
        "isdigit",
        "isalpha",
        "isspace",
        "splitlines",
        "encode",
        "casefold",
        "title",
        "partition",
    }
)
_LIST_METHODS = frozenset({"append", "extend", "pop", "index", "count", "sort", "insert", "remove"})
_DICT_METHODS = frozenset({"items", "keys", "values", "get", "setdefault"})
_SET_METHODS = frozenset({"add", "discard", "union", "intersection", "difference"})
_ITER_FUNCS = frozenset(
    {
        "len",
        "sorted",
        "sum",
        "min",
        "max",
        "list",
        "set",
        "tuple",
        "enumerate",
        "reversed",
        "any",
        "all",
    }
)


def infer_hints(function_source: str) -> dict[str, str]:
    """param -> type expression, for required parameters whose use is telling."""
    try:
        tree = ast.parse(_dedent(function_source))
    except SyntaxError:
        return {}
    fn = next(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)), None
    )
    if fn is None:
        return {}
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    required = positional[: len(positional) - len(args.defaults)]
    out: dict[str, str] = {}
    for i, a in enumerate(required):
        if a.annotation is not None or (i == 0 and a.arg in ("self", "cls")):
            continue
        guess = _guess(fn, a.arg)
        if guess:
            out[a.arg] = guess
    return out


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


def _is(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _guess(fn: ast.AST, name: str) -> str:
    votes: dict[str, int] = {}
    element = "int"

    def vote(kind: str) -> None:
        votes[kind] = votes.get(kind, 0) + 1

    for node in ast.walk(fn):
        if isinstance(node, ast.For | ast.comprehension) and _is(node.iter, name):
            vote("list")
            target = node.target
            if isinstance(target, ast.Tuple):
                element = f"tuple[{', '.join(['int'] * len(target.elts))}]"
            elif isinstance(target, ast.Name) and _uses_as_str(fn, target.id):
                element = "str"
        elif isinstance(node, ast.Call):
            f = node.func
            if (
                isinstance(f, ast.Name)
                and f.id in _ITER_FUNCS
                and node.args
                and _is(node.args[0], name)
            ):
                vote("list")
            elif (
                isinstance(f, ast.Name) and f.id == "range" and any(_is(a, name) for a in node.args)
            ):
                vote("int")
            elif isinstance(f, ast.Attribute) and _is(f.value, name):
                if f.attr in _STR_METHODS:
                    vote("str")
                elif f.attr in _LIST_METHODS:
                    vote("list")
                elif f.attr in _DICT_METHODS:
                    vote("dict")
                elif f.attr in _SET_METHODS:
                    vote("set")
        elif isinstance(node, ast.BinOp) and (_is(node.left, name) or _is(node.right, name)):
            other = node.right if _is(node.left, name) else node.left
            if isinstance(other, ast.Constant) and type(other.value) in (int, float):
                vote("float" if isinstance(other.value, float) else "int")
            elif isinstance(other, ast.Constant) and isinstance(other.value, str):
                vote("str")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is(s, name) for s in sides):
                for s in sides:
                    if isinstance(s, ast.Constant) and type(s.value) in (int, float):
                        vote("int")
                if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) and any(
                    _is(c, name) for c in node.comparators
                ):
                    vote("list")
        elif isinstance(node, ast.Subscript) and _is(node.value, name):
            sl = node.slice
            if isinstance(sl, ast.Slice) or (
                isinstance(sl, ast.Constant) and isinstance(sl.value, int)
            ):
                vote("list")
    if not votes:
        return ""
    kind = max(votes, key=lambda k: votes[k])
    return {
        "list": f"list[{element}]",
        "dict": "dict[int, int]",
        "set": "set[int]",
        "str": "str",
        "int": "int",
        "float": "float",
    }[kind]


def _uses_as_str(fn: ast.AST, name: str) -> bool:
    """Whether a loop variable is used as text: a str method, or ``len()`` of it (a sized
    element is most often a string)."""
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "len"
            and node.args
            and _is(node.args[0], name)
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and _is(node.func.value, name)
            and node.func.attr in _STR_METHODS
        ):
            return True
    return False
