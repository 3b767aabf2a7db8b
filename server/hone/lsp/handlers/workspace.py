"""``workspace/didChangeConfiguration``, ``didChangeWatchedFiles``, ``didChangeWorkspaceFolders``
and ``workspace/executeCommand`` (each feature's commands)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.core.paths import uri_to_path
from hone.lsp.config import is_pyproject
from hone.lsp.feature import CommandHandler, FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session

log = logging.getLogger(__name__)


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    @handler(ls, lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(params: lsp.DidChangeConfigurationParams) -> None:
        session.spawn(session.refetch_configuration(params.settings), "didChangeConfiguration")

    @handler(ls, lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: lsp.DidChangeWatchedFilesParams) -> None:
        changed = [c.uri for c in params.changes if is_pyproject(c.uri)]
        if changed:
            for uri in changed:
                session.config.forget_pyproject(uri_to_path(uri))
            session.reload_settings()

    @handler(ls, lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        # pygls has already updated ``workspace.folders``
        session.spawn(session.refetch_configuration(), "didChangeWorkspaceFolders")

    for feature in features:
        try:
            for name, run in feature.commands().items():
                ls.command(name)(_command(features, feature.name, name, run))
        except Exception:
            log.exception("feature %s: its commands could not be registered", feature.name)


def _command(
    features: FeatureSet, feature: str, name: str, run: CommandHandler
) -> Callable[..., Awaitable[Any]]:
    async def run_command(*args: Any) -> Any:
        try:
            return await run(list(args))
        except Exception as exc:
            features.failed(feature, f"command {name}", exc)
            raise

    return run_command
