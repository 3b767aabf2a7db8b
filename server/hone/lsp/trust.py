"""Workspace trust in the language server: who may run code, and which interpreter.

The decisions themselves are :mod:`hone.core.trust`'s; this module ties them to the protocol:

- ``initializationOptions.workspaceTrusted`` (VS Code's ``workspace.isTrusted``) is the editor's
  verdict; ``hone/didGrantTrust`` (sent on ``onDidGrantWorkspaceTrust``) raises it at once;
- ``hone.trustFolder`` (``workspace/executeCommand``, e.g. Neovim's ``:HoneTrust``) records the
  user's consent for the document's workspace folder in the trust store;
- features ask :meth:`TrustGate.decision` before verifying or running, and
  :meth:`TrustGate.interpreter_venv` which ``.venv`` interpreter (if any) the user confirmed.
  A trusted folder's unconfirmed ``.venv`` is proposed once (``window/showMessageRequest``);
  an untrusted folder's is never looked at.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from hone.core.settings import Settings
from hone.core.trust import SessionTrust, TrustDecision, TrustStoreError, not_trusted_message

log = logging.getLogger(__name__)

TRUST_FOLDER_COMMAND = "hone.trustFolder"
GRANT_NOTIFICATION = "hone/didGrantTrust"
INIT_KEY = "workspaceTrusted"  # initializationOptions key (not a setting)
USE_VENV = "Use .venv for runs"
NOT_NOW = "Not now"


def pop_client_trust(options: Any) -> tuple[Any, object]:
    """``initializationOptions`` without ``workspaceTrusted``, and its value (None: absent)."""
    if isinstance(options, Mapping) and INIT_KEY in options:
        rest = {k: v for k, v in options.items() if k != INIT_KEY}
        return rest, options[INIT_KEY]
    if isinstance(options, Mapping) and isinstance(options.get("hone"), Mapping):
        inner, value = pop_client_trust(options["hone"])
        return {**options, "hone": inner}, value
    return options, None


class TrustGate:
    """Per-session trust; ``ask`` sends a ``window/showMessageRequest`` and returns the title."""

    def __init__(self, trust: SessionTrust | None = None) -> None:
        self.trust = trust or SessionTrust()
        self._proposed: set[str] = set()

    def decision(self, folder: Path | None, settings: Settings) -> TrustDecision:
        return self.trust.decide(folder, settings.list("trustedFolders"))

    def refusal(self, action: str, folder: Path | None, settings: Settings) -> str | None:
        """Why ``action`` may not run code here (None: it may)."""
        decision = self.decision(folder, settings)
        return None if decision.trusted else not_trusted_message(action, decision)

    def interpreter_venv(
        self,
        folder: Path | None,
        settings: Settings,
        propose: Callable[[Path, Path], None] | None = None,
    ) -> str:
        """The ``confirmed_venv`` argument of :func:`hone.runner.choose_interpreter`.

        "" unless the folder is trusted and the user confirmed its ``.venv``; a trusted folder's
        unconfirmed ``.venv`` is offered once through ``propose(folder, python)``.
        """
        if folder is None or not self.decision(folder, settings).trusted:
            return ""  # not even looked at
        confirmed = self.trust.store.confirmed_venv(folder)
        if confirmed or settings.str("run.python").strip():
            return confirmed
        from hone.runner.interpreter import venv_python

        python = venv_python(folder / ".venv")
        if python is not None and propose is not None and str(folder) not in self._proposed:
            self._proposed.add(str(folder))
            propose(folder, python)
        return ""

    async def propose_venv(
        self, folder: Path, python: Path, ask: Callable[[lsp.ShowMessageRequestParams], Any]
    ) -> bool:
        """Ask the user whether runs in ``folder`` may use its ``.venv``; record a yes."""
        try:
            answer = await ask(
                lsp.ShowMessageRequestParams(
                    type=lsp.MessageType.Info,
                    message=(
                        f"hone: {folder.name} has its own Python ({python.relative_to(folder)}). "
                        "Use it for runs and verification in this folder? (Until then hone "
                        "uses its own interpreter.)"
                    ),
                    actions=[lsp.MessageActionItem(title=USE_VENV), lsp.MessageActionItem(NOT_NOW)],
                )
            )
        except Exception as exc:  # a client without showMessageRequest: stays unconfirmed
            log.info("the .venv proposal got no answer: %r", exc)
            return False
        if getattr(answer, "title", None) != USE_VENV:
            return False
        try:
            self.trust.store.confirm_venv(folder, python)
        except TrustStoreError as exc:
            log.warning("hone: %s", exc)
            return False
        return True

    def grant(self) -> None:
        self.trust.grant()

    def trust_folder(self, folder: Path) -> str:
        entry = self.trust.trust_folder(folder)
        return f"hone: trusted {entry.path}: verification and Run with timing may run its code"
