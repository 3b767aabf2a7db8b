"""The sandbox API under attack: hostile code launched directly through ``hone.sandbox``.

Each test is the attack itself, run in a sandbox with the verify policy (unless it says
otherwise), and asserts that it had no effect and that this process (standing for the server)
is unharmed.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hone.sandbox import (
    Availability,
    Limits,
    Policy,
    UnsafeBind,
    launch,
    run_policy,
    verify_policy,
)
from tests.security.sandbox_util import processes_in_namespace, rss_kb, run_code

pytestmark = pytest.mark.usefixtures("sandbox_ready")


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """The server holds an API key and other secrets in its environment."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-DO-NOT-LEAK-1234")
    monkeypatch.setenv("HONE_LLM_KEY", "hone-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    return "sk-test-DO-NOT-LEAK-1234"


@pytest.fixture
def listener() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP listener on 127.0.0.1 recording every connection it accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()
    for conn in accepted:
        conn.close()


async def test_a_program_runs_and_reports_status_output_and_rusage() -> None:
    result = await run_code(
        """
        import sys
        x = 0
        for i in range(3_000_000):
            x += i
        print("out", x)
        print("err", file=sys.stderr)
        raise SystemExit(3)
        """
    )
    assert result.returncode == 3
    assert result.stdout == b"out 4499998500000\n" and result.stderr == b"err\n"
    assert not result.truncated and not result.timed_out and not result.killed
    # the program's own CPU time, reaped inside the sandbox, reaches the server's wait4
    assert result.cpu_seconds > 0.05
    assert result.max_rss_kb > 1000 and result.wall_seconds >= result.cpu_seconds * 0.5


async def test_the_environment_is_an_allow_list(secret_env: str) -> None:
    result = await run_code(
        """
        import json, os
        print(json.dumps(dict(os.environ)))
        """,
        Policy(env={"PYTHONHASHSEED": "7", "MY_TOKEN": "x", "LD_PRELOAD": "/evil.so"}),
    )
    env = json.loads(result.stdout)
    assert secret_env not in result.stdout.decode()
    assert not {"OPENAI_API_KEY", "HONE_LLM_KEY", "AWS_SECRET_ACCESS_KEY", "MY_TOKEN"} & set(env)
    assert "LD_PRELOAD" not in env
    assert env["PYTHONHASHSEED"] == "7" and env["LC_ALL"] == "C.UTF-8"
    assert env["HOME"] == env["TMPDIR"] and env["HOME"].startswith(str(Path("/tmp")))


async def test_the_server_environ_and_processes_are_out_of_reach(secret_env: str) -> None:
    me = os.getpid()
    result = await run_code(
        f"""
        import os
        try:
            print(open("/proc/{me}/environ", "rb").read())
        except OSError as exc:
            print("environ:", type(exc).__name__)
        try:
            print(open("/proc/1/environ", "rb").read().replace(b"\\0", b" ").decode())
        except OSError as exc:
            print("init:", type(exc).__name__)
        print("pids:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        """
    )
    out = result.stdout.decode()
    assert secret_env not in out and "OPENAI_API_KEY" not in out
    assert "environ: FileNotFoundError" in out  # the server's pid does not exist in there
    pids = json.loads(out.split("pids:")[1])
    assert max(pids) < 10  # only the sandbox's own processes are visible


async def test_a_planted_ssh_key_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    key = home / ".ssh" / "id_rsa"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY----- secret")
    monkeypatch.setenv("HOME", str(home))
    result = await run_code(
        f"""
        import os
        for path in ({str(key)!r}, os.path.expanduser("~/.ssh/id_rsa"), "/root/.ssh/id_rsa"):
            try:
                print(open(path).read())
            except OSError as exc:
                print(path, type(exc).__name__)
        """
    )
    assert b"PRIVATE KEY" not in result.stdout
    assert result.stdout.count(b"Error") == 3
    # exposing a home folder (or a folder holding one) is refused outright
    for folder in (home, tmp_path):
        with pytest.raises(UnsafeBind):
            await launch([sys.executable, "-c", "pass"], Policy(readable=(folder,)))


async def test_nothing_outside_the_private_temp_folder_is_writable(tmp_path: Path) -> None:
    shown = tmp_path / "shown"
    shown.mkdir()
    (shown / "data.txt").write_text("original")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    result = await run_code(
        f"""
        import os, tempfile
        targets = [{str(shown / "data.txt")!r}, {str(shown / "new.txt")!r},
                   {str(hidden / "new.txt")!r}, "/tmp/escape.txt", "/etc/escape", "/escape",
                   "/usr/escape", os.path.join(tempfile.gettempdir(), "mine.txt")]
        for path in targets:
            try:
                with open(path, "w") as fh:
                    fh.write("pwned")
                print("wrote", path)
            except OSError as exc:
                print("refused", path, exc.strerror)
        """,
        verify_policy(readable=(shown,)),
    )
    out = result.stdout.decode()
    assert out.count("wrote") == 1 and "mine.txt" in out.split("wrote")[1]
    assert (shown / "data.txt").read_text() == "original"
    assert sorted(p.name for p in shown.iterdir()) == ["data.txt"]
    assert list(hidden.iterdir()) == []
    assert not Path("/tmp/escape.txt").exists() and not Path("/escape").exists()


async def test_no_network_in_the_verify_policy(
    listener: tuple[int, list[socket.socket]],
) -> None:
    port, accepted = listener
    result = await run_code(
        f"""
        import socket
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", {port}))
            print("connected")
        except OSError as exc:
            print("refused", exc)
        """
    )
    assert b"refused" in result.stdout
    await asyncio.sleep(0.3)  # the listener polls accept() every 0.1 s
    assert accepted == []


async def test_the_run_policy_allows_the_network_and_the_workspace(
    tmp_path: Path, listener: tuple[int, list[socket.socket]]
) -> None:
    port, accepted = listener
    code = f"""
        import socket
        socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
        open({str(tmp_path / "out.txt")!r}, "w").write("ok")
        print("done")
        """
    result = await run_code(code, run_policy(tmp_path))
    assert result.stdout == b"done\n", result.stderr
    assert (tmp_path / "out.txt").read_text() == "ok"
    for _ in range(50):
        if accepted:
            break
        await asyncio.sleep(0.1)
    assert len(accepted) == 1
    closed = await run_code(code, run_policy(tmp_path, network=False, write_workspace=False))
    assert closed.returncode == 1 and b"Errno" in closed.stderr


async def test_an_orphan_does_not_survive_the_run() -> None:
    box = await launch(
        [
            sys.executable,
            "-c",
            "import os, sys, time\n"
            "print(os.readlink('/proc/self/ns/pid'), flush=True)\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        time.sleep(300)\n"
            "    os._exit(0)\n"
            "time.sleep(0.2)\n",
        ],
        Policy(),
    )
    namespace = (await box.readline(timeout=30)).decode().strip()
    assert namespace.startswith("pid:[")
    result = await box.wait()
    assert result.returncode == 0
    assert processes_in_namespace(namespace) == []


async def test_killing_the_parent_or_the_server_has_no_effect() -> None:
    result = await run_code(
        f"""
        import os, signal
        for pid in (os.getppid(), {os.getpid()}, 1, -1):
            try:
                os.kill(pid, signal.SIGKILL)
                print("sent", pid)
            except OSError as exc:
                print("failed", pid, type(exc).__name__)
        print("still here")
        """
    )
    # this process (the "server") is alive to check; the sandbox's own PID 1 ignores a kill
    # from inside, and the server's pid does not exist there
    assert f"failed {os.getpid()} ProcessLookupError".encode() in result.stdout


async def test_an_output_flood_is_capped_while_streaming() -> None:
    before = rss_kb()
    result = await run_code(
        """
        import os
        chunk = b"x" * (1 << 20)
        for _ in range(1024):
            os.write(2, chunk)
        print("done")
        """,
        Policy(limits=Limits(max_output_kb=256, wall_seconds=120, cpu_seconds=120)),
    )
    assert result.returncode == 0
    assert len(result.stdout) + len(result.stderr) == 256 * 1024
    assert result.truncated and result.dropped_bytes == (1 << 30) + len(b"done\n") - 256 * 1024
    assert rss_kb() - before < 64 * 1024  # the gigabyte went through, not into memory


async def test_a_fork_bomb_is_bounded_and_dies_with_the_run(
    sandbox_ready: Availability,
) -> None:
    if not sandbox_ready.process_limit:
        pytest.fail(f"no process limit: {sandbox_ready.reason}")
    box = await launch(
        [
            sys.executable,
            "-c",
            "import os, time\n"
            "print(os.readlink('/proc/self/ns/pid'), flush=True)\n"
            "made = 0\n"
            "for _ in range(500):\n"
            "    try:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(300)\n"
            "            os._exit(0)\n"
            "        made += 1\n"
            "    except OSError:\n"
            "        break\n"
            "print(made, flush=True)\n",
        ],
        Policy(limits=Limits(max_processes=20)),
    )
    namespace = (await box.readline(timeout=30)).decode().strip()
    made = int(await box.readline(timeout=60))
    result = await box.wait()
    assert result.returncode == 0
    assert 0 < made < 20
    assert processes_in_namespace(namespace) == []


async def test_the_wall_time_limit_ends_every_process() -> None:
    box = await launch(
        [
            sys.executable,
            "-c",
            "import os, subprocess, time\n"
            "print(os.readlink('/proc/self/ns/pid'), flush=True)\n"
            "subprocess.Popen(['setsid', 'sleep', '300'])\n"
            "while True: pass\n",
        ],
        Policy(limits=Limits(wall_seconds=1.5)),
    )
    namespace = (await box.readline(timeout=30)).decode().strip()
    result = await box.wait()
    assert result.timed_out and result.killed and result.returncode == -9
    assert processes_in_namespace(namespace) == []


async def test_kill_ends_the_sandbox_at_once() -> None:
    box = await launch(
        [sys.executable, "-c", "print('up', flush=True)\nwhile True: pass"], Policy()
    )
    assert await box.readline(timeout=30) == b"up\n"
    box.kill()
    result = await box.wait()
    assert result.killed and not result.timed_out and result.returncode == -9


async def test_limits_apply_inside() -> None:
    result = await run_code(
        """
        import resource
        names = ("CPU", "AS", "NPROC", "NOFILE", "FSIZE")
        print([resource.getrlimit(getattr(resource, "RLIMIT_" + n))[0] for n in names])
        try:
            b = bytearray(400 * 1024 * 1024)
        except MemoryError:
            print("MemoryError")
        """,
        Policy(
            limits=Limits(
                cpu_seconds=7,
                memory_mb=300,
                max_processes=9,
                max_open_files=33,
                max_file_size_mb=2,
            )
        ),
    )
    lines = result.stdout.decode().splitlines()
    assert json.loads(lines[0]) == [7, 300 << 20, 9, 33, 2 << 20]
    assert lines[1] == "MemoryError"


async def test_interactive_lines_and_signals_to_the_program() -> None:
    box = await launch(
        [
            sys.executable,
            "-c",
            "import signal, sys\n"
            "signal.signal(signal.SIGUSR1, lambda *a: print('usr1', flush=True))\n"
            "for line in sys.stdin:\n"
            "    print('echo', line.strip(), flush=True)\n",
        ],
        Policy(),
        interactive=True,
    )
    assert await box.send(b"go\n")
    assert await box.readline(timeout=30) == b"echo go\n"
    assert box.signal_program(10)
    assert await box.readline(timeout=30) == b"usr1\n"
    box.close_stdin()
    result = await box.wait()
    assert result.returncode == 0
    assert result.stdout == b"echo go\nusr1\n"


async def test_stdin_bytes_are_delivered_then_closed() -> None:
    result = await run_code("import sys\nprint(len(sys.stdin.buffer.read()))", stdin=b"a" * 300_000)
    assert result.stdout == b"300000\n"


async def test_a_large_write_to_a_slow_reader_arrives_whole_without_loop_errors() -> None:
    """The pipe fills many times: every wait for it to drain is clean (no callback called on a
    finished future), and every byte arrives."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        box = await launch(
            [
                sys.executable,
                "-c",
                "import sys, time\n"
                "n = 0\n"
                "while chunk := sys.stdin.buffer.read1(4096):\n"
                "    n += len(chunk)\n"
                "    time.sleep(0.0005)\n"
                "print(n, flush=True)\n",
            ],
            Policy(),
            interactive=True,
        )
        payload = b"x" * (4 << 20)
        assert await box.send(payload)
        box.close_stdin()
        assert await box.readline(timeout=60) == f"{len(payload)}\n".encode()
        assert (await box.wait()).returncode == 0
    finally:
        loop.set_exception_handler(None)
    assert errors == []
