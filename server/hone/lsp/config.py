"""Settings resolution per document, for the language server.

Precedence (later wins), the one documented in :mod:`hone.core.settings`:

1. built-in defaults;
2. ``[tool.hone]`` of the nearest ``pyproject.toml`` at or above the document, not above the
   document's workspace folder and never inside a foreign tree (a virtualenv, ``site-packages``,
   ``node_modules``, ...); a document outside every workspace folder reads none.  This layer may
   only shape the analysis (see :mod:`hone.core.settings` for what it may never set);
3. the user settings file (``<user config dir>/hone/settings.toml``);
4. the client's ``initializationOptions`` (the settings table itself, or under a ``"hone"`` key);
5. ``workspace/configuration`` section ``hone`` scoped to the document's workspace folder
   (re-fetched on ``workspace/didChangeConfiguration``; clients without ``workspace/configuration``
   may push the section in the notification's ``settings`` instead).

An invalid value is reported once per distinct problem with a ``window/showMessage`` warning
and the default is used.  ``pyproject.toml`` files are re-read when their size or modification
time changes, and whenever the client reports them changed or saved.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.core.paths import uri_to_path
from hone.core.settings import (
    Layer,
    Settings,
    SettingsProblem,
    Source,
    find_pyproject,
    merge,
    read_pyproject_settings,
    user_layer,
    user_settings_path,
)
from hone.lsp.trust import TrustGate, pop_client_trust

log = logging.getLogger(__name__)

SECTION = "hone"
GLOBAL_SCOPE = ""  # key of the client settings that apply outside every workspace folder
CONFIGURATION_TIMEOUT_S = 5.0

_StatKey = tuple[int, int]


def _unwrap_section(value: Any) -> Any:
    """Accept ``{"hone": {...}}`` as well as the bare settings table."""
    if (
        isinstance(value, Mapping)
        and set(value) == {SECTION}
        and isinstance(value[SECTION], Mapping)
    ):
        return value[SECTION]
    return value


class ConfigManager:
    """Holds the client's settings layers and resolves a document's effective settings."""

    def __init__(
        self,
        server: LanguageServer,
        asks_configuration: Callable[[], bool],
        warn: Callable[[str], None],
    ) -> None:
        self.server = server
        self._asks_configuration = asks_configuration  # whether the client has the request
        self._warn = warn
        self.init_options: Any = None
        # client settings per workspace-folder URI (GLOBAL_SCOPE for documents outside folders)
        self.client_settings: dict[str, Any] = {}
        self._pyproject: dict[
            Path, tuple[_StatKey, dict[str, Any] | None, list[SettingsProblem]]
        ] = {}
        self._user: tuple[_StatKey, Layer, list[SettingsProblem]] | None = None
        self.trust = TrustGate()
        self._shown: set[str] = set()
        self._ready = asyncio.Event()
        self._fetching: asyncio.Task[None] | None = None
        self._fetch_again = False

    # -- layers ------------------------------------------------------------------------------
    def set_initialization_options(self, options: Any) -> None:
        # ``workspaceTrusted`` is the editor's trust verdict, not a setting
        options, client_trusted = pop_client_trust(options)
        self.trust.trust.set_client_trust(client_trusted)
        self.init_options = _unwrap_section(options) if options is not None else None

    def lift_restricted_mode(self) -> None:
        """Trust was granted: drop the ``run.enabled: false`` the VS Code extension adds to
        ``initializationOptions`` in Restricted Mode (a user's own ``run.enabled`` still comes
        back through ``workspace/configuration``, which wins)."""
        opts = self.init_options
        if isinstance(opts, dict):
            run = opts.get("run")
            if isinstance(run, dict) and run.get("enabled") is False:
                self.init_options = {
                    **opts,
                    "run": {k: v for k, v in run.items() if k != "enabled"},
                }
            elif opts.get("run.enabled") is False:
                self.init_options = {k: v for k, v in opts.items() if k != "run.enabled"}

    def folders(self) -> list[str]:
        """Workspace folder URIs (the root URI when the client sent no folders)."""
        try:
            ws = self.server.workspace
        except RuntimeError:  # not initialised yet
            return []
        folders = [f.uri for f in ws.folders.values()]
        if not folders and ws.root_uri:
            folders = [ws.root_uri]
        return folders

    def folder_for(self, uri: str) -> str | None:
        """The innermost workspace folder containing ``uri`` (None when outside all of them)."""
        best: tuple[int, str] | None = None
        doc_path = uri_to_path(uri)
        for folder in self.folders():
            folder_path = uri_to_path(folder)
            if doc_path is not None and folder_path is not None:
                inside = doc_path == folder_path or folder_path in doc_path.parents
                depth = len(folder_path.parts)
            else:
                inside = uri.startswith(folder.rstrip("/") + "/")
                depth = len(folder)
            if inside and (best is None or depth > best[0]):
                best = (depth, folder)
        return best[1] if best else None

    def _pyproject_layer(
        self, path: Path | None, folder: str | None
    ) -> tuple[str, dict[str, Any] | None, list[SettingsProblem]]:
        folder_path = uri_to_path(folder) if folder else None
        if path is None or folder_path is None:  # outside every workspace folder: no project
            return "pyproject.toml", None, []
        found = find_pyproject(path, stop=folder_path)
        if found is None:
            return "pyproject.toml", None, []
        try:
            st = found.stat()
            key: _StatKey = (st.st_mtime_ns, st.st_size)
        except OSError:
            key = (0, -1)
        cached = self._pyproject.get(found)
        if cached is None or cached[0] != key:
            layer, problems = read_pyproject_settings(found)
            cached = (key, layer, problems)
            self._pyproject[found] = cached
        return f"pyproject.toml ({found})", cached[1], cached[2]

    def compute(self, uri: str, folder: str | None = None) -> Settings:
        """Effective settings of ``uri``; new problems are shown to the user once each."""
        if folder is None:
            folder = self.folder_for(uri)
        name, py_layer, problems = self._pyproject_layer(uri_to_path(uri), folder)
        user, user_problems = self._user_layer()
        client_layer = self.client_settings.get(folder or GLOBAL_SCOPE)
        if client_layer is None and folder is not None:
            client_layer = self.client_settings.get(GLOBAL_SCOPE)
        scope = f" ({folder})" if folder else ""
        settings, merge_problems = merge(
            [
                Layer(name, Source.PYPROJECT, py_layer),
                user,
                Layer("initializationOptions", Source.INIT, self.init_options),
                Layer(f"the editor's hone settings{scope}", Source.EDITOR, client_layer),
            ]
        )
        self.report([*problems, *user_problems, *merge_problems])
        return settings

    def _user_layer(self) -> tuple[Layer, list[SettingsProblem]]:
        """The user settings file, re-read when its size or modification time changes."""
        path = user_settings_path()
        try:
            st = path.stat()
            key: _StatKey = (st.st_mtime_ns, st.st_size)
        except OSError:
            key = (0, -1)
        if self._user is None or self._user[0] != key:
            self._user = (key, *user_layer(path))
        return self._user[1], self._user[2]

    def report(self, problems: list[SettingsProblem]) -> None:
        for problem in problems:
            text = str(problem)
            if text in self._shown:
                continue
            self._shown.add(text)
            log.warning("%s", text)
            self._warn(text)

    def forget_pyproject(self, path: Path | None = None) -> None:
        if path is None:
            self._pyproject.clear()
        else:
            self._pyproject.pop(path, None)

    # -- the client's settings -----------------------------------------------------------------
    async def wait_ready(self, timeout: float = CONFIGURATION_TIMEOUT_S) -> None:
        """Until the first ``workspace/configuration`` answer arrived (or ``timeout``)."""
        if self._ready.is_set():
            return
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            log.warning("no workspace/configuration answer after %.0f s; going on", timeout)

    def mark_ready(self) -> None:
        self._ready.set()

    def apply_pushed_settings(self, settings: Any) -> bool:
        """``didChangeConfiguration`` settings from a client without ``workspace/configuration``."""
        if not isinstance(settings, Mapping) or SECTION not in settings:
            return False
        self.client_settings = {GLOBAL_SCOPE: settings[SECTION]}
        return True

    async def fetch(self) -> None:
        """(Re-)fetch section ``hone`` for every folder; concurrent calls are coalesced."""
        if self._fetching is not None and not self._fetching.done():
            self._fetch_again = True
            await asyncio.shield(self._fetching)
            return
        self._fetching = asyncio.ensure_future(self._fetch_loop())
        await asyncio.shield(self._fetching)

    async def _fetch_loop(self) -> None:
        while True:
            self._fetch_again = False
            await self._fetch_once()
            if not self._fetch_again:
                return

    async def _fetch_once(self) -> None:
        if not self._asks_configuration():
            return
        scopes = [*self.folders(), GLOBAL_SCOPE]
        items = [lsp.ConfigurationItem(scope_uri=s or None, section=SECTION) for s in scopes]
        try:
            result = await asyncio.wait_for(
                self.server.workspace_configuration_async(lsp.ConfigurationParams(items=items)),
                CONFIGURATION_TIMEOUT_S,
            )
        except Exception as exc:  # an error answer or none: keep what we had
            log.warning("workspace/configuration failed: %r", exc)
            return
        if not isinstance(result, list | tuple) or len(result) != len(scopes):
            log.warning("workspace/configuration returned an unexpected answer: %r", result)
            return
        self.client_settings = {
            scope: _unwrap_section(value) for scope, value in zip(scopes, result, strict=True)
        }


def is_pyproject(uri: str) -> bool:
    return uri.rsplit("/", 1)[-1] == "pyproject.toml" or uri.endswith(os.sep + "pyproject.toml")
