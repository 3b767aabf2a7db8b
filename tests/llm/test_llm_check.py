"""``hone llm check`` against the scripted endpoint over real HTTP (and the CLI as a process)."""

from __future__ import annotations

import json
import subprocess
import sys

from hone.llm.check import check_endpoint
from hone.llm.provider import LLMConfig
from tests.llm.fake_openai import FakeOpenAI, Reply


async def test_a_llama_cpp_like_endpoint() -> None:
    with FakeOpenAI(reject_json_schema=True, models=["qwen", "other"]) as fake:
        fake.respond_with(Reply(content='{"ok": true}'))
        report = await check_endpoint(LLMConfig(base_url=fake.base_url, model="qwen"))
        assert report.reachable
        assert [(m.mode, m.ok) for m in report.modes] == [
            ("json_schema", False),
            ("json_object+schema", True),
            ("json_object", True),
            ("plain", True),
        ]
        assert report.best_mode == "json_object+schema"
        assert report.models == ["other", "qwen"]
        assert report.n_choices is False  # one choice for n=2
        assert report.latency_s is not None
        text = "\n".join(report.lines())
        assert "hone will use: json_object+schema" in text
        assert "one request per candidate" in text
        # the probes are tiny and deterministic
        probe = fake.requests[1]
        assert probe.param("max_tokens") == 16 and probe.param("temperature") == 0.0


async def test_an_endpoint_that_honours_n_and_json_schema() -> None:
    with FakeOpenAI() as fake:
        fake.respond_with(
            lambda req: Reply.several(["hi", "hello"]) if req.param("n") else Reply(content="{}")
        )
        report = await check_endpoint(LLMConfig(base_url=fake.base_url, model="m"))
        assert report.best_mode == "json_schema"
        assert report.n_choices is True
        assert report.models is None  # no /models here
        assert "does not list them" in "\n".join(report.lines())


async def test_unreachable_and_auth_failures_say_why() -> None:
    with FakeOpenAI() as fake:
        url = fake.base_url
    report = await check_endpoint(LLMConfig(base_url=url, model="m"))
    assert not report.reachable
    assert "cannot reach" in report.error
    with FakeOpenAI() as fake:
        fake.respond_with(Reply.error(401, "bad key"))
        report = await check_endpoint(
            LLMConfig(base_url=fake.base_url, model="m", api_key_env="HONE_CHECK_KEY"),
            environ={},
        )
        assert not report.reachable
        assert "HONE_CHECK_KEY is not set" in report.error
        assert len(fake.requests) == 1  # no point trying the other modes


def test_the_cli_reports_as_json() -> None:
    with FakeOpenAI(reject_json_schema=True, models=["local"]) as fake:
        fake.respond_with(Reply(content='{"ok": true}'))
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "hone",
                "llm",
                "check",
                "--base-url",
                fake.base_url,
                "--model",
                "local",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["best_mode"] == "json_object+schema"
    assert data["models"] == ["local"]


def test_the_cli_needs_an_endpoint() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hone", "llm", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "--base-url or --preset" in proc.stderr
