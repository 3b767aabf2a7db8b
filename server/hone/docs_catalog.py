"""The rule catalog as data and as Markdown, generated from the rule registry.

``hone rules``, ``hone rules --explain``, the SARIF ``tool.driver.rules`` and the README's rule
table (``scripts/gen_readme.py``) all come from here, so they can never disagree with the code.
Besides the rules, the engine itself reports a few codes (``HONE000`` syntax error, ...): they are
part of the catalog so that every code a user can see is explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from hone.core.codes import INTERNAL_CODE, NOT_ANALYSED_CODE, SKIPPED_CODE, SYNTAX_CODE
from hone.core.finding import Category, Safety, Severity
from hone.rules.base import RuleDoc


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    id: str
    name: str
    message: str
    severity: Severity
    category: Category
    fix_safety: Safety | None
    doc: RuleDoc | None
    engine: bool = False  # reported by the engine itself, not a rule (cannot be disabled)
    summary: str = ""  # engine codes: what the code means


ENGINE_ENTRIES: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        SYNTAX_CODE,
        "syntax-error",
        "The file does not parse, or cannot be decoded",
        Severity.ERROR,
        Category.SYNTAX,
        None,
        None,
        engine=True,
        summary="The file is not valid Python (a SyntaxError), or it is binary or not in its "
        "declared encoding (UTF-8 by default), so Python could not import it either. No other "
        "findings are reported for the file until it parses.",
    ),
    CatalogEntry(
        SKIPPED_CODE,
        "file-skipped",
        "The file is larger than analysis.maxFileSizeKb and was not analysed",
        Severity.INFO,
        Category.SYNTAX,
        None,
        None,
        engine=True,
        summary="Very large files (usually generated code) are skipped to keep the editor and "
        "CI fast. Raise `analysis.maxFileSizeKb` in `[tool.hone]` to analyse them. This note "
        "does not make `hone check` fail.",
    ),
    CatalogEntry(
        INTERNAL_CODE,
        "internal-error",
        "hone failed while analysing this file",
        Severity.ERROR,
        Category.SYNTAX,
        None,
        None,
        engine=True,
        summary="A bug in hone. `hone check` exits with status 2; please report it with the "
        "file that triggers it.",
    ),
    CatalogEntry(
        NOT_ANALYSED_CODE,
        "statement-not-analysed",
        "A valid statement hone's rules cannot walk was skipped",
        Severity.INFO,
        Category.SYNTAX,
        None,
        None,
        engine=True,
        summary="The file parses, but one statement is beyond what hone's libcst-based rules "
        "can handle (for example a string made of hundreds of adjacent literals nests too "
        "deeply). That statement gets no rule findings; the rest of the file is analysed. "
        "This note does not make `hone check` fail.",
    ),
)


def catalog(*, include_engine: bool = True) -> tuple[CatalogEntry, ...]:
    """Engine codes (optionally) then every registered rule, sorted by id."""
    from hone.rules.registry import all_rules

    rules = tuple(
        CatalogEntry(
            m.id, m.name, m.message, m.severity, m.category, m.fix_safety, m.doc, engine=False
        )
        for m in (r.meta for r in all_rules())
    )
    return (*ENGINE_ENTRIES, *rules) if include_engine else rules


def find_entry(rule_id: str) -> CatalogEntry | None:
    """An entry by id (case-insensitive) or by name."""
    for entry in catalog():
        if entry.id == rule_id.strip().upper() or entry.name == rule_id.strip():
            return entry
    return None


def fix_label(entry: CatalogEntry) -> str:
    return {
        None: "none",
        Safety.SAFE: "safe",
        Safety.UNSAFE: "unsafe",
        Safety.SUGGESTION: "suggestion",
    }[entry.fix_safety]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rules_markdown() -> str:
    """The README's rule catalog section (a Markdown table, then the engine's own codes)."""
    lines = [
        "| Code | Name | What it asks for | Fix |",
        "| --- | --- | --- | --- |",
    ]
    for e in catalog(include_engine=False):
        lines.append(
            f"| `{e.id}` | `{e.name}` | {_cell(e.message)} | {fix_label(e)} |",
        )
    lines += [
        "",
        "Fix safety: *safe* fixes keep behaviour for every input and are applied by "
        "`hone check --fix` and the editor's fix-all; *unsafe* ones may differ in edge cases "
        "(see `hone rules --explain CODE`) and need `--unsafe-fixes`.",
        "",
        "Codes reported by hone itself: "
        + "; ".join(f"`{e.id}` {e.message[0].lower()}{e.message[1:]}" for e in ENGINE_ENTRIES)
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _code_block(code: str) -> list[str]:
    return ["```python", code.rstrip("\n"), "```"]


def explain_markdown(entry: CatalogEntry) -> str:
    """What ``hone rules --explain CODE`` prints: the rule's whole documentation."""
    out = [f"# {entry.id} {entry.name}", "", entry.message + ".", ""]
    fix = fix_label(entry)
    out.append(
        f"Severity: {entry.severity.value}. Category: {entry.category.value}. Fix: {fix}."
        + (" (Reported by hone itself; cannot be disabled.)" if entry.engine else "")
    )
    if entry.summary:
        out += ["", entry.summary]
    doc = entry.doc
    if doc is not None:
        out += ["", "## Why", "", doc.why]
        out += ["", "## Example", "", *_code_block(doc.before)]
        out += ["", "Instead:" if entry.fix_safety is None else "After the fix:", ""]
        out += _code_block(doc.after)
        if doc.not_applicable:
            out += ["", "## When it does not apply", "", doc.not_applicable]
        if doc.unsafe_because:
            out += ["", "## Why the fix is unsafe", "", doc.unsafe_because]
    return "\n".join(out) + "\n"


# -- README sections --------------------------------------------------------------------------


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- section:{name} -->", f"<!-- /section:{name} -->"


def readme_section(text: str, name: str) -> str | None:
    """The text between a README section's markers (without the marker lines' newlines)."""
    start, end = _markers(name)
    i = text.find(start)
    j = text.find(end, i + len(start)) if i >= 0 else -1
    if i < 0 or j < 0:
        return None
    return text[i + len(start) : j].strip("\n")


def replace_readme_section(text: str, name: str, body: str) -> str:
    """``text`` with the section's content replaced by ``body``; raises if the markers are absent."""
    start, end = _markers(name)
    i = text.find(start)
    j = text.find(end, i + len(start)) if i >= 0 else -1
    if i < 0 or j < 0:
        raise ValueError(f"README has no {start} ... {end} section")
    inner = "\n" + body.strip("\n") + "\n" if body.strip() else "\n"
    return text[: i + len(start)] + inner + text[j:]
