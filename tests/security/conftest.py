"""Security tests: real attacks, each asserting no effect and that hone still answers.

Sandbox tests need a working bubblewrap.  Without one they skip on a developer machine and FAIL
under CI (CI=true): a missing sandbox must never pass silently.
"""

from __future__ import annotations

import os

import pytest

from hone.sandbox import Availability, availability


def pytest_configure(config: pytest.Config) -> None:
    # the LSP fixtures' marker, for security tests that reuse tests/lsp's client
    config.addinivalue_line("markers", "hone_clients(*names): run only with these clients")
    config.addinivalue_line("markers", "hone_session(**options): initialise the session so")


@pytest.fixture
def sandbox_ready() -> Availability:
    found = availability()
    if not found.ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but no OS sandbox: {found.reason}")
        pytest.skip(f"no OS sandbox here: {found.reason}")
    return found
