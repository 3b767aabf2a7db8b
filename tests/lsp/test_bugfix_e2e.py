"""A bug finding's suggested fix over the real server: offered only once verified to change the
outcome exactly where the bug shows (the calls the model named, and inputs failing the same way)
and nowhere else; a fix that changes more is never offered, and the finding says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from hone.llm.prompt import BUGFIX_SYSTEM
from tests.llm.fake_openai import FakeOpenAI, RecordedRequest, Reply, finding
from tests.lsp.conftest import HoneTestClient
from tests.lsp.test_verify_e2e import VERDICT_TIMEOUT_S, configure, llm, verification_of
from tests.verify.test_bugfix import AVERAGE, FIXED, OVERREACH

pytestmark = pytest.mark.usefixtures("verify_env")


def _fixing_with(code: str, fix_requests: list[str]):  # type: ignore[no-untyped-def]
    function = code.split("\n\n\n")[0] + "\n"

    def reply(request: RecordedRequest, gate: object = None) -> Reply:
        if request.messages and request.messages[0].get("content") == BUGFIX_SYSTEM:
            fix_requests.append(request.user_text)
            return Reply.text(f"Fixed:\n```python\n{function}```\nCALL: average([])\n")
        if "average" not in request.qualnames:
            return Reply.findings([])
        return Reply.findings(
            [
                finding(
                    function="average",
                    start_line=2,
                    message="average([]) raises ZeroDivisionError",
                    category="bug",
                    explanation="an empty list divides by zero",
                )
            ]
        )

    return reply


async def test_a_verified_fix_is_offered_as_a_fix(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    asked: list[str] = []
    fake.respond_with(_fixing_with(FIXED, asked))
    uri = await client.open(workspace / "stats.py", AVERAGE)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("only where the bug shows" in verification_of(d) for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    assert d.code == "LLM200"
    assert asked and all("Rewrite the function `average` to fix this bug" in a for a in asked)
    r = d.range
    actions = await client.code_actions(
        uri, r.start.line, r.start.character, r.end.line, r.end.character
    )
    fixes = [a for a in actions if a.title.startswith("Apply suggested fix")]
    assert len(fixes) == 1, [a.title for a in actions]
    [fix] = fixes
    assert "verified: changes the result only where the bug shows" in fix.title, fix.title
    assert "faster" not in fix.title
    assert fix.edit is not None and await client.apply(uri, fix.edit) == FIXED


async def test_a_fix_that_changes_more_than_the_bug_is_never_offered(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    asked: list[str] = []
    fake.respond_with(_fixing_with(OVERREACH, asked))
    uri = await client.open(workspace / "stats.py", AVERAGE)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("did not offer a suggested rewrite" in d.message for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    assert "changed the result for input #" in d.message
    r = d.range
    actions = await client.code_actions(
        uri, r.start.line, r.start.character, r.end.line, r.end.character
    )
    assert not [a for a in actions if a.title.startswith("Apply")], [a.title for a in actions]
