"""File discovery (excludes) and settings layering (pyproject.toml < command line)."""

from __future__ import annotations

from pathlib import Path

from hone.cli.discovery import SettingsResolver, discover
from hone.core.paths import is_excluded
from tests.cli.conftest import HoneRunner, Run, write

SLOW = "x = sorted(a)[0]\n"


def _found(root: Path, *paths: str, **kwargs: object) -> list[str]:
    result = discover(list(paths) or ["."], SettingsResolver(), cwd=root, **kwargs)  # type: ignore[arg-type]
    return [p.relative_to(root).as_posix() for p in result.files]


def test_default_excludes_and_suffixes(project: Path) -> None:
    for name in ("a.py", "pkg/b.py", "build/c.py", ".venv/lib/d.py", "pkg/__pycache__/e.py"):
        write(project / name, SLOW)
    write(project / "notes.txt", "x")
    write(project / "stub.pyi", "x: int\n")
    assert _found(project) == ["a.py", "pkg/b.py"]


def test_pyproject_exclude_and_cli_patterns(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.hone]\nexclude = ["generated", "legacy/*_old.py"]\n')
    for name in ("a.py", "generated/g.py", "legacy/x_old.py", "legacy/x.py", "build/b.py"):
        write(project / name, SLOW)
    # the pyproject list replaces the defaults (so build/ is checked again)
    assert _found(project) == ["a.py", "build/b.py", "legacy/x.py"]
    assert _found(project, extend_exclude=["**/x.py"]) == ["a.py", "build/b.py"]
    assert _found(project, exclude_override=["legacy"]) == ["a.py", "build/b.py", "generated/g.py"]


def test_explicit_files_are_checked_even_if_excluded(project: Path) -> None:
    write(project / "build" / "c.py", SLOW)
    write(project / "script", SLOW)
    assert _found(project, "build/c.py", "script") == ["build/c.py", "script"]
    # an explicitly named folder is walked even if its own name is excluded
    assert _found(project, "build") == ["build/c.py"]


def test_missing_paths_are_reported(project: Path) -> None:
    result = discover(["nope", "."], SettingsResolver(), cwd=project)
    assert result.missing == ["nope"]


def test_symlinked_folders_are_not_followed(project: Path) -> None:
    write(project / "pkg" / "a.py", SLOW)
    (project / "pkg" / "loop").symlink_to(project / "pkg")
    assert _found(project) == ["pkg/a.py"]


def test_is_excluded_patterns(tmp_path: Path) -> None:
    f = tmp_path / "src" / "gen" / "x_pb2.py"
    assert is_excluded(f, ["*_pb2.py"], [tmp_path])
    assert is_excluded(f, ["src/gen/*"], [tmp_path])
    assert is_excluded(f, ["**/gen/*.py"], [tmp_path])
    assert not is_excluded(f, ["gen/*"], [tmp_path])  # relative patterns anchor at a base
    assert not is_excluded(f, ["", "other"], [tmp_path])


def test_cli_select_and_ignore(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    write(project / "a.py", "y = x == None\nz = sorted(a)[0]\n")

    def codes(r: Run) -> list[str]:
        return [ln.split()[1] for ln in r.out.splitlines() if ": HONE" in ln]

    assert codes(hone("check", "--select", "HONE201,HONE990", "a.py")) == ["HONE990", "HONE201"]
    assert codes(hone("check", "--select", "HONE9", "a.py")) == ["HONE990"]
    assert codes(hone("check", "--select", "hone2", "a.py")) == ["HONE201"]
    r = hone("check", "--select", "HONE201,HONE990", "--ignore", "HONE990", "a.py")
    assert codes(r) == ["HONE201"]
    r = hone("check", "--select", "HONE777", "a.py")
    assert r.rc == 0
    assert "--select HONE777 matches no rule" in r.err


def test_nearest_pyproject_per_file(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    write(project / "pyproject.toml", '[tool.hone.rules]\nselect = ["HONE201"]\n')
    write(project / "a.py", SLOW)
    write(project / "sub" / "pyproject.toml", '[tool.hone]\nrules = { ignore = ["HONE201"] }\n')
    write(project / "sub" / "b.py", SLOW)
    r = hone("check", "-q", ".")
    assert r.out == "a.py:1:5: HONE201 Use min() instead of sorting to take the smallest element\n"
    # the command line wins over pyproject.toml
    r = hone("check", "-q", "--ignore", "", "sub/b.py")
    assert "HONE201" in r.out


def test_invalid_settings_are_warnings(project: Path, hone: HoneRunner) -> None:
    write(
        project / "pyproject.toml",
        '[tool.hone]\nrules = { select = 5 }\nnoSuchSetting = 1\n\n[tool.hone.analysis]\nmaxFileSizeKb = "big"\n',
    )
    write(project / "a.py", SLOW)
    r = hone("check", "a.py")
    assert r.rc == 1  # defaults used: the rule still runs
    assert "HONE201" in r.out
    assert "invalid setting 'rules.select'" in r.err
    assert "invalid setting 'noSuchSetting'" in r.err
    assert "invalid setting 'analysis.maxFileSizeKb'" in r.err
    assert r.err.count("noSuchSetting") == 1


def test_unreadable_pyproject_is_a_warning(project: Path, hone: HoneRunner) -> None:
    write(project / "pyproject.toml", "[tool.hone\n")
    write(project / "a.py", SLOW)
    r = hone("check", "a.py")
    assert r.rc == 1
    assert "cannot read" in r.err


def test_show_settings(project: Path, hone: HoneRunner, cache_dir: Path) -> None:
    write(project / "pyproject.toml", '[tool.hone]\nrules.ignore = ["HONE1"]\n')
    r = hone("check", "--show-settings", "--select", "HONE2")
    assert r.rc == 0
    assert f"pyproject.toml: {project / 'pyproject.toml'}" in r.out
    assert '  rules.ignore = ["HONE1"]' in r.out
    assert '  rules.select = ["HONE2"]' in r.out
    assert f"cache: {cache_dir / 'check-v1.sqlite3'} (enabled)" in r.out
    assert "(disabled (--no-cache))" in hone("check", "--show-settings", "--no-cache").out


def test_no_python_files(project: Path, hone: HoneRunner) -> None:
    write(project / "readme.txt", "hi")
    r = hone("check", ".")
    assert r.rc == 0
    assert "no Python files found" in r.err


def test_a_dependencys_pyproject_configures_nothing(project: Path, hone: HoneRunner) -> None:
    write(project / "pyproject.toml", '[tool.hone]\nrules.ignore = ["HONE9"]\n')
    pkg = project / ".venv" / "lib" / "python3.12" / "site-packages" / "pkg"
    write(pkg / "pyproject.toml", '[tool.hone]\nrules.ignore = ["HONE"]\n')
    write(pkg / "mod.py", SLOW)
    r = hone("check", "-q", str(pkg / "mod.py"))  # named explicitly: checked, with the project's
    assert "HONE201" in r.out


def test_pyproject_may_not_choose_what_runs_or_where_code_goes(
    project: Path, hone: HoneRunner
) -> None:
    write(
        project / "pyproject.toml",
        '[tool.hone]\nrun.python = "tools/py"\n[tool.hone.llm]\n'
        'baseUrl = "http://attacker.invalid/v1"\napiKeyEnv = "AWS_SECRET_ACCESS_KEY"\n',
    )
    write(project / "a.py", SLOW)
    r = hone("check", "a.py")
    assert r.rc == 1 and "HONE201" in r.out
    for key in ("run.python", "llm.baseUrl", "llm.apiKeyEnv"):
        assert f"pyproject.toml ({project / 'pyproject.toml'}) may not set '{key}'" in r.err
