"""Verified rewrites end to end: LLM suggestion -> sandboxed verification -> what is offered.

A correct rewrite of a typed function is offered as "verified on N inputs, k× faster"; a
plausible but wrong one is withdrawn and the finding says why.  Runs as VS Code and as Neovim.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types as lsp

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


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


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


async def test_correct_rewrite_is_offered_as_verified_and_faster(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(CORRECT))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("verified on" in verification_of(d) for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    [rewrite] = [a for a in actions if a.title.startswith("Apply optimized rewrite")]
    assert "— verified on " in rewrite.title and "× faster" in rewrite.title, rewrite.title
    assert not rewrite.is_preferred
    assert rewrite.edit is not None
    new_text = await client.apply(uri, rewrite.edit)
    ast.parse(new_text)
    assert new_text == CORRECT


async def test_wrong_rewrite_is_withdrawn_with_the_reason(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(WRONG))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("hone rejected a suggested rewrite" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    assert "result differed for input #" in d.message
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    assert not [a for a in actions if a.title.startswith("Apply optimized rewrite")]
