"""Server-initiated ``$/progress`` with a cancel button, for long work (LLM analysis, timed runs).

One bar per piece of work.  When the client does not support server-initiated progress, refuses
the token or does not answer in time, there is simply no bar and every call is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

CREATE_TIMEOUT_S = 5.0


class Progress:
    """``begin`` (awaitable, may be spawned) → ``report``* → ``end``; ``end`` may come first.

    ``on_cancel`` runs (on the event loop) when the user presses the bar's cancel button, unless
    the work has ended by then.
    """

    def __init__(
        self, server: LanguageServer, kind: str, on_cancel: Callable[[], None] | None = None
    ) -> None:
        self.server = server
        self.token = f"hone-{kind}-{uuid.uuid4().hex}"
        self.on_cancel = on_cancel
        self._begun = False
        self._ended = False
        self._pending: tuple[str, int | None] | None = None  # the last report before the begin

    @property
    def supported(self) -> bool:
        try:
            caps = self.server.client_capabilities
        except (AttributeError, RuntimeError):
            return False
        window = getattr(caps, "window", None)
        return bool(getattr(window, "work_done_progress", False))

    async def begin(self, title: str, message: str, percentage: int | None = None) -> bool:
        """Create the token and show the bar; False if there is none."""
        if self._ended or not self.supported:
            return False
        progress = self.server.work_done_progress
        # asyncio.wait, not wait_for: a late answer must find its future still pending (pygls
        # fails on a response to a cancelled request).
        created = asyncio.ensure_future(progress.create_async(self.token))
        done, _ = await asyncio.wait({created}, timeout=CREATE_TIMEOUT_S)
        if not done or created.exception() is not None:
            log.info("hone: no progress bar for %s (%s)", title, "refused" if done else "late")
            return False
        if self._ended:  # the work finished while the client was answering
            progress.tokens.pop(self.token, None)
            progress.end(self.token, lsp.WorkDoneProgressEnd())
            return False
        cancelled = progress.tokens.get(self.token)
        if cancelled is not None:
            loop = asyncio.get_running_loop()
            cancelled.add_done_callback(lambda _f: loop.call_soon_threadsafe(self._cancelled))
        progress.begin(
            self.token,
            lsp.WorkDoneProgressBegin(
                title=title, message=message, cancellable=True, percentage=percentage
            ),
        )
        self._begun = True
        if self._pending is not None:
            self.report(*self._pending)
        return True

    def report(self, message: str, percentage: int | None = None) -> None:
        if self._ended:
            return
        if not self._begun:
            self._pending = (message, percentage)
            return
        with contextlib.suppress(Exception):  # no transport (shutting down)
            self.server.work_done_progress.report(
                self.token,
                lsp.WorkDoneProgressReport(
                    message=message, percentage=percentage, cancellable=True
                ),
            )

    def end(self, message: str | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        progress = self.server.work_done_progress
        progress.tokens.pop(self.token, None)
        if self._begun:
            with contextlib.suppress(Exception):
                progress.end(self.token, lsp.WorkDoneProgressEnd(message=message))
        # a begin still in flight sees ``_ended`` and closes the bar itself

    def _cancelled(self) -> None:
        if not self._ended and self.on_cancel is not None:
            self.on_cancel()
