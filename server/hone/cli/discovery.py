"""Which files ``hone check`` looks at, and which settings apply to each.

Settings layers per file: built-in defaults < ``[tool.hone]`` of the nearest ``pyproject.toml``
(found upwards from the file, never inside a virtualenv, ``site-packages`` or another foreign
tree; it may only shape the analysis) < the user settings file < command-line options.  Excludes
(``exclude`` setting) are the gitignore-like globs of :mod:`hone.core.paths` (the same as
``llm.exclude``): a pattern without ``/`` matches any single path component (``build`` skips
every folder or file named ``build``); a pattern with ``/`` matches the path relative to the
project root (the folder of that ``pyproject.toml``), the path given on the command line, or the
current folder (``src/legacy/*``, ``**/generated/*.py``); ``*`` stays within a folder, ``**``
spans folders, case is ignored.

Files named explicitly on the command line are always checked, whatever their suffix or the
excludes (as in Ruff: a pre-commit hook that passes file names gets what it asked for).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hone.core.paths import ExcludeMatcher
from hone.core.settings import (
    Layer,
    Settings,
    SettingsProblem,
    Source,
    find_pyproject,
    merge,
    pyproject_layer,
    user_layer,
)

PYTHON_SUFFIXES = (".py",)


@dataclass(frozen=True, slots=True)
class Resolved:
    settings: Settings
    pyproject: Path | None


@dataclass
class SettingsResolver:
    """Effective settings per file, cached per ``pyproject.toml`` (and per folder lookup)."""

    cli_layer: Mapping[str, Any] = field(default_factory=dict)
    problems: list[SettingsProblem] = field(default_factory=list)
    _by_dir: dict[Path, Path | None] = field(default_factory=dict)
    _by_pyproject: dict[Path | None, Resolved] = field(default_factory=dict)
    _seen_problems: set[str] = field(default_factory=set)
    _user: tuple[Layer, list[SettingsProblem]] | None = None

    def pyproject_for(self, path: Path) -> Path | None:
        folder = path if path.is_dir() else path.parent
        if folder not in self._by_dir:
            self._by_dir[folder] = find_pyproject(folder)
        return self._by_dir[folder]

    def for_path(self, path: Path) -> Resolved:
        pyproject = self.pyproject_for(path)
        resolved = self._by_pyproject.get(pyproject)
        if resolved is None:
            layers: list[Layer] = []
            if pyproject is not None:
                layer, read_problems = pyproject_layer(pyproject)
                self._note(read_problems)
                layers.append(layer)
            if self._user is None:
                self._user = user_layer()
                self._note(self._user[1])
            layers.append(self._user[0])
            layers.append(Layer("command line", Source.CLI, dict(self.cli_layer)))
            settings, problems = merge(layers)
            self._note(problems)
            resolved = Resolved(settings, pyproject)
            self._by_pyproject[pyproject] = resolved
        return resolved

    def _note(self, problems: Iterable[SettingsProblem]) -> None:
        for p in problems:
            if str(p) not in self._seen_problems:
                self._seen_problems.add(str(p))
                self.problems.append(p)


@dataclass
class Discovery:
    files: list[Path]  # absolute, sorted, unique
    missing: list[str]  # command-line paths that do not exist


def discover(
    paths: Sequence[str],
    resolver: SettingsResolver,
    *,
    exclude_override: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    cwd: Path | None = None,
) -> Discovery:
    """Python files under ``paths`` (files and folders), respecting the exclude settings.

    ``exclude_override`` replaces the ``exclude`` setting (``--exclude``); ``extend_exclude``
    adds to it (``--extend-exclude``).  Symlinked folders are not followed (no cycles).
    """
    cwd = cwd or Path.cwd()
    found: dict[Path, None] = {}
    missing: list[str] = []

    matchers: dict[tuple[str, ...], ExcludeMatcher] = {}

    def matcher_for(p: Path) -> ExcludeMatcher:
        base = (
            list(exclude_override)
            if exclude_override is not None
            else resolver.for_path(p).settings.list("exclude")
        )
        patterns = (*base, *extend_exclude)
        matcher = matchers.get(patterns)
        if matcher is None:
            matcher = matchers[patterns] = ExcludeMatcher(patterns)
        return matcher

    for raw in paths:
        root = (cwd / raw).absolute()
        if root.is_file():
            found.setdefault(Path(os.path.normpath(root)), None)
            continue
        if not root.is_dir():
            missing.append(raw)
            continue
        root = Path(os.path.normpath(root))
        for folder, dirnames, filenames in os.walk(root):
            here = Path(folder)
            project = resolver.pyproject_for(here)
            bases = (project.parent if project else None, root, cwd)
            excluded = matcher_for(here).matches
            kept = []
            for d in sorted(dirnames):
                sub = here / d
                if sub.is_symlink() or excluded(sub, bases):
                    continue
                kept.append(d)
            dirnames[:] = kept
            for fname in filenames:
                if not fname.endswith(PYTHON_SUFFIXES):
                    continue
                file = here / fname
                if excluded(file, bases):
                    continue
                found.setdefault(file, None)
    return Discovery(sorted(found), missing)
