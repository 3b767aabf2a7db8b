from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hone.cli.main import main


@dataclass
class Run:
    rc: int
    out: str
    err: str


HoneRunner = Callable[..., Run]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own result cache (never the user's)."""
    d = tmp_path_factory.mktemp("hone-cache")
    monkeypatch.setenv("HONE_CACHE_DIR", str(d))
    return d


@pytest.fixture
def hone(capsys: pytest.CaptureFixture[str]) -> HoneRunner:
    """Run the ``hone`` CLI in-process: ``hone("check", "a.py")`` -> Run(rc, out, err)."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        rc = main(list(args))
        captured = capsys.readouterr()
        return Run(rc, captured.out, captured.err)

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, made the current folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the HONE99x test rules (see fake_rules.py) for one test."""
    from hone.rules import registry

    monkeypatch.setattr(registry, "RULE_MODULES", (*registry.RULE_MODULES, "tests.fake_rules"))
    registry.all_rules.cache_clear()
    yield
    registry.all_rules.cache_clear()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path
