"""The persistent reply cache: persistence, keys, size bound with LRU eviction, clear, damage,
private file modes, and replies kept apart per endpoint and model."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from hone.core.finding import Category, Severity
from hone.core.paths import default_cache_dir
from hone.llm.cache import CACHE_FILE, LLMCache, cache_key
from hone.llm.provider import LLMConfig
from hone.llm.schema import ReplyFinding


def test_put_get_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    a = LLMCache(path)
    a.put("k1", '{"findings": []}')
    a.close()
    b = LLMCache(path)
    assert b.get("k1") == '{"findings": []}'
    assert b.get("nope") is None
    assert (b.hits, b.misses) == (1, 1)
    b.close()


def test_key_depends_on_endpoint_model_version_and_text() -> None:
    base = cache_key("http://e/v1", "m", "v1", "text")
    assert base == cache_key("http://e/v1", "m", "v1", "text")
    variants = {
        base,
        cache_key("http://other/v1", "m", "v1", "text"),
        cache_key("http://e/v1", "m2", "v1", "text"),
        cache_key("http://e/v1", "m", "v2", "text"),
        cache_key("http://e/v1", "m", "v1", "text "),
    }
    assert len(variants) == 5
    # no ambiguity between parts
    assert cache_key("e", "ab", "c", "d") != cache_key("e", "a", "bc", "d")


ITEM = ReplyFinding(
    "f", 1, 2, Severity.WARNING, Category.PERFORMANCE, "slow", rewrite="def f():\n    pass\n"
)


def test_a_reply_is_only_returned_for_its_own_endpoint_and_model(tmp_path: Path) -> None:
    """Cache poisoning: a reply stored while a hostile project's endpoint was configured must
    never answer for the user's own endpoint (or another model), even with the same text."""
    hostile = LLMConfig(base_url="http://attacker.example/v1", model="m")
    own = LLMConfig(base_url="https://api.example.com/v1", model="m")
    c = LLMCache(tmp_path / CACHE_FILE)
    c.put_reply(hostile, "the same prompt", [ITEM])
    assert c.get_reply(own, "the same prompt") is None
    assert (
        c.get_reply(LLMConfig(base_url=hostile.base_url, model="other"), "the same prompt") is None
    )
    reply = c.get_reply(hostile, "the same prompt")
    assert reply is not None and reply.findings == (ITEM,)
    # the same endpoint spelt with a trailing slash or credentials is the same endpoint
    same = LLMConfig(base_url="http://user:pw@attacker.example/v1/", model="m")
    assert c.get_reply(same, "the same prompt") is not None
    c.close()


def test_size_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    c = LLMCache(tmp_path / "c.sqlite3", max_bytes=10_000)
    value = "x" * 1000
    for i in range(5):
        c.put(f"k{i}", value)
    assert c.get("k0") == value  # k0 is now the most recently used
    for i in range(5, 12):
        c.put(f"k{i}", value)
    entries, size = c.stats()
    assert size <= 10_000
    assert entries < 12
    assert c.get("k0") == value, "recently used entry survived"
    assert c.get("k1") is None, "least recently used entry evicted"
    c.close()


def test_oversized_value_not_stored(tmp_path: Path) -> None:
    c = LLMCache(tmp_path / "c.sqlite3", max_bytes=1000)
    c.put("big", "y" * 5000)
    assert c.get("big") is None
    c.close()


def test_clear(tmp_path: Path) -> None:
    c = LLMCache(tmp_path / "c.sqlite3")
    c.put("a", "1")
    c.put("b", "2")
    assert c.clear() == 2
    assert c.get("a") is None and c.stats() == (0, 0)
    c.close()


def test_corrupt_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    c = LLMCache(path)
    c.put("a", "1")
    assert c.get("a") == "1"
    assert path.with_suffix(".corrupt").exists()
    c.close()


def test_unusable_location_degrades_to_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    c = LLMCache(blocker / "sub" / "c.sqlite3")
    c.put("a", "1")  # must not raise
    assert c.get("a") is None
    assert c.clear() == 0
    c.close()


def test_default_dir_honours_env(tmp_path: Path) -> None:
    assert default_cache_dir() == Path(os.environ["HONE_CACHE_DIR"])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_cache_dir_and_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would give 0755 / 0644
    try:
        folder = tmp_path / "new" / "hone"
        c = LLMCache(folder / CACHE_FILE)
        c.put("a", "1")
    finally:
        os.umask(old)
    assert _mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert files, "the database exists"
    for f in files:  # the database and its WAL side files
        assert _mode(f) == 0o600, f
    c.close()


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_looser_modes_left_by_an_older_hone_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "hone"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / CACHE_FILE
    conn = sqlite3.connect(path)  # an old cache: other layout, world-readable
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE replies (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO replies VALUES ('k', 'old reply')")
    conn.commit()
    conn.close()
    path.chmod(0o644)
    c = LLMCache(path)
    assert c.get("k") is None  # old keys left out the endpoint: their rows are dropped
    c.put("k", "new")
    assert _mode(folder) == 0o700 and _mode(path) == 0o600
    assert all(_mode(f) == 0o600 for f in folder.iterdir())
    c.close()


def test_a_lowered_size_bound_applies_on_the_next_write(tmp_path: Path) -> None:
    """llm.cacheMaxMb can change while the server runs: the store shrinks to the new bound."""
    c = LLMCache(tmp_path / CACHE_FILE, max_bytes=100_000)
    for i in range(20):
        c.put(f"k{i}", "x" * 1000)
    assert c.stats()[0] == 20
    c.max_bytes = 5_000
    c.put("last", "y" * 1000)
    assert c.stats()[1] <= 5_000 and c.get("last") is not None and c.get("k0") is None
    c.close()
