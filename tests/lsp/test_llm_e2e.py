"""LLM analysis end to end: the real server, the real ``openai`` client, the scripted endpoint.

Save -> LLM diagnostics appear (merged with the rule diagnostics) -> the rewrite's code action
applies and the document still parses; plus the manual command, progress and status, the
"LLM off" message, stale results, cache reuse on reopen, and rules not waiting for a hanging LLM.
Each test runs as VS Code (pull diagnostics, UTF-16) and as Neovim (push, UTF-8).
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from tests.llm.fake_openai import FakeOpenAI, RecordedRequest, Reply, finding
from tests.lsp.conftest import HoneTestClient, user_settings_file

KEY_ENV = "HONE_E2E_LLM_KEY"
KEY = "sk-e2e-test-key-0123456789abcdefXYZ"
LLM_SOURCE = "hone (llm)"

SRC = """\
def dedupe(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def check(a):
    return a == None
"""

REWRITE = "def dedupe(items):\n    return list(dict.fromkeys(items))\n"


@pytest.fixture(autouse=True)
def _isolated_llm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Inherited by the server process, which pytest-lsp starts after this fixture.
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "llm-cache"))
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _plain(value: Any) -> Any:
    """pygls hands unknown notification params over as named tuples."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    return value


def configure(workspace: Path, server: FakeOpenAI | None, **llm: Any) -> None:
    """The user's LLM settings, in the user settings file (read when a file opens; a project's
    pyproject.toml may not choose the endpoint).

    The finding pass only (``candidates = 0``): rewrite candidates are tested in tests/llm."""
    settings = {
        "model": "fake-model",
        "apiKeyEnv": KEY_ENV,
        "timeoutSeconds": 5,
        "candidates": 0,
        **llm,
    }
    if server is not None:
        settings["baseUrl"] = server.base_url
    body = "\n".join(
        f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in settings.items()
    )
    user_settings_file().write_text(f"[llm]\n{body}\n")


def dedupe_reply(request: RecordedRequest, gate: threading.Event | None = None) -> Reply:
    if request.qualname != "dedupe":
        return Reply.findings([])
    return Reply.findings(
        [
            finding(
                function="dedupe",
                start_line=3,
                end_line=5,
                message="`x not in out` on a list makes dedupe O(n^2)",
                rewrite=REWRITE,
                estimated_speedup=40,
            )
        ],
        gate=gate,
    )


def llm_diagnostics(diagnostics: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    return [d for d in diagnostics if d.source == LLM_SOURCE]


def statuses(client: HoneTestClient) -> list[str]:
    return [_plain(p)["state"] for m, p in client.notifications if m == "hone/status"]


# Verification needs a trusted folder; this one is not, and the user opted in to unverified
# rewrites (a user-level setting: the global scope of the configuration), so the rewrite is
# offered as "Unverified: …" (tests/lsp/test_verify_e2e.py covers the trusted, verified path).
@pytest.mark.hone_session(configuration={"": {"llm": {"offerUnverified": True}}}, untrusted=True)
async def test_save_shows_llm_findings_and_the_rewrite_applies(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(dedupe_reply)
    uri = await client.open(workspace / "mod.py", SRC)
    rule_diags = await client.diagnostics_of(uri)
    assert "HONE990" in {d.code for d in rule_diags}, "rule diagnostics do not wait for a save"
    assert fake.requests == [], "nothing is sent before a save"

    client.save(uri)
    diags = await client.wait_diagnostics(uri, lambda ds: bool(llm_diagnostics(ds)))
    [d] = llm_diagnostics(diags)
    assert "HONE990" in {x.code for x in diags}, "merged with the rule diagnostics"
    assert d.code == "LLM100" and "O(n^2)" in d.message
    assert "faster" not in d.message, "a model's own speed estimate is never shown"
    assert d.severity == lsp.DiagnosticSeverity.Warning
    assert (d.range.start.line, d.range.end.line) == (2, 4)
    assert sorted(r.qualname or "" for r in fake.requests) == ["check", "dedupe"]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake.requests)
    caps = client.capabilities
    pub = caps.text_document.publish_diagnostics if caps and caps.text_document else None
    if pub is not None and pub.related_information:  # VS Code: explanation and diff shown
        [related] = d.related_information or []
        assert "+    return list(dict.fromkeys(items))" in related.message
    else:
        assert d.related_information is None

    # progress and status
    await client.wait_until(lambda: "idle" in statuses(client), what="hone/status idle")
    assert "analysing" in statuses(client)
    assert any(
        isinstance(v, lsp.WorkDoneProgressBegin) and "analysing 2 functions" in (v.message or "")
        for values in client.progress_reports.values()
        for v in values
    ), (client.progress_reports, client.notifications, [m.message for m in client.log_messages])
    # $/progress and hone/status are separate messages with no order between them: wait
    await client.wait_until(
        lambda: all(
            isinstance(values[-1], lsp.WorkDoneProgressEnd)
            for values in client.progress_reports.values()
            if values
        ),
        what="every $/progress to end",
    )

    # the rewrite as a code action: a suggestion, never preferred, never in fix-all
    actions = await client.code_actions(uri, 2, 4, 2, 10)
    # (verification may already have added its verdict to the title: see test_verify_e2e.py)
    [rewrite] = [
        a
        for a in actions
        if a.title.startswith("Unverified: Apply optimized rewrite")
        and a.title.endswith("(suggestion)")
    ]
    assert not rewrite.is_preferred
    assert rewrite.kind == lsp.CodeActionKind.QuickFix
    fix_all = await client.code_actions(uri, 0, 0, 9, 0, only=["source.fixAll"])
    for action in fix_all:
        assert action.edit is not None
        new = "".join(e.new_text for e in client.edits_of(uri, action.edit))
        assert "dict.fromkeys" not in new
    assert rewrite.edit is not None
    new_text = await client.apply(uri, rewrite.edit)
    ast.parse(new_text)
    assert new_text.startswith(REWRITE)
    assert new_text.endswith("def check(a):\n    return a == None\n")
    # the finding went away with the text it was about; the rule finding stayed
    diags = await client.wait_diagnostics(uri, lambda ds: not llm_diagnostics(ds))
    assert "HONE990" in {x.code for x in diags}
    for message in client.messages:
        assert KEY not in message.message
    for message in client.log_messages:
        assert KEY not in message.message


async def test_no_endpoint_configured_is_said_once(client: HoneTestClient, workspace: Path) -> None:
    configure(workspace, None)
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    await client.wait_until(lambda: "off" in statuses(client), what="hone/status off")
    for _ in range(2):  # each command returns once its analysis attempt is over
        await client.replace(uri, client.texts[uri] + "\n")
        client.save(uri)
        result = await analyse_command(client, uri)
        assert result["sent"] == 0
    diags = await client.diagnostics_of(uri)
    assert "HONE990" in {d.code for d in diags} and not llm_diagnostics(diags)
    # informational: in the log (window/logMessage), never a pop-up or a "Press ENTER" prompt
    assert not client.messages_matching("LLM analysis is off")
    said = [m.message for m in client.log_messages if "LLM analysis is off" in m.message]
    assert len(said) == 1
    assert "llm.baseUrl" in said[0]


async def analyse_command(client: HoneTestClient, uri: str) -> Any:
    return _plain(
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="hone.analyseFileWithLLM", arguments=[{"uri": uri}])
        )
    )


@pytest.mark.hone_clients("neovim")
async def test_manual_trigger_and_commands(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake, trigger="manual")
    fake.respond_with(dedupe_reply)
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    await client.diagnostics_of(uri)
    assert fake.requests == [], "manual: a save sends nothing"
    result = await analyse_command(client, uri)
    assert result["documents"] == 1 and result["sent"] == 2 and result["errors"] == []
    await client.wait_diagnostics(uri, lambda ds: bool(llm_diagnostics(ds)))
    # again: every function is considered, the cache answers
    result = await analyse_command(client, uri)
    assert result["sent"] == 0 and result["cacheHits"] == 2 and len(fake.requests) == 2
    cleared = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hone.clearLLMCache", arguments=[{}])
    )
    assert cleared == {"removed": 2}


async def test_stale_result_is_dropped_and_rules_do_not_wait(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    gate = threading.Event()
    fake.respond_with(lambda r: dedupe_reply(r, gate))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    try:
        client.save(uri)
        assert await fake.wait_requests(2)
        # edit dedupe while its request is held: rule diagnostics for the new version arrive
        edited = SRC.replace("out = []", "out = list()").replace("a == None", "a == None or a")
        await client.replace(uri, edited)
        diags = await client.diagnostics_of(uri)
        assert "HONE990" in {d.code for d in diags}
        assert fake.in_flight >= 1, "the LLM request is still pending"
    finally:
        gate.set()
    await client.wait_until(lambda: "idle" in statuses(client) or "error" in statuses(client))
    # the result for the old dedupe text never shows up for the edited text
    diags = await client.diagnostics_of(uri)
    assert not llm_diagnostics(diags)
    # saving sends the edited dedupe (and only it: check's text did change too, so both)
    sent_before = len(fake.requests)
    client.save(uri)
    await client.wait_diagnostics(uri, lambda ds: bool(llm_diagnostics(ds)))
    assert {r.qualname for r in fake.requests[sent_before:]} == {"dedupe", "check"}


async def test_reopen_uses_the_cache(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(dedupe_reply)
    path = workspace / "mod.py"
    uri = await client.open(path, SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    await client.wait_diagnostics(uri, lambda ds: bool(llm_diagnostics(ds)))
    sent = len(fake.requests)
    client.close(uri)
    uri = await client.open(path, SRC)
    diags = await client.wait_diagnostics(uri, lambda ds: bool(llm_diagnostics(ds)))
    assert len(llm_diagnostics(diags)) == 1
    # every function is already known: the cache answers, nothing is sent
    result = await analyse_command(client, uri)
    assert result["sent"] == 0 and result["cacheHits"] == 2 and result["functions"] == 2
    assert len(fake.requests) == sent, "reopening sends nothing"


@pytest.mark.hone_clients("vscode")
async def test_user_can_cancel_from_the_progress_bar(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake, timeoutSeconds=60)
    fake.respond_with(Reply.hanging())
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    assert await fake.wait_requests(2)

    def begun() -> Any:
        return next(
            (
                t
                for t, vs in client.progress_reports.items()
                if any(isinstance(v, lsp.WorkDoneProgressBegin) for v in vs)
            ),
            None,
        )

    token = await client.wait_until(begun, what="$/progress begin")
    client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=token))
    await client.wait_until(
        lambda: isinstance(client.progress_reports[token][-1], lsp.WorkDoneProgressEnd),
        what="$/progress end",
    )
    await client.wait_until(lambda: fake.in_flight == 0, what="requests closed")
    # rules are unaffected
    await client.replace(uri, SRC + "\n")
    assert "HONE990" in {d.code for d in await client.diagnostics_of(uri)}


@pytest.mark.hone_clients("neovim")
async def test_on_change_trigger_and_turning_it_off(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake, trigger="onChange")
    fake.respond_with(dedupe_reply)
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    await client.replace(uri, SRC + "\n\nX = 1\n")  # an edit, no save
    await client.wait_diagnostics(uri, lambda ds: bool(llm_diagnostics(ds)))
    assert {r.qualname for r in fake.requests} == {"dedupe", "check"}
    # settings change: LLM off -> its findings go, the rules stay
    configure(workspace, fake, trigger="off")
    client.configuration_changed()  # the editor's settings changed: hone re-reads them all
    diags = await client.wait_diagnostics(uri, lambda ds: not llm_diagnostics(ds))
    assert "HONE990" in {d.code for d in diags}
    await client.wait_until(lambda: statuses(client)[-1:] == ["off"], what="hone/status off")


@pytest.mark.hone_clients("neovim")
async def test_llm_check_command(client: HoneTestClient, workspace: Path) -> None:
    with FakeOpenAI(reject_json_schema=True, models=["fake-model"]) as fake:
        configure(workspace, fake)
        fake.respond_with(Reply(content='{"ok": true}'))
        uri = await client.open(workspace / "mod.py", SRC)
        await client.diagnostics_of(uri)
        result = _plain(
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command="hone.llmCheck", arguments=[{"uri": uri}])
            )
        )
    assert result["reachable"] is True
    assert result["bestMode"] == "json_object+schema"
    assert result["models"] == ["fake-model"]
    assert next(m["mode"] for m in result["modes"] if m["ok"]) == "json_object+schema"
