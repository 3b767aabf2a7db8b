"""A rule's documentation: one Markdown page per code, generated from the rule catalog (the
same text as ``hone rules --explain CODE`` and the hover).

The repository keeps a copy under ``docs/rules/`` (``scripts/gen_rule_docs.py``).  Editors link a
diagnostic's code (LSP ``codeDescription.href``) to the page of the *installed* hone: the pages
are written once into hone's user cache folder, in a subfolder named after the catalog's
content, and linked as ``file:`` URIs.  That link always exists, works offline, matches the rules
that produced the diagnostic, and names no web address that hone does not control.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hone.docs_catalog import CatalogEntry

log = logging.getLogger(__name__)

DOCS_DIR = "docs/rules"  # the repository's copy, relative to its root
INDEX = "README.md"
CACHE_SUBDIR = "rule-docs"


@functools.cache
def _codes() -> frozenset[str]:
    # (imported here: the catalog imports the rules, which the server loads only when it analyses)
    from hone.docs_catalog import catalog

    return frozenset(e.id for e in catalog())


@functools.cache
def _installed_pages() -> Path | None:
    """The folder holding every page of this catalog (written on first use); None if it cannot
    be written (then diagnostics carry no link)."""
    from hone.core.paths import default_cache_dir

    written = pages()
    digest = hashlib.sha256()
    for name in sorted(written):
        digest.update(name.encode() + b"\0" + written[name].encode() + b"\0")
    folder = default_cache_dir() / CACHE_SUBDIR / digest.hexdigest()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in written.items():
            target = folder / name
            with contextlib.suppress(OSError):
                if target.read_text(encoding="utf-8") == text:
                    continue
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".page-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target)
    except OSError as exc:
        log.warning("hone: rule pages cannot be written to %s (%s): no links to them", folder, exc)
        return None
    return folder


def doc_url(code: str) -> str | None:
    """The ``file:`` URI of ``code``'s page; None for codes outside the catalog (LLM, timing)
    or when the pages cannot be written."""
    if code not in _codes():
        return None
    folder = _installed_pages()
    return (folder / f"{code}.md").as_uri() if folder is not None else None


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
