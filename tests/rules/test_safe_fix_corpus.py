"""Every *safe* fix is safe on real code: applied by fix-all across a corpus of real modules
(a deterministic sample of the standard library and of the installed packages), each file still
compiles, and standard-library modules that received fixes still pass their own test suites.

This is the contract of a safe fix (as in Ruff): fix-all may apply it to any program unseen.
The sample keeps the test within about a minute; ``HONE_CORPUS_ALL=1`` checks every file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from functools import cache
from pathlib import Path

import pytest

from hone.analysis.fixes import fix_all
from hone.core.settings import Settings

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE = Path(sysconfig.get_paths()["purelib"])
MAX_BYTES = 120_000  # keeps the sample's analysis time bounded

# Standard-library modules with safe fixes (rules as of this test) and a quick unittest suite.
SUITES = {
    "argparse": "test.test_argparse",
    "calendar": "test.test_calendar",
    "csv": "test.test_csv",
    "difflib": "test.test_difflib",
    "filecmp": "test.test_filecmp",
    "plistlib": "test.test_plistlib",
    "optparse": "test.test_optparse",
}


def _sample(files: list[Path], every: int) -> list[Path]:
    small = [p for p in files if p.stat().st_size <= MAX_BYTES]
    return small if os.environ.get("HONE_CORPUS_ALL") else small[::every]


def corpus() -> list[Path]:
    std = sorted(STDLIB.glob("*.py")) + sorted(STDLIB.glob("json/*.py"))
    site = sorted(
        p
        for pkg in ("pygls", "lsprotocol", "attr", "cattrs", "httpx", "platformdirs")
        for p in (SITE / pkg).rglob("*.py")
    )
    return _sample(std, 8) + _sample(site, 12)


@cache
def _fixed(path: Path) -> tuple[str, str, int]:
    text = path.read_text(encoding="utf-8")
    result = fix_all(text, Settings())
    return text, result.text, result.applied


@pytest.mark.parametrize("path", corpus(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_safe_fixes_keep_every_file_compiling(path: Path) -> None:
    before, after, applied = _fixed(path)
    compile(after, str(path), "exec", dont_inherit=True)
    assert (after != before) == (applied > 0)


def test_the_corpus_exercises_safe_fixes() -> None:
    """A corpus on which no fix applies would prove nothing."""
    applied = sum(_fixed(p)[2] for p in corpus())
    applied += sum(_fixed(STDLIB / f"{m}.py")[2] for m in SUITES)
    assert applied >= 20, applied


@pytest.mark.parametrize("module", sorted(SUITES))
def test_stdlib_suite_passes_with_safe_fixes_applied(module: str, tmp_path: Path) -> None:
    _, after, applied = _fixed(STDLIB / f"{module}.py")
    assert applied, f"no safe fix applies to {module} any more: pick another module"
    (tmp_path / f"{module}.py").write_text(after, encoding="utf-8")
    code = (
        f"import sys, unittest, {module}\n"
        f"assert {module}.__file__.startswith({str(tmp_path)!r}), {module}.__file__\n"
        f"r = unittest.main(module={SUITES[module]!r}, exit=False, verbosity=0).result\n"
        "sys.exit(0 if r.wasSuccessful() and r.testsRun else 1)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
