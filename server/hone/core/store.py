"""hone's on-disk key -> text store (stdlib ``sqlite3``), shared by the LLM and verdict caches.

* **Private.** What it holds is the user's code and what a model said about it, so the folder is
  made ``0700`` and every file of the database ``0600`` (looser modes left by an older hone are
  tightened when the store is opened).
* **Bounded.** Entries are evicted least recently used first once their total size passes
  ``max_bytes`` (down to 90 %, so a full store does not evict on every write).
* **A convenience.** Every failure (locked, corrupt, read-only, full disk) is logged once and
  treated as a miss, never raised: a corrupt file is moved aside and a new one started.
* **Thread-safe** (one connection behind a lock), so async code calls it through
  ``asyncio.to_thread`` without blocking its event loop on disk I/O.

Keys are chosen by the callers (:func:`store_key` hashes the parts a value depends on).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Bumped whenever the table layout or the meaning of keys changes: older rows are dropped.
SCHEMA_VERSION = "2"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_ENTRY_OVERHEAD = 64  # bytes counted per entry besides key and value (row and index)


def store_key(*parts: str) -> str:
    """A hex digest of ``parts``; the separator keeps ``("ab", "c")`` apart from ``("a", "bc")``."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it ``0700``; returns it.

    Only the last folder is tightened: the parents (``~/.cache``...) are not hone's to change.
    """
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Make ``path`` ``0600``, creating it empty if missing (before sqlite creates it with the
    umask's looser mode); its sqlite side files get the same treatment if present."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    for p in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        _tighten(p, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        return  # never chmod through a link
    if stat.S_IMODE(st.st_mode) & ~mode:
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)


class DiskStore:
    """A key -> text store with least-recently-used eviction above ``max_bytes``."""

    def __init__(
        self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "cache"
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes  # may be changed at any time (a setting); applies on write
        self.what = what  # for log messages: "LLM cache", "verification cache"
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._failed = False
        self.hits = 0
        self.misses = 0

    # -- connection ----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is not None or self._failed:
            return self._conn
        try:
            self._conn = self._open()
        except (sqlite3.Error, OSError) as exc:
            # A corrupt file is moved aside once and recreated; anything else disables caching.
            log.warning(
                "hone: %s at %s unusable (%s); starting a new one", self.what, self.path, exc
            )
            try:
                if self.path.exists():
                    self.path.replace(self.path.with_suffix(".corrupt"))
                    _tighten(self.path.with_suffix(".corrupt"), FILE_MODE)
                self._conn = self._open()
            except (sqlite3.Error, OSError) as exc2:
                log.warning("hone: %s disabled: %s", self.what, exc2)
                self._failed = True
                self._conn = None
        return self._conn

    def _open(self) -> sqlite3.Connection:
        private_dir(self.path.parent)
        private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            row = conn.execute("SELECT v FROM meta WHERE k='schema'").fetchone()
            if row is None or row[0] != SCHEMA_VERSION:
                # An older layout (or older keys): its rows cannot be trusted to mean the same.
                tables = conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name != 'meta'"
                ).fetchall()
                for (name,) in tables:
                    conn.execute(f'DROP TABLE IF EXISTS "{name}"')
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS entries ("
                " key TEXT PRIMARY KEY, value TEXT NOT NULL, size INTEGER NOT NULL,"
                " created REAL NOT NULL, last_used REAL NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS entries_lru ON entries(last_used)")
            conn.commit()
            conn.execute("SELECT count(*) FROM entries").fetchone()  # detects a corrupt file
        except BaseException:
            conn.close()
            raise
        private_file(self.path)  # the WAL side files now exist: same mode as the database
        return conn

    def _fail(self, what: str, exc: Exception) -> None:
        if not self._failed:
            log.warning("hone: %s %s failed (%s); continuing without it", self.what, what, exc)
        self._failed = True
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    # -- API -----------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        with self._lock:
            conn = self._connect()
            if conn is None:
                self.misses += 1
                return None
            try:
                row = conn.execute("SELECT value FROM entries WHERE key=?", (key,)).fetchone()
                if row is not None:
                    conn.execute("UPDATE entries SET last_used=? WHERE key=?", (time.time(), key))
                    conn.commit()
            except sqlite3.Error as exc:
                self._fail("read", exc)
                self.misses += 1
                return None
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return str(row[0])

    def put(self, key: str, value: str) -> None:
        size = len(key) + len(value.encode("utf-8", "surrogatepass")) + _ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        now = time.time()
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                    (key, value, size, now, now),
                )
                self._evict(conn)
                conn.commit()
            except sqlite3.Error as exc:
                self._fail("write", exc)

    def _evict(self, conn: sqlite3.Connection) -> None:
        total = conn.execute("SELECT coalesce(sum(size), 0) FROM entries").fetchone()[0]
        if total <= self.max_bytes:
            return
        target = int(self.max_bytes * 0.9)
        doomed: list[str] = []
        for key, size in conn.execute("SELECT key, size FROM entries ORDER BY last_used, created"):
            if total <= target:
                break
            doomed.append(key)
            total -= size
        conn.executemany("DELETE FROM entries WHERE key=?", [(k,) for k in doomed])

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return 0
            try:
                n = int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
                conn.execute("DELETE FROM entries")
                conn.commit()
                conn.execute("VACUUM")
            except sqlite3.Error as exc:
                self._fail("clear", exc)
                return 0
        return n

    def stats(self) -> tuple[int, int]:
        """(entries, total bytes)."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return 0, 0
            try:
                n, size = conn.execute(
                    "SELECT count(*), coalesce(sum(size), 0) FROM entries"
                ).fetchone()
            except sqlite3.Error as exc:
                self._fail("stats", exc)
                return 0, 0
        return int(n), int(size)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None
