"""The import rules of docs/architecture.md, read from the source with ``ast``.

Every import counts: at module level, inside functions (lazy), and under ``TYPE_CHECKING`` -- a
module that names another's types depends on it as much as one that calls it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[1] / "server"
ROOT = "hone"

# Which top-level parts of hone each part may import (itself always; the ``hone`` package root,
# which only holds ``__version__``, from anywhere).  The layers, bottom up:
#   core < sandbox < rules < analysis < llm | verify | runner < lsp < cli
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "sandbox": frozenset(),
    "rules": frozenset({"core"}),
    "analysis": frozenset({"core", "rules"}),
    "llm": frozenset({"core"}),
    "verify": frozenset({"core", "sandbox"}),
    "runner": frozenset({"core", "sandbox"}),
    "docs_catalog": frozenset({"core", "rules"}),
    "docs_gen": frozenset({"core", "rules", "docs_catalog"}),
    "rule_docs": frozenset({"core", "rules", "docs_catalog"}),
    "lsp": frozenset(
        {
            "core",
            "sandbox",
            "rules",
            "analysis",
            "llm",
            "verify",
            "runner",
            "docs_catalog",
            "rule_docs",
        }
    ),
    "cli": frozenset(
        {
            "core",
            "sandbox",
            "rules",
            "analysis",
            "llm",
            "verify",
            "runner",
            "lsp",
            "docs_catalog",
            "docs_gen",
            "rule_docs",
        }
    ),
    "__main__": frozenset({"cli"}),
}


@cache
def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (a package is its __init__)."""
    out: dict[str, Path] = {}
    for path in sorted((SERVER / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SERVER).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _nearest_module(name: str) -> str | None:
    mods = modules()
    while name not in mods:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name


def _imported(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The hone modules an import statement loads (``from pkg import sub`` loads ``pkg.sub``)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == ROOT or alias.name.startswith(ROOT + "."):
                target = _nearest_module(alias.name)
                if target is not None:
                    yield target
        return
    if node.level:
        package = module.split(".")
        if path.name != "__init__.py":
            package.pop()
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    if base != ROOT and not base.startswith(ROOT + "."):
        return
    for alias in node.names:
        full = f"{base}.{alias.name}"
        target = full if full in modules() else _nearest_module(base)
        if target is not None:
            yield target


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the hone modules it imports."""
    out: dict[str, frozenset[str]] = {}
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets.update(_imported(module, path, node))
        targets.discard(module)
        out[module] = frozenset(targets)
    return out


def part(module: str) -> str:
    """``hone.lsp.features.llm`` -> ``lsp``; the package root is ``hone``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else ROOT


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _violations(rule: str, pairs: list[tuple[str, str]]) -> str:
    return f"{rule}:\n" + "\n".join(f"  {a} imports {b}" for a, b in sorted(pairs))


# -- the reader itself -------------------------------------------------------------------------


def test_the_import_reader_sees_every_kind_of_import() -> None:
    edges = graph()
    assert "hone.core.finding" in edges["hone.analysis.engine"]  # from-import of a module's name
    assert "hone.core.codes" in edges["hone.cli.worker"]
    assert "hone.llm.analyzer" in edges["hone.lsp.features.llm"]  # under TYPE_CHECKING / lazy
    assert "hone" in edges["hone.verify.service"]  # from hone import __version__
    assert ["a", "b"] in _cycles({"a": frozenset({"b"}), "b": frozenset({"a"}), "c": frozenset()})
    assert _cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


# -- the rules ---------------------------------------------------------------------------------


def test_no_import_circle_among_the_modules_of_hone() -> None:
    cycles = _cycles(dict(graph()))
    assert cycles == [], "import circles:\n" + "\n".join("  " + " <-> ".join(c) for c in cycles)


def test_core_imports_nothing_from_hone_outside_core() -> None:
    bad = [
        (m, t)
        for m, targets in graph().items()
        if part(m) == "core"
        for t in targets
        if part(t) != "core"
    ]
    assert not bad, _violations("core must stand alone", bad)


@pytest.mark.parametrize("forbidden", ["llm", "lsp", "cli", "verify", "runner"])
def test_rules_never_import(forbidden: str) -> None:
    bad = [
        (m, t)
        for m, targets in graph().items()
        if part(m) == "rules"
        for t in targets
        if part(t) == forbidden
    ]
    assert not bad, _violations(f"rules must not import {forbidden}", bad)


def test_no_feature_or_handler_imports_the_server() -> None:
    bad = [
        (m, t)
        for m, targets in graph().items()
        if m.startswith(("hone.lsp.features.", "hone.lsp.handlers."))
        for t in targets
        if t == "hone.lsp.server"
    ]
    assert not bad, _violations("features and handlers are handed their peers", bad)


def test_each_part_imports_only_the_layers_below_it() -> None:
    parts = {part(m) for m in modules()} - {ROOT}
    assert parts <= set(ALLOWED), (
        f"a new part of hone needs a row in ALLOWED: {parts - set(ALLOWED)}"
    )
    bad = [
        (m, t)
        for m, targets in graph().items()
        for t in targets
        if part(t) not in {part(m), ROOT} and part(t) not in ALLOWED.get(part(m), frozenset())
    ]
    assert not bad, _violations("imports across layers not in docs/architecture.md", bad)
