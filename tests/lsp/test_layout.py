"""The shape of ``hone.lsp``: handlers and features never reach back into the server, and its
modules import each other without a circle (``if TYPE_CHECKING`` imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import hone.lsp

LSP = Path(hone.lsp.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(LSP.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    modules = {_module(p) for p in LSP.rglob("*.py")}
    for path in LSP.rglob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            deps.update(n for n in names if n in modules)
        graph[_module(path)] = deps
    return graph


def test_the_graph_is_read() -> None:
    graph = _imports()
    assert "hone.lsp.session" in graph["hone.lsp.server"]  # the premise: edges are found
    assert "hone.lsp.features.rules" in graph


def test_no_handler_or_feature_imports_the_server() -> None:
    for module, deps in _imports().items():
        if module.startswith(("hone.lsp.features", "hone.lsp.handlers")):
            assert "hone.lsp.server" not in deps, module


def test_lsp_modules_import_each_other_without_a_circle() -> None:
    graph = {m: set(deps) for m, deps in _imports().items()}
    # a package's __init__ is imported by its modules' imports: count it as an edge too
    for module in list(graph):
        parent = module.rsplit(".", 1)[0]
        if parent in graph and parent != module:
            graph[module].add(parent)
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                raise AssertionError(" -> ".join([*path, module, dep]))
            if dep not in state:
                visit(dep, [*path, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
