"""Findings map to their innermost enclosing function by one sorted sweep, with the same answer
as asking per line."""

from __future__ import annotations

import argparse as _stdlib_example
import ast
from pathlib import Path

from hone.core.functions import function_at, functions_at, index_functions

NESTED = """\
def outer():
    x = 1

    def inner():
        return 2

    class K:
        def method(self):
            def deepest():
                pass
            return 3
    return x


y = 5


@decorator
def after():
    pass
"""


def _check(text: str) -> int:
    lines = text.splitlines(keepends=True)
    functions = index_functions(ast.parse(text), lines)
    queries = list(range(len(lines) + 2))[::-1]  # unsorted, past the end too
    swept = functions_at(functions, queries)
    for line, found in zip(queries, swept, strict=True):
        assert found == function_at(functions, line), line
    return sum(f is not None for f in swept)


def test_nested_functions_classes_and_gaps() -> None:
    lines = NESTED.splitlines()
    functions = index_functions(ast.parse(NESTED), NESTED.splitlines(keepends=True))
    got = functions_at(functions, list(range(len(lines))))
    names = [f.qualname if f else None for f in got]
    assert names[1] == "outer"
    assert names[4] == "outer.inner"
    assert names[6] == "outer"  # the class line belongs to outer
    assert names[9] == "outer.K.method.deepest"
    assert names[10] == "outer.K.method"
    assert names[14] is None
    assert names[17] == "after"  # the decorator line
    assert _check(NESTED) > 0


def test_agrees_with_per_line_lookup_on_a_real_module() -> None:
    text = Path(_stdlib_example.__file__).read_text(encoding="utf-8")
    assert _check(text) > 1000
