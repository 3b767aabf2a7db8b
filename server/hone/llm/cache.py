"""The persistent cache of LLM replies: :class:`~hone.core.store.DiskStore` in hone's cache dir.

The key covers everything a reply depends on: the endpoint (without credentials), the model,
:data:`~hone.llm.prompt.PROMPT_VERSION` and the exact text sent (after redaction).  So reopening
a file or restarting the editor re-sends nothing, a changed prompt never reuses an old answer,
and a reply is only ever shown for the endpoint and model that gave it: replies cached while one
project's endpoint was configured never surface in another project that uses another endpoint
(a hostile endpoint could otherwise plant "rewrites" that hone would then check, i.e. run).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from hone.core.paths import default_cache_dir
from hone.core.store import DEFAULT_MAX_BYTES, DiskStore, store_key
from hone.llm.prompt import PROMPT_VERSION
from hone.llm.provider import LLMConfig
from hone.llm.schema import ParsedReply, ReplyError, ReplyFinding, validate_reply

log = logging.getLogger(__name__)

CACHE_FILE = "llm-cache.sqlite3"


def cache_key(endpoint: str, model: str, prompt_version: str, text_sent: str) -> str:
    """``endpoint`` is the base URL without user:password (:attr:`LLMConfig.display_url`)."""
    return store_key("llm-reply", endpoint, model, prompt_version, text_sent)


class LLMCache(DiskStore):
    """The LLM reply store; by default ``llm-cache.sqlite3`` in :func:`default_cache_dir`."""

    def __init__(self, path: Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(
            path if path is not None else default_cache_dir() / CACHE_FILE,
            max_bytes=max_bytes,
            what="LLM cache",
        )

    # Replies are stored as the validated reply's JSON and validated again when read: the file
    # is the user's own, but a cache is never a reason to trust model output more.
    def get_reply(self, config: LLMConfig, text_sent: str) -> ParsedReply | None:
        raw = self.get(reply_key(config, text_sent))
        if raw is None:
            return None
        try:
            return validate_reply(json.loads(raw))
        except (ValueError, ReplyError):
            log.info("hone: ignoring an unreadable LLM cache entry")
            return None

    def put_reply(
        self, config: LLMConfig, text_sent: str, findings: Sequence[ReplyFinding]
    ) -> None:
        self.put(reply_key(config, text_sent), json.dumps(ParsedReply(tuple(findings)).to_json()))


def reply_key(config: LLMConfig, text_sent: str) -> str:
    """The key of the reply ``config``'s endpoint and model gave to ``text_sent``."""
    return cache_key(config.display_url, config.model, PROMPT_VERSION, text_sent)
