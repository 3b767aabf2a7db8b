"""Quick fixes, "ignore on this line" and fix-all end to end (VS Code + Neovim)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.lsp.conftest import HoneTestClient
from tests.lsp.helpers import codes, ours, range_of

# Only the test rules and HONE201: the texts below must not depend on the growing catalog.
pytestmark = pytest.mark.hone_session(
    initialization_options={"rules": {"select": ["HONE99", "HONE201"]}}
)

FIX_ALL = "source.fixAll.hone"


async def actions_at(
    client: HoneTestClient, uri: str, d: lsp.Diagnostic, **kwargs: object
) -> list[lsp.CodeAction]:
    r = d.range
    return await client.code_actions(
        uri,
        r.start.line,
        r.start.character,
        r.end.line,
        r.end.character,
        diagnostics=[d],
        **kwargs,  # type: ignore[arg-type]
    )


def titled(actions: list[lsp.CodeAction], prefix: str) -> lsp.CodeAction:
    [action] = [a for a in actions if a.title.startswith(prefix)]
    return action


async def test_safe_quick_fix_is_preferred_minimal_and_exact(
    client: HoneTestClient, workspace: Path
) -> None:
    text = 'def f(a):\n\ts = "😀"; return a == None\n'
    uri = await client.open(workspace / "a.py", text)
    [d] = ours(await client.diagnostics_of(uri))
    assert d.code == "HONE990"
    fix = titled(await actions_at(client, uri, d), "Use `is None`")
    assert fix.kind == lsp.CodeActionKind.QuickFix
    assert fix.is_preferred is True
    assert [x.code for x in fix.diagnostics or []] == ["HONE990"]
    assert fix.edit is not None
    [edit] = client.edits_of(uri, fix.edit)
    assert edit.range == range_of(text, "==", client.encoding)  # only what changes
    assert edit.new_text == "is"
    assert await client.apply(uri, fix.edit) == 'def f(a):\n\ts = "😀"; return a is None\n'
    assert ours(await client.diagnostics_of(uri)) == []


async def test_unsafe_fix_says_so_and_is_not_preferred(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "best = sorted(xs)[0]\n")
    [d] = ours(await client.diagnostics_of(uri))
    actions = await actions_at(client, uri, d)
    [fix] = [a for a in actions if not a.title.startswith("Ignore")]
    assert fix.title.endswith("(unsafe)")
    assert not fix.is_preferred
    assert fix.edit is not None
    assert await client.apply(uri, fix.edit) == "best = min(xs)\n"


async def test_multi_line_fix_in_a_crlf_document(client: HoneTestClient, workspace: Path) -> None:
    text = "x = 1\r\nhone_expand()\r\ny = 2\r\n"
    uri = await client.open(workspace / "a.py", text)
    [d] = ours(await client.diagnostics_of(uri))
    fix = titled(await actions_at(client, uri, d), "Expand")
    assert fix.edit is not None
    new = await client.apply(uri, fix.edit)
    assert new == "x = 1\r\nfirst = 1\nsecond = 2\r\ny = 2\r\n"


async def test_ignore_adds_a_comment(client: HoneTestClient, workspace: Path) -> None:
    text = "y = x == None   \nz = 1\n"
    uri = await client.open(workspace / "a.py", text)
    [d] = ours(await client.diagnostics_of(uri))
    ignore = titled(await actions_at(client, uri, d), "Ignore HONE990 on this line")
    assert ignore.kind == lsp.CodeActionKind.QuickFix
    assert not ignore.is_preferred
    assert ignore.edit is not None
    assert await client.apply(uri, ignore.edit) == "y = x == None  # hone: ignore[HONE990]\nz = 1\n"
    assert ours(await client.diagnostics_of(uri)) == []


async def test_ignore_extends_an_existing_comment(client: HoneTestClient, workspace: Path) -> None:
    text = "best = sorted(xs)[0] == None  # hone: ignore[HONE201]\n"
    uri = await client.open(workspace / "a.py", text)
    [d] = ours(await client.diagnostics_of(uri))
    assert d.code == "HONE990"
    ignore = titled(await actions_at(client, uri, d), "Ignore HONE990")
    assert ignore.edit is not None
    assert await client.apply(uri, ignore.edit) == (
        "best = sorted(xs)[0] == None  # hone: ignore[HONE201, HONE990]\n"
    )
    assert ours(await client.diagnostics_of(uri)) == []


async def test_no_ignore_where_a_comment_cannot_go(client: HoneTestClient, workspace: Path) -> None:
    texts = {
        "string": "y = (x == None) if f('''\nabc''') else 0\n",
        "backslash": "y = x == None and \\\n    z\n",
    }
    for name, text in texts.items():
        uri = await client.open(workspace / f"{name}.py", text)
        [d] = ours(await client.diagnostics_of(uri))
        actions = await actions_at(client, uri, d)
        assert [a.title for a in actions if a.title.startswith("Ignore")] == [], name
        assert any(a.title.startswith("Use `is None`") for a in actions), name


async def test_fix_all_applies_safe_fixes_once_and_minimally(
    client: HoneTestClient, workspace: Path
) -> None:
    # HONE992 and HONE990 overlap on line 1; HONE201 is unsafe: fix-all leaves it alone
    text = "a = x == None\nhone_expand(b == None)\nbest = sorted(xs)[0]\n\nc = y == None\n"
    uri = await client.open(workspace / "a.py", text)
    assert codes(await client.diagnostics_of(uri)) == [
        "HONE201",
        "HONE990",
        "HONE990",
        "HONE990",
        "HONE992",
    ]
    [fix_all] = await client.code_actions(uri, 0, 0, only=["source.fixAll"])
    assert fix_all.kind == FIX_ALL
    assert not fix_all.is_preferred
    assert fix_all.edit is not None
    edits = client.edits_of(uri, fix_all.edit)
    # two changed regions (lines 0-1 and line 4), each trimmed; lines 2-3 are not touched
    assert [(e.range.start.line, e.range.end.line) for e in edits] == [(0, 1), (4, 4)]
    assert edits[0].range.start.character == text.index("==")
    assert edits[1].range == range_of(text, "==", client.encoding, nth=2)
    new = await client.apply(uri, fix_all.edit)
    assert new == "a = x is None\nfirst = 1\nsecond = 2\nbest = sorted(xs)[0]\n\nc = y is None\n"
    assert codes(await client.diagnostics_of(uri)) == ["HONE201"]
    # a second fix-all has nothing left to do
    assert await client.code_actions(uri, 0, 0, only=[FIX_ALL]) == []


async def test_only_filters_kinds(client: HoneTestClient, workspace: Path) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    [d] = ours(await client.diagnostics_of(uri))
    quick = await actions_at(client, uri, d, only=["quickfix"])
    assert quick and all(a.kind == lsp.CodeActionKind.QuickFix for a in quick)
    source = await actions_at(client, uri, d, only=["source"])
    assert [a.kind for a in source] == [FIX_ALL]
    assert await actions_at(client, uri, d, only=["refactor"]) == []


async def test_an_action_for_a_stale_version_is_never_applied(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    [d] = ours(await client.diagnostics_of(uri))
    offered = await actions_at(client, uri, d, resolve=False)
    fix = titled(offered, "Use `is None`")
    assert fix.edit is None and fix.data is not None  # both editors resolve edits lazily
    await client.replace(uri, "\n\ny = x == None\n")
    await client.diagnostics_of(uri)
    resolved = await client.resolve(fix)
    assert resolved.edit is None
    await client.wait_until(lambda: client.messages_matching("older version"), what="warning")


def _no_resolve(caps: lsp.ClientCapabilities) -> None:
    assert caps.text_document is not None and caps.text_document.code_action is not None
    caps.text_document.code_action.resolve_support = None


@pytest.mark.hone_session(
    initialization_options={"rules": {"select": ["HONE99"]}}, capabilities=_no_resolve
)
async def test_edits_are_sent_at_once_to_clients_that_cannot_resolve(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    [d] = ours(await client.diagnostics_of(uri))
    fix = titled(await actions_at(client, uri, d, resolve=False), "Use `is None`")
    assert fix.edit is not None
    if client.name == "vscode":  # versioned: VS Code refuses it once the document changed
        [change] = fix.edit.document_changes or []
        assert isinstance(change, lsp.TextDocumentEdit)
        assert change.text_document.version == client.versions[uri]
    else:
        assert fix.edit.changes and uri in fix.edit.changes
    [fix_all] = await client.code_actions(uri, 0, 0, only=[FIX_ALL], resolve=False)
    assert fix_all.edit is not None
    assert await client.apply(uri, fix_all.edit) == "y = x is None\n"


async def test_diagnostic_data_carries_the_fix_and_the_version(
    client: HoneTestClient, workspace: Path
) -> None:
    text = "y = x == None\n"
    uri = await client.open(workspace / "a.py", text)
    [d] = ours(await client.diagnostics_of(uri))
    assert isinstance(d.data, dict)
    assert d.data["version"] == client.versions[uri]
    [edit] = d.data["fix"]["edits"]
    assert edit["newText"] == "is"
    assert d.data["fix"]["safety"] == "safe"
