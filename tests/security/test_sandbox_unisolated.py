"""Where no OS sandbox can start: ``launch`` refuses, unless the caller passes the user's explicit
consent (``allow_unisolated``); then the same environment allow-list, limits and output cap apply,
and the result says it was not isolated."""

from __future__ import annotations

import json
import sys

import pytest

from hone.sandbox import Availability, Limits, Policy, SandboxUnavailable, launch, process


@pytest.fixture
def no_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "availability", lambda: Availability(False, "namespaces off"))


async def test_without_consent_nothing_runs(no_sandbox: None) -> None:
    with pytest.raises(SandboxUnavailable, match="namespaces off"):
        await launch([sys.executable, "-c", "print(1)"], Policy())


async def test_with_consent_it_runs_contained_but_not_isolated(
    no_sandbox: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-unisolated-secret")
    code = (
        "import json, os, resource, sys\n"
        "print(json.dumps({'env': dict(os.environ),"
        " 'as': resource.getrlimit(resource.RLIMIT_AS)[0]}))\n"
        "sys.stderr.write('e' * 100000)\n"
    )
    box = await launch(
        [sys.executable, "-c", code],
        Policy(limits=Limits(memory_mb=512, max_output_kb=20)),
        allow_unisolated=True,
    )
    assert not box.isolated
    result = await box.wait()
    assert not result.isolated and result.returncode == 0
    seen = json.loads(result.stdout.splitlines()[0])
    assert "OPENAI_API_KEY" not in seen["env"] and seen["env"]["HOME"] == seen["env"]["TMPDIR"]
    assert seen["as"] == 512 << 20
    assert len(result.stdout) + len(result.stderr) == 20 * 1024 and result.truncated


async def test_with_consent_the_time_limit_still_ends_its_process_group(no_sandbox: None) -> None:
    box = await launch(
        [sys.executable, "-c", "import subprocess\nsubprocess.run(['sleep', '300'])"],
        Policy(limits=Limits(wall_seconds=1.0)),
        allow_unisolated=True,
    )
    result = await box.wait()
    assert result.timed_out and result.killed and result.returncode == -9
