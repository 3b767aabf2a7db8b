"""docs/rules/ (the pages diagnostics link to) is generated from the catalog and up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hone.docs_catalog import catalog, explain_markdown
from hone.rule_docs import DOCS_DIR, REPOSITORY_URL, doc_url, pages

ROOT = Path(__file__).resolve().parent.parent


def test_docs_rules_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_code_has_a_page_and_a_url() -> None:
    written = pages()
    for entry in catalog():
        assert written[f"{entry.id}.md"] == explain_markdown(entry)
        assert (ROOT / DOCS_DIR / f"{entry.id}.md").is_file()
        url = doc_url(entry.id)
        assert url == f"{REPOSITORY_URL}/blob/main/{DOCS_DIR}/{entry.id}.md"
        assert f"]({entry.id}.md)" in written["README.md"]


def test_codes_outside_the_catalog_have_no_url() -> None:
    # LLM and timing findings, a rule's name instead of its code, nothing
    for code in ("LLM101", "TIME001", "append-in-loop", "hone101", ""):
        assert doc_url(code) is None
