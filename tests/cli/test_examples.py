"""examples/: it runs, hone finds things in every file, and hone's fixes keep its behaviour."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import HoneRunner

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(p.name for p in EXAMPLES.glob("*.py"))


def _run(path: Path) -> list[str]:
    """The example's printed output, without the timing line."""
    r = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True
    )
    return [ln for ln in r.stdout.splitlines() if not ln.startswith("took ")]


def test_there_are_several_examples() -> None:
    assert len(FILES) >= 4


def test_every_example_has_findings(hone: HoneRunner) -> None:
    r = hone("check", "--format", "json", str(EXAMPLES))
    assert r.rc == 1
    doc = json.loads(r.out)
    assert doc["errors"] == []
    codes = {f["code"] for f in doc["findings"]}
    assert "HONE000" not in codes
    files = {Path(f["path"]).name for f in doc["findings"]}
    assert files == set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_fixes_keep_the_example_behaviour(
    name: str, tmp_path: Path, hone: HoneRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Safe fixes must not change what an example prints; with unsafe ones it must still run.

    (Unsafe fixes may differ in edge cases, by definition: e.g. ``sorted(d, key=d.get)[-1]``
    picks the *last* of tied maxima, ``max(d, key=d.get)`` the first.)
    """
    original = _run(EXAMPLES / name)
    assert original, f"{name} printed nothing"
    copy = tmp_path / name
    shutil.copy(EXAMPLES / name, copy)
    monkeypatch.chdir(tmp_path)
    r = hone("check", "--fix", "--exit-zero", name)
    assert r.rc == 0, r.err
    assert _run(copy) == original, f"hone's safe fixes changed what {name} prints"
    r = hone("check", "--unsafe-fixes", "--exit-zero", name)
    assert r.rc == 0, r.err
    assert len(_run(copy)) == len(original)
