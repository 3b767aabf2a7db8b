"""Choosing the interpreter: run.python setting, then the workspace .venv, then hone's own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hone.runner import InterpreterError, choose_interpreter


def _fake_python(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_hone_s_own_interpreter_by_default(tmp_path: Path) -> None:
    chosen = choose_interpreter(tmp_path)
    assert (chosen.path, chosen.source) == (sys.executable, "hone's own interpreter")
    assert choose_interpreter(None).path == sys.executable


def test_workspace_venv_is_used_when_present(tmp_path: Path) -> None:
    venv_python = _fake_python(tmp_path / ".venv" / "bin" / "python")
    chosen = choose_interpreter(tmp_path)
    assert (chosen.path, chosen.source) == (str(venv_python), "workspace .venv")


def test_the_setting_wins_and_accepts_paths_folders_and_commands(tmp_path: Path) -> None:
    _fake_python(tmp_path / ".venv" / "bin" / "python")
    explicit = _fake_python(tmp_path / "tools" / "py")
    assert choose_interpreter(tmp_path, str(explicit)).path == str(explicit)
    assert choose_interpreter(tmp_path, "tools/py").path == str(explicit)  # workspace-relative
    other_venv = _fake_python(tmp_path / "env2" / "bin" / "python")
    assert choose_interpreter(tmp_path, str(tmp_path / "env2")).path == str(other_venv)
    on_path = choose_interpreter(tmp_path, "sh")
    assert os.path.basename(on_path.path) == "sh" and on_path.source == "run.python setting"


def test_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="not found"):
        choose_interpreter(tmp_path, "no-such-python-here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InterpreterError, match="without bin/python"):
        choose_interpreter(tmp_path, str(tmp_path / "empty"))
    not_exec = tmp_path / "plain.txt"
    not_exec.write_text("")
    with pytest.raises(InterpreterError, match="not executable"):
        choose_interpreter(tmp_path, str(not_exec))
