"""Fixtures for the runner tests: write a program, run it in the sandbox."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hone.runner import RunRequest, TimingReport, run_with_timing_sync


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(code: str, name: str = "prog.py") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., TimingReport]:
    reports: list[TimingReport] = []

    def _run(path: Path, **kwargs: Any) -> TimingReport:
        kwargs.setdefault("timeout_s", 30)
        kwargs.setdefault("work_dir", str(tmp_path / f"work{len(reports)}"))
        report = run_with_timing_sync(RunRequest(path=str(path), **kwargs))
        reports.append(report)
        return report

    return _run
