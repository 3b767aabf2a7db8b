"""The analysis engine: document text + settings -> :class:`DocumentAnalysis`.

Used identically by the language server (one :class:`Analyzer` per open document, so chunk
results are reused across edits) and the CLI (one per file).

Pipeline: ``ast.parse`` (cheap syntax check, chunk boundaries, function index; after an edit,
only of the statements it touched: :mod:`hone.core.outline`) -> for each chunk,
a cached libcst parse and one batched traversal with every rule -> positions resolved only for
chunks that reported something -> findings shifted to document lines, filtered by settings and
``# hone: ignore[...]`` comments.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst
from libcst.metadata import CodeRange

from hone.core.codes import (
    NOT_ANALYSED_CODE,
    SKIPPED_CODE,
    SYNTAX_CODE,
    ignored_codes,
)
from hone.core.document import Chunk
from hone.core.finding import Category, Edit, Finding, Fix, Position, Severity, Span
from hone.core.functions import FunctionInfo, functions_at
from hone.core.memory import release_free_memory
from hone.core.outline import Outline
from hone.core.settings import Settings
from hone.core.text import TextDocumentLines, apply_edits
from hone.rules.base import NodeFix, Replacement, Report, RuleContext
from hone.rules.ranges import focus
from hone.rules.ranges import positions as node_positions
from hone.rules.registry import all_rules, is_selected
from hone.rules.relevance import by_relevance
from hone.rules.scope import (
    Assumptions,
    BindingCollector,
    Bindings,
    all_bindings,
    collected_bindings,
    holds,
    report_assumptions,
    top_level_bindings,
)
from hone.rules.traversal import visit_batched

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DocumentAnalysis:
    text: str
    lines: TextDocumentLines
    findings: tuple[Finding, ...]  # syntax error or rule findings, filtered and ordered
    functions: tuple[FunctionInfo, ...]  # empty when the text does not parse
    syntax_error: Finding | None = None
    skipped_reason: str | None = None
    rule_errors: tuple[str, ...] = ()  # "HONE123: <exception>" for rules that raised

    @property
    def parses(self) -> bool:
        return self.syntax_error is None and self.skipped_reason is None


@dataclass(slots=True)
class _ChunkResult:
    findings: tuple[Finding, ...]  # relative to the chunk's first line
    errors: tuple[str, ...]
    # per finding, the names it reads as builtins/modules (hone.rules.scope): checked against
    # the file's top-level bindings, which other chunks may hold
    assumes: tuple[Assumptions, ...] = ()
    binds: Bindings = field(default_factory=dict)  # names bound at the chunk's top level


@dataclass(slots=True)
class Analyzer:
    """Analyses successive versions of one document, reusing unchanged chunks."""

    _cache: dict[str, _ChunkResult] = field(default_factory=dict)
    _outline: Outline | None = None  # of the last version that parsed
    last_good: DocumentAnalysis | None = None

    def analyse(self, text: str, settings: Settings) -> DocumentAnalysis:
        lines = TextDocumentLines(text)
        max_bytes = settings.int("analysis.maxFileSizeKb") * 1024
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            reason = (
                f"hone skipped this file: {size // 1024} KB is above analysis.maxFileSizeKb "
                f"({max_bytes // 1024} KB)"
            )
            note = Finding(
                SKIPPED_CODE, reason, Span.of(0, 0, 0, 0), Severity.INFO, Category.SYNTAX
            )
            return DocumentAnalysis(text, lines, (note,), (), skipped_reason=reason)

        if self._outline is not None:
            outline = self._outline.updated(lines.lines)
        else:  # the first version: in pieces, to keep the peak of a large file's ast down
            outline = Outline.build(lines.lines)
        if outline is None:  # a syntax error, or an edit that only the whole text can judge
            tree, error = _syntax_check(text, lines)
            if tree is None:
                assert error is not None
                if error.code == NOT_ANALYSED_CODE:  # valid, but too deep to analyse
                    return DocumentAnalysis(text, lines, (error,), (), skipped_reason=error.message)
                return DocumentAnalysis(text, lines, (error,), (), syntax_error=error)
            outline = Outline.of(tree, lines.lines)
            del tree  # the whole-file ast is megabytes: free it before libcst builds its trees
        self._outline = outline
        functions, chunks = outline.functions, outline.chunks
        new_cache: dict[str, _ChunkResult] = {}
        findings: list[Finding] = []
        assumed: list[Assumptions] = []
        file_binds: dict[str, frozenset[str]] = {}
        errors: list[str] = []
        for chunk in chunks:
            result = self._cache.get(chunk.source) or new_cache.get(chunk.source)
            if result is None:
                result = _analyse_chunk(chunk)
                # the native parser's freed pages would otherwise stay resident, chunk after
                # chunk: the first analysis of a large file would keep its peak for good
                release_free_memory()
            new_cache[chunk.source] = result
            errors.extend(result.errors)
            findings.extend(f.shifted(chunk.first_line) for f in result.findings)
            assumed.extend(result.assumes or ({},) * len(result.findings))
            for name, origins in result.binds.items():
                file_binds[name] = file_binds.get(name, frozenset()) | origins
        self._cache = new_cache
        findings = [f for f, a in zip(findings, assumed, strict=True) if holds(a, file_binds)]

        selected = _apply_settings(findings, settings, lines, functions)
        analysis = DocumentAnalysis(
            text, lines, tuple(selected), functions, rule_errors=tuple(errors)
        )
        self.last_good = analysis
        return analysis


def analyse_text(text: str, settings: Settings | None = None) -> DocumentAnalysis:
    """One-shot analysis (CLI, tests)."""
    return Analyzer().analyse(text, settings or Settings())


# -- syntax ---------------------------------------------------------------------------------


def _syntax_check(text: str, lines: TextDocumentLines) -> tuple[ast.Module | None, Finding | None]:
    try:
        return ast.parse(text, type_comments=False), None
    except SyntaxError as exc:
        return None, _syntax_finding(exc, lines)
    except RecursionError:
        # ast objects are built recursively; the compiler itself may still accept the file
        try:
            compile(text, "<hone>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            return None, _syntax_finding(exc, lines)
        except (ValueError, RecursionError, MemoryError):
            pass
        else:
            msg = "hone did not analyse this file: it is nested too deeply for Python's ast module"
            note = Finding(
                NOT_ANALYSED_CODE, msg, Span.of(0, 0, 0, 0), Severity.INFO, Category.SYNTAX
            )
            return None, note
        msg = "Cannot parse this file: it is nested too deeply"
        return None, Finding(SYNTAX_CODE, msg, Span.of(0, 0, 0, 0), Severity.ERROR, Category.SYNTAX)
    except (ValueError, MemoryError) as exc:  # null bytes
        msg = f"Cannot parse this file: {exc or type(exc).__name__}"
        return None, Finding(SYNTAX_CODE, msg, Span.of(0, 0, 0, 0), Severity.ERROR, Category.SYNTAX)


def _syntax_finding(exc: SyntaxError, lines: TextDocumentLines) -> Finding:
    line = max((exc.lineno or 1) - 1, 0)
    # SyntaxError.offset is 1-based and counts characters of the (decoded) line
    col = max((exc.offset or 1) - 1, 0)
    end_line = (exc.end_lineno or exc.lineno or 1) - 1
    end_col = max((exc.end_offset or 0) - 1, 0)
    if end_line < line or (end_line == line and end_col <= col):
        end_line, end_col = line, col + 1
    start = lines.clamp(Position(line, col))
    end = lines.clamp(Position(end_line, end_col))
    if end <= start:  # at end of line / file: widen to the previous character so it shows
        start = Position(start.line, max(start.character - 1, 0))
        end = Position(start.line, start.character + 1)
        end = lines.clamp(end)
    return Finding(
        SYNTAX_CODE,
        f"SyntaxError: {exc.msg}",
        Span(start, end),
        Severity.ERROR,
        Category.SYNTAX,
    )


# -- chunks ---------------------------------------------------------------------------------


def _not_analysed(chunk: Chunk, why: str) -> _ChunkResult:
    """An info note on the statement's first line: the file parses (ast said so), but hone's
    libcst-based rules cannot handle this statement, so it gets no rule findings."""
    first = chunk.text.split("\n", 1)[0].rstrip("\r")
    indent = len(first) - len(first.lstrip())
    span = Span.of(0, indent, 0, len(first))
    msg = f"hone did not analyse this statement: {why}"
    log.info("chunk at line %d not analysed: %s", chunk.first_line + 1, why)
    note = Finding(NOT_ANALYSED_CODE, msg, span, Severity.INFO, Category.SYNTAX)
    return _ChunkResult((note,), ())


def _analyse_chunk(chunk: Chunk) -> _ChunkResult:
    try:
        module = cst.parse_module(chunk.source)
    except cst.ParserSyntaxError as exc:
        # ast accepted the file, so this is libcst's limit (e.g. thousands of adjacent string
        # pieces, or syntax newer than it knows), not the user's error
        return _not_analysed(chunk, f"libcst cannot parse it ({exc.message})")
    except Exception as exc:  # the native parser can fail in other ways on hostile input
        return _not_analysed(chunk, f"libcst cannot parse it ({type(exc).__name__})")

    try:
        binds = top_level_bindings(module, chunk.source, bool(chunk.prefix))
        reports, errors, everywhere = _run_rules(module)
        assumed = [report_assumptions(r.node, r.end_node, r.fix, r.assumes) for r in reports]
        if any(assumed):
            everywhere = everywhere if everywhere is not None else all_bindings(module)
            kept = [(r, a) for r, a in zip(reports, assumed, strict=True) if holds(a, everywhere)]
            reports, assumed = [r for r, _ in kept], [a for _, a in kept]
        if not reports:
            return _ChunkResult((), tuple(errors), (), binds)
        positions = node_positions(module)
    except RecursionError:
        # libcst walks trees recursively: e.g. ~300 adjacent string literals nest that deep
        return _not_analysed(chunk, "it is nested too deeply for hone's rules")
    source_lines = chunk.source.splitlines(keepends=True)
    findings: list[Finding] = []
    assumes: list[Assumptions] = []
    for report, assumption in zip(reports, assumed, strict=True):
        try:
            findings.append(_to_finding(report, positions, module, chunk, source_lines))
            assumes.append(assumption)
        except Exception as exc:  # one bad report must not lose the others
            log.exception("rule %s produced an unusable report", report.rule.id)
            errors.append(f"{report.rule.id}: {exc!r}")
    return _ChunkResult(tuple(findings), tuple(errors), tuple(assumes), binds)


def _run_rules(module: cst.Module) -> tuple[list[Report], list[str], Bindings | None]:
    """All rules in one traversal (with the chunk's bindings collected on the way); if one
    raises, rerun rule by rule to isolate it."""
    ctx = RuleContext(module)
    try:
        visit_batched(module, [*(rule(ctx) for rule in all_rules()), BindingCollector(ctx)])
        return ctx.reports, [], collected_bindings(ctx)
    except RecursionError:
        raise  # the tree, not a rule: every rule would fail the same way
    except Exception:
        pass
    reports: list[Report] = []
    errors: list[str] = []
    for rule in all_rules():
        single = RuleContext(module)
        try:
            visit_batched(module, [rule(single)])
        except Exception as exc:
            log.exception("rule %s raised", rule.meta.id)
            errors.append(f"{rule.meta.id}: {exc!r}")
            continue
        reports.extend(single.reports)
    return reports, errors, None


def _rel_span(
    positions: Mapping[cst.CSTNode, CodeRange],
    start: cst.CSTNode,
    end: cst.CSTNode,
    prefix_lines: int,
) -> Span:
    s = positions[start]
    e = positions[end]
    return Span.of(
        s.start.line - 1 - prefix_lines,
        s.start.column,
        e.end.line - 1 - prefix_lines,
        e.end.column,
    )


def _to_finding(
    report: Report,
    positions: Mapping[cst.CSTNode, CodeRange],
    module: cst.Module,
    chunk: Chunk,
    source_lines: list[str],
) -> Finding:
    start, end = focus(report.node, report.end_node, positions.__getitem__)
    span = _rel_span(positions, start, end, chunk.prefix_lines)
    fix = None
    if report.fix is not None:
        fix = _build_fix(report.fix, positions, module, chunk, source_lines)
        if fix is None:
            log.info("dropped a fix of %s that did not parse", report.rule.id)
    meta = report.rule
    return Finding(
        code=meta.id,
        message=report.message,
        span=span,
        severity=report.severity or meta.severity,
        category=meta.category,
        fix=fix,
        extra={"rule": meta.name},
    )


def _build_fix(
    node_fix: NodeFix,
    positions: Mapping[cst.CSTNode, CodeRange],
    module: cst.Module,
    chunk: Chunk,
    source_lines: list[str],
) -> Fix | None:
    ctx = RuleContext(module)
    edits: list[Edit] = []
    for rep in node_fix.replacements:
        span = _rel_span(positions, rep.start, rep.end or rep.start, chunk.prefix_lines)
        edits.append(
            Edit(span, _replacement_text(rep, ctx, source_lines, span, chunk.prefix_lines))
        )
    # Never offer a fix that does not parse: check the edited chunk (cheap: one statement).
    try:
        fixed = apply_edits(chunk.text, edits)
        ast.parse(chunk.prefix + fixed)
    except (SyntaxError, ValueError):
        return None
    return Fix(node_fix.title, tuple(edits), node_fix.safety)


def _replacement_text(
    rep: Replacement, ctx: RuleContext, source_lines: list[str], span: Span, prefix_lines: int
) -> str:
    if isinstance(rep.new, str):
        return rep.new
    if not isinstance(rep.new, cst.CSTNode):  # a layout: give it the line's indentation
        line = source_lines[span.start.line + prefix_lines]
        return rep.new(line[: len(line) - len(line.lstrip(" \t"))])
    if isinstance(rep.new, cst.BaseStatement | cst.BaseSmallStatement):
        code = (
            ctx.statement_code(rep.new)
            if isinstance(rep.new, cst.BaseStatement)
            else (ctx.code(rep.new))
        )
        line = source_lines[span.start.line + prefix_lines]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        first, *rest = code.split("\n")
        return "\n".join([first, *(indent + r if r.strip() else r for r in rest)])
    return ctx.code(_without_outer_parens(rep.start, rep.end, rep.new))


def _without_outer_parens(
    start: cst.CSTNode, end: cst.CSTNode | None, new: cst.CSTNode
) -> cst.CSTNode:
    """A node's position excludes its own parentheses but its code includes them: when the
    replaced node is parenthesised, those parentheses stay in the document, so the new node
    (often ``start.with_changes(...)``) must not bring the same ones again."""
    if end not in (None, start):
        return new
    old_l: Sequence[cst.LeftParen] = getattr(start, "lpar", ())
    new_l: Sequence[cst.LeftParen] = getattr(new, "lpar", ())
    new_r: Sequence[cst.RightParen] = getattr(new, "rpar", ())
    n = min(len(old_l), len(new_l), len(new_r))
    if n == 0:
        return new
    return new.with_changes(lpar=tuple(new_l)[n:], rpar=tuple(new_r)[: len(new_r) - n])


# -- filtering --------------------------------------------------------------------------------


def is_suppressed(finding: Finding, lines: TextDocumentLines) -> bool:
    line = lines.line(finding.span.start.line)
    if "hone" not in line:
        return False
    codes = ignored_codes(line)
    return codes is not None and (not codes or finding.code.upper() in codes)


def _apply_settings(
    findings: Sequence[Finding],
    settings: Settings,
    lines: TextDocumentLines,
    functions: Sequence[FunctionInfo],
) -> list[Finding]:
    select, ignore = settings.list("rules.select"), settings.list("rules.ignore")
    overrides = {k.upper(): v for k, v in settings.dict("rules.severity").items()}
    kept = [
        f for f in findings if is_selected(f.code, select, ignore) and not is_suppressed(f, lines)
    ]
    # one sorted sweep maps every finding to its function (not a scan of all functions each)
    owners = functions_at(functions, [f.span.start.line for f in kept])
    out: list[Finding] = []
    for f, fn in zip(kept, owners, strict=True):
        if fn is not None:
            f = replace(f, function=fn.qualname)
        f = by_relevance(f, fn)  # code that runs once or tests: a hint
        sev = overrides.get(f.code.upper())
        if sev is not None and sev in {s.value for s in Severity}:
            f = replace(f, severity=Severity(sev))
        out.append(f)
    out.sort(key=lambda f: (f.span.start, f.code))
    return out
