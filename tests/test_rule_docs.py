"""docs/rules/ (the pages diagnostics link to) is generated from the catalog and up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from hone.docs_catalog import catalog, explain_markdown
from hone.rule_docs import DOCS_DIR, doc_url, pages

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
        # the link: the installed hone's page, written on first use, the same text
        url = doc_url(entry.id)
        assert url is not None and url.startswith("file:///") and url.endswith(f"/{entry.id}.md")
        page = Path(url2pathname(urlparse(url).path))
        assert page.read_text(encoding="utf-8") == written[f"{entry.id}.md"]
        assert f"]({entry.id}.md)" in written["README.md"]
        assert (page.parent / "README.md").read_text(encoding="utf-8") == written["README.md"]


def test_codes_outside_the_catalog_have_no_url() -> None:
    # LLM and timing findings, a rule's name instead of its code, nothing
    for code in ("LLM101", "TIME001", "append-in-loop", "hone101", ""):
        assert doc_url(code) is None


def test_pages_are_rewritten_when_tampered_and_no_link_when_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hone import rule_docs

    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "cache"))
    rule_docs._installed_pages.cache_clear()
    try:
        url = doc_url("HONE101")
        assert url is not None
        page = Path(url2pathname(urlparse(url).path))
        page.write_text("stale")
        rule_docs._installed_pages.cache_clear()
        assert doc_url("HONE101") == url and page.read_text() != "stale"
        # a cache folder that cannot be created: diagnostics simply carry no link
        (tmp_path / "file").write_text("")
        monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "file" / "cache"))
        rule_docs._installed_pages.cache_clear()
        assert doc_url("HONE101") is None
    finally:
        rule_docs._installed_pages.cache_clear()
