"""Per-function index of a document: what the LLM and the timing features key their work on.

Built from the stdlib ``ast`` tree (fast, and already produced by the syntax check), so it costs
next to nothing on every edit.  A function's ``content_hash`` covers its exact text (decorators
included), so a function that merely moved (lines added above it) keeps its hash.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from hone.core.finding import Span


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    qualname: str  # "Outer.method", "func", "func.<locals>.inner" style: "func.inner"
    name: str
    span: Span  # whole definition, decorators included; end is the end of the last body line
    body_start_line: int  # 0-based line of the ``def`` keyword
    class_name: str | None  # immediate enclosing class, for methods
    text: str  # exact source lines of the definition (decorators included)
    content_hash: str
    is_async: bool
    required_args: int  # positional/keyword parameters without defaults (``self``/``cls`` excluded)

    @property
    def start_line(self) -> int:
        return self.span.start.line

    @property
    def end_line(self) -> int:
        return self.span.end.line

    def shifted(self, lines: int) -> FunctionInfo:
        """The same function ``lines`` further down (per function below an edit: built
        directly, ``dataclasses.replace`` costs several times more)."""
        if lines == 0:
            return self
        return FunctionInfo(
            qualname=self.qualname,
            name=self.name,
            span=self.span.shifted(lines),
            body_start_line=self.body_start_line + lines,
            class_name=self.class_name,
            text=self.text,
            content_hash=self.content_hash,
            is_async=self.is_async,
            required_args=self.required_args,
        )


def _required_args(node: ast.FunctionDef | ast.AsyncFunctionDef, is_method: bool) -> int:
    a = node.args
    positional = a.posonlyargs + a.args
    n_required = len(positional) - len(a.defaults)
    if (
        is_method
        and positional
        and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    ):
        n_required -= 1  # self / cls
    n_required += sum(1 for d in a.kw_defaults if d is None)
    return max(n_required, 0)


def index_functions(tree: ast.Module, lines: Sequence[str]) -> list[FunctionInfo]:
    """Every function and method in ``tree`` (nested ones included), in source order.

    ``lines`` are the document's lines *with* their line endings.
    """
    out: list[FunctionInfo] = []

    def visit(body: list[ast.stmt], prefix: str, class_name: str | None) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
                last = (node.end_lineno or node.lineno) - 1
                text = "".join(lines[first : last + 1])
                end_col = len(lines[last].rstrip("\r\n")) if last < len(lines) else 0
                qual = f"{prefix}{node.name}"
                out.append(
                    FunctionInfo(
                        qualname=qual,
                        name=node.name,
                        span=Span.of(first, 0, last, end_col),
                        body_start_line=node.lineno - 1,
                        class_name=class_name,
                        text=text,
                        content_hash=hashlib.sha256(
                            text.encode("utf-8", "surrogatepass")
                        ).hexdigest(),
                        is_async=isinstance(node, ast.AsyncFunctionDef),
                        required_args=_required_args(node, class_name is not None),
                    )
                )
                visit(node.body, f"{qual}.", None)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.", node.name)
            elif isinstance(node, _COMPOUND):
                # functions defined under if/try/with/for at any level still count
                for child_body in _child_bodies(node):
                    visit(child_body, prefix, class_name)

    visit(tree.body, "", None)
    out.sort(key=lambda f: f.span.start)
    return out


# statements that have bodies (simple statements, the vast majority, are skipped quickly)
_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)


def _child_bodies(node: ast.stmt) -> list[list[ast.stmt]]:
    bodies: list[list[ast.stmt]] = []
    for attr in ("body", "orelse", "finalbody"):
        value = getattr(node, attr, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            bodies.append(value)
    for handler in getattr(node, "handlers", []) or []:
        bodies.append(handler.body)
    for case in getattr(node, "cases", []) or []:
        bodies.append(case.body)
    return bodies


def functions_at(
    functions: Sequence[FunctionInfo], lines: Sequence[int]
) -> list[FunctionInfo | None]:
    """The innermost function containing each of ``lines`` (0-based), in one sorted sweep:
    O((F + N) log N) for F functions and N lines, where asking :func:`function_at` per line
    costs O(F * N) (32 s for the findings of a 1 MB file)."""
    order = sorted(range(len(lines)), key=lines.__getitem__)
    by_start = sorted(functions, key=lambda f: f.span.start.line)
    out: list[FunctionInfo | None] = [None] * len(lines)
    stack: list[FunctionInfo] = []  # the chain of functions nested in each other, innermost last
    i = 0
    for index in order:
        line = lines[index]
        while i < len(by_start) and by_start[i].span.start.line <= line:
            fn = by_start[i]
            while stack and stack[-1].span.end.line < fn.span.start.line:
                stack.pop()  # ended before this one starts: a sibling, not a parent
            stack.append(fn)
            i += 1
        while stack and stack[-1].span.end.line < line:
            stack.pop()
        out[index] = stack[-1] if stack else None
    return out


def function_at(functions: Sequence[FunctionInfo], line: int) -> FunctionInfo | None:
    """The innermost function whose definition contains ``line`` (0-based)."""
    best: FunctionInfo | None = None
    for fn in functions:
        if fn.span.contains_line(line) and (
            best is None or fn.span.start.line >= best.span.start.line
        ):
            best = fn
    return best
