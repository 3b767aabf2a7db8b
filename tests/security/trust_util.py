"""The real ``hone serve`` over stdio (pytest-lsp) in the three client profiles of the trust tests.

- ``neovim``: Neovim 0.11's capabilities and no settings at all (the shipped config);
- ``vscode-untrusted``: VS Code in Restricted Mode, as the extension starts the server there
  (``workspaceTrusted: false`` and ``run.enabled`` forced off);
- ``vscode-trusted``: VS Code in a trusted workspace (``workspaceTrusted: true``).

Every session gets its own user folders (``XDG_*``: trust store, user settings, caches) and an
environment holding two canary secrets, so a test can see whether either left.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig

from tests.lsp.conftest import HoneTestClient, _make_client, capabilities

# window/showMessageRequest params each session's client was asked
_ASKED: weakref.WeakKeyDictionary[HoneTestClient, list[lsp.ShowMessageRequestParams]] = (
    weakref.WeakKeyDictionary()
)


def message_requests(client: HoneTestClient) -> list[lsp.ShowMessageRequestParams]:
    return _ASKED.get(client, [])


PROFILES = ("neovim", "vscode-untrusted", "vscode-trusted")
UNTRUSTED = ("neovim", "vscode-untrusted")
TIMEOUT_S = 30.0

AWS_CANARY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARYKEY1"
OPENAI_CANARY = "sk-canary-0123456789abcdefghijklmnopqrstuv"


def uri_of(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def profile_options(profile: str) -> dict[str, Any] | None:
    if profile == "vscode-untrusted":
        return {"workspaceTrusted": False, "run": {"enabled": False}}
    if profile == "vscode-trusted":
        return {"workspaceTrusted": True}
    return None


def merged(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    if a is None or b is None:
        return a if b is None else b
    out = dict(a)
    for k, v in b.items():
        out[k] = merged(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


@dataclass
class Home:
    """The user's side of the machine for one test: folders and the server's environment."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path) -> Home:
        home = cls(root)
        env = dict(os.environ)
        for name in ("OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "HONE_CACHE_DIR"):
            env.pop(name, None)
        env.update(
            XDG_DATA_HOME=str(root / "data"),
            XDG_CONFIG_HOME=str(root / "config"),
            XDG_CACHE_HOME=str(root / "cache"),
            HONE_CACHE_DIR=str(root / "cache" / "hone"),
            AWS_SECRET_ACCESS_KEY=AWS_CANARY,
            OPENAI_API_KEY=OPENAI_CANARY,
        )
        home.env = env
        return home

    @property
    def trust_store(self) -> Path:
        return self.root / "data" / "hone" / "trust.json"


def marker_script(path: Path, marker: Path) -> Path:
    """An 'interpreter' that leaves ``marker`` behind if anything ever runs it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@contextlib.asynccontextmanager
async def session(
    profile: str,
    home: Home,
    folders: list[Path],
    *,
    init_options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    on_message_request: Callable[[lsp.ShowMessageRequestParams], str | None] | None = None,
) -> AsyncIterator[HoneTestClient]:
    """An initialised session of the real server; ``folders`` may be empty (single-file mode)."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "hone", "serve"],
        client_factory=_make_client,
        server_env=home.env,
    )
    client = await config.start()
    assert isinstance(client, HoneTestClient)
    client.name = "vscode" if profile.startswith("vscode") else "neovim"
    asked = _ASKED[client] = []

    def ask(params: lsp.ShowMessageRequestParams) -> lsp.MessageActionItem | None:
        asked.append(params)
        client.poke()
        title = on_message_request(params) if on_message_request else None
        return lsp.MessageActionItem(title=title) if title else None

    features = client.protocol.fm.features
    features[lsp.WINDOW_SHOW_MESSAGE_REQUEST] = ask
    features[lsp.WORKSPACE_CODE_LENS_REFRESH] = lambda _params: None

    if configuration is not None:
        for folder in folders:
            client.set_configuration(configuration, section="hone", scope_uri=uri_of(folder))
        client.set_configuration(configuration, section="hone")
    try:
        client.init_result = await asyncio.wait_for(
            client.initialize_session(
                lsp.InitializeParams(
                    capabilities=capabilities(client.name),
                    client_info=lsp.ClientInfo(name=f"hone-security ({profile})"),
                    root_uri=uri_of(folders[0]) if folders else None,
                    workspace_folders=[
                        lsp.WorkspaceFolder(uri=uri_of(f), name=f.name) for f in folders
                    ]
                    or None,
                    initialization_options=merged(profile_options(profile), init_options),
                )
            ),
            TIMEOUT_S,
        )
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT_S)
    finally:
        # after a failure the server was never told to exit: end it, or stop() waits forever
        process = client._server
        if process is not None and process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown_session(), 5)
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        await asyncio.wait_for(client.stop(), TIMEOUT_S)  # type: ignore[no-untyped-call]


async def execute(client: HoneTestClient, command: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=command, arguments=list(arguments))
        ),
        90.0,
    )


def statuses(client: HoneTestClient) -> list[dict[str, Any]]:
    out = []
    for method, params in client.notifications:
        if method == "hone/status":
            out.append(params if isinstance(params, dict) else dict(params._asdict()))
    return out


async def wait_llm_state(client: HoneTestClient, *states: str) -> dict[str, Any]:
    """The first ``hone/status`` notification in one of ``states`` (a sync point)."""

    def found() -> dict[str, Any] | None:
        return next((s for s in statuses(client) if s.get("state") in states), None)

    result = await client.wait_until(found, TIMEOUT_S, f"hone/status {states}")
    assert isinstance(result, dict)
    return result
