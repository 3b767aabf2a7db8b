"""Run with timing end to end over LSP (as VS Code and as Neovim): lenses, the command, the
report notification, findings on the code, crashes, the time limit, cancellation, bad requests."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from tests.lsp.conftest import TIMEOUT_S, HoneTestClient
from tests.runner.helpers import processes_in_namespace

RUN_TIMEOUT_S = 60.0

PROGRAM = """\
import sys


def parse_rows(n):
    rows = []
    for i in range(n):
        rows.append(str(i).split("1"))
    return rows


def tiny(x):
    return x + 1


def needs_args(a):
    return a


def main():
    total = 0
    for i in range(500):
        total = tiny(total)
    rows = parse_rows(400_000)
    print("rows", len(rows), "argv", sys.argv[1:])


if __name__ == "__main__":
    main()
"""


@pytest.fixture(autouse=True)
def capture(client: HoneTestClient) -> dict[str, int]:
    """Count ``workspace/codeLens/refresh`` requests and answer them (as editors do);
    ``hone/timingReport`` is recorded by the shared client."""
    counts = {"lens_refresh": 0}

    def on_refresh(_params: Any) -> None:
        counts["lens_refresh"] += 1
        client.poke()

    client.protocol.fm.features[lsp.WORKSPACE_CODE_LENS_REFRESH] = on_refresh
    return counts


async def execute(client: HoneTestClient, command: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=command, arguments=list(arguments))
        ),
        RUN_TIMEOUT_S,
    )


async def lenses(client: HoneTestClient, uri: str) -> list[lsp.CodeLens]:
    result = await asyncio.wait_for(
        client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        ),
        TIMEOUT_S,
    )
    return list(result or [])


def titles(found: list[lsp.CodeLens]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for lens in found:
        assert lens.command is not None
        out.setdefault(lens.range.start.line, []).append(lens.command.title)
    return out


def reports_for(client: HoneTestClient, uri: str) -> list[dict[str, Any]]:
    found = [as_dict(p) for m, p in client.notifications if m == "hone/timingReport"]
    return [p for p in found if p.get("uri") == uri]


def plain(value: Any) -> Any:
    """JSON as plain dicts and lists (pygls hands unknown shapes over as named tuples)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def as_dict(value: Any) -> dict[str, Any]:
    result = plain(value)
    assert isinstance(result, dict), result
    return result


async def test_lenses_run_the_file_and_then_show_the_times(
    client: HoneTestClient, workspace: Path, capture: dict[str, int]
) -> None:
    uri = await client.open(workspace / "prog.py", PROGRAM)
    before = titles(await lenses(client, uri))
    assert before[26] == ["▶ Run with timing"]  # above `if __name__ == "__main__":`
    assert 3 not in before  # parse_rows(n) needs an argument
    assert before[18] == ["▶ Run main() with timing"]
    assert 14 not in before  # needs_args(a) cannot be called without arguments
    run_lens = next(lens for lens in await lenses(client, uri) if lens.range.start.line == 26)
    assert run_lens.command is not None

    reply = await execute(client, run_lens.command.command, *run_lens.command.arguments or [])
    reply = as_dict(reply)
    assert reply["ok"] is True and reply["summary"].startswith("ran in ")
    assert "hottest: parse_rows" in reply["summary"]
    assert "uri" not in reply  # the notification carries the report for drawing, once

    await client.wait_until(lambda: reports_for(client, uri), what="hone/timingReport")
    note = as_dict(reports_for(client, uri)[-1])
    assert note["summary"] == reply["summary"] and note["stale"] is False
    by_name = {f["qualname"]: f for f in note["functions"]}
    assert by_name["parse_rows"]["line"] == 3 and by_name["tiny"]["calls"] == 500
    assert note["hot_lines"][0]["line"] in (5, 6)  # 0-based: the loop of parse_rows
    assert note["report"]["stdout"] == "rows 400000 argv []\n"
    # these test clients do not draw reports themselves: the summary comes as a message too
    await client.wait_until(lambda: client.messages_matching("hone: ran in "), what="summary")

    caps = client.capabilities
    if (
        caps
        and caps.workspace
        and caps.workspace.code_lens
        and caps.workspace.code_lens.refresh_support
    ):
        await client.wait_until(lambda: capture["lens_refresh"], what="workspace/codeLens/refresh")
    after = titles(await lenses(client, uri))
    timing_lens = next(t for t in after[3] if t.startswith("⏱"))
    assert "self" in timing_lens and "total" in timing_lens and "1 call" in timing_lens
    assert any("500 calls" in t for t in after[10])  # tiny
    lens = next(
        x
        for x in await lenses(client, uri)
        if x.range.start.line == 3 and x.command and x.command.title.startswith("⏱")
    )
    assert lens.command is not None
    shown = as_dict(await execute(client, lens.command.command, *lens.command.arguments or []))
    assert shown["summary"] == reply["summary"]
    await client.wait_until(
        lambda: [m for m in client.log_messages if m.message.startswith("hone: parse_rows: line")],
        what="the function's line times in the log",
    )

    diagnostics = await client.wait_diagnostics(
        uri, lambda ds: any(d.code == "TIME001" for d in ds)
    )
    hot = [d for d in diagnostics if d.code == "TIME001"]
    assert hot[0].severity == lsp.DiagnosticSeverity.Hint
    assert hot[0].range.start.line in (5, 6) and "of the run" in hot[0].message
    assert any("rows 400000" in m.message for m in client.log_messages)  # output in the log

    # an edit makes the line numbers stale: the times disappear until the next run
    await client.replace(uri, "\n" + PROGRAM)
    assert not [t for ts in titles(await lenses(client, uri)).values() for t in ts if "⏱" in t]
    diagnostics = await client.diagnostics_of(uri)
    assert not [d for d in diagnostics if str(d.code).startswith("TIME")]


async def test_a_function_with_program_arguments_and_unsaved_text(
    client: HoneTestClient, workspace: Path
) -> None:
    path = workspace / "prog.py"
    uri = await client.open(path, PROGRAM)
    await client.replace(uri, PROGRAM.replace('"rows", len(rows)', '"edited", len(rows)'))
    reply = as_dict(await execute(client, "hone.runWithTiming", uri, None, ["a", "b c"]))
    assert reply["report"]["stdout"] == "edited 400000 argv ['a', 'b c']\n"
    reply = as_dict(await execute(client, "hone.runWithTiming", {"uri": uri, "function": "main"}))
    assert reply["ok"] is True and reply["report"]["function"] == "main"
    assert reply["report"]["stdout"] == "edited 400000 argv []\n"


@pytest.mark.hone_session(initialization_options={"run": {"sampler": "thread"}})
async def test_the_sampler_setting_is_what_the_run_uses(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "prog.py", PROGRAM)
    reply = as_dict(await execute(client, "hone.runWithTiming", {"uri": uri, "function": "main"}))
    assert reply["ok"] is True and reply["report"]["sampler"] == "thread"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer signals are Linux's")
async def test_runs_are_sampled_by_timer_signal_by_default(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "prog.py", PROGRAM)
    reply = as_dict(await execute(client, "hone.runWithTiming", {"uri": uri, "function": "main"}))
    assert reply["ok"] is True and reply["report"]["sampler"] == "signal"


async def test_a_function_that_needs_arguments_is_refused(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "prog.py", PROGRAM)
    with pytest.raises(JsonRpcException, match=r"needs_args\(\) needs arguments"):
        await execute(client, "hone.runWithTiming", {"uri": uri, "function": "needs_args"})


async def test_a_crash_is_an_error_at_the_raising_line(
    client: HoneTestClient, workspace: Path
) -> None:
    text = 'def helper(d):\n    return d["missing"]\n\n\ndef main():\n    helper({})\n\n\nmain()\n'
    uri = await client.open(workspace / "crash.py", text)
    reply = as_dict(await execute(client, "hone.runWithTiming", {"uri": uri}))
    assert reply["ok"] is False and reply["exitCode"] == 1
    assert "KeyError at line 2" in reply["summary"]
    diagnostics = await client.wait_diagnostics(
        uri, lambda ds: any(d.code == "TIME002" for d in ds)
    )
    crash = next(d for d in diagnostics if d.code == "TIME002")
    assert crash.severity == lsp.DiagnosticSeverity.Error
    assert crash.range.start.line == 1
    assert crash.message.startswith("KeyError: 'missing'")
    assert "Traceback (most recent call last)" in crash.message and "helper({})" in crash.message


@pytest.mark.hone_session(initialization_options={"run": {"timeoutSeconds": 2}})
async def test_the_time_limit_kills_the_program_and_its_children(
    client: HoneTestClient, workspace: Path
) -> None:
    pid_file = workspace / "pids"
    text = (
        "import os, subprocess\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pid_file)!r}, 'w').write(os.readlink('/proc/self/ns/pid'))\n"
        "n = 0\n"
        "while True:\n"
        "    n += 1\n"
    )
    uri = await client.open(workspace / "forever.py", text)
    reply = as_dict(await execute(client, "hone.runWithTiming", {"uri": uri}))
    assert reply["timedOut"] is True and reply["summary"].startswith("timed out after ")
    # the sandbox's PID namespace, and every process in it, ended with the run
    assert processes_in_namespace(pid_file.read_text()) == []
    diagnostics = await client.wait_diagnostics(
        uri, lambda ds: any(d.code == "TIME003" for d in ds)
    )
    stopped = next(d for d in diagnostics if d.code == "TIME003")
    assert stopped.range.start.line in (4, 5) and "time limit" in stopped.message


async def test_the_server_stays_responsive_during_a_run_and_one_run_at_a_time(
    client: HoneTestClient, workspace: Path
) -> None:
    started, release = workspace / "started", workspace / "release"
    slow = (
        "import os, time\n"
        f"open({str(started)!r}, 'w').close()\n"
        f"while not os.path.exists({str(release)!r}):\n"
        "    time.sleep(0.01)\n"
    )
    uri = await client.open(workspace / "slow.py", slow)
    run = asyncio.ensure_future(execute(client, "hone.runWithTiming", {"uri": uri}))
    await client.wait_until(lambda: started.exists() or run.done(), RUN_TIMEOUT_S, "program start")
    assert not run.done()
    # other documents and requests keep working while the program runs
    other = await client.open(workspace / "other.py", "def f(xs):\n    return sorted(xs)[0]\n")
    diagnostics = await client.diagnostics_of(other)
    assert "HONE201" in [d.code for d in diagnostics]
    assert titles(await lenses(client, other)) == {}  # f(xs) needs an argument: no lens
    with pytest.raises(JsonRpcException, match="already in progress"):
        await execute(client, "hone.runWithTiming", {"uri": other})
    assert not run.done()
    # progress was reported, with a cancel button
    begins = [
        v
        for values in client.progress_reports.values()
        for v in values
        if isinstance(v, lsp.WorkDoneProgressBegin)
    ]
    assert begins and begins[0].cancellable is True
    cancelled = as_dict(await execute(client, "hone.cancelRun", {"uri": uri}))
    assert cancelled["cancelled"] is True
    reply = as_dict(await asyncio.wait_for(run, RUN_TIMEOUT_S))
    assert reply["cancelled"] is True and reply["summary"].startswith("cancelled after ")
    assert not release.exists()
    nothing = as_dict(await execute(client, "hone.cancelRun"))
    assert nothing["cancelled"] is False


BAD_ARGUMENTS: list[tuple[list[Any], str]] = [
    ([], "needs the document URI"),
    ([42], "'uri' must be"),
    ([{"uri": "file:///x.py", "function": "not a name"}], "'function' must be"),
    ([{"uri": "file:///x.py", "args": "--verbose"}], "'args' must be"),
    ([{"uri": "file:///x.py", "colour": "red"}], "unknown keys"),
    (["file:///x.py", "f", [], "extra"], "at most 3 arguments"),
    (["untitled:Untitled-1"], "only files on disk"),
]


async def test_bad_arguments_get_a_clear_error(client: HoneTestClient, workspace: Path) -> None:
    for arguments, message in BAD_ARGUMENTS:
        with pytest.raises(JsonRpcException, match=message):
            await execute(client, "hone.runWithTiming", *arguments)
    with pytest.raises(JsonRpcException, match="expected a document URI"):
        await execute(client, "hone.cancelRun", 42)
    uri = await client.open(workspace / "ok.py", "x = 1\n")
    assert await client.diagnostics_of(uri) == []  # the server is fine


async def test_a_syntax_error_runs_nothing(client: HoneTestClient, workspace: Path) -> None:
    marker = workspace / "ran"
    text = f"open({str(marker)!r}, 'w').close()\ndef broken(:\n    pass\n"
    uri = await client.open(workspace / "broken.py", text)
    with pytest.raises(JsonRpcException, match="SyntaxError"):
        await execute(client, "hone.runWithTiming", {"uri": uri})
    assert not marker.exists()


@pytest.mark.hone_session(initialization_options={"run": {"enabled": False}})
async def test_runs_can_be_turned_off(client: HoneTestClient, workspace: Path) -> None:
    marker = workspace / "ran"
    uri = await client.open(workspace / "p.py", f"open({str(marker)!r}, 'w').close()\n")
    with pytest.raises(JsonRpcException, match=r"run\.enabled"):
        await execute(client, "hone.runWithTiming", {"uri": uri})
    assert not marker.exists()
