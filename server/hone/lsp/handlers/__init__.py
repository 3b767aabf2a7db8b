"""One module per LSP method family; each translates protocol messages into session calls.

Every module has ``register(ls, session, features)``; :mod:`hone.lsp.server` calls them once.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from pygls.lsp.server import LanguageServer


def handler(
    ls: LanguageServer, method: str, options: Any = None
) -> Callable[[Callable[..., Any]], Any]:
    """Register ``fn`` for ``method`` (wrapped: pygls sets attributes on the function)."""
    return lambda fn: ls.feature(method, options)(_plain(fn))


def _plain(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function calling ``fn`` (same sync/async nature, one ``params`` argument)."""
    if inspect.iscoroutinefunction(fn):

        async def call_async(params: Any) -> Any:
            return await fn(params)

        return call_async

    def call(params: Any) -> Any:
        return fn(params)

    return call
