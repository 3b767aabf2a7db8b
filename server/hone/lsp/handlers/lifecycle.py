"""``initialize``, ``initialized``, ``shutdown``."""

from __future__ import annotations

import logging

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.lsp.convert import ClientFeatures
from hone.lsp.feature import FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session

log = logging.getLogger(__name__)


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    @handler(ls, lsp.INITIALIZE)
    def initialize(params: lsp.InitializeParams) -> None:
        session.client = ClientFeatures.from_capabilities(params.capabilities)
        session.config.set_initialization_options(params.initialization_options)
        log.info(
            "client %s: %s diagnostics, %s positions",
            params.client_info.name if params.client_info else "unknown",
            "pull" if session.client.pull_diagnostics else "push",
            session.client.encoding.value,
        )

    @handler(ls, lsp.INITIALIZED)
    def initialized(params: lsp.InitializedParams) -> None:
        session.spawn(after_initialized(), "initialized")

    async def after_initialized() -> None:
        # registration runs on its own: a client slow to answer must not delay the settings
        session.spawn(register_capabilities(), "registerCapability")
        try:
            await session.config.fetch()
            session.reload_settings()
        finally:
            session.config.mark_ready()
        await features.dispatch("on_initialized")

    async def register_capabilities() -> None:
        registrations = []
        if session.client.watched_files_dynamic:
            registrations.append(
                lsp.Registration(
                    id="hone-watch-pyproject",
                    method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
                    ),
                )
            )
        if session.client.did_change_configuration_dynamic:
            registrations.append(
                lsp.Registration(
                    id="hone-configuration",
                    method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                    register_options=lsp.DidChangeConfigurationRegistrationOptions(section="hone"),
                )
            )
        try:
            if registrations:
                await ls.client_register_capability_async(
                    lsp.RegistrationParams(registrations=registrations)
                )
        except Exception as exc:  # the client may refuse; we still get didSave/didChange...
            log.info("client/registerCapability failed: %r", exc)

    @handler(ls, lsp.SHUTDOWN)
    async def shutdown(params: None) -> None:
        await session.shutdown()
