"""The persistent reply cache: persistence, keys, size bound with LRU eviction, clear, damage."""

from __future__ import annotations

import os
from pathlib import Path

from hone.core.paths import default_cache_dir
from hone.llm.cache import LLMCache, cache_key


def test_put_get_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    a = LLMCache(path)
    a.put("k1", '{"findings": []}', model="m", prompt_version="v")
    a.close()
    b = LLMCache(path)
    assert b.get("k1") == '{"findings": []}'
    assert b.get("nope") is None
    assert (b.hits, b.misses) == (1, 1)
    b.close()


def test_key_depends_on_model_version_and_text() -> None:
    base = cache_key("m", "v1", "text")
    assert base == cache_key("m", "v1", "text")
    assert (
        len(
            {
                base,
                cache_key("m2", "v1", "text"),
                cache_key("m", "v2", "text"),
                cache_key("m", "v1", "text "),
            }
        )
        == 4
    )
    # no ambiguity between parts
    assert cache_key("ab", "c", "d") != cache_key("a", "bc", "d")


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
