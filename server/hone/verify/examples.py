"""Example calls as data: model-proposed argument lists and the workspace's own call sites.

An example is argument *source* such as ``"[3, 1, 2], reverse=True"`` or
``"Point(1, 2), [Point(0, 0)]"``.  It is parsed here with :mod:`ast` and accepted only when every
argument is a literal (``ast.literal_eval``), a call of a capitalised plain name with such
arguments (a constructor, resolved inside the sandbox to a class of the module only) or of a
builtin container (``set``, ``tuple`` ...), or
``iter(<list>)``.  Nothing is evaluated in the server; the result is a JSON spec the original's
worker builds the values from.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hone.verify.wire import encode

MAX_SOURCE = 4000
SAFE_CONSTRUCTORS = frozenset({"set", "frozenset", "tuple", "list", "dict"})
MAX_DEPTH = 6


class NotData(ValueError):
    """The text is not made of literals and constructor calls."""


def parse_example(text: str, src: str = "example") -> str:
    """JSON spec for one example call's arguments; raises :class:`NotData`."""
    if len(text) > MAX_SOURCE:
        raise NotData("too long")
    try:
        tree = ast.parse(f"_({text})", mode="eval")
    except SyntaxError as exc:
        raise NotData("does not parse") from exc
    call = tree.body
    if not isinstance(call, ast.Call):
        raise NotData("not an argument list")
    return json.dumps(_spec_of_call(call, src))


def _spec_of_call(call: ast.Call, src: str) -> dict[str, Any]:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise NotData("starred arguments")
    return {
        "args": [_node(a, 0) for a in call.args],
        "kwargs": [[k.arg, _node(k.value, 0)] for k in call.keywords],
        "src": src,
    }


def _node(node: ast.expr, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise NotData("nested too deeply")
    try:
        return {"lit": encode(ast.literal_eval(node))}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise NotData("starred arguments")
        if node.func.id == "iter" and len(node.args) == 1 and not node.keywords:
            inner = _node(node.args[0], depth + 1)
            items = inner.get("lit")
            if isinstance(items, dict) and isinstance(items.get("l") or items.get("t"), list):
                return {"iter": [{"lit": x} for x in items.get("l") or items.get("t") or []]}
            raise NotData("iter() of something other than a literal list")
        if not (node.func.id[:1].isupper() or node.func.id in SAFE_CONSTRUCTORS):
            raise NotData("only class constructors (CapitalizedName(...)) are data")
        return {
            "ctor": node.func.id,
            "args": [_node(a, depth + 1) for a in node.args],
            "kwargs": [[k.arg, _node(k.value, depth + 1)] for k in node.keywords],
        }
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        # a container with constructor calls inside: built in the sandbox element by element
        kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
        return {"seq": [_node(e, depth + 1) for e in node.elts], "kind": kind}
    raise NotData(f"{type(node).__name__} is not data")


def parse_examples(texts: Iterable[Any], src: str = "example", limit: int = 8) -> tuple[str, ...]:
    out: list[str] = []
    for text in texts:
        if not isinstance(text, str):
            continue
        try:
            out.append(parse_example(text, src))
        except NotData:
            continue
        if len(out) >= limit:
            break
    return tuple(out)


# -- call sites in the workspace --------------------------------------------------------------

MAX_FILES = 400
MAX_FILE_BYTES = 512 * 1024


def _python_files(root: Path) -> Iterator[Path]:
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d
            for d in dirnames
            if not d.startswith(".") and d not in ("node_modules", "__pycache__")
        ]
        for name in filenames:
            if name.endswith(".py"):
                count += 1
                if count > MAX_FILES:
                    return
                yield Path(dirpath) / name


def call_site_examples(
    root: str | None, function: str, extra_sources: Iterable[str] = (), limit: int = 8
) -> tuple[str, ...]:
    """Calls of ``function`` (by its last name) in the workspace whose arguments are data."""
    if "." in function:
        return ()  # a method's call sites do not say what ``self`` is
    name = function
    texts: list[str] = list(extra_sources)
    if root:
        for path in _python_files(Path(root)):
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if name in text:
                texts.append(text)
    out: list[str] = []
    for text in texts:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            called = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if called != name:
                continue
            if isinstance(f, ast.Attribute) and not isinstance(f.value, ast.Name):
                continue  # obj().name(...): a method, not this function
            try:
                spec = json.dumps(_spec_of_call(node, "call site"))
            except NotData:
                continue
            if spec not in out:
                out.append(spec)
            if len(out) >= limit:
                return tuple(out)
    return tuple(out)
