"""Renderers of ``hone check`` results: text, JSON and SARIF 2.1.0.

Positions: hone's findings are 0-based lines and 0-based code-point columns; every output here is
1-based, columns counted in Unicode code points.  End positions are exclusive (the column of the
first character after the span), as in SARIF.

JSON schema (``--format json``; ``"schema": "hone-check/1"``, fields are only ever added)::

    {
      "schema": "hone-check/1",
      "version": "<hone version>",
      "findings": [
        {
          "path": "pkg/mod.py",            # relative to the current folder when inside it
          "line": 3, "column": 5,           # 1-based start
          "end_line": 3, "end_column": 17,  # 1-based, exclusive
          "code": "HONE201", "name": "sorted-for-min-max",
          "message": "...", "severity": "error|warning|info|hint",
          "category": "performance|bug|security|maintainability|syntax|runtime",
          "function": "Class.method" | null,
          "fix": null | {
            "title": "...", "safety": "safe|unsafe|suggestion",
            "edits": [{"line", "column", "end_line", "end_column", "new_text"}]
          }
        }
      ],
      "errors": [{"path": "...", "message": "..."}],   # files that could not be checked
      "summary": {"files", "findings", "fixable_safe", "fixable_unsafe", "fixed",
                  "files_fixed", "errors"}
    }
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hone import __version__
from hone.core.codes import NOT_ANALYSED_CODE, SKIPPED_CODE
from hone.core.finding import Finding, Safety, Severity, Span

if TYPE_CHECKING:
    from hone.cli.worker import FileResult
    from hone.docs_catalog import CatalogEntry

JSON_SCHEMA_ID = "hone-check/1"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"

# Codes that never fail a check (a note that analysis was skipped).
NON_FAILING_CODES = frozenset({SKIPPED_CODE, NOT_ANALYSED_CODE})


def display_path(path: str, cwd: Path) -> str:
    """Relative to ``cwd`` when inside it (as the user typed it, usually), else absolute."""
    p = Path(path)
    try:
        return str(p.relative_to(cwd))
    except ValueError:
        return str(p)


def counts(results: Sequence[FileResult]) -> dict[str, int]:
    findings = [f for r in results for f in r.findings]
    return {
        "files": len(results),
        "findings": len(findings),
        "fixable_safe": sum(1 for f in findings if f.fix and f.fix.safety is Safety.SAFE),
        "fixable_unsafe": sum(1 for f in findings if f.fix and f.fix.safety is Safety.UNSAFE),
        "fixed": sum(r.fixed for r in results),
        "files_fixed": sum(1 for r in results if r.written),
        "errors": sum(1 for r in results if r.error),
    }


def failing(results: Sequence[FileResult]) -> int:
    """Number of findings that make ``hone check`` exit 1."""
    return sum(1 for r in results for f in r.findings if f.code not in NON_FAILING_CODES)


# -- text -------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_text(
    results: Sequence[FileResult],
    *,
    cwd: Path,
    show_fixes: bool = False,
    fix_mode: bool = False,
    unsafe: bool = False,
    quiet: bool = False,
) -> str:
    """``path:line:col: CODE message`` lines, each followed by its fix, then a summary."""
    out: list[str] = []
    for r in results:
        shown = display_path(r.path, cwd)
        for i, f in enumerate(r.findings):
            s = f.span.start
            out.append(f"{shown}:{s.line + 1}:{s.character + 1}: {f.code} {f.message}")
            if quiet or f.fix is None:
                continue
            out.append(f"  fix ({f.fix.safety.value}): {f.fix.title}")
            preview = r.previews[i] if show_fixes and i < len(r.previews) else ""
            out.extend("    " + ln for ln in preview.splitlines())
    if not quiet:
        out.extend(_text_summary(results, fix_mode=fix_mode, unsafe=unsafe))
    return "\n".join(out) + ("\n" if out else "")


def _text_summary(results: Sequence[FileResult], *, fix_mode: bool, unsafe: bool) -> list[str]:
    c = counts(results)
    lines: list[str] = []
    if out := ("" if not fix_mode else _fixed_line(c)):
        lines.append(out)
    skipped = sum(1 for r in results for f in r.findings if f.code in NON_FAILING_CODES)
    real = c["findings"] - skipped
    if real == 0 and c["errors"] == 0:
        lines.append(f"No findings in {_plural(c['files'], 'file')}.")
    elif real:
        files = sum(1 for r in results if any(f.code not in NON_FAILING_CODES for f in r.findings))
        line = f"Found {_plural(real, 'finding')} in {_plural(files, 'file')}."
        hints = []
        if c["fixable_safe"] and not fix_mode:
            hints.append(f"{c['fixable_safe']} fixable with `hone check --fix`")
        if c["fixable_unsafe"] and not (fix_mode and unsafe):
            more = "more " if hints else "fixable "
            hints.append(f"{c['fixable_unsafe']} {more}with `--unsafe-fixes`")
        if hints:
            line = line[:-1] + ": " + ", ".join(hints) + "."
        lines.append(line)
    too_large = sum(1 for r in results for f in r.findings if f.code == SKIPPED_CODE)
    if too_large:
        lines.append(f"{_plural(too_large, 'file')} skipped (larger than analysis.maxFileSizeKb).")
    if skipped > too_large:
        lines.append(f"{_plural(skipped - too_large, 'statement')} not analysed (see HONE003).")
    if c["errors"]:
        lines.append(f"{_plural(c['errors'], 'file')} could not be checked (see above).")
    return lines


def _fixed_line(c: dict[str, int]) -> str:
    if not c["fixed"]:
        return "No fixes applied."
    return f"Fixed {_plural(c['fixed'], 'finding')} in {_plural(c['files_fixed'], 'file')}."


# -- JSON -------------------------------------------------------------------------------------


def _range(span: Span) -> dict[str, int]:
    return {
        "line": span.start.line + 1,
        "column": span.start.character + 1,
        "end_line": span.end.line + 1,
        "end_column": span.end.character + 1,
    }


def finding_json(f: Finding, path: str) -> dict[str, Any]:
    name = f.extra.get("rule") if isinstance(f.extra.get("rule"), str) else None
    return {
        "path": path,
        **_range(f.span),
        "code": f.code,
        "name": name,
        "message": f.message,
        "severity": f.severity.value,
        "category": f.category.value,
        "function": f.function,
        "fix": None
        if f.fix is None
        else {
            "title": f.fix.title,
            "safety": f.fix.safety.value,
            "edits": [{**_range(e.span), "new_text": e.new_text} for e in f.fix.edits],
        },
    }


def render_json(results: Sequence[FileResult], *, cwd: Path) -> str:
    def posix(p: str) -> str:
        return display_path(p, cwd).replace(os.sep, "/")

    doc = {
        "schema": JSON_SCHEMA_ID,
        "version": __version__,
        "findings": [finding_json(f, posix(r.path)) for r in results for f in r.findings],
        "errors": [{"path": posix(r.path), "message": r.error} for r in results if r.error],
        "summary": counts(results),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# -- SARIF 2.1.0 ------------------------------------------------------------------------------

_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def _artifact(path: str, cwd: Path) -> dict[str, str]:
    p = Path(path)
    try:
        rel = p.relative_to(cwd)
    except ValueError:
        return {"uri": p.absolute().as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.start.line + 1,
        "startColumn": span.start.character + 1,
        "endLine": span.end.line + 1,
        "endColumn": span.end.character + 1,
    }


def _descriptor(entry: CatalogEntry) -> dict[str, Any]:
    from hone.docs_catalog import explain_markdown, fix_label

    full = entry.doc.why if entry.doc else (entry.summary or entry.message)
    help_md = explain_markdown(entry)
    return {
        "id": entry.id,
        "name": entry.name,
        "shortDescription": {"text": entry.message},
        "fullDescription": {"text": full},
        "help": {"text": help_md, "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL[entry.severity]},
        "properties": {
            "category": entry.category.value,
            "fixSafety": fix_label(entry),
            "tags": [entry.category.value],
        },
    }


def sarif_document(
    results: Sequence[FileResult], *, cwd: Path, entries: Sequence[CatalogEntry]
) -> dict[str, Any]:
    rules = [_descriptor(e) for e in entries]
    index = {e.id: i for i, e in enumerate(entries)}
    sarif_results: list[dict[str, Any]] = []
    for r in results:
        artifact = _artifact(r.path, cwd)
        for f in r.findings:
            res: dict[str, Any] = {
                "ruleId": f.code,
                "level": _LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": dict(artifact),
                            "region": _region(f.span),
                        }
                    }
                ],
                "properties": {"category": f.category.value},
            }
            if f.code in index:
                res["ruleIndex"] = index[f.code]
            if f.function:
                res["locations"][0]["logicalLocations"] = [
                    {"fullyQualifiedName": f.function, "kind": "function"}
                ]
            if f.fix is not None:
                res["fixes"] = [
                    {
                        "description": {"text": f"{f.fix.title} ({f.fix.safety.value} fix)"},
                        "artifactChanges": [
                            {
                                "artifactLocation": dict(artifact),
                                "replacements": [
                                    {
                                        "deletedRegion": _region(e.span),
                                        "insertedContent": {"text": e.new_text},
                                    }
                                    for e in f.fix.edits
                                ],
                            }
                        ],
                    }
                ]
            sarif_results.append(res)
    notifications = [
        {
            "level": "error",
            "message": {"text": r.error},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(r.path, cwd)}}],
        }
        for r in results
        if r.error
    ]
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hone",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                # hone's columns are code points; declared so consumers need not assume UTF-16
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SRCROOT: {"uri": cwd.absolute().as_uri().rstrip("/") + "/"}},
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": sarif_results,
            }
        ],
    }


def render_sarif(
    results: Sequence[FileResult], *, cwd: Path, entries: Sequence[CatalogEntry]
) -> str:
    return json.dumps(sarif_document(results, cwd=cwd, entries=entries), indent=2) + "\n"
