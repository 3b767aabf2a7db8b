"""Persistent, size-bounded cache of LLM replies (stdlib ``sqlite3`` in the user cache dir).

The key is a hash of the model name, :data:`~hone.llm.prompt.PROMPT_VERSION` and the exact text
sent (after redaction), so reopening a file or restarting the editor re-sends nothing, and a
changed prompt never reuses an old answer.  The endpoint URL is deliberately *not* part of the
key: the same model behind a restarted or moved server gives the same answer.

The cache is a convenience: every failure (locked, corrupt, read-only, full disk) is logged once
and treated as a miss, never raised into the analysis.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

from hone.core.paths import default_cache_dir

log = logging.getLogger(__name__)

CACHE_FILE = "llm-cache.sqlite3"
_SCHEMA_VERSION = "1"


def cache_key(model: str, prompt_version: str, text_sent: str) -> str:
    h = hashlib.sha256()
    for part in (model, prompt_version, text_sent):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class LLMCache:
    """A key -> JSON text store with least-recently-used eviction above ``max_bytes``.

    Thread-safe (one connection behind a lock), so the async code can call it through
    ``asyncio.to_thread`` without blocking the event loop on disk I/O.
    """

    def __init__(self, path: Path | None = None, *, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.path = path if path is not None else default_cache_dir() / CACHE_FILE
        self.max_bytes = max_bytes
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
            log.warning("hone: LLM cache at %s unusable (%s); starting a new one", self.path, exc)
            try:
                if self.path.exists():
                    self.path.replace(self.path.with_suffix(".corrupt"))
                self._conn = self._open()
            except (sqlite3.Error, OSError) as exc2:
                log.warning("hone: LLM cache disabled: %s", exc2)
                self._failed = True
                self._conn = None
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                " key TEXT PRIMARY KEY, model TEXT NOT NULL, prompt_version TEXT NOT NULL,"
                " value TEXT NOT NULL, size INTEGER NOT NULL,"
                " created REAL NOT NULL, last_used REAL NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS replies_lru ON replies(last_used)")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            row = conn.execute("SELECT v FROM meta WHERE k='schema'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
            elif row[0] != _SCHEMA_VERSION:
                conn.execute("DELETE FROM replies")
                conn.execute("UPDATE meta SET v=? WHERE k='schema'", (_SCHEMA_VERSION,))
            conn.commit()
            conn.execute("SELECT count(*) FROM replies").fetchone()  # detects a corrupt file
        except BaseException:
            conn.close()
            raise
        return conn

    def _fail(self, what: str, exc: Exception) -> None:
        if not self._failed:
            log.warning("hone: LLM cache %s failed (%s); continuing without it", what, exc)
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
                row = conn.execute("SELECT value FROM replies WHERE key=?", (key,)).fetchone()
                if row is not None:
                    conn.execute("UPDATE replies SET last_used=? WHERE key=?", (time.time(), key))
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

    def put(self, key: str, value: str, *, model: str = "", prompt_version: str = "") -> None:
        size = len(key) + len(value.encode("utf-8", "surrogatepass")) + 64
        if size > self.max_bytes:
            return
        now = time.time()
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, model, prompt_version, value, size, now, now),
                )
                self._evict(conn)
                conn.commit()
            except sqlite3.Error as exc:
                self._fail("write", exc)

    def _evict(self, conn: sqlite3.Connection) -> None:
        total = conn.execute("SELECT coalesce(sum(size), 0) FROM replies").fetchone()[0]
        if total <= self.max_bytes:
            return
        # Evict down to 90 % so a full cache does not evict on every single write.
        target = int(self.max_bytes * 0.9)
        doomed: list[str] = []
        for key, size in conn.execute("SELECT key, size FROM replies ORDER BY last_used, created"):
            if total <= target:
                break
            doomed.append(key)
            total -= size
        conn.executemany("DELETE FROM replies WHERE key=?", [(k,) for k in doomed])

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return 0
            try:
                n = int(conn.execute("SELECT count(*) FROM replies").fetchone()[0])
                conn.execute("DELETE FROM replies")
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
                    "SELECT count(*), coalesce(sum(size), 0) FROM replies"
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
