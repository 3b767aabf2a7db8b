"""Diagnostics end to end: exact positions, versions, syntax errors, bad input (VS Code + Neovim)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.lsp.conftest import HoneTestClient
from tests.lsp.helpers import codes, ours, position_at, range_of

MIXED = (
    "def f(a, xs):\r\n"
    '\tx = "😀漢字"; y = (a == None)\r\n'
    '\ts = "𝄞\t"; best = sorted(xs)[0]\r\n'
    "\treturn x, y, s, best\r\n"
)


async def test_positions_are_exact_with_tabs_crlf_emoji_and_cjk(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "mixed.py", MIXED)
    diagnostics = await client.diagnostics_of(uri)
    by_code = {d.code: d for d in ours(diagnostics)}
    assert set(by_code) == {"HONE990", "HONE201"}
    assert by_code["HONE990"].range == range_of(MIXED, "a == None", client.encoding)
    assert by_code["HONE201"].range == range_of(MIXED, "sorted(xs)[0]", client.encoding)
    assert by_code["HONE990"].severity == lsp.DiagnosticSeverity.Warning
    assert by_code["HONE990"].source == "hone"
    # the two clients really use different units on these lines
    assert by_code["HONE990"].range.start.character == {"utf-16": 18, "utf-8": 24}[client.encoding]
    assert by_code["HONE201"].range.start.character == {"utf-16": 19, "utf-8": 21}[client.encoding]


async def test_incremental_edits_keep_positions_exact(
    client: HoneTestClient, workspace: Path
) -> None:
    text = 's = "😀"; t = 1\n'
    uri = await client.open(workspace / "a.py", text)
    assert ours(await client.diagnostics_of(uri)) == []
    # insert right after the emoji's closing quote, in the client's units
    at = position_at(text, text.index("; t"), client.encoding)
    await client.edit(uri, lsp.Range(start=at, end=at), "; u = s == None")
    text = client.texts[uri]
    assert text == 's = "😀"; u = s == None; t = 1\n'
    [d] = ours(await client.diagnostics_of(uri))
    assert d.range == range_of(text, "s == None", client.encoding)
    # lines added above move the finding; two changes in one didChange are applied in order
    top = lsp.Position(line=0, character=0)
    await client.edit(uri, lsp.Range(start=top, end=top), "import os\n\n")
    [d] = ours(await client.diagnostics_of(uri))
    assert d.range.start.line == 2
    # replacing "==" by "is" removes it
    text = client.texts[uri]
    op = range_of(text, "==", client.encoding)
    await client.edit(uri, op, "is")
    assert ours(await client.diagnostics_of(uri)) == []


async def test_every_published_set_matches_its_version(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    await client.diagnostics_of(uri)
    # a burst of edits without waiting: finding k is on line k in version k + 1
    for k in range(1, 12):
        await client.replace(uri, "\n" * k + "y = x == None\n")
    [d] = ours(await client.diagnostics_of(uri))
    assert d.range.start.line == 11
    for version, diagnostics in client.publish_history.get(uri, []):
        assert version is not None
        lines = [x.range.start.line for x in ours(diagnostics)]
        assert lines == [version - 1], (version, lines)
    if not client.pull:
        assert client.publish_history[uri][-1][0] == client.versions[uri]


async def test_syntax_error_mid_edit_is_one_error_then_recovers(
    client: HoneTestClient, workspace: Path
) -> None:
    good = "if a == None:\n    pass\n"
    uri = await client.open(workspace / "a.py", good)
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    broken = good + "def f(:\n    return 1\n"
    await client.replace(uri, broken)
    [d] = await client.diagnostics_of(uri)  # only the syntax error, nothing else
    assert d.code == "HONE000"
    assert d.severity == lsp.DiagnosticSeverity.Error
    assert d.range.start.line == 2
    assert d.range.start.character == broken.splitlines()[2].index(":")
    await client.replace(uri, good + "def f():\n    return 1\n")
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]


async def test_closing_clears_diagnostics(client: HoneTestClient, workspace: Path) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    assert ours(await client.diagnostics_of(uri))
    client.close(uri)
    await client.wait_until(lambda: client.published.get(uri) == (None, []), what="cleared")


async def test_empty_document(client: HoneTestClient, workspace: Path) -> None:
    uri = await client.open(workspace / "empty.py", "")
    assert ours(await client.diagnostics_of(uri)) == []
    await client.edit(
        uri,
        lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)),
        "y = x == None",
    )
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    await client.replace(uri, "")
    assert ours(await client.diagnostics_of(uri)) == []


async def test_binary_or_undecodable_text_is_one_error(
    client: HoneTestClient, workspace: Path
) -> None:
    texts = {
        "nul": "x = 1\x00\n",
        "surrogate": "x = '\ud800'\n",
        "junk": "\ufeffx = 1\n\x1a\x7f\x80",
    }
    for name, text in texts.items():
        uri = await client.open(workspace / f"{name}.py", text, write=False)
        diagnostics = await client.diagnostics_of(uri)
        assert [d.code for d in diagnostics] == ["HONE000"], name  # nothing else on such a file
        assert diagnostics[0].severity == lsp.DiagnosticSeverity.Error
    # and the server is fine afterwards
    other = await client.open(workspace / "ok.py", "y = x == None\n")
    assert codes(await client.diagnostics_of(other)) == ["HONE990"]


@pytest.mark.hone_session(initialization_options={"analysis": {"maxFileSizeKb": 1}})
async def test_large_file_is_skipped_with_an_info_message(
    client: HoneTestClient, workspace: Path
) -> None:
    text = "y = x == None\n" * 200  # 2.8 KB
    uri = await client.open(workspace / "big.py", text)
    [d] = await client.diagnostics_of(uri)  # nothing but the note
    assert d.code == "HONE001"
    assert d.severity == lsp.DiagnosticSeverity.Information
    await client.wait_until(lambda: client.messages_matching("maxFileSizeKb"), what="message")
    [message] = [m for m in client.messages if "maxFileSizeKb" in m.message]
    assert message.type == lsp.MessageType.Info
    # below the limit again: analysed
    await client.replace(uri, "y = x == None\n")
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]


async def test_a_rule_that_raises_is_logged_and_others_still_report(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "hone_boom()\ny = x == None\n")
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    await client.wait_until(
        lambda: [m for m in client.log_messages if "HONE991" in m.message], what="log message"
    )
    [log] = [m for m in client.log_messages if "HONE991" in m.message]
    assert log.type == lsp.MessageType.Error
    assert "rule exploded" in log.message


async def test_documents_are_independent(client: HoneTestClient, workspace: Path) -> None:
    a = await client.open(workspace / "a.py", "y = x == None\n")
    b = await client.open(workspace / "b.py", "best = sorted(xs)[0]\n")
    assert codes(await client.diagnostics_of(a)) == ["HONE990"]
    assert codes(await client.diagnostics_of(b)) == ["HONE201"]
    await client.replace(a, "y = 1\n")
    assert ours(await client.diagnostics_of(a)) == []
    assert codes(await client.diagnostics_of(b)) == ["HONE201"]


@pytest.mark.hone_clients("vscode")
async def test_pull_reports_unchanged_for_the_same_result(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    ident = lsp.TextDocumentIdentifier(uri=uri)
    first = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=ident)
    )
    assert isinstance(first, lsp.RelatedFullDocumentDiagnosticReport)
    assert first.result_id
    again = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=ident, previous_result_id=first.result_id)
    )
    assert isinstance(again, lsp.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    await client.replace(uri, "y = 2\n")
    changed = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=ident, previous_result_id=first.result_id)
    )
    assert isinstance(changed, lsp.RelatedFullDocumentDiagnosticReport)
    assert ours(list(changed.items)) == []


async def test_capabilities_negotiated(client: HoneTestClient) -> None:
    assert client.init_result is not None
    caps = client.init_result.capabilities
    if client.name == "vscode":
        assert client.pull and client.encoding == "utf-16"
    else:  # Neovim 0.11 has pull support but no refresh support: push; it offers UTF-8 first
        assert not client.pull and client.encoding == "utf-8"
    sync = caps.text_document_sync
    assert isinstance(sync, lsp.TextDocumentSyncOptions)
    assert sync.change == lsp.TextDocumentSyncKind.Incremental
    assert sync.open_close and sync.save
    assert isinstance(caps.code_action_provider, lsp.CodeActionOptions)
    assert caps.code_action_provider.resolve_provider
