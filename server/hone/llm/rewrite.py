"""Validation of model-written function rewrites, and the :class:`Rewrite` object.

A rewrite is only ever a *suggestion*; before it may become a code action it must:

* parse with libcst, as exactly one function definition (nothing else at top level: a rewrite
  that adds module imports or helpers would touch text outside the function);
* keep the function's name, ``async``-ness, parameters (names, kinds, order), defaults and
  decorators -- annotations and the body may change;
* contain no redaction placeholder that cannot be restored;
* and apply to a document that still holds the exact function text it was made from.

Otherwise it is dropped (the reason is logged and kept on the finding) and the finding stays.
Issue 5 (verification) builds on :class:`Rewrite`: keep it a plain, immutable record.
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from hone.core.finding import Edit, Span
from hone.core.functions import FunctionInfo
from hone.llm.redact import UnrestorableError, restore

_FENCE_RE = re.compile(r"^\s*```[a-zA-Z0-9_+-]*[ \t]*\r?\n(.*?)\r?\n?```\s*$", re.DOTALL)
_NUMBERED_RE = re.compile(r"^\s*\d+\s?[|:]\s?")


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A validated replacement for one whole function in one document version."""

    uri: str
    version: int | None
    qualname: str
    original_text: str  # the function's exact text (FunctionInfo.text) the rewrite was made from
    new_text: str  # replacement for ``span`` (same indentation, document line endings)
    span: Span  # the function's span when the rewrite was validated

    def edit(self) -> Edit:
        return Edit(self.span, self.new_text)

    def edit_for(self, functions: list[FunctionInfo]) -> Edit | None:
        """The edit against the *current* function index, or None when the function changed.

        The function may have moved (lines added above it): it is found by qualified name and
        exact text, so the edit follows it; if its text differs, nothing is applied.
        """
        for fn in functions:
            if fn.qualname == self.qualname and fn.text == self.original_text:
                return Edit(fn.span, self.new_text)
        return None

    def diff(self, context: int = 2, max_lines: int = 80) -> str:
        """A short unified diff of the function (for hovers, related information, logs)."""
        old = _strip_final_newline(self.original_text).splitlines()
        new = self.new_text.splitlines()
        lines = list(difflib.unified_diff(old, new, "original", "rewrite", n=context, lineterm=""))
        if len(lines) > max_lines:
            lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more diff lines)"]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "uri": self.uri,
            "version": self.version,
            "qualname": self.qualname,
            "original_text": self.original_text,
            "new_text": self.new_text,
            "span": [
                self.span.start.line,
                self.span.start.character,
                self.span.end.line,
                self.span.end.character,
            ],
        }


class RewriteRejected(ValueError):
    """Why a rewrite was dropped (the message goes to the log and ``Finding.extra``)."""


def _strip_final_newline(text: str) -> str:
    return text.rstrip("\r\n") if text.endswith(("\n", "\r")) else text


def _line_ending(text: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if ending in text:
            return ending
    return "\n"


def clean_model_code(code: str) -> str:
    """Undo the usual wrappings: Markdown fences and the line numbers we showed the model."""
    m = _FENCE_RE.match(code)
    if m:
        code = m.group(1)
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    non_empty = [ln for ln in lines if ln.strip()]
    if non_empty and all(_NUMBERED_RE.match(ln) for ln in non_empty):
        lines = [_NUMBERED_RE.sub("", ln, count=1) if ln.strip() else "" for ln in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(line.rstrip() for line in lines)


def _norm_expr(module: object, node: object) -> str:
    """Whitespace-insensitive form of an expression node (for defaults and decorators)."""
    import libcst as cst

    assert isinstance(module, cst.Module) and isinstance(node, cst.CSTNode)
    code = module.code_for_node(node).strip()
    try:
        return ast.dump(ast.parse(code, mode="eval"))
    except SyntaxError:
        return " ".join(code.split())


def _single_function(code: str, what: str) -> tuple[object, object]:
    import libcst as cst

    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError as exc:
        raise RewriteRejected(f"{what} does not parse: {str(exc).splitlines()[0]}") from None
    stmts = list(module.body)
    if len(stmts) != 1 or not isinstance(stmts[0], cst.FunctionDef):
        raise RewriteRejected(f"{what} is not exactly one function definition")
    return module, stmts[0]


def _signature_shape(module: object, fn: object) -> dict[str, object]:
    import libcst as cst

    assert isinstance(fn, cst.FunctionDef)
    p = fn.params

    def params(seq: Sequence[cst.Param]) -> list[tuple[str, str | None]]:
        return [
            (x.name.value, _norm_expr(module, x.default) if x.default is not None else None)
            for x in seq
        ]

    star = p.star_arg
    return {
        "name": fn.name.value,
        "async": fn.asynchronous is not None,
        "posonly": params(p.posonly_params),
        "params": params(p.params),
        "star": star.name.value if isinstance(star, cst.Param) else ("*" if star else None),
        "kwonly": params(p.kwonly_params),
        "kwargs": p.star_kwarg.name.value if p.star_kwarg is not None else None,
        "decorators": [_norm_expr(module, d.decorator) for d in fn.decorators],
    }


def validate_rewrite(
    *,
    uri: str,
    version: int | None,
    document_text: str,
    function: FunctionInfo,
    rewrite: str,
    mapping: dict[str, str],
) -> Rewrite | None:
    """A :class:`Rewrite` for ``function`` in ``document_text``, or raise :class:`RewriteRejected`.

    Returns None for a rewrite that changes nothing (not an error, nothing to offer).
    """
    from hone.core.text import TextDocumentLines, apply_edits, span_text

    doc = TextDocumentLines(document_text)
    if span_text(doc, function.span) != _strip_final_newline(function.text):
        raise RewriteRejected("the document no longer holds the function the rewrite was made for")
    try:
        code = restore(clean_model_code(rewrite), mapping)
    except UnrestorableError as exc:
        raise RewriteRejected(str(exc)) from None
    if not code.strip():
        raise RewriteRejected("the rewrite is empty")

    original = textwrap.dedent(_strip_final_newline(function.text).replace("\r\n", "\n"))
    original = original.replace("\r", "\n")
    orig_module, orig_fn = _single_function(original + "\n", "the original function")
    new_code = textwrap.dedent(code)
    if "\t" in new_code and "\t" not in original:
        new_code = new_code.expandtabs(4)
    new_module, new_fn = _single_function(new_code + "\n", "the rewrite")

    before = _signature_shape(orig_module, orig_fn)
    after = _signature_shape(new_module, new_fn)
    if not after["decorators"] and before["decorators"]:
        # Models often return just the ``def``: keep the original decorators verbatim.
        import libcst as cst

        assert isinstance(orig_fn, cst.FunctionDef) and isinstance(new_fn, cst.FunctionDef)
        decorated = new_fn.with_changes(
            decorators=orig_fn.decorators, leading_lines=new_fn.leading_lines
        )
        assert isinstance(new_module, cst.Module)
        new_module = new_module.with_changes(body=[decorated])
        new_fn = decorated
        new_code = new_module.code.rstrip("\n")
        after = _signature_shape(new_module, new_fn)
    for key, label in (
        ("name", "name"),
        ("async", "async-ness"),
        ("decorators", "decorators"),
        ("posonly", "positional-only parameters or defaults"),
        ("params", "parameters or defaults"),
        ("star", "*args"),
        ("kwonly", "keyword-only parameters or defaults"),
        ("kwargs", "**kwargs"),
    ):
        if before[key] != after[key]:
            raise RewriteRejected(f"the rewrite changes the function's {label}")

    first_line = function.text.splitlines()[0] if function.text else ""
    indent = first_line[: len(first_line) - len(first_line.lstrip())]
    has_break = "\n" in function.text or "\r" in function.text
    ending = _line_ending(function.text if has_break else document_text)
    new_lines = [(indent + ln if ln.strip() else "") for ln in new_code.split("\n")]
    new_text = ending.join(new_lines)
    if new_text == _strip_final_newline(function.text):
        return None
    edit = Edit(function.span, new_text)
    try:
        ast.parse(apply_edits(document_text, [edit]))
    except SyntaxError as exc:
        raise RewriteRejected(
            f"the document would not parse after the rewrite: {exc.msg}"
        ) from None
    return Rewrite(
        uri=uri,
        version=version,
        qualname=function.qualname,
        original_text=function.text,
        new_text=new_text,
        span=function.span,
    )
