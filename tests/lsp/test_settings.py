"""Settings end to end: the layers and their precedence, changes, bad values, multi-root."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from tests.lsp.conftest import HoneTestClient
from tests.lsp.helpers import codes, ours

SEVERITY = {"rules": {"severity": {"HONE990": "info"}}}


def pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(f"[project]\nname = 'x'\n\n[tool.hone]\n{body}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param(lsp.DiagnosticSeverity.Error, id="pyproject"),
        pytest.param(
            lsp.DiagnosticSeverity.Information,
            id="initializationOptions",
            marks=pytest.mark.hone_session(initialization_options=SEVERITY),
        ),
        pytest.param(
            lsp.DiagnosticSeverity.Hint,
            id="workspace-configuration",
            marks=pytest.mark.hone_session(
                initialization_options=SEVERITY,
                configuration={"ws": {"rules.severity": {"HONE990": "hint"}}},
            ),
        ),
    ],
)
async def test_precedence(
    client: HoneTestClient, workspace: Path, expected: lsp.DiagnosticSeverity
) -> None:
    pyproject(workspace, 'rules.severity = { HONE990 = "error" }')
    uri = await client.open(workspace / "pkg" / "a.py", "y = x == None\n")
    [d] = ours(await client.diagnostics_of(uri))
    assert d.severity == expected


@pytest.mark.hone_session(configuration={"ws": {"rules": {"ignore": []}}})
async def test_configuration_change_reanalyses_open_documents(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    other = await client.open(workspace / "b.py", "z = w == None\n")
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    client.set_configuration(
        {"rules": {"ignore": ["HONE990"]}}, section="hone", scope_uri=from_fs_path(str(workspace))
    )
    client.configuration_changed()
    await client.wait_diagnostics(uri, lambda ds: codes(ds) == [])
    await client.wait_diagnostics(other, lambda ds: codes(ds) == [])


async def test_pyproject_change_reanalyses(client: HoneTestClient, workspace: Path) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    path = pyproject(workspace, 'rules.ignore = ["HONE99"]')
    py_uri = from_fs_path(str(path)) or path.as_uri()
    if client.name == "vscode":  # it accepted our file watcher: the change arrives that way
        watched = [r for r in client.registrations if r.method == "workspace/didChangeWatchedFiles"]
        assert watched
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=py_uri, type=lsp.FileChangeType.Created)]
            )
        )
    else:  # Neovim cannot register watchers dynamically: saving the file in the editor
        client.save(py_uri)
    await client.wait_diagnostics(uri, lambda ds: codes(ds) == [])


@pytest.mark.hone_session(
    initialization_options={
        "diagnostics": {"debounceMs": -5},
        "rules": {"select": 5},
        "noSuchSetting": True,
    }
)
async def test_invalid_settings_warn_once_and_use_defaults(
    client: HoneTestClient, workspace: Path
) -> None:
    pyproject(workspace, 'run.sampler = "sometimes"\nrun.python = "tools/py"')
    a = await client.open(workspace / "a.py", "y = x == None\n")
    b = await client.open(workspace / "b.py", "z = w == None\n")
    assert codes(await client.diagnostics_of(a)) == ["HONE990"]  # defaults: all rules
    assert codes(await client.diagnostics_of(b)) == ["HONE990"]
    invalid = ["diagnostics.debounceMs", "rules.select", "run.sampler"]
    expected = [*invalid, "noSuchSetting", "run.python"]
    await client.wait_until(
        lambda: all(client.messages_matching(f"'{key}'") for key in expected), what="warnings"
    )
    for key in expected:
        [message] = client.messages_matching(f"'{key}'")  # exactly once, for two documents
        assert ("using the default" in message) == (key in invalid), message
    warnings = [m for m in client.messages if m.type == lsp.MessageType.Warning]
    assert len(warnings) == len(expected)
    assert (
        "must be at least 0, got -5; using the default (25)"
        in (client.messages_matching("debounceMs")[0])
    )
    assert "pyproject.toml" in client.messages_matching("run.sampler")[0]
    [refused] = client.messages_matching("'run.python'")
    assert "pyproject.toml" in refused and "may not set" in refused and "ignored" in refused
    assert "unknown setting; ignored" in client.messages_matching("noSuchSetting")[0]


@pytest.mark.hone_session(
    folders=["other"],
    configuration={"ws": {}, "other": {"rules": {"ignore": ["HONE990"]}}},
)
async def test_multi_root_documents_take_their_folders_settings(
    client: HoneTestClient, workspace: Path
) -> None:
    other = workspace.parent / "other"
    pyproject(other, 'rules.severity = { HONE201 = "hint" }')
    # inside a function: at module level a performance finding is a hint anyway (runs once)
    text = "y = x == None\ndef best(xs):\n    return sorted(xs)[0]\n"
    here = await client.open(workspace / "a.py", text)
    there = await client.open(other / "a.py", text)
    assert codes(await client.diagnostics_of(here)) == ["HONE201", "HONE990"]
    assert codes(await client.diagnostics_of(there)) == ["HONE201"]
    [mine] = [d for d in ours(await client.diagnostics_of(here)) if d.code == "HONE201"]
    [theirs] = ours(await client.diagnostics_of(there))
    assert mine.severity == lsp.DiagnosticSeverity.Warning
    assert theirs.severity == lsp.DiagnosticSeverity.Hint


async def test_nearest_pyproject_but_never_above_the_workspace_folder(
    client: HoneTestClient, workspace: Path
) -> None:
    pyproject(workspace.parent, 'rules.ignore = ["HONE990"]')  # above the folder: not used
    pyproject(workspace / "sub", 'rules.ignore = ["HONE201"]')  # nearest for sub/
    text = "y = x == None\nbest = sorted(xs)[0]\n"
    top = await client.open(workspace / "a.py", text)
    sub = await client.open(workspace / "sub" / "pkg" / "a.py", text)
    assert codes(await client.diagnostics_of(top)) == ["HONE201", "HONE990"]
    assert codes(await client.diagnostics_of(sub)) == ["HONE990"]


def _no_configuration(caps: lsp.ClientCapabilities) -> None:
    assert caps.workspace is not None
    caps.workspace.configuration = False


@pytest.mark.hone_session(capabilities=_no_configuration)
async def test_pushed_settings_for_clients_without_workspace_configuration(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    client.configuration_changed({"hone": {"rules": {"ignore": ["HONE990"]}}})
    await client.wait_diagnostics(uri, lambda ds: codes(ds) == [])


@pytest.mark.hone_session(initialization_options={"diagnostics": {"debounceMs": 0}})
async def test_zero_debounce_still_publishes_only_current_versions(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "a.py", "y = x == None\n")
    for k in range(1, 6):
        await client.replace(uri, "\n" * k + "y = x == None\n")
    [d] = ours(await client.diagnostics_of(uri))
    assert d.range.start.line == 5
    for version, diagnostics in client.publish_history.get(uri, []):
        assert [x.range.start.line for x in ours(diagnostics)] == [(version or 0) - 1]


@pytest.mark.hone_session(configuration={"other": {"rules": {"ignore": ["HONE990"]}}})
async def test_a_folder_added_later_brings_its_settings(
    client: HoneTestClient, workspace: Path
) -> None:
    other = workspace.parent / "other"
    other.mkdir()
    uri = await client.open(other / "a.py", "y = x == None\n")  # outside every folder for now
    assert codes(await client.diagnostics_of(uri)) == ["HONE990"]
    client.workspace_did_change_workspace_folders(
        lsp.DidChangeWorkspaceFoldersParams(
            event=lsp.WorkspaceFoldersChangeEvent(
                added=[lsp.WorkspaceFolder(uri=from_fs_path(str(other)) or "", name="other")],
                removed=[],
            )
        )
    )
    await client.wait_diagnostics(uri, lambda ds: codes(ds) == [])


@pytest.mark.hone_session(
    configuration={"ws": {"rules": {"severity": {"HONE990": "loud"}, "ignore": "HONE990"}}}
)
async def test_a_bad_severity_and_a_string_list_warn_and_fall_back(
    client: HoneTestClient, workspace: Path
) -> None:
    # (in a function: at module level a performance finding is a hint anyway)
    uri = await client.open(workspace / "a.py", "def f(x):\n    return x == None\n")
    [d] = ours(await client.diagnostics_of(uri))  # not ignored, default severity
    assert d.code == "HONE990" and d.severity == lsp.DiagnosticSeverity.Warning
    await client.wait_until(
        lambda: (
            client.messages_matching("'rules.severity'")
            and client.messages_matching("'rules.ignore'")
        ),
        what="two warnings",
    )
    [severity] = client.messages_matching("'rules.severity'")
    assert 'HONE990: "loud" is not one of error, warning, info, hint' in severity
    assert "the editor's hone settings" in severity and "using the default ({})" in severity
    [ignore] = client.messages_matching("'rules.ignore'")
    assert 'expected a list of strings, got "HONE990"; using the default ([])' in ignore
