"""The shared path vocabulary: URIs, the cache location, and the one exclusion matcher."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from hone.core.codes import ENGINE_CODES, IGNORE_COMMENT_RE, ignored_codes
from hone.core.paths import (
    ExcludeMatcher,
    default_cache_dir,
    is_excluded,
    uri_to_path,
    uri_to_path_text,
)


@pytest.mark.skipif(os.name == "nt", reason="POSIX path spelling")
def test_uri_to_path() -> None:
    assert uri_to_path("file:///a%20b/c%23.py") == Path("/a b/c#.py")
    assert uri_to_path("file:///C:/x/y.py") == Path("c:/x/y.py")
    assert uri_to_path("file://server/share/x.py") == Path("//server/share/x.py")
    assert uri_to_path("file://localhost/tmp/x.py") == Path("/tmp/x.py")
    assert uri_to_path("untitled:Untitled-1") is None
    assert uri_to_path("file://") is None
    assert uri_to_path("http://[::1") is None  # malformed: not a file, not an exception
    assert uri_to_path_text("untitled:Untitled-1") == "Untitled-1"
    assert uri_to_path_text("file:///p/.env") == "/p/.env"


def test_default_cache_dir_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("HONE_CACHE_DIR")
    assert default_cache_dir().name == "hone"


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        # "*" and "?" stay within one component; "**" spans folders
        ("/p/a/b/x.py", "a/*.py", False),
        ("/p/a/b/x.py", "a/*/x.py", True),
        ("/p/a/b/x.py", "a/**/x.py", True),
        ("/p/a/x.py", "a/**/x.py", True),
        ("/p/a/b/x.py", "a/**", True),
        ("/p/a/b/x.py", "a?b/x.py", False),
        ("/p/gen/x.py", "gen", True),  # a name matches any component, so folders' contents too
        ("/p/general/x.py", "gen", False),
        ("/p/src/gen/x.py", "src/gen", True),  # a matching folder excludes what is below it
        ("/p/x1.py", "x[0-9].py", True),
        ("/p/xa.py", "x[!0-9].py", True),
        ("/p/x1.py", "x[!0-9].py", False),
        ("/p/x.py", "[", False),  # an unclosed class is a literal, not an error
        # case-insensitive (issue 12): Secrets.py must not reach the model
        ("/p/app/Secrets.py", "*secret*", True),
        ("/p/app/SECRET_KEYS.py", "**/*secret*.py", True),
        ("/p/CONFIG/.ENV", "**/.env", True),
        ("/p/a.py", "", False),
        ("C:\\p\\gen\\x.py", "gen/*", True),  # backslashes are separators
    ],
)
def test_glob_semantics(path: str, pattern: str, expected: bool) -> None:
    assert is_excluded(path, [pattern]) is expected


def test_bases_anchor_slash_patterns(tmp_path: Path) -> None:
    f = tmp_path / "src" / "gen" / "x_pb2.py"
    assert is_excluded(f, ["src/gen/*"], [tmp_path])
    assert is_excluded(f, ["/src/gen/*"], [tmp_path])
    assert not is_excluded(f, ["gen/*"], [tmp_path])  # anchored at the base...
    assert is_excluded(f, ["gen/*"], [tmp_path / "src"])  # ...any base that contains it
    assert is_excluded(f, ["gen/*"])  # no base: relative to any ancestor
    assert not is_excluded(f, ["/gen/*"])
    # name patterns look below the nearest base only: the user checked a folder named "build"
    base = PurePosixPath("/home/u/build/proj")
    assert not is_excluded(base / "x.py", ["build"], [base])
    assert is_excluded(base / "build" / "x.py", ["build"], [base])
    assert is_excluded("/elsewhere/build/x.py", ["build"], [base])  # outside every base


def test_matcher_is_reusable_and_empty_matches_nothing() -> None:
    m = ExcludeMatcher(["  ", "dist/", "*.pem"])
    assert not ExcludeMatcher(["", " "])
    assert m.matches("/p/dist/x.py") and m.matches("/p/keys/Server.PEM")
    assert not m.matches("/p/distx/x.py")


def test_engine_codes_and_ignore_comments() -> None:
    assert {"HONE000", "HONE001", "HONE002", "HONE003"} == ENGINE_CODES
    assert ignored_codes("x = 1  # hone: ignore") == set()
    assert ignored_codes("x = 1  # HONE: Ignore[hone101, HONE2 ]") == {"HONE101", "HONE2"}
    assert ignored_codes("x = 1  # a comment") is None
    assert IGNORE_COMMENT_RE.search("#hone:ignore[]") is not None
