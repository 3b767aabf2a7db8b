"""``hone/didGrantTrust`` (VS Code granted workspace trust) and ``hone.trustFolder`` (the user
trusts a document's workspace folder, e.g. Neovim's ``:HoneTrust``).  Both take effect at once:
open documents are analysed again, so unsafe fixes are verified without a restart."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from hone.core.paths import uri_to_path
from hone.core.trust import TrustStoreError
from hone.lsp.feature import FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session
from hone.lsp.trust import GRANT_NOTIFICATION, TRUST_FOLDER_COMMAND

log = logging.getLogger(__name__)


class TrustCommandError(JsonRpcException):
    code = -32602  # InvalidParams: the message says what to do instead


def _uri_argument(args: tuple[Any, ...]) -> str | None:
    arg = args[0] if args else None
    if isinstance(arg, list | tuple) and arg:  # pygls may pass the arguments as one list
        arg = arg[0]
    uri = arg.get("uri") if isinstance(arg, dict) else getattr(arg, "uri", arg)
    return uri if isinstance(uri, str) else None


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    def reanalyse() -> None:
        for doc in list(session.documents.values()):
            session.request_analysis(doc)

    @handler(ls, GRANT_NOTIFICATION)
    def did_grant_trust(params: Any) -> None:
        session.config.trust.grant()
        session.config.lift_restricted_mode()
        log.info("the editor granted workspace trust")
        session.reload_settings()
        reanalyse()

    @ls.command(TRUST_FOLDER_COMMAND)
    def trust_folder(*args: Any) -> str:
        if session.config.trust.trust.client_trusted is not None:
            # the editor has its own trust (VS Code): a command link must not go around it
            raise TrustCommandError(
                "hone: this editor decides trust itself (VS Code: 'Manage Workspace Trust')"
            )
        uri = _uri_argument(args)
        if uri is None:
            raise TrustCommandError(f"{TRUST_FOLDER_COMMAND} needs {{uri: <a document or folder>}}")
        folder = session.folder_for(uri)
        path = uri_to_path(folder) if folder else None
        if path is None:
            raise TrustCommandError(
                "hone: this file is outside every workspace folder: open its folder as the "
                "workspace, or run `hone trust FOLDER` in a terminal"
            )
        try:
            text = session.config.trust.trust_folder(path)
        except TrustStoreError as exc:
            raise TrustCommandError(f"hone: {exc}") from None
        session.show_message(text, lsp.MessageType.Info)
        reanalyse()
        return text
