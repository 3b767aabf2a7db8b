"""Bad input: binary, non-UTF-8, unreadable, huge, empty files; parallel runs and worker deaths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hone.cli import worker
from tests.cli.conftest import HoneRunner, write

SLOW = "x = sorted(a)[0]\n"


def test_binary_file_is_a_hone000_finding(project: Path, hone: HoneRunner) -> None:
    (project / "blob.py").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    r = hone("check", "blob.py")
    assert r.rc == 1
    assert r.out.startswith("blob.py:1:1: HONE000 binary file (contains NUL bytes); not analysed\n")


def test_non_utf8_file_names_the_byte_and_line(project: Path, hone: HoneRunner) -> None:
    (project / "latin.py").write_bytes(b"x = 1\ny = '\xe9'\n")
    r = hone("check", "--format", "json", "latin.py")
    assert r.rc == 1
    (f,) = json.loads(r.out)["findings"]
    assert (f["code"], f["line"], f["column"]) == ("HONE000", 2, 1)
    assert "not valid UTF-8: byte 0xe9 on line 2" in f["message"]


def test_coding_cookie_is_honoured(project: Path, hone: HoneRunner) -> None:
    (project / "latin.py").write_bytes(b"# coding: latin-1\ny = '\xe9'\nz = sorted(a)[0]\n")
    (project / "unknown.py").write_bytes(b"# coding: no-such-codec\nx = 1\n")
    r = hone("check", "-q", ".")
    assert "latin.py:3:5: HONE201" in r.out
    assert "unknown.py:1:1: HONE000 cannot decode: unknown encoding: no-such-codec" in r.out


def test_unreadable_file_exits_2(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    (project / "gone.py").symlink_to(project / "missing.py")  # found by the walk, cannot be read
    r = hone("check", ".")
    assert r.rc == 2
    assert "gone.py: cannot read" in r.err
    assert "a.py:1:5: HONE201" in r.out  # the other files are still reported
    assert "1 file could not be checked" in r.out
    assert hone("check", "--exit-zero", ".").rc == 2  # --exit-zero never hides an error


def test_large_file_is_skipped_with_a_note(project: Path, hone: HoneRunner) -> None:
    write(project / "big.py", SLOW * 200)  # ~3.4 KB
    r = hone("check", "--max-file-size-kb", "2", "big.py")
    assert r.rc == 0  # a skip note does not fail the check
    assert r.out.startswith(
        "big.py:1:1: HONE001 hone skipped this file: 3 KB is above analysis.maxFileSizeKb (2 KB)\n"
    )
    assert "1 file skipped" in r.out
    write(project / "pyproject.toml", "[tool.hone.analysis]\nmaxFileSizeKb = 1\n")
    assert "HONE001" in hone("check", "big.py").out


def test_empty_and_whitespace_files(project: Path, hone: HoneRunner) -> None:
    write(project / "empty.py", "")
    write(project / "blank.py", "\n\n   \n")
    write(project / "comment.py", "# nothing here")
    r = hone("check", ".")
    assert (r.rc, r.out) == (0, "No findings in 3 files checked.\n")


def test_parallel_results_equal_serial(project: Path, hone: HoneRunner) -> None:
    for i in range(12):
        write(
            project / f"m{i:02}.py", f"def f{i}(a):\n    return sorted(a)[{0 if i % 2 else -1}]\n"
        )
    write(project / "broken.py", "def (:\n")
    serial = hone("check", "--no-cache", "-j", "1", "-v", "--format", "json", ".")
    parallel = hone("check", "--no-cache", "-j", "2", "-v", "--format", "json", ".")
    assert "(serial)" in serial.err and "(parallel, 2 jobs)" in parallel.err
    assert parallel.out == serial.out
    assert parallel.rc == serial.rc == 1
    assert len(json.loads(parallel.out)["findings"]) == 13


def test_few_files_run_serially(project: Path, hone: HoneRunner) -> None:
    for i in range(3):
        write(project / f"m{i}.py", SLOW)
    assert "(serial)" in hone("check", "-j", "2", "-v", ".").err


def test_worker_death_is_an_error_not_a_crash(
    project: Path, hone: HoneRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = worker._check_file

    def dying(task: worker.FileTask) -> worker.FileResult:
        if task.path.endswith("m03.py"):
            os._exit(3)  # e.g. a segfault in a native parser, or the OOM killer
        return original(task)

    monkeypatch.setattr(worker, "_check_file", dying)  # inherited by forked workers
    for i in range(10):
        write(project / f"m{i:02}.py", SLOW)
    r = hone("check", "--no-cache", "-j", "2", ".")
    assert r.rc == 2
    assert "m03.py: internal error: worker process failed" in r.err
