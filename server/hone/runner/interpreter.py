"""Which Python runs the user's program.

Order: an explicit ``run.python`` setting (an interpreter path, a venv folder or a command name on
PATH; relative paths are taken from the workspace folder), else the workspace's ``.venv``, else
hone's own interpreter.  An explicit setting wins over the ``.venv`` because the user chose it.

The ``.venv`` is the workspace's choice, so the editor passes ``confirmed_venv``: the real path
of the interpreter the user confirmed for that folder (used only while ``.venv`` still resolves
to it), or ``""`` for none (the ``.venv`` is then not even looked at).  ``hone run`` (an explicit
act by the user in that folder) keeps the automatic choice.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path


class InterpreterError(Exception):
    """The configured interpreter cannot be used (the message says why, for the user)."""


@dataclass(frozen=True, slots=True)
class Interpreter:
    path: str
    source: str  # "run.python setting" | "workspace .venv" | "hone's own interpreter"

    def describe(self) -> str:
        return f"{self.path} ({self.source})"


def venv_python(folder: Path) -> Path | None:
    for candidate in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def choose_interpreter(
    workspace: str | os.PathLike[str] | None,
    setting: str = "",
    *,
    confirmed_venv: str | None = None,
) -> Interpreter:
    """Pick the interpreter for a run; raises :class:`InterpreterError` for a bad setting."""
    setting = setting.strip()
    root = Path(workspace) if workspace else None
    if setting:
        expanded = Path(os.path.expanduser(setting))
        if not expanded.is_absolute() and (os.sep in setting or "/" in setting) and root:
            expanded = root / expanded
        if expanded.is_dir():
            found = venv_python(expanded)
            if found is None:
                raise InterpreterError(f"run.python: {setting!r} is a folder without bin/python")
            return Interpreter(str(found), "run.python setting")
        if expanded.is_file():
            if not os.access(expanded, os.X_OK):
                raise InterpreterError(f"run.python: {setting!r} is not executable")
            return Interpreter(str(expanded), "run.python setting")
        on_path = shutil.which(setting)
        if on_path:
            return Interpreter(on_path, "run.python setting")
        raise InterpreterError(f"run.python: interpreter {setting!r} not found")
    if root is not None and confirmed_venv != "":
        found = venv_python(root / ".venv")
        if found is not None and (
            confirmed_venv is None or os.path.realpath(found) == confirmed_venv
        ):
            return Interpreter(str(found), "workspace .venv")
    return Interpreter(sys.executable, "hone's own interpreter")
