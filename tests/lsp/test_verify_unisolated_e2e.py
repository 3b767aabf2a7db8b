"""Where no OS sandbox can start, suggestions are never checked on their own; the user may choose
"Verify and measure (runs code without isolation)" on one, and only that one is then checked.

The server really has no sandbox here: the test launcher runs it inside a user namespace that
forbids creating more (``bwrap --disable-userns``), so hone's own bubblewrap probe fails.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from hone.lsp.features.verification import UNISOLATED_COMMAND, UNISOLATED_TITLE
from tests.llm.fake_openai import FakeOpenAI
from tests.lsp.conftest import HoneTestClient
from tests.lsp.test_verify_e2e import (
    CORRECT,
    SRC,
    VERDICT_TIMEOUT_S,
    WRONG,
    configure,
    llm,
    reply_with,
    verification_of,
)


@pytest.fixture(autouse=True)
def _no_sandbox(verify_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HONE_TEST_NO_USERNS", "1")


async def _suggestion(client: HoneTestClient, uri: str) -> lsp.Diagnostic:
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("no OS sandbox here" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    return d


async def _choose_unisolated(client: HoneTestClient, uri: str, d: lsp.Diagnostic) -> None:
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    titles = [a.title for a in actions]
    # nothing applicable before a verdict: only the choice to check it
    assert not [t for t in titles if t.startswith("Apply optimized rewrite")], titles
    [choice] = [a for a in actions if a.title == UNISOLATED_TITLE]
    assert choice.edit is None and choice.command is not None
    assert choice.command.command == UNISOLATED_COMMAND
    started = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=choice.command.command, arguments=choice.command.arguments)
    )
    assert started == {"started": True}, started


async def test_nothing_runs_until_the_user_chooses_then_the_verdict_says_unisolated(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(CORRECT))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    d = await _suggestion(client, uri)
    assert "could not be verified" in d.message
    # said once, with the way out
    await client.wait_until(lambda: bool(client.messages_matching(UNISOLATED_TITLE)))
    # no check started on its own
    await asyncio.sleep(2)
    shown = llm(await client.diagnostics_of(uri))
    assert shown and not [d for d in shown if "verified on" in verification_of(d)]

    await _choose_unisolated(client, uri, d)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("without isolation" in verification_of(d) for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    [rewrite] = [a for a in actions if a.title.startswith("Apply optimized rewrite")]
    assert "verified on " in rewrite.title and " without isolation, " in rewrite.title
    assert not [a for a in actions if a.title == UNISOLATED_TITLE]
    assert rewrite.edit is not None
    assert await client.apply(uri, rewrite.edit) == CORRECT


async def test_a_wrong_rewrite_checked_without_isolation_is_still_refused(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(WRONG))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    d = await _suggestion(client, uri)
    await _choose_unisolated(client, uri, d)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("did not offer a suggested rewrite" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    assert "changed the result for input #" in d.message
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    assert not [a for a in actions if "rewrite" in a.title.lower()]


async def test_a_stale_or_forged_choice_runs_nothing(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    marker = workspace / "pwned"
    evil = (
        "def unique(xs: list[int]) -> list[int]:\n"
        f"    open({str(marker)!r}, 'w').close()\n    return list(dict.fromkeys(xs))\n"
    )
    configure(workspace, fake)
    fake.respond_with(reply_with(evil))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    d = await _suggestion(client, uri)
    for arguments in ([uri, "0" * 32], [uri], ["file:///elsewhere.py", "x"], "junk"):
        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=UNISOLATED_COMMAND, arguments=list(arguments))
        )
        assert result["started"] is False, (arguments, result)
    # chosen for real: the static gate still refuses a rewrite that opens files, before any run
    await _choose_unisolated(client, uri, d)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("not run: the suggested rewrite" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    assert not marker.exists()
    assert llm(diags)
