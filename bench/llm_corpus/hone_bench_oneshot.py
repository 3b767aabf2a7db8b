"""A one-pass iterator for the corpus's held-out inputs (copied next to each case's module, so
the verifier's sandbox can unpickle it).  Like a generator or an open file: no ``len()``, no
indexing, no ``reversed()``, and a second pass sees nothing -- but, unlike a generator, it can be
pickled and compared (position and items), so verdicts on it are exact."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class OneShot:
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = list(items)
        self._pos = 0

    def __iter__(self) -> OneShot:
        return self

    def __next__(self) -> Any:
        if self._pos >= len(self._items):
            raise StopIteration
        self._pos += 1
        return self._items[self._pos - 1]

    def __eq__(self, other: object) -> bool:
        return type(other) is OneShot and self._items == other._items and self._pos == other._pos

    def __repr__(self) -> str:
        return f"OneShot({self._items[self._pos :]!r})"
