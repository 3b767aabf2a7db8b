"""A plain ``pip install .`` (its own venv, the declared dependencies only, nothing from the test
extra) generates inputs for a type-hinted function: Hypothesis is a runtime dependency.

The venv is installed offline from ``build/wheelhouse`` (filled by ``.ci/install``); the server
the test talks to is that venv's ``hone serve``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.llm.fake_openai import FakeOpenAI
from tests.lsp.conftest import HoneTestClient
from tests.lsp.test_verify_e2e import (
    CORRECT,
    SRC,
    VERDICT_TIMEOUT_S,
    configure,
    llm,
    reply_with,
    verification_of,
)

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "build" / "wheelhouse"


@pytest.fixture(scope="module")
def installed_hone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not any(WHEELHOUSE.glob("hypothesis-*.whl")):
        message = f"no wheels in {WHEELHOUSE}: run bash .ci/install"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (required under CI)", pytrace=False)
        pytest.skip(message)
    target = tmp_path_factory.mktemp("plain-install") / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    offline = ["--no-index", "--find-links", str(WHEELHOUSE)]
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *offline, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # nothing of the test environment leaks in: it is its own interpreter and packages
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "hone-lsp==" in listed and "hypothesis==" in listed and "pytest" not in listed
    assert sys.prefix != str(target)
    return target / "bin" / "hone"


@pytest.fixture(autouse=True)
def _installed_server(
    installed_hone: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HONE_TEST_SERVER_EXE", str(installed_hone))
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


async def test_the_installed_server_verifies_on_inputs_it_generated(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    configure(workspace, fake)
    fake.respond_with(reply_with(CORRECT))
    uri = await client.open(workspace / "mod.py", SRC)
    await client.diagnostics_of(uri)
    client.save(uri)
    diags = await client.wait_diagnostics(
        uri,
        lambda ds: any("verified on" in verification_of(d) for d in llm(ds)),
        timeout=VERDICT_TIMEOUT_S,
    )
    [d] = llm(diags)
    # no recorded run, no tests, no call site: the inputs come from the type hints
    checked = [m.message for m in client.log_messages if "checked a rewrite of unique" in m.message]
    assert checked and "Sample inputs: 31 generated." in checked[-1], checked
    actions = await client.code_actions(uri, d.range.start.line, 0, d.range.end.line, 0)
    [rewrite] = [a for a in actions if a.title.startswith("Apply optimized rewrite")]
    assert "verified on " in rewrite.title
