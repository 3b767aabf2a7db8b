"""The trust store and ``hone trust``: consent recorded by the user, outside the workspace."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from hone.cli.main import main
from hone.core.trust import TrustStore, decide, default_store_path
from hone.runner.interpreter import choose_interpreter


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "proj"
    (p / "sub").mkdir(parents=True)
    return p


def test_trust_is_recorded_privately_in_the_user_data_dir(data_home: Path, project: Path) -> None:
    store = TrustStore()
    assert store.path == default_store_path() == data_home / "hone" / "trust.json"
    assert not store.is_trusted(project)
    entry = store.trust(project)
    assert entry.path == str(project) and entry.realpath == os.path.realpath(project)
    assert store.is_trusted(project) and store.is_trusted(project / "sub")
    assert not store.is_trusted(project.parent)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    data = json.loads(store.path.read_text())
    assert data["folders"] == [{"path": str(project), "realpath": os.path.realpath(project)}]
    assert [e.path for e in store.untrust(project)] == [str(project)]
    assert not store.is_trusted(project)


def test_trust_follows_real_paths_not_names(data_home: Path, tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real_dir)
    store = TrustStore()
    store.trust(link)
    assert store.is_trusted(real_dir)
    # pointing the link elsewhere does not carry the trust along
    other = tmp_path / "other"
    other.mkdir()
    link.unlink()
    link.symlink_to(other)
    assert not store.is_trusted(link)


def test_a_store_others_can_write_trusts_nothing(data_home: Path, project: Path) -> None:
    store = TrustStore()
    store.trust(project)
    os.chmod(store.path, 0o666)
    assert not store.is_trusted(project)
    os.chmod(store.path, 0o600)
    assert store.is_trusted(project)
    store.path.write_text("{not json")
    assert not store.is_trusted(project)


def test_decide_the_editor_first_then_the_user_never_the_workspace(
    data_home: Path, project: Path
) -> None:
    store = TrustStore()
    assert not decide(project, client_trusted=None, store=store).trusted
    assert decide(project, client_trusted=True, store=store).trusted
    assert decide(project / "sub", client_trusted=None, trusted_folders=[str(project)]).trusted
    # relative entries would be relative to whatever the workspace is: refused
    assert not decide(project, client_trusted=None, trusted_folders=["."], store=store).trusted
    assert not decide(None, client_trusted=None, store=store).trusted
    store.trust(project)
    assert decide(project, client_trusted=None, store=store).trusted
    # the editor's "Restricted Mode" wins over the store
    assert not decide(project, client_trusted=False, store=store).trusted


def _venv(folder: Path, name: str = ".venv") -> Path:
    python = folder / name / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\nexit 0\n")
    python.chmod(0o755)
    return python


def test_the_venv_is_used_only_once_confirmed_and_while_unchanged(
    data_home: Path, project: Path
) -> None:
    python = _venv(project)
    store = TrustStore()
    # not confirmed: "" means the .venv is not even looked at
    assert choose_interpreter(project, confirmed_venv="").path == sys.executable
    store.trust(project)
    assert store.confirmed_venv(project) == ""
    store.confirm_venv(project, python)
    confirmed = store.confirmed_venv(project)
    assert choose_interpreter(project, confirmed_venv=confirmed).path == str(python)
    # the workspace points its .venv at another program: the confirmation no longer applies
    evil = project / "tools" / "evil"
    evil.parent.mkdir()
    evil.write_text("#!/bin/sh\nexit 0\n")
    evil.chmod(0o755)
    python.unlink()
    python.symlink_to(evil)
    assert choose_interpreter(project, confirmed_venv=confirmed).path == sys.executable


def test_cli_trust_list_untrust(
    data_home: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trust", "--list"]) == 0
    assert "no trusted folders" in capsys.readouterr().out
    assert main(["trust", str(project)]) == 0
    assert f"trusted: {project}" in capsys.readouterr().out
    assert main(["trust", "--list"]) == 0
    assert str(project) in capsys.readouterr().out
    assert main(["trust", str(project / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["trust", "--venv", str(project)]) == 2  # there is no .venv
    python = _venv(project)
    assert main(["trust", "--venv", str(project)]) == 0
    assert str(python) in capsys.readouterr().out
    assert main(["untrust", str(project)]) == 0
    assert main(["untrust", str(project)]) == 2
    assert not TrustStore().is_trusted(project)


def test_hone_check_needs_no_trust(data_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert main(["check", str(examples)]) in (0, 1)
    assert not (data_home / "hone" / "trust.json").exists()
