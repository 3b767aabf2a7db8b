"""hone check --fix / --unsafe-fixes on temporary files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hone.analysis.fixes import FixAllResult
from hone.cli import worker
from tests.cli.conftest import HoneRunner, write

SELECT = ("--select", "HONE201,HONE990,HONE992")

SRC = """
def pick(items, x):
    if x == None:
        return sorted(items)[0]
    return x
"""

SAFE_FIXED = """\
def pick(items, x):
    if x is None:
        return sorted(items)[0]
    return x
"""

ALL_FIXED = """\
def pick(items, x):
    if x is None:
        return min(items)
    return x
"""


def test_fix_applies_only_safe_fixes(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    f = write(project / "a.py", SRC)
    r = hone("check", "--fix", *SELECT, "a.py")
    assert f.read_text() == SAFE_FIXED
    assert r.rc == 1  # the unsafe finding remains
    assert r.out == (
        "a.py:3:16: HONE201 Use min() instead of sorting to take the smallest element\n"
        "  fix (unsafe): Replace with min()\n"
        "Fixed 1 finding in 1 file.\n"
        "Found 1 finding in 1 file (of 1 checked): 1 fixable with `--unsafe-fixes`.\n"
    )
    # idempotent: a second run changes nothing
    r2 = hone("check", "--fix", *SELECT, "a.py")
    assert f.read_text() == SAFE_FIXED
    assert r2.rc == 1
    assert "No fixes applied." in r2.out


def test_unsafe_fixes_apply_everything(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    f = write(project / "a.py", SRC)
    r = hone("check", "--unsafe-fixes", *SELECT, "a.py")
    assert f.read_text() == ALL_FIXED
    assert r.rc == 0
    assert r.out == "Fixed 2 findings in 1 file.\nNo findings in 1 file checked.\n"
    r2 = hone("check", "--fix", "--unsafe-fixes", *SELECT, "a.py")
    assert (r2.rc, f.read_text()) == (0, ALL_FIXED)
    assert "No fixes applied." in r2.out


def test_check_without_fix_never_writes(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    f = write(project / "a.py", SRC)
    before = f.stat().st_mtime_ns
    hone("check", *SELECT, "a.py")
    assert f.read_text() == SRC.lstrip("\n")
    assert f.stat().st_mtime_ns == before


def test_fix_in_json_mode_keeps_stdout_json(
    project: Path, hone: HoneRunner, fake_rules: None
) -> None:
    import json

    write(project / "a.py", SRC)
    r = hone("check", "--fix", "--format", "json", *SELECT, "a.py")
    doc = json.loads(r.out)
    assert doc["summary"]["fixed"] == 1 and doc["summary"]["files_fixed"] == 1
    assert [f["code"] for f in doc["findings"]] == ["HONE201"]
    assert "Fixed 1 finding in 1 file." in r.err


def test_crlf_line_endings_are_kept(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    f = project / "a.py"
    f.write_bytes(b"hone_expand()\r\nif y == None:\r\n    pass\r\n")
    assert hone("check", "--fix", *SELECT, "a.py").rc == 0
    assert f.read_bytes() == b"first = 1\r\nsecond = 2\r\nif y is None:\r\n    pass\r\n"


def test_encoding_and_bom_are_kept(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    latin = project / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nok = name == None\n")
    bom = project / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfname = '\xc3\xa9'\nok = name == None\n")
    assert hone("check", "--fix", *SELECT, ".").rc == 0
    assert (
        latin.read_bytes() == b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nok = name is None\n"
    )
    assert bom.read_bytes() == b"\xef\xbb\xbfname = '\xc3\xa9'\nok = name is None\n"


def test_mode_and_symlinks_are_kept(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    real = write(project / "real" / "a.py", "ok = x == None\n")
    os.chmod(real, 0o751)
    (project / "src").mkdir()
    link = project / "src" / "link.py"
    link.symlink_to(real)
    assert hone("check", "--fix", *SELECT, "src").rc == 0
    assert link.is_symlink()
    assert real.read_text() == "ok = x is None\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o751
    assert [p.name for p in real.parent.iterdir()] == ["a.py"]  # no temporary file left


def test_many_files_fixed_in_parallel(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    files = [write(project / f"m{i}.py", SRC) for i in range(10)]
    r = hone("check", "--unsafe-fixes", "-j", "2", "-v", *SELECT, ".")
    assert r.rc == 0, r.err
    assert "parallel, 2 jobs" in r.err
    assert all(f.read_text() == ALL_FIXED for f in files)
    assert "Fixed 20 findings in 10 files." in r.out


def test_never_writes_text_that_does_not_parse(
    project: Path, hone: HoneRunner, fake_rules: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = write(project / "a.py", "ok = x == None\n")

    def bad_fix_all(text: str, *args: object, **kwargs: object) -> FixAllResult:
        return FixAllResult("ok = (x is None\n", 1, ())

    monkeypatch.setattr(worker, "fix_all", bad_fix_all)
    r = hone("check", "--fix", *SELECT, "a.py")
    assert f.read_text() == "ok = x == None\n"
    assert "fixes not written" in r.err
    assert r.rc == 1  # the finding is still there and reported


def test_write_atomic_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_bytes(b"new content from an editor\n")
    problem = worker.write_atomic(f, b"fixed\n", expected=b"what hone read\n")
    assert problem is not None and "changed on disk" in problem
    assert f.read_bytes() == b"new content from an editor\n"
    assert worker.write_atomic(f, b"fixed\n", expected=b"new content from an editor\n") is None
    assert f.read_bytes() == b"fixed\n"
    assert os.listdir(tmp_path) == ["a.py"]


def test_syntax_error_file_is_left_alone(project: Path, hone: HoneRunner) -> None:
    f = write(project / "a.py", "x = sorted(a)[0]\ny = (\n")
    r = hone("check", "--unsafe-fixes", "a.py")
    assert r.rc == 1
    assert f.read_text() == "x = sorted(a)[0]\ny = (\n"
    assert "HONE000" in r.out
