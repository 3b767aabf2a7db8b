"""Fixtures for the LLM package tests: a fresh scripted server and an isolated cache per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hone.llm.cache import LLMCache
from hone.llm.provider import forget_endpoint_modes
from tests.llm.fake_openai import FakeOpenAI


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # Never touch the developer's real cache or key, whatever the environment holds.
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    forget_endpoint_modes()
    yield
    forget_endpoint_modes()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LLMCache]:
    c = LLMCache(tmp_path / "llm-cache.sqlite3")
    yield c
    c.close()
