"""Verified rewrites end to end: LLM suggestion -> sandboxed verification -> what is offered.

Nothing is offered before the verdict (a code-action request while the check runs gets no apply
action for the rewrite); a correct rewrite of a typed function is then offered as "verified on N
inputs, k× faster at n=…"; a plausible but wrong one never is, and the finding says why.  Runs as
VS Code and as Neovim.  The launcher trusts every folder (HONE_TEST_TRUST_ALL).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from hone.verify.offer import CHECKING
from tests.llm.fake_openai import FakeOpenAI, RecordedRequest, Reply, finding
from tests.lsp.conftest import HoneTestClient, user_settings_file

LLM_SOURCE = "hone (llm)"
VERDICT_TIMEOUT_S = 90.0  # a sandboxed comparison and timing; generous for a loaded CI machine

SRC = """\
def unique(xs: list[int]) -> list[int]:
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
"""

CORRECT = "def unique(xs: list[int]) -> list[int]:\n    return list(dict.fromkeys(xs))\n"
WRONG = "def unique(xs: list[int]) -> list[int]:\n    return list(set(xs))\n"


pytestmark = pytest.mark.usefixtures("verify_env")


def configure(workspace: Path, fake: FakeOpenAI) -> None:
    # the user's endpoint and verification limits: user settings, never the project's file
    user_settings_file().write_text(
        "[llm]\n"
        f'baseUrl = "{fake.base_url}"\nmodel = "fake-model"\napiKeyEnv = "HONE_NO_KEY"\n'
        "timeoutSeconds = 5\n"
        "[verify]\ntimeoutSeconds = 60\n"
    )


def reply_with(rewrite: str):  # type: ignore[no-untyped-def]
    def reply(request: RecordedRequest, gate: object = None) -> Reply:
        return Reply.findings(
            [
                finding(
                    function="unique",
                    start_line=3,
                    end_line=5,
                    message="`x not in out` on a list makes unique O(n^2)",
                    rewrite=rewrite,
                    estimated_speedup=50,
                )
            ]
        )

    return reply


def llm(diags: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    return [d for d in diags if d.source == LLM_SOURCE]


def verification_of(d: lsp.Diagnostic) -> str:
    return json.dumps(d.data) if d.data is not None else ""


async def test_nothing_is_offered_while_checking_then_the_verified_rewrite_is(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(CORRECT))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri, lambda ds: any(CHECKING in d.message for d in llm(ds)), timeout=VERDICT_TIMEOUT_S
    )
    [d] = llm(diags)
    # a code-action request while the check runs: no apply action for the rewrite
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    assert not [a for a in actions if "rewrite" in a.title.lower()], [a.title for a in actions]
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("verified on" in verification_of(d) for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    [rewrite] = [a for a in actions if a.title.startswith("Apply optimized rewrite")]
    assert "— verified on " in rewrite.title and "× faster at n=" in rewrite.title, rewrite.title
    assert "model estimates" not in rewrite.title
    assert not rewrite.is_preferred
    assert rewrite.edit is not None
    new_text = await client.apply(uri, rewrite.edit)
    ast.parse(new_text)
    assert new_text == CORRECT


async def test_wrong_rewrite_is_never_offered_and_says_why(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(WRONG))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("did not offer a suggested rewrite" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    assert "changed the result for input #" in d.message
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    assert not [a for a in actions if "rewrite" in a.title.lower()]


async def test_a_rewrite_that_calls_os_system_is_not_run(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    marker = workspace / "pwned"
    evil = (
        "def unique(xs: list[int]) -> list[int]:\n"
        f"    __import__('os').system('touch {marker}')\n    return list(dict.fromkeys(xs))\n"
    )
    configure(workspace, fake)
    fake.respond_with(reply_with(evil))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("not run: the suggested rewrite" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    assert "uses __import__" in d.message
    assert not marker.exists()
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    assert not [a for a in actions if "rewrite" in a.title.lower()]  # and the server answers


async def test_a_rejected_candidate_is_sent_back_once_and_its_repair_is_offered(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    from hone.llm.prompt import REWRITE_SYSTEM

    configure(workspace, fake)
    repairs: list[str] = []

    def reply(request: RecordedRequest, gate: object = None) -> Reply:
        if request.messages and request.messages[0].get("content") == REWRITE_SYSTEM:
            if "was rejected" in request.text:
                repairs.append(request.text)
                return Reply.text(f"Fixed:\n```python\n{CORRECT}```\n")
            return Reply.text(f"Faster:\n```python\n{WRONG}```\n")
        return Reply.findings(
            [
                finding(
                    function="unique",
                    start_line=3,
                    end_line=5,
                    message="`x not in out` on a list makes unique O(n^2)",
                )
            ]
        )

    fake.respond_with(reply)
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("verified on" in verification_of(d) for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S * 2,
    )
    [d] = llm(diags)
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    [rewrite] = [a for a in actions if a.title.startswith("Apply optimized rewrite")]
    assert "best of 2 candidates, verified on" in rewrite.title, rewrite.title
    assert rewrite.edit is not None and await client.apply(uri, rewrite.edit) == CORRECT
    # one repair, with the verifier's structural reason and nothing the sandbox produced
    [sent] = repairs
    assert "changed the result for an input of this shape: list of" in sent
    assert "input #" not in sent
