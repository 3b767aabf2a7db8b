"""The content-hash result cache: hits, invalidation, robustness."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from hone.cli import cache as cache_mod
from hone.cli.cache import ResultCache
from tests.cli.conftest import HoneRunner, write

SLOW = "x = sorted(a)[0]\n"


def _stats(cache_dir: Path) -> dict[str, int]:
    c = ResultCache(cache_dir)
    try:
        return c.stats()
    finally:
        c.close()


def test_second_run_is_served_from_the_cache(
    project: Path, hone: HoneRunner, cache_dir: Path
) -> None:
    write(project / "a.py", SLOW)
    write(project / "b.py", "y = 1\n")
    first = hone("check", "--format", "json", ".")
    assert _stats(cache_dir) == {"hits": 0, "misses": 2, "rows": 2}
    second = hone("check", "--format", "json", "-v", ".")
    assert _stats(cache_dir) == {"hits": 2, "misses": 2, "rows": 2}
    assert "2 files: 2 from cache, 0 analysed" in second.err
    assert (second.rc, second.out) == (first.rc, first.out)  # identical report

    write(project / "b.py", "y = 2\n")  # only the changed file is analysed again
    third = hone("check", "-v", ".")
    assert "2 files: 1 from cache, 1 analysed" in third.err
    assert _stats(cache_dir)["misses"] == 3


def test_settings_change_invalidates(project: Path, hone: HoneRunner, cache_dir: Path) -> None:
    write(project / "a.py", SLOW)
    hone("check", "a.py")
    assert hone("check", "--ignore", "HONE201", "a.py").rc == 0  # not the cached finding
    assert _stats(cache_dir)["misses"] == 2
    write(project / "pyproject.toml", '[tool.hone.rules]\nignore = ["HONE2"]\n')
    assert hone("check", "a.py").rc == 0
    assert _stats(cache_dir)["misses"] == 3
    # the same effective settings, from another layer, share the cached result
    assert hone("check", "--ignore", "HONE2", "a.py").rc == 0
    assert _stats(cache_dir) == {"hits": 1, "misses": 3, "rows": 3}


def test_code_fingerprint_change_invalidates(
    project: Path, hone: HoneRunner, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "a.py", SLOW)
    hone("check", "a.py")
    monkeypatch.setattr(cache_mod, "code_fingerprint", lambda: "a rule was edited")
    hone("check", "a.py")
    assert _stats(cache_dir) == {"hits": 0, "misses": 2, "rows": 2}


def test_fingerprint_covers_rule_modules(fake_rules: None) -> None:
    with_fake = cache_mod.code_fingerprint()
    from hone.rules import registry

    registry.RULE_MODULES = tuple(m for m in registry.RULE_MODULES if "fake" not in m)
    assert cache_mod.code_fingerprint() != with_fake


def test_no_cache(project: Path, hone: HoneRunner, cache_dir: Path) -> None:
    write(project / "a.py", SLOW)
    hone("check", "--no-cache", "a.py")
    hone("check", "--no-cache", "a.py")
    assert not (cache_dir / "check-v1.sqlite3").exists()


def test_clear_cache(project: Path, hone: HoneRunner, cache_dir: Path) -> None:
    write(project / "a.py", SLOW)
    hone("check", "a.py")
    r = hone("check", "--clear-cache", "-v", "a.py")
    assert "0 from cache, 1 analysed" in r.err


def test_cache_dir_option(project: Path, hone: HoneRunner, tmp_path: Path) -> None:
    write(project / "a.py", SLOW)
    hone("check", "--cache-dir", str(tmp_path / "elsewhere"), "a.py")
    assert (tmp_path / "elsewhere" / "check-v1.sqlite3").is_file()


def test_corrupt_cache_is_replaced(project: Path, hone: HoneRunner, cache_dir: Path) -> None:
    (cache_dir / "check-v1.sqlite3").write_bytes(b"this is not a database" * 100)
    write(project / "a.py", SLOW)
    r = hone("check", "a.py")
    assert r.rc == 1 and "HONE201" in r.out
    assert _stats(cache_dir)["rows"] == 1


def test_unusable_cache_dir_is_a_warning(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    write(project / "file-not-dir", "x")
    r = hone("check", "--cache-dir", "file-not-dir/sub", "a.py")
    assert r.rc == 1 and "HONE201" in r.out
    assert "cache disabled" in r.err


def test_damaged_row_is_reanalysed(project: Path, hone: HoneRunner, cache_dir: Path) -> None:
    write(project / "a.py", SLOW)
    hone("check", "a.py")
    c = ResultCache(cache_dir)
    assert c._conn is not None
    c._conn.execute("UPDATE results SET payload = ?", (json.dumps({"findings": [{}]}),))
    c.close()
    r = hone("check", "-v", "a.py")
    assert "HONE201" in r.out and "1 analysed" in r.err


def test_fix_uses_the_cache_for_files_without_fixes(
    project: Path, hone: HoneRunner, cache_dir: Path
) -> None:
    write(project / "a.py", SLOW)  # only an unsafe fix
    hone("check", "a.py")
    r = hone("check", "--fix", "-v", "a.py")
    assert "1 from cache" in r.err
    r = hone("check", "--unsafe-fixes", "-v", "a.py")
    assert "0 from cache, 1 analysed" in r.err
    assert (project / "a.py").read_text() == "x = min(a)\n"
    r = hone("check", "-v", "a.py")  # the fixed text was cached by the fix run
    assert "1 from cache" in r.err and r.rc == 0


def test_eviction_drops_the_least_recently_used(
    project: Path, hone: HoneRunner, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "MAX_ROWS", 2)
    write(project / "a.py", SLOW)
    write(project / "b.py", "y = 1\n")
    hone("check", "a.py", "b.py")
    assert "1 from cache" in hone("check", "-v", "a.py").err  # a is now the most recent
    write(project / "c.py", "z = 1\n")
    hone("check", "c.py")
    assert _stats(cache_dir)["rows"] == 2
    assert "1 from cache" in hone("check", "-v", "a.py").err
    assert "1 analysed" in hone("check", "-v", "b.py").err  # b was evicted


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_cache_files_are_private(project: Path, hone: HoneRunner, tmp_path: Path) -> None:
    write(project / "a.py", SLOW)
    folder = tmp_path / "new-cache"
    assert hone("check", "--cache-dir", str(folder), ".").rc == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), files


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_hones_own_cache_folder_is_made_private(
    project: Path, hone: HoneRunner, cache_dir: Path
) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.chmod(0o755)  # left so by an older hone
    write(project / "a.py", SLOW)
    assert hone("check", ".").rc == 1
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
