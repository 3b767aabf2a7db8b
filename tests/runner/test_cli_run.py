"""``hone run``: text and JSON reports, exit statuses, settings from pyproject.toml, Ctrl-C."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hone.cli.main import main
from hone.runner import TimingReport, load_samples

Hone = Callable[..., tuple[int, str, str]]


@pytest.fixture
def hone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Hone:
    monkeypatch.chdir(tmp_path)

    def _hone(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main(["run", *args])
        out, err = capsys.readouterr()
        return rc, out, err

    return _hone


def _write(folder: Path, code: str, name: str = "prog.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


PROGRAM = """
import sys

def slow():
    return sum(i * i for i in range(300_000))

def main():
    print("args", sys.argv[1:])
    print(slow())
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)

if __name__ == "__main__":
    main()
"""


def test_text_report_and_the_program_s_exit_status(hone: Hone, tmp_path: Path) -> None:
    _write(tmp_path, PROGRAM)
    rc, out, _err = hone("prog.py", "--", "3", "--flag")
    assert rc == 3
    lines = out.splitlines()
    assert lines[0].startswith("ran in ") and lines[0].endswith("exit code 3")
    assert "slow (prog.py:4)" in out and "main (prog.py:7)" in out
    assert "args ['3', '--flag']" in out
    rc, out, _err = hone("prog.py")
    assert rc == 0 and "hottest: " in out.splitlines()[0]


def test_json_report_and_function_mode(hone: Hone, tmp_path: Path) -> None:
    _write(tmp_path, PROGRAM)
    rc, out, _err = hone("prog.py", "--json", "--function", "slow")
    assert rc == 0
    report = TimingReport.from_json(out)
    assert report.function == "slow" and report.stdout == ""
    assert report.return_repr == str(sum(i * i for i in range(300_000)))
    assert [f.calls for f in report.functions if f.qualname == "slow"] == [1]
    assert report.samples_path is None  # not kept unless --samples is given


def test_samples_are_kept_on_request(hone: Hone, tmp_path: Path) -> None:
    _write(tmp_path, "def twice(x):\n    return 2 * x\n\nfor i in range(5):\n    twice(i)\n")
    rc, out, _err = hone("prog.py", "--json", "--samples", "s.pkl")
    assert rc == 0
    report = TimingReport.from_json(out)
    assert report.samples_path == str(tmp_path / "s.pkl")
    twice = next(f for f in report.functions if f.qualname == "twice")
    entries = load_samples(report.samples_path)
    # per magnitude class (0, 1, 2-9) the first call and one more
    assert [pickle.loads(entries[i]["payload"]) for i in twice.samples] == [
        ((0,), {}),
        ((1,), {}),
        ((2,), {}),
        ((3,), {}),
    ]


def test_nothing_runs_for_bad_input(hone: Hone, tmp_path: Path) -> None:
    _write(tmp_path, "print('x'\n", name="broken.py")
    rc, out, _err = hone("broken.py")
    assert rc == 2 and out.startswith("not run: SyntaxError")
    rc, _out, err = hone("missing.py")
    assert rc == 2 and "no such file" in err
    _write(tmp_path, PROGRAM)
    rc, out, _err = hone("prog.py", "--function", "nope")
    assert rc == 2 and "no function 'nope'" in out
    rc, _out, err = hone("prog.py", "--python", str(tmp_path / "nowhere"))
    assert rc == 2 and "not found" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "prog.py", "--timeout", "-1"])
    assert exit_info.value.code == 2


def test_pyproject_settings_apply_and_flags_override(
    hone: Hone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    _write(tmp_path, "while True:\n    pass\n", name="spin.py")
    (tmp_path / "pyproject.toml").write_text("[tool.hone.run]\ntimeoutSeconds = 1\n")
    rc, out, _err = hone("spin.py")
    assert rc == 124 and out.startswith("timed out after ")
    # run.enabled is the user's choice, never a project's: refused from pyproject.toml ...
    (tmp_path / "pyproject.toml").write_text("[tool.hone]\nrun.enabled = false\n")
    rc, _out, err = hone("spin.py", "--timeout", "1")
    assert rc == 124 and "may not set 'run.enabled'" in err
    # ... and honoured from the user settings file
    (tmp_path / "config" / "hone").mkdir(parents=True)
    (tmp_path / "config" / "hone" / "settings.toml").write_text("run.enabled = false\n")
    rc, _out, err = hone("spin.py", "--timeout", "1")
    assert rc == 2 and "run.enabled" in err


def test_ctrl_c_stops_the_program_and_prints_what_was_measured(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    _write(
        tmp_path,
        f"""
        import time

        def wait_forever():
            open({str(marker)!r}, "w").close()
            while True:
                time.sleep(0.01)

        wait_forever()
        """,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hone", "run", "--json", "prog.py"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # polling for the program to start, not waiting a fixed time
    assert marker.exists(), proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert report["cancelled"] is True
    assert report["interrupted_at"]["function"] == "wait_forever"
    assert os.path.basename(report["path"]) == "prog.py"


def test_no_counts_and_no_instrument_trade_detail_for_overhead(hone: Hone, tmp_path: Path) -> None:
    _write(tmp_path, "def twice(x):\n    return 2 * x\n\nfor i in range(5):\n    twice(i)\n")
    rc, out, _err = hone("prog.py", "--json", "--no-counts", "--samples", "s.pkl")
    report = TimingReport.from_json(out)
    assert rc == 0 and not report.call_counts and report.instrumented
    twice = next(f for f in report.functions if f.qualname == "twice")
    assert twice.calls is None and len(twice.samples) == 4  # arguments still recorded
    rc, out, _err = hone("prog.py", "--json", "--no-instrument", "--sampler", "thread")
    report = TimingReport.from_json(out)
    assert rc == 0 and not report.instrumented and report.samples_path is None
    assert report.sampler == "thread"
    assert all(f.calls is None for f in report.functions)


NETWORK_AND_WRITE = """
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
    print("network: yes")
except OSError:
    print("network: no")
try:
    open("written.txt", "w").close()
    print("write: yes")
except OSError:
    print("write: no")
"""


def test_network_and_workspace_writes_follow_the_user_settings_and_flags(
    hone: Hone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    _write(tmp_path, NETWORK_AND_WRITE)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = str(listener.getsockname()[1])

        def seen(*flags: str) -> tuple[str, str]:
            (tmp_path / "written.txt").unlink(missing_ok=True)
            rc, out, err = hone(*flags, "prog.py", "--", port)
            assert rc == 0, err
            net = "network: yes" in out
            assert ("network: no" in out) is not net
            wrote = (tmp_path / "written.txt").exists()
            assert ("write: yes" in out) is wrote
            return ("yes" if net else "no", "yes" if wrote else "no")

        assert seen() == ("yes", "yes")  # the defaults: the user's own program, as asked
        assert seen("--no-network", "--read-only") == ("no", "no")
        # a project's file may not take them away or grant them: only the user's settings
        (tmp_path / "pyproject.toml").write_text(
            "[tool.hone.run]\nnetwork = false\nwriteWorkspace = false\n"
        )
        assert seen() == ("yes", "yes")
        settings = tmp_path / "config" / "hone" / "settings.toml"
        settings.parent.mkdir(parents=True)
        settings.write_text("[run]\nnetwork = false\nwriteWorkspace = false\n")
        assert seen() == ("no", "no")
