"""Where a rule's documentation lives: one Markdown page per code under ``docs/rules/`` in the
repository (generated from the rule catalog by ``scripts/gen_rule_docs.py``), and its URL.

The URL is what editors link a diagnostic's code to (LSP ``codeDescription.href``) and what the
SARIF output can name as ``helpUri``. The repository's address is named here and nowhere else.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hone.docs_catalog import CatalogEntry

# The repository's public address: the one place that names it (change it here if it moves).
REPOSITORY_URL = "https://github.com/hone-lsp/hone"
# Pages on the main branch: a code's page keeps its URL as long as the code exists.
RULE_DOCS_URL = f"{REPOSITORY_URL}/blob/main/docs/rules"
DOCS_DIR = "docs/rules"  # relative to the repository root
INDEX = "README.md"


@functools.cache
def _codes() -> frozenset[str]:
    # (imported here: the catalog imports the rules, which the server loads only when it analyses)
    from hone.docs_catalog import catalog

    return frozenset(e.id for e in catalog())


def doc_url(code: str) -> str | None:
    """The documentation page of ``code``; None for codes outside the catalog (LLM, timing)."""
    return f"{RULE_DOCS_URL}/{code}.md" if code in _codes() else None


def page(entry: CatalogEntry) -> str:
    """A code's page: ``hone rules --explain CODE``, as is."""
    from hone.docs_catalog import explain_markdown

    return explain_markdown(entry)


def index() -> str:
    from hone.docs_catalog import catalog, fix_label

    lines = [
        "# hone's rules",
        "",
        "One page per code, generated from the rule catalog by `scripts/gen_rule_docs.py` (the",
        "same text as `hone rules --explain CODE` and the editor's hover). Editors link each",
        "diagnostic's code here.",
        "",
        "| Code | Name | What it asks for | Fix |",
        "| --- | --- | --- | --- |",
    ]
    for e in catalog():
        message = " ".join(e.message.split()).replace("|", "\\|")
        lines.append(f"| [`{e.id}`]({e.id}.md) | `{e.name}` | {message} | {fix_label(e)} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name (in ``docs/rules/``) -> content, for every code of the catalog and the index."""
    from hone.docs_catalog import catalog

    out = {f"{e.id}.md": page(e) for e in catalog()}
    out[INDEX] = index()
    return out
