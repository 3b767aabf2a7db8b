"""The sandboxed run end to end: set-up, limits, bad programs, the report's contents."""

from __future__ import annotations

import asyncio
import contextlib
import json
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hone.runner import (
    RunRequest,
    TimingReport,
    child_environment,
    load_samples,
    run_with_timing,
)
from tests.runner.helpers import pid_namespace_line, pids_in, processes_in_namespace

Write = Callable[..., Path]
Run = Callable[..., TimingReport]

HOT_PROGRAM = """
import sys

def parse_rows(n):
    rows = []
    for i in range(n):
        rows.append(str(i).split("1"))
    return rows

def tiny(x):
    return x + 1

def main():
    total = 0
    for i in range(2000):
        total = tiny(total)
    rows = parse_rows(300_000)
    print(len(rows), total)

if __name__ == "__main__":
    main()
"""


def test_program_runs_like_python_file_py(write: Write, run: Run, tmp_path: Path) -> None:
    path = write(
        """
        import json, os, sys
        print(json.dumps({
            "file": __file__, "name": __name__, "argv": sys.argv, "cwd": os.getcwd(),
            "path0": sys.path[0], "extra": sys.path[1],
        }))
        """
    )
    workspace = tmp_path / "ws"
    workspace.mkdir()
    report = run(path, args=("one", "two words"), cwd=str(workspace), extra_sys_path=("/x/lib",))
    assert report.ok, report.render_text()
    seen = json.loads(report.stdout)
    assert seen == {
        "file": str(path),
        "name": "__main__",
        "argv": [str(path), "one", "two words"],
        "cwd": str(workspace),
        "path0": str(path.parent),
        "extra": "/x/lib",
    }
    assert report.python == sys.executable


def test_the_editor_text_runs_not_the_file_on_disk(write: Write, run: Run) -> None:
    path = write("print('saved')\n")
    report = run(path, source_text="print('unsaved')\nraise SystemExit(0)\n")
    assert report.stdout == "unsaved\n"


def test_report_has_function_times_calls_lines_and_samples(write: Write, run: Run) -> None:
    path = write(HOT_PROGRAM)
    report = run(path)
    assert report.ok and report.profile == "complete"
    by_name = {f.qualname: f for f in report.functions}
    assert {"main", "parse_rows", "tiny", "<module>"} <= set(by_name)
    assert by_name["tiny"].calls == 2000 and by_name["parse_rows"].calls == 1
    assert by_name["<module>"].calls is None
    hot = report.hottest()
    assert hot is not None and hot.qualname == "parse_rows"
    assert by_name["main"].cum_s >= by_name["parse_rows"].cum_s > 0
    assert 0 < hot.share <= 1
    assert report.hot_lines and report.hot_lines[0].line in (6, 7)  # the loop in parse_rows
    assert all(ln.file == str(path) for ln in report.hot_lines)
    assert report.summary().startswith("ran in ")
    assert "hottest: parse_rows" in report.summary()
    # argument samples: a few per function, replayable from the pickle file
    assert report.samples_path is not None
    entries = load_samples(report.samples_path)
    tiny_args = [pickle.loads(entries[i]["payload"]) for i in by_name["tiny"].samples]
    # a diverse reservoir: the first call, then one or two per magnitude class (0, 1, 2-9, ...)
    assert tiny_args[:4] == [((0,), {}), ((1,), {}), ((2,), {}), ((3,), {})]
    assert any(a[0][0] >= 1000 for a in tiny_args) and len(tiny_args) == len(
        set(map(repr, tiny_args))
    )
    assert entries[by_name["parse_rows"].samples[0]]["module"] == "__main__"


def test_imported_workspace_modules_are_profiled_libraries_are_folded(
    write: Write, run: Run, tmp_path: Path
) -> None:
    write(
        """
        def helper(n):
            return sum(i * i for i in range(n))
        """,
        name="pkg/util.py",
    )
    write("", name="pkg/__init__.py")
    path = write(
        """
        import json
        from pkg.util import helper
        for _ in range(3):
            helper(200_000)
        json.dumps(list(range(10)))
        """
    )
    report = run(path, cwd=str(tmp_path))
    assert report.ok, report.render_text()
    helper = next(f for f in report.functions if f.qualname == "helper")
    assert helper.file == str(tmp_path / "pkg" / "util.py") and helper.calls == 3
    assert not [f for f in report.functions if "json" in f.file]


def test_function_mode_calls_one_function_and_not_the_main_block(write: Write, run: Run) -> None:
    path = write(
        """
        import asyncio

        def work(limit=1000):
            return sum(range(limit))

        async def awork():
            await asyncio.sleep(0)
            return "async done"

        def needs(a, b):
            return a

        if __name__ == "__main__":
            print("main block ran")
        """
    )
    report = run(path, function="work")
    assert report.ok and report.stdout == "" and report.return_repr == "499500"
    assert any(f.qualname == "work" and f.calls == 1 for f in report.functions)
    assert run(path, function="awork").return_repr == "'async done'"
    needs = run(path, function="needs")
    assert needs.error is not None and "needs arguments (a, b)" in needs.error
    missing = run(path, function="nope")
    assert missing.error is not None and "no function 'nope'" in missing.error
    assert "not a function name" in (run(path, function="1bad").error or "")


def test_uncaught_exception_maps_to_the_raising_line(write: Write, run: Run) -> None:
    path = write(
        """
        def helper(d):
            return d["missing"]

        def main():
            return helper({"a": 1})

        main()
        """
    )
    report = run(path)
    assert report.exit_code == 1 and not report.ok
    exc = report.exception
    assert exc is not None and exc.type == "KeyError" and exc.message == "'missing'"
    assert (exc.file, exc.line, exc.file_line) == (str(path), 3, 3)
    assert [f.function for f in exc.frames] == ["<module>", "main", "helper"]
    assert "bootstrap" not in exc.traceback_text and "bootstrap" not in report.stderr
    assert 'return d["missing"]' in exc.traceback_text
    assert report.stderr.rstrip().endswith("KeyError: 'missing'")
    assert "KeyError at line 3: 'missing'" in report.summary()


def test_exception_raised_in_another_module_maps_to_the_calling_line(
    write: Write, run: Run, tmp_path: Path
) -> None:
    write("def boom():\n    raise RuntimeError('deep')\n", name="lib.py")
    path = write("import lib\n\nlib.boom()\n")
    exc = run(path, cwd=str(tmp_path)).exception
    assert exc is not None
    assert (exc.file, exc.line) == (str(tmp_path / "lib.py"), 2)
    assert exc.file_line == 3  # the run file's own line, for its diagnostic


def test_syntax_error_runs_nothing(write: Write, run: Run, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(f"open({str(marker)!r}, 'w').close()\ndef f(:\n    pass\n")
    report = run(path)
    assert report.error is not None and report.error.startswith("SyntaxError")
    assert report.error_line == 2 and report.exit_code is None and not report.ran
    assert not marker.exists()
    assert report.summary().startswith("not run: SyntaxError")


def test_stdin_is_at_eof_and_exit_codes_pass_through(write: Write, run: Run) -> None:
    path = write("import sys\nprint(repr(sys.stdin.read()))\nsys.exit(3)\n")
    report = run(path)
    assert report.stdout == "''\n" and report.exit_code == 3 and report.exception is None
    assert report.summary().endswith("exit code 3")
    message = run(write("import sys\nsys.exit('fatal: bad input')\n", name="m.py"))
    assert message.exit_code == 1 and "fatal: bad input" in message.stderr
    eof = run(write("input()\n", name="i.py")).exception
    assert eof is not None and eof.type == "EOFError"


def test_timeout_kills_the_program_and_all_its_processes(write: Write, run: Run) -> None:
    path = write(
        """
        import os, subprocess, time

        def spin():
            x = 0
            while True:
                x += 1

        print("ns", os.readlink("/proc/self/ns/pid"))
        children = [subprocess.Popen(["sleep", "300"]) for _ in range(3)]
        for c in children:
            print("pid", c.pid)
        escaped = subprocess.Popen(["setsid", "sleep", "301"])  # leaves the process group
        print("pid", escaped.pid, flush=True)
        time.sleep(0.3)
        spin()
        """
    )
    report = run(path, timeout_s=2.0)
    assert report.timed_out and not report.cancelled and report.exit_code == -9
    assert report.summary().startswith("timed out after ")
    assert report.interrupted_at is not None and report.interrupted_at.function == "spin"
    assert report.profile == "partial"
    assert any(f.qualname == "spin" and f.self_s > 0 for f in report.functions)
    assert len(pids_in(report.stdout)) == 4
    # the sandbox's PID namespace ended with the run, with every process in it
    assert processes_in_namespace(pid_namespace_line(report.stdout)) == []


def test_stray_children_and_a_fork_storm_die_with_the_run(
    write: Write, run: Run, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    path = write(
        f"""
        import os, time
        # a bounded storm: each process forks two children, five levels deep (63 processes);
        # the first one leaves once all have started, the others would sleep for five minutes
        is_root = True
        for level in range(5):
            for _ in range(2):
                if os.fork() == 0:
                    is_root = False
                    break  # the child goes on to the next level
            else:
                break  # a parent that forked twice stops
        with open({str(pid_file)!r}, "a") as fh:
            fh.write(f"{{os.getpid()}}\\n")
        if is_root:
            print("ns", os.readlink("/proc/self/ns/pid"), flush=True)
        if is_root:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with open({str(pid_file)!r}) as fh:
                    if len(fh.read().split()) == 63:
                        break
                time.sleep(0.01)
        else:
            time.sleep(300)
        """
    )
    report = run(path, timeout_s=30)
    assert report.exit_code == 0 and not report.timed_out
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 63
    assert processes_in_namespace(pid_namespace_line(report.stdout)) == []


def test_output_is_capped_and_the_rest_counted(write: Write, run: Run) -> None:
    path = write(
        """
        import sys
        line = "x" * 1023 + "\\n"
        for _ in range(20 * 1024):
            sys.stdout.write(line)
        print("done", file=sys.stderr)
        """
    )
    report = run(path, max_output_bytes=10_000)
    assert len(report.stdout) + len(report.stderr) == 10_000
    assert report.truncated_bytes == 20 * 1024 * 1024 + len("done\n") - 10_000
    assert any("more bytes were dropped" in n for n in report.notes)
    assert report.exit_code == 0


def test_memory_limit_stops_a_runaway_allocation(write: Write, run: Run) -> None:
    path = write(
        """
        blocks = []
        while True:
            blocks.append(bytearray(20 * 1024 * 1024))
        """
    )
    report = run(path, memory_mb=300)
    assert not report.ok and not report.timed_out
    assert report.exception is not None and report.exception.type == "MemoryError"
    assert report.exception.file_line == 4
    assert report.peak_rss_bytes < 300 * 1024 * 1024


def test_environment_is_an_allow_list(write: Write, run: Run) -> None:
    path = write("import os, json\nprint(json.dumps(dict(os.environ)))\n")
    env = {
        "PATH": "/somewhere/bin",
        "OPENAI_API_KEY": "sk-secret",
        "HONE_LOG": "1",
        "MY_LLM_KEY": "also secret",
        "USER_SETTING": "not allow-listed",
        "LC_ALL": "C.UTF-8",
        "TZ": "Europe/Paris",
    }
    report = run(path, env=env, env_remove=("TZ",))
    seen = json.loads(report.stdout)
    assert not {"OPENAI_API_KEY", "HONE_LOG", "MY_LLM_KEY", "USER_SETTING", "TZ"} & set(seen)
    assert seen["LC_ALL"] == "C.UTF-8"
    assert "/somewhere/bin" not in seen["PATH"] and seen["HOME"] == seen["TMPDIR"]
    assert child_environment({"LANG": "1", "HONE_X": "2", "LC_ALL": "3"}, ("LC_ALL",)) == {
        "LANG": "1"
    }


def test_bad_requests_give_clear_errors(tmp_path: Path, run: Run) -> None:
    assert "absolute" in (run(Path("relative.py")).error or "")
    assert "no such file" in (run(tmp_path / "missing.py").error or "")
    prog = tmp_path / "p.py"
    prog.write_text("print(1)\n")
    bad_python = run(prog, python=str(tmp_path / "no-python"))
    assert bad_python.error is not None and "cannot start the interpreter" in bad_python.error
    assert "working directory" in (run(prog, cwd=str(tmp_path / "nope")).error or "")
    assert "positive" in (run(prog, timeout_s=0).error or "")


async def test_cancel_stops_the_run_and_the_loop_stays_free(tmp_path: Path) -> None:
    prog = tmp_path / "forever.py"
    prog.write_text("import time\nwhile True:\n    time.sleep(0.01)\n")
    cancel = asyncio.Event()
    progressed = asyncio.Event()
    ticks: list[float] = []

    def on_progress(elapsed: float) -> None:
        ticks.append(elapsed)
        progressed.set()

    task = asyncio.create_task(
        run_with_timing(
            RunRequest(path=str(prog), timeout_s=60, work_dir=str(tmp_path / "w")),
            cancel=cancel,
            on_progress=on_progress,
        )
    )
    await asyncio.wait_for(progressed.wait(), 30)
    assert not task.done()  # this coroutine ran while the program was running
    cancel.set()
    report = await asyncio.wait_for(task, 30)
    assert report.cancelled and not report.timed_out
    assert report.summary().startswith("cancelled after ")
    assert ticks == sorted(ticks)


async def test_two_runs_at_once_keep_their_own_output(tmp_path: Path) -> None:
    progs = []
    for name in ("a", "b"):
        prog = tmp_path / f"{name}.py"
        prog.write_text(f"for i in range(2000):\n    print('{name}', i)\n")
        progs.append(prog)
    reports = await asyncio.gather(
        *(run_with_timing(RunRequest(path=str(p), work_dir=str(tmp_path / p.stem))) for p in progs)
    )
    for name, report in zip(("a", "b"), reports, strict=True):
        assert report.stdout == "".join(f"{name} {i}\n" for i in range(2000))


async def test_a_cancelled_caller_still_kills_the_program(tmp_path: Path) -> None:
    prog = tmp_path / "sleeper.py"
    pid_file = tmp_path / "pids"
    prog.write_text(
        "import os, subprocess, time\n"
        "p = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pid_file)!r}, 'w').write(os.readlink('/proc/self/ns/pid') + ' 2')\n"
        "time.sleep(300)\n"
    )
    tick = asyncio.Event()

    def on_progress(_elapsed: float) -> None:
        tick.set()

    task = asyncio.create_task(
        run_with_timing(
            RunRequest(path=str(prog), timeout_s=60, work_dir=str(tmp_path / "w")),
            on_progress=on_progress,
        )
    )
    while not (pid_file.exists() and len(pid_file.read_text().split()) == 2):
        tick.clear()
        await asyncio.wait_for(tick.wait(), 30)
    namespace = pid_file.read_text().split()[0]
    assert len(processes_in_namespace(namespace)) >= 2
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert processes_in_namespace(namespace) == []


@pytest.mark.parametrize("sampler", ["signal", "thread"])
def test_wall_clock_time_is_charged_to_waiting_and_computing_alike(
    write: Write, run: Run, sampler: str
) -> None:
    path = write(
        """
        import subprocess, time

        def compute():
            end = time.perf_counter() + 0.4
            while time.perf_counter() < end:
                pass

        def sleep():
            time.sleep(0.4)

        def wait_for_child():
            subprocess.run(["sleep", "0.4"])

        compute()
        sleep()
        wait_for_child()
        """
    )
    report = run(path, sampler=sampler)
    assert report.ok and report.sampler == sampler
    by_name = {f.qualname: f for f in report.functions}
    for name in ("compute", "sleep", "wait_for_child"):
        # each took a third of the run (0.4 s of wall time, whatever the CPU did meanwhile)
        assert 0.15 < by_name[name].cum_share < 0.5, (name, report.render_text())


def test_modules_named_like_hone_s_own_do_not_break_the_run(write: Write, run: Run) -> None:
    for name in ("ast", "traceback", "pickle", "inspect", "reprlib", "linecache"):
        write("raise SystemExit('hone imported the program folder ' + __name__)\n", f"{name}.py")
    path = write(
        "def f(x):\n    return x\n\n\ndef g():\n    return f(1)\n\n\nraise ValueError(g())\n"
    )
    report = run(path)
    assert report.exception is not None and report.exception.type == "ValueError", report.stderr
    assert report.exception.file_line == 9
    assert any(f.qualname == "f" and f.samples for f in report.functions)
    library = write("def g():\n    return 1\n", "library.py")
    assert run(library, function="g").return_repr == "1"


def test_peak_memory_is_the_programs_own_not_the_parents(write: Write, run: Run) -> None:
    """Linux keeps ru_maxrss across fork+exec: a big parent (an editor's server, a long test
    session) must not show up as the program's peak."""
    ballast = bytearray(400 * 1024 * 1024)  # this process is now big
    ballast[::4096] = b"x" * len(ballast[::4096])
    path = write("print('small')\n")
    report = run(path)
    assert report.ok
    assert report.peak_rss_bytes < 200 * 1024 * 1024, report.peak_rss_bytes
    del ballast


def test_without_an_os_sandbox_the_run_goes_ahead_and_says_so(
    write: Write, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hone.runner import sandbox as runner_sandbox
    from hone.sandbox import Availability, process

    off = Availability(False, "user namespaces are disabled")
    monkeypatch.setattr(process, "availability", lambda: off)
    monkeypatch.setattr(runner_sandbox, "availability", lambda: off)
    report = run(write("import os\nprint(os.environ['HOME'] == os.environ['TMPDIR'])\n"))
    assert report.ok and report.stdout == "True\n"
    assert any("not isolated" in n and "user namespaces are disabled" in n for n in report.notes)


def test_a_report_planted_as_a_link_to_a_user_file_is_not_read(
    write: Write, run: Run, tmp_path: Path
) -> None:
    secret = tmp_path / "outside" / "settings.json"
    secret.parent.mkdir()
    secret.write_text('{"phase": "error", "error": "LEAKED-SECRET"}')
    work = tmp_path / "planted-work"
    path = write(
        "import os\n"
        "for name in ('report.json', 'snapshot.json'):\n"
        f"    os.symlink({str(secret)!r}, os.path.join({str(work)!r}, name))\n"
        "os._exit(3)\n"
    )
    report = run(path, work_dir=str(work))
    assert report.error is None and report.exit_code == 3
    assert "LEAKED-SECRET" not in json.dumps(report.to_dict())
