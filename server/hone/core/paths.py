"""Paths shared by every layer: document URIs, hone's cache location, and exclusion globs.

One exclusion matcher serves ``hone check`` (the ``exclude`` setting) and the LLM (``llm.exclude``),
so a pattern means the same thing everywhere.  Its semantics are gitignore-like:

* ``*`` and ``?`` stay within one path component, ``**`` spans folders (``**/`` also matches
  no folder at all), ``[...]`` is a character class (``[!...]`` negated);
* a pattern without ``/`` (a trailing ``/`` does not count) matches any single component:
  ``build`` excludes every file or folder named ``build`` and everything below it;
* a pattern with ``/`` matches a path relative to a base folder (the project root, the checked
  folder...); with no base known it matches relative to *any* ancestor folder, and a leading
  ``/`` anchors it at the base (or at the filesystem root);
* a folder that matches excludes everything below it, as in gitignore;
* matching ignores case (``*secret*`` excludes ``Secrets.py``: for a list of things never to
  send anywhere, a miss is worse than an extra exclusion, and macOS/Windows file names ignore
  case anyway).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path, PurePath
from urllib.parse import unquote, urlsplit

_DRIVE_PATH = re.compile(r"^/[A-Za-z]:")

# -- URIs -------------------------------------------------------------------------------------


def uri_to_path(uri: str) -> Path | None:
    """The filesystem path of a ``file:`` URI (None for other schemes and malformed URIs).

    UNC URIs (``file://server/share/x``) become ``//server/share/x``; a Windows drive letter is
    lower-cased (``file:///C:/x`` -> ``c:/x``), as pygls does, so both spellings name one file.
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme != "file":
        return None
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost" and path:
        value = f"//{parts.netloc}{path}"
    elif _DRIVE_PATH.match(path):
        value = path[1].lower() + path[2:]
    else:
        value = path
    if not value:
        return None
    if os.name == "nt":
        value = value.replace("/", "\\")
    return Path(value)


def uri_to_path_text(uri: str) -> str:
    """A path-like string for matching any URI against globs: the file path of a ``file:`` URI,
    else the URI's unquoted path part (``untitled:Untitled-1`` -> ``Untitled-1``)."""
    path = uri_to_path(uri)
    if path is not None:
        return str(path)
    try:
        return unquote(urlsplit(uri).path or uri)
    except ValueError:
        return uri


# -- cache location ---------------------------------------------------------------------------

CACHE_DIR_ENV = "HONE_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$HONE_CACHE_DIR`` if set (tests, CI), else platformdirs' user cache dir for hone."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs  # only when needed: keeps importing hone.core cheap

    return Path(platformdirs.user_cache_dir("hone", appauthor=False))


# -- exclusion globs --------------------------------------------------------------------------


def _glob_to_regex(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")  # zero or more whole folders
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 2)  # "[]]" holds a literal "]"
            if end == -1:
                out.append(re.escape("["))
                i += 1
                continue
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append(f"[^/{body}]" if negate else f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


class ExcludeMatcher:
    """A compiled list of exclusion globs (see the module doc for their meaning)."""

    __slots__ = ("_anchored", "_floating", "_names", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        names: list[str] = []
        anchored: list[str] = []  # leading "/": only relative to a base (or the root)
        floating: list[str] = []  # other patterns with "/": relative to a base or any ancestor
        for raw in self.patterns:
            pattern = raw.strip().replace("\\", "/").rstrip("/")
            if not pattern:
                continue
            if "/" not in pattern:
                names.append(_glob_to_regex(pattern))
            elif pattern.startswith("/"):
                anchored.append(_glob_to_regex(pattern.lstrip("/")))
            else:
                floating.append(_glob_to_regex(pattern))
        self._names = _alternation(names)
        self._anchored = _alternation(anchored)
        self._floating = _alternation(floating)

    def __bool__(self) -> bool:
        return bool(self._names or self._anchored or self._floating)

    def matches(self, path: str | PurePath, bases: Iterable[str | PurePath | None] = ()) -> bool:
        """Whether ``path`` (or a folder above it, up to the base) matches a pattern.

        ``bases`` are folders the slash patterns are relative to (each one containing ``path``
        is tried); name patterns look at the components below the nearest of them.  With none
        containing it, the whole path is used and slash patterns may start at any folder.
        """
        if not self:
            return False
        text = _posix(path)
        rels = _relative_candidates(text, bases)
        if not rels:
            parts = [p for p in text.split("/") if p]
            return self._names_match(parts) or self._match_prefixes(parts, based=False)
        if self._names_match(min(rels, key=len).split("/")):
            return True
        return any(self._match_prefixes(rel.split("/"), based=True) for rel in rels)

    def _names_match(self, parts: Sequence[str]) -> bool:
        names = self._names
        return names is not None and any(names.fullmatch(p) for p in parts)

    def _match_prefixes(self, parts: Sequence[str], *, based: bool) -> bool:
        anchored, floating = self._anchored, self._floating
        if anchored is None and floating is None:
            return False
        prefix = ""
        for part in parts:  # each folder above the path, then the path itself
            prefix = f"{prefix}/{part}" if prefix else part
            if anchored is not None and anchored.fullmatch(prefix):
                return True
            if floating is not None:
                if based:
                    if floating.fullmatch(prefix):
                        return True
                elif _any_suffix_matches(floating, prefix):
                    return True
        return False


def _any_suffix_matches(rx: re.Pattern[str], prefix: str) -> bool:
    start = 0
    while True:
        if rx.fullmatch(prefix, start):
            return True
        slash = prefix.find("/", start)
        if slash == -1:
            return False
        start = slash + 1


def _alternation(regexes: Sequence[str]) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.IGNORECASE | re.DOTALL)


def _posix(path: str | PurePath) -> str:
    return (path.as_posix() if isinstance(path, PurePath) else path).replace("\\", "/")


def _relative_candidates(text: str, bases: Iterable[str | PurePath | None]) -> list[str]:
    out: list[str] = []
    for base in bases:
        if base is None:
            continue
        root = _posix(base).rstrip("/")
        if not root:
            continue
        if text.startswith(root + "/"):
            rel = text[len(root) + 1 :].strip("/")
            if rel and rel not in out:
                out.append(rel)
    return out


@lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> ExcludeMatcher:
    return ExcludeMatcher(patterns)


def is_excluded(
    path: str | PurePath, patterns: Iterable[str], bases: Iterable[str | PurePath | None] = ()
) -> bool:
    """Whether ``path`` matches one of the exclusion globs ``patterns`` (see the module doc)."""
    return _matcher(tuple(patterns)).matches(path, bases)
