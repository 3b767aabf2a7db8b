"""Content-hash cache of ``hone check`` results, so unchanged files are not re-analysed.

One sqlite3 database (``check-v1.sqlite3``) in platformdirs' user cache dir, or in
``$HONE_CACHE_DIR`` / ``--cache-dir``.  A row maps ``sha256(namespace, file bytes)`` to the file's
findings, where the namespace covers everything else the result depends on: hone's version, the
Python and libcst versions, a fingerprint of the analysis and rule *source code* (so editing a
rule invalidates, even without a version bump) and the file's effective settings.

Concurrency: worker processes only read (each opens its own connection, never one inherited
through ``fork``); the parent writes all new rows in one transaction at the end.  WAL mode and a
busy timeout make concurrent ``hone check`` runs (e.g. two CI jobs) safe.  Any sqlite problem
(locked, corrupt, read-only disk) disables the cache with a warning: it never fails a check.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hone import __version__
from hone.core.finding import Category, Edit, Finding, Fix, Safety, Severity, Span
from hone.core.paths import default_cache_dir
from hone.core.settings import Settings
from hone.core.store import DIR_MODE, private_dir, private_file

DB_NAME = "check-v1.sqlite3"
MAX_ROWS = 200_000  # oldest rows beyond this are dropped (a row is a few hundred bytes)
BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    created REAL NOT NULL  -- last written or used
);
CREATE INDEX IF NOT EXISTS results_created ON results (created);
CREATE TABLE IF NOT EXISTS stats (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


# -- keys -------------------------------------------------------------------------------------

# Packages whose source decides what the analysis returns.
_FINGERPRINT_PACKAGES = ("hone.core", "hone.analysis", "hone.rules")


def code_fingerprint() -> str:
    """Hash of the analysis + rule source files (and any rule module living elsewhere)."""
    from hone.rules.registry import RULE_MODULES

    files: set[Path] = set()
    for pkg in _FINGERPRINT_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        for loc in (spec.submodule_search_locations or []) if spec else []:
            files.update(Path(loc).glob("*.py"))
    for mod in RULE_MODULES:
        spec = importlib.util.find_spec(mod)
        if spec and spec.origin and spec.origin.endswith(".py"):
            files.add(Path(spec.origin))
    h = hashlib.sha256()
    for f in sorted(files, key=lambda p: (p.name, str(p))):
        h.update(f.name.encode())
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    h.update(repr(RULE_MODULES).encode())
    return h.hexdigest()


def namespace(settings: Settings, fingerprint: str) -> str:
    """Everything a file's result depends on, except its content."""
    import libcst

    parts = {
        "hone": __version__,
        "python": sys.version,
        "libcst": getattr(libcst, "__version__", "?"),
        "code": fingerprint,
        "settings": {k: settings.values[k] for k in sorted(settings.values)},
    }
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def result_key(ns: str, content: bytes) -> str:
    h = hashlib.sha256(ns.encode())
    h.update(b"\0")
    h.update(content)
    return h.hexdigest()


# -- (de)serialisation ------------------------------------------------------------------------


def _span(s: Span) -> list[int]:
    return [s.start.line, s.start.character, s.end.line, s.end.character]


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "message": f.message,
        "span": _span(f.span),
        "severity": f.severity.value,
        "category": f.category.value,
        "source": f.source,
        "fix": None
        if f.fix is None
        else {
            "title": f.fix.title,
            "safety": f.fix.safety.value,
            "edits": [[*_span(e.span), e.new_text] for e in f.fix.edits],
        },
        "explanation": f.explanation,
        "function": f.function,
        "extra": dict(f.extra),
    }


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    fix = None
    if d.get("fix"):
        fd = d["fix"]
        fix = Fix(
            fd["title"],
            tuple(Edit(Span.of(*e[:4]), e[4]) for e in fd["edits"]),
            Safety(fd["safety"]),
        )
    return Finding(
        code=d["code"],
        message=d["message"],
        span=Span.of(*d["span"]),
        severity=Severity(d["severity"]),
        category=Category(d["category"]),
        source=d["source"],
        fix=fix,
        explanation=d["explanation"],
        function=d["function"],
        extra=d["extra"],
    )


@dataclass(frozen=True, slots=True)
class CachedResult:
    findings: tuple[Finding, ...]
    rule_errors: tuple[str, ...]


def encode_result(result: CachedResult) -> str | None:
    """JSON payload, or None when a finding carries something JSON cannot hold."""
    try:
        return json.dumps(
            {
                "findings": [finding_to_dict(f) for f in result.findings],
                "rule_errors": list(result.rule_errors),
            },
            separators=(",", ":"),
        )
    except (TypeError, ValueError):
        return None


def decode_result(payload: str) -> CachedResult | None:
    try:
        data = json.loads(payload)
        return CachedResult(
            tuple(finding_from_dict(d) for d in data["findings"]),
            tuple(str(e) for e in data["rule_errors"]),
        )
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # a row from an incompatible or damaged cache: just re-analyse


# -- the database -----------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    # A new folder is private (0700), and so is hone's own cache folder, which the LLM and
    # verdict caches share; an existing folder given with --cache-dir is the user's to keep as
    # it is.  The database holds findings about the user's code: its files are 0600.
    if path.parent == default_cache_dir():
        private_dir(path.parent)
    else:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    private_file(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
    except sqlite3.Error:
        conn.close()
        raise
    private_file(path)  # and its WAL side files, now that they exist
    return conn


class ResultCache:
    """The parent-side handle: lookups (serial mode), batched writes, stats."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / DB_NAME
        self.error: str | None = None
        self._conn: sqlite3.Connection | None = None
        try:
            try:
                self._conn = _connect(self.path)
            except sqlite3.DatabaseError as exc:
                if type(exc) is not sqlite3.DatabaseError:  # locked, read-only...: give up
                    raise
                # "file is not a database": a damaged cache is disposable, start a new one
                for suffix in ("", "-wal", "-shm"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
                self._conn = _connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            self.error = f"cache disabled ({self.path}): {exc}"

    def get(self, key: str) -> CachedResult | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT payload FROM results WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._disable(exc)
            return None
        return decode_result(row[0]) if row else None

    def put_many(
        self,
        rows: Iterable[tuple[str, str]],
        *,
        used: Iterable[str] = (),
        hits: int = 0,
        misses: int = 0,
    ) -> None:
        """Store ``(key, payload)`` rows, mark ``used`` rows as recent (eviction drops the least
        recently used), and add to the hit/miss counters, all in one transaction."""
        if self._conn is None:
            return
        now = time.time()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany(
                "INSERT OR REPLACE INTO results (key, payload, created) VALUES (?, ?, ?)",
                [(k, p, now) for k, p in rows],
            )
            self._conn.executemany(
                "UPDATE results SET created = ? WHERE key = ?", [(now, k) for k in used]
            )
            for name, value in (("hits", hits), ("misses", misses)):
                self._conn.execute(
                    "INSERT INTO stats (name, value) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                    (name, value),
                )
            self._conn.execute(
                "DELETE FROM results WHERE key IN (SELECT key FROM results ORDER BY created DESC "
                "LIMIT -1 OFFSET ?)",
                (MAX_ROWS,),
            )
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            self._disable(exc)

    def stats(self) -> dict[str, int]:
        """Cumulative ``hits``/``misses`` counters and the number of stored ``rows``."""
        if self._conn is None:
            return {}
        try:
            out = {str(n): int(v) for n, v in self._conn.execute("SELECT name, value FROM stats")}
            out["rows"] = int(self._conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
            return out
        except sqlite3.Error:
            return {}

    def clear(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute("DELETE FROM results")
            self._conn.execute("DELETE FROM stats")
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _disable(self, exc: Exception) -> None:
        self.error = f"cache disabled ({self.path}): {exc}"
        self.close()


# -- worker-side reads ------------------------------------------------------------------------

_reader: tuple[int, str, sqlite3.Connection] | None = None


def worker_lookup(db_path: str, key: str) -> CachedResult | None:
    """Read one entry (from a worker process or the parent); any failure is a miss."""
    global _reader
    pid = os.getpid()
    if _reader is None or _reader[0] != pid or _reader[1] != db_path:
        if _reader is not None and _reader[0] == pid:
            _reader[2].close()  # never close (or use) a connection inherited through fork
        _reader = None
        try:
            uri = Path(db_path).absolute().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
        except (sqlite3.Error, ValueError):
            return None
        _reader = (pid, db_path, conn)
    try:
        row = _reader[2].execute("SELECT payload FROM results WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return decode_result(row[0]) if row else None
