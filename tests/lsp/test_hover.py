"""Hover on findings: a rule's documentation, an LLM finding's explanation, diff and verdict, a
timed line's figures; and the link from a diagnostic's code to its documentation page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from lsprotocol import types as lsp

from hone.core.finding import Category, Finding, Severity, Span
from hone.docs_catalog import explain_markdown, find_entry
from hone.lsp.features.hover import hover_markdown, llm_markdown, rule_markdown, timing_markdown
from hone.rule_docs import doc_url
from tests.lsp.conftest import HoneTestClient

APPEND = """def squares(xs):
    out = []
    for x in xs:
        out.append(x * x)
    return out
"""


def _finding(code: str, **kw: object) -> Finding:
    return Finding(code, "msg", Span.of(0, 0, 0, 1), Severity.INFO, Category.PERFORMANCE, **kw)  # type: ignore[arg-type]


def test_rule_hover_is_the_explain_text_with_a_link() -> None:
    text = rule_markdown("HONE101")
    assert text is not None
    entry = find_entry("HONE101")
    assert entry is not None and entry.doc is not None
    assert text.startswith("**HONE101** `append-in-loop`")
    assert "#### Why" in text and "#### Example" in text
    assert entry.doc.before.strip() in text and entry.doc.after.strip() in text
    assert f"({doc_url('HONE101')})" in text
    # everything hone rules --explain prints, but the title line, is there
    for line in explain_markdown(entry).splitlines()[1:]:
        assert line.replace("## ", "#### ") in text
    assert rule_markdown("LLM101") is None


def test_llm_hover_has_explanation_diff_and_verdict() -> None:
    diff = "--- a\n+++ b\n-    out = []\n+    out = [x * x for x in xs]\n"
    f = _finding(
        "LLM101",
        source="llm",
        explanation="The loop appends one by one.\n\nSuggested rewrite (apply it with the code action):\n"
        + diff,
        extra={"llm": {"model": "m1"}, "diff": diff, "verification": None},
    )
    text = llm_markdown(f)
    assert "(m1)" in text and "The loop appends one by one." in text
    assert f"```diff\n{diff.rstrip()}\n```" in text
    assert text.count("out = [x * x") == 1, "the diff is shown once"
    assert "not verified yet" in text
    verdict = {
        "status": "verified",
        "inputs": 24,
        "speedup": 3.1,
        "faster": True,
        "reason": "",
        "sources": {"generated": 24},
    }
    f2 = _finding("LLM101", source="llm", extra={"diff": diff, "verification": verdict})
    assert "verified on 24 inputs" in llm_markdown(f2)


def test_timing_hover_has_the_figures() -> None:
    f = _finding("TIME001", function="busy", extra={"self_s": 0.4, "share": 0.8})
    text = timing_markdown(f)
    assert "0.40 s" in text and "80 %" in text and "`busy`" in text


def test_several_findings_one_hover() -> None:
    text = hover_markdown([_finding("HONE101"), _finding("HONE101"), _finding("HONE201")])
    assert text is not None and text.count("---") == 1
    assert hover_markdown([]) is None


async def test_hover_over_a_rule_diagnostic(client: HoneTestClient, workspace: Path) -> None:
    uri = await client.open(workspace / "sq.py", APPEND)
    diags = await client.diagnostics_of(uri)
    d = next(d for d in diags if d.code == "HONE101")
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=d.range.start)
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    # the same text, but for where the page link points (the server's catalog and cache folder)
    link = re.compile(r"\(file:///[^)]*/HONE101\.md\)")
    expected = hover_markdown([_finding("HONE101")])
    assert link.search(hover.contents.value) and link.search(expected)
    assert link.sub("(LINK)", hover.contents.value) == link.sub("(LINK)", expected)
    # outside any finding: no hover
    none = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=0, character=0),
        )
    )
    assert none is None
    # the code links to its page where the editor shows such links
    caps = client.capabilities
    assert caps is not None
    publish = caps.text_document.publish_diagnostics if caps.text_document else None
    if publish is not None and publish.code_description_support:
        assert d.code_description is not None
        # the page of the installed hone, in the server's cache folder: it opens, offline
        href = d.code_description.href
        assert href.startswith("file:///") and "/rule-docs/" in href
        assert href.endswith("/HONE101.md")
        page = Path(url2pathname(urlparse(href).path))
        entry = find_entry("HONE101")
        assert entry is not None and page.read_text(encoding="utf-8") == explain_markdown(entry)
