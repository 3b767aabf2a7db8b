"""Hostile programs through "Run with timing" (``hone.runWithTiming`` over LSP, the real server
over stdio): each attack has no effect, and the server still answers afterwards.

The server holds a fake ``OPENAI_API_KEY`` and runs with a temporary ``HOME`` holding a planted
``~/.ssh/id_rsa``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from hone.sandbox import Availability
from tests.lsp.conftest import HoneTestClient, client, workspace  # noqa: F401 (fixtures)
from tests.runner.helpers import processes_in_namespace

FAKE_KEY = "sk-fake-run-key-0123456789abcdef"
RUN_TIMEOUT_S = 600.0  # a gigabyte through a pipe on a busy machine
pytestmark = [pytest.mark.hone_clients("vscode"), pytest.mark.usefixtures("sandbox_ready")]


@pytest.fixture(autouse=True)
def server_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Set before the server starts (it inherits this environment)."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY----- planted")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    yield home


@pytest.fixture(autouse=True)
def answer_lens_refresh(client: HoneTestClient) -> None:  # noqa: F811
    """Answer ``workspace/codeLens/refresh`` as editors do."""
    client.protocol.fm.features[lsp.WORKSPACE_CODE_LENS_REFRESH] = lambda _params: None


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def server_pid(c: HoneTestClient) -> int:
    process = c._server
    assert process is not None
    return process.pid


def server_rss_kb(c: HoneTestClient) -> int:
    for line in Path(f"/proc/{server_pid(c)}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def run_program(c: HoneTestClient, folder: Path, name: str, text: str) -> dict[str, Any]:
    uri = await c.open(folder / name, text)
    reply = await asyncio.wait_for(
        c.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="hone.runWithTiming", arguments=[{"uri": uri}])
        ),
        RUN_TIMEOUT_S,
    )
    result = _plain(reply)
    assert isinstance(result, dict)
    report = result["report"]
    assert isinstance(report, dict)
    return report


async def assert_still_answers(c: HoneTestClient, folder: Path) -> None:
    report = await run_program(c, folder, "alive.py", "print('alive')\n")
    assert report["stdout"] == "alive\n" and report["exit_code"] == 0


async def test_the_server_environ_and_a_planted_key_are_out_of_reach(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
    server_secrets: Path,
) -> None:
    pid = server_pid(client)
    key = server_secrets / ".ssh" / "id_rsa"
    report = await run_program(
        client,
        workspace,
        "steal.py",
        f"""import os
for path in ("/proc/{pid}/environ", "/proc/{pid}/cmdline", {str(key)!r},
             os.path.expanduser("~/.ssh/id_rsa")):
    try:
        print(path, open(path, "rb").read())
    except OSError as exc:
        print(path, "refused", type(exc).__name__)
print("env", sorted(os.environ))
""",
    )
    out = report["stdout"]
    assert FAKE_KEY not in out and "PRIVATE KEY" not in out and "OPENAI_API_KEY" not in out
    assert out.count("refused") == 4, out
    await assert_still_answers(client, workspace)


async def test_writes_outside_the_workspace_and_temp_have_no_effect(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
    server_secrets: Path,
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    targets = [outside / "x.txt", server_secrets / ".bashrc", Path("/tmp/hone-escape.txt")]
    report = await run_program(
        client,
        workspace,
        "write.py",
        "import tempfile\n"
        f"for path in {[str(t) for t in targets]!r} + [tempfile.gettempdir() + '/ok']:\n"
        "    try:\n"
        "        open(path, 'w').write('pwned')\n"
        "        print('wrote', path)\n"
        "    except OSError as exc:\n"
        "        print('refused', path, exc.strerror)\n",
    )
    assert report["stdout"].count("refused") == 3, report["stdout"]
    assert not any(t.exists() for t in targets)
    await assert_still_answers(client, workspace)


async def test_an_orphan_does_not_outlive_the_run(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
) -> None:
    report = await run_program(
        client,
        workspace,
        "orphan.py",
        "import os, time\n"
        "print('ns', os.readlink('/proc/self/ns/pid'), flush=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(300)\n"
        "    os._exit(0)\n"
        "time.sleep(0.2)\n",
    )
    namespace = report["stdout"].split()[1]
    assert namespace.startswith("pid:[") and report["exit_code"] == 0
    assert processes_in_namespace(namespace) == []
    await assert_still_answers(client, workspace)


async def test_killing_the_server_from_the_program_fails(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
) -> None:
    pid = server_pid(client)
    report = await run_program(
        client,
        workspace,
        "kill.py",
        "import os, signal\n"
        f"for target in (os.getppid(), {pid}, -1):\n"
        "    try:\n"
        "        os.kill(target, signal.SIGKILL)\n"
        "        print('sent', target)\n"
        "    except OSError as exc:\n"
        "        print('failed', target, type(exc).__name__)\n",
    )
    assert f"failed {pid} ProcessLookupError" in report["stdout"], report
    assert client._server is not None and client._server.returncode is None
    await assert_still_answers(client, workspace)


@pytest.mark.hone_session(initialization_options={"run": {"timeoutSeconds": 600}})
async def test_a_gigabyte_on_stderr_is_capped_and_the_server_stays_small(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
) -> None:
    await assert_still_answers(client, workspace)  # the server is warm: what follows is the flood
    before = server_rss_kb(client)
    report = await run_program(
        client,
        workspace,
        "flood.py",
        # the count the program managed to write (the profiler's timer signal can cut a big
        # pipe write short) goes to a file: the server must have seen exactly that many bytes
        "import sys\nchunk = b'e' * (1 << 20)\nn = 0\nfor _ in range(1024):\n"
        "    n += sys.stderr.buffer.write(chunk)\n"
        f"open({str(workspace / 'count')!r}, 'w').write(str(n))\n",
    )
    assert report["exit_code"] == 0
    written = int((workspace / "count").read_text())
    kept = len(report["stdout"]) + len(report["stderr"])
    assert written > 512 << 20
    assert kept == 1024 * 1024 and report["truncated_bytes"] == written - kept
    assert server_rss_kb(client) - before < 100 * 1024, "the flood reached the server's memory"
    await assert_still_answers(client, workspace)


async def test_a_fork_bomb_is_bounded_and_dies_with_the_run(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
    sandbox_ready: Availability,
) -> None:
    if not sandbox_ready.process_limit:
        pytest.fail(f"no process limit: {sandbox_ready.reason}")
    report = await run_program(
        client,
        workspace,
        "bomb.py",
        "import os, time\n"
        "print('ns', os.readlink('/proc/self/ns/pid'), flush=True)\n"
        "made = 0\n"
        "while made < 5000:\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(300)\n"
        "            os._exit(0)\n"
        "    except OSError:\n"
        "        break\n"
        "    made += 1\n"
        "print('made', made, flush=True)\n",
    )
    lines = dict(line.split(" ", 1) for line in report["stdout"].splitlines())
    assert 0 < int(lines["made"]) <= 512, report["stdout"]
    assert processes_in_namespace(lines["ns"]) == []
    await assert_still_answers(client, workspace)


async def run_refused(c: HoneTestClient, uri: str) -> str:
    with pytest.raises(JsonRpcException) as info:
        await asyncio.wait_for(
            c.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command="hone.runWithTiming", arguments=[{"uri": uri}])
            ),
            RUN_TIMEOUT_S,
        )
    return str(info.value)


async def test_only_an_open_document_inside_a_workspace_folder_runs(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    marker = tmp_path / "ran"
    program = f"open({str(marker)!r}, 'w').write('ran')\n"
    (workspace / "closed.py").write_text(program)
    message = await run_refused(client, (workspace / "closed.py").as_uri())
    assert "open in the editor" in message
    outside = tmp_path / "outside"
    outside.mkdir()
    uri = await client.open(outside / "elsewhere.py", program)
    assert "inside a workspace folder" in await run_refused(client, uri)
    sneaky = f"{workspace.as_uri()}/../outside/sneaky.py"
    await client.open(outside / "sneaky.py", program)  # the same file, reached through ".."
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=sneaky, language_id="python", version=1, text=program
            )
        )
    )
    assert "inside a workspace folder" in await run_refused(client, sneaky)
    assert not marker.exists()
    await assert_still_answers(client, workspace)


async def test_a_refusal_never_quotes_the_file(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
) -> None:
    secret = "sk-live-7Hq2x9SECRETVALUE"
    uri = await client.open(workspace / "config.py", f"API_KEY = {secret} +\n")
    message = await run_refused(client, uri)
    assert "SyntaxError at line 1" in message and secret not in message
    assert not any(secret in m for m in client.messages_matching("config.py"))
    await assert_still_answers(client, workspace)


@pytest.mark.hone_session(
    initialization_options={"run": {"network": False, "writeWorkspace": False}}
)
async def test_the_user_can_close_the_network_and_the_workspace(
    client: HoneTestClient,  # noqa: F811
    workspace: Path,  # noqa: F811
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        report = await run_program(
            client,
            workspace,
            "net.py",
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
            "    print('connected')\n"
            "except OSError as exc:\n"
            "    print('no network', exc.errno)\n"
            "try:\n"
            "    open('written.txt', 'w').write('x')\n"
            "    print('wrote')\n"
            "except OSError as exc:\n"
            "    print('read-only', exc.errno)\n",
        )
        assert "no network" in report["stdout"] and "read-only" in report["stdout"], report
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert not (workspace / "written.txt").exists()
    await assert_still_answers(client, workspace)
