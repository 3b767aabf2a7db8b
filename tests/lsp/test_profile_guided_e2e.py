"""Profile-guided LLM analysis: after "run with timing", the function that took the time is
sent to the LLM first, with what was measured in its prompt."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.lsp.conftest import HoneTestClient, user_settings_file

SRC = """\
def slow_unique(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out


def label(n):
    return f"{n} items"


def main():
    data = [i % 3000 for i in range(30000)]
    print(label(len(slow_unique(data))))


if __name__ == "__main__":
    main()
"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.mark.hone_clients("neovim")
async def test_timed_run_sends_the_hot_function_with_its_measurement(
    client: HoneTestClient, workspace: Path, fake: FakeOpenAI
) -> None:
    user_settings_file().write_text(
        f'[llm]\nbaseUrl = "{fake.base_url}"\nmodel = "fake-model"\n'
        'apiKeyEnv = "HONE_NO_KEY"\ntimeoutSeconds = 5\n'
    )
    fake.respond_with(lambda request, gate=None: Reply.findings([]))
    uri = await client.open(workspace / "prog.py", SRC)
    await client.diagnostics_of(uri)
    assert fake.requests == [], "nothing is sent before a save or a run"

    await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hone.runWithTiming", arguments=[{"uri": uri}])
    )
    await client.wait_until(lambda: bool(fake.requests), timeout=60, what="an LLM request")
    first = fake.requests[0]
    assert "slow_unique" in first.qualnames
    assert "label" not in first.qualnames, "a function that took no time is not sent"
    assert "measured in the program's last timed run" in first.user_text.lower()
    assert "of the program's run time is spent in its own code" in first.user_text
