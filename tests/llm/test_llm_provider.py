"""The real ``openai`` client over real HTTP against the scripted server (no client mocking)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hone.llm.provider import (
    NO_KEY_PLACEHOLDER,
    CircuitBreaker,
    ErrorKind,
    LLMConfig,
    OutputMode,
    Provider,
    ProviderError,
    parse_retry_after,
)
from tests.llm.fake_openai import LLAMA_CPP_JSON_SCHEMA_ERROR, FakeOpenAI, Reply, finding

SECRET_KEY = "sk-test-0123456789abcdefSECRETKEY"


def _provider(server: FakeOpenAI, **kw: object) -> Provider:
    config = LLMConfig(
        base_url=server.base_url,
        model="test-model",
        api_key_env="HONE_TEST_KEY",
        timeout_seconds=float(kw.pop("timeout", 5.0)),  # type: ignore[arg-type]
        max_concurrency=int(kw.pop("concurrency", 2)),  # type: ignore[call-overload]
    )
    environ = kw.pop("environ", {})
    return Provider(config, environ=environ, **kw)  # type: ignore[arg-type]


async def test_findings_reply(fake: FakeOpenAI) -> None:
    fake.queue(Reply.findings([finding(rewrite="def f():\n    pass\n", estimated_speedup=4)]))
    p = _provider(fake)
    c = await p.complete("system text", "user text")
    assert c.mode is OutputMode.JSON_SCHEMA
    assert c.reply.findings[0].rewrite == "def f():\n    pass\n"
    assert c.prompt_tokens > 0
    req = fake.requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.body["model"] == "test-model"
    assert [m["role"] for m in req.messages] == ["system", "user"]
    assert req.response_format["json_schema"]["strict"] is True
    assert req.headers["authorization"] == f"Bearer {NO_KEY_PLACEHOLDER}"
    assert p.stats.requests == 1 and p.stats.succeeded == 1
    await p.aclose()


async def test_api_key_comes_from_the_named_variable(fake: FakeOpenAI) -> None:
    p = _provider(fake, environ={"HONE_TEST_KEY": SECRET_KEY})
    await p.complete("s", "u")
    assert fake.requests[0].headers["authorization"] == f"Bearer {SECRET_KEY}"
    await p.aclose()


async def test_json_schema_rejected_falls_back_and_is_remembered() -> None:
    with FakeOpenAI(reject_json_schema=True) as server:
        server.respond_with(Reply.findings([finding()]))
        p = _provider(server)
        c = await p.complete("s", "u")
        assert c.mode is OutputMode.JSON_OBJECT_SCHEMA
        assert [r.response_format_type for r in server.requests] == ["json_schema", "json_object"]
        assert server.requests[1].response_format["schema"]["required"] == ["findings"]
        # remembered per endpoint, also by a new provider for the same endpoint
        p2 = _provider(server)
        await p2.complete("s", "u")
        assert server.requests[2].response_format_type == "json_object"
        assert p.stats.fallbacks == 1 and p2.stats.fallbacks == 0
        await p.aclose()
        await p2.aclose()


async def test_endpoint_without_response_format_gets_plain_requests() -> None:
    with FakeOpenAI(reject_response_format=True) as server:
        server.respond_with(Reply.text('Sure:\n```json\n{"findings": []}\n```'))
        p = _provider(server)
        c = await p.complete("s", "u")
        assert c.mode is OutputMode.PLAIN
        assert [r.response_format_type for r in server.requests] == [
            "json_schema",
            "json_object",
            "json_object",
            None,
        ]
        await p.aclose()


async def test_a_plain_500_is_not_mistaken_for_a_format_rejection(fake: FakeOpenAI) -> None:
    fake.queue(Reply.error(500, "CUDA out of memory"), Reply.error(500, "CUDA out of memory"))
    p = _provider(fake, sleep=_no_sleep)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.SERVER
    assert len(fake.requests) == 2, "one retry"
    assert all(r.response_format_type == "json_schema" for r in fake.requests)
    assert p.stats.fallbacks == 0
    await p.aclose()


@pytest.mark.parametrize(
    "reply",
    [
        Reply.text('```json\n{"findings": [{"message": "m", "start_line": 1}]}\n```'),
        Reply.text('I found one issue.\n{"findings": [{"message": "m", "start_line": 1}]}\nBye'),
    ],
)
async def test_fenced_and_prose_wrapped_json(fake: FakeOpenAI, reply: Reply) -> None:
    fake.queue(reply)
    p = _provider(fake)
    c = await p.complete("s", "u")
    assert [f.message for f in c.reply.findings] == ["m"]
    await p.aclose()


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (Reply.text('{"findings": [{"message": "m", '), "no JSON"),
        (Reply.text("I think the code is fine."), "no JSON"),
        (Reply.text(""), "empty"),
        (Reply.text('{"findings": [{"message": "m"', finish_reason="length"), "token limit"),
        (Reply.not_json(), "not valid JSON"),
        (Reply(body=b'{"unexpected": true}'), "no choices"),
    ],
)
async def test_malformed_replies(fake: FakeOpenAI, reply: Reply, fragment: str) -> None:
    fake.queue(reply)
    p = _provider(fake)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.BAD_REPLY
    assert fragment in info.value.message
    assert len(fake.requests) == 1, "a bad answer is not retried"
    assert not p.breaker.is_open and p.breaker.failures == 0
    await p.aclose()


class _Sleeps:
    """A fake clock whose sleep records the delay and advances time instantly."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds


async def _no_sleep(seconds: float) -> None:
    return None


async def test_429_honours_retry_after(fake: FakeOpenAI) -> None:
    sleeps = _Sleeps()
    fake.queue(Reply.rate_limited("7"), Reply.findings([finding()]))
    p = _provider(fake, sleep=sleeps, clock=sleeps.clock)
    c = await p.complete("s", "u")
    assert len(c.reply.findings) == 1
    assert len(fake.requests) == 2
    assert sleeps.calls == [7.0]
    assert p.stats.retries == 1
    await p.aclose()


async def test_429_retry_after_ms_and_http_date() -> None:
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({}) is None


async def test_429_too_long_is_not_waited_for_and_pauses_the_endpoint(fake: FakeOpenAI) -> None:
    sleeps = _Sleeps()
    fake.queue(Reply.rate_limited("3600"))
    p = _provider(fake, sleep=sleeps, clock=sleeps.clock)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 3600
    assert sleeps.calls == []
    # the next request is refused locally: nothing is sent while the endpoint asked us to wait
    with pytest.raises(ProviderError) as again:
        await p.complete("s", "u")
    assert again.value.kind is ErrorKind.RATE_LIMITED
    assert len(fake.requests) == 1
    await p.aclose()


async def test_429_retries_are_bounded(fake: FakeOpenAI) -> None:
    fake.respond_with(Reply.rate_limited("1"))
    p = _provider(fake, sleep=_no_sleep, max_retries=2)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert len(fake.requests) == 3
    await p.aclose()


async def test_500_is_retried_once_then_reported(fake: FakeOpenAI) -> None:
    fake.queue(Reply.error(500, "overloaded"), Reply.findings([finding()]))
    p = _provider(fake, sleep=_no_sleep)
    c = await p.complete("s", "u")
    assert len(c.reply.findings) == 1 and len(fake.requests) == 2
    await p.aclose()


async def test_hang_times_out(fake: FakeOpenAI) -> None:
    fake.queue(Reply.hanging())
    p = _provider(fake, timeout=0.5)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.TIMEOUT
    assert "0.5 s" in info.value.message
    assert len(fake.requests) == 1, "a timeout is not retried"
    await p.aclose()


async def test_truncated_body(fake: FakeOpenAI) -> None:
    fake.queue(Reply.truncated([finding()]), Reply.truncated([finding()]))
    p = _provider(fake, sleep=_no_sleep)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.UNREACHABLE
    assert "broke mid-reply" in info.value.message
    await p.aclose()


async def test_unreachable_endpoint() -> None:
    server = FakeOpenAI().start()
    url = server.base_url
    server.stop()  # nothing listens on that port any more
    p = Provider(LLMConfig(base_url=url, timeout_seconds=2.0), environ={}, sleep=_no_sleep)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.UNREACHABLE
    assert "cannot reach" in info.value.message
    await p.aclose()


async def test_not_configured() -> None:
    p = Provider(LLMConfig(base_url=""), environ={})
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.NOT_CONFIGURED


async def test_bad_credentials_message_never_contains_the_key(
    fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    fake.respond_with(Reply.error(401, f"Incorrect API key provided: {SECRET_KEY}"))
    p = _provider(fake, environ={"HONE_TEST_KEY": SECRET_KEY})
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.AUTH
    assert "HONE_TEST_KEY" in info.value.message
    assert SECRET_KEY not in info.value.message and SECRET_KEY[:12] not in str(info.value)
    assert SECRET_KEY not in caplog.text
    # credentials do not fix themselves: the breaker is open, nothing more is sent
    with pytest.raises(ProviderError) as again:
        await p.complete("s", "u")
    assert again.value.kind is ErrorKind.CIRCUIT_OPEN
    assert len(fake.requests) == 1
    await p.aclose()


async def test_other_4xx_messages_are_scrubbed(fake: FakeOpenAI) -> None:
    fake.respond_with(Reply.error(400, f"bad request from key {SECRET_KEY}"))
    p = _provider(fake, environ={"HONE_TEST_KEY": SECRET_KEY})
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.REJECTED
    assert SECRET_KEY not in info.value.message
    await p.aclose()


async def test_404_hints_at_model_and_url(fake: FakeOpenAI) -> None:
    fake.respond_with(Reply.error(404, "model not found"))
    p = _provider(fake)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.REJECTED and "test-model" in info.value.message
    await p.aclose()


async def test_circuit_breaker_opens_and_recovers(fake: FakeOpenAI) -> None:
    now = [1000.0]
    fake.respond_with(Reply.error(503, "down"))
    p = _provider(
        fake,
        sleep=_no_sleep,
        clock=lambda: now[0],
        breaker_threshold=3,
        breaker_cooldown=30.0,
        max_retries=0,
    )
    for _ in range(3):
        with pytest.raises(ProviderError) as info:
            await p.complete("s", "u")
        assert info.value.kind is ErrorKind.SERVER
    assert p.breaker.is_open
    sent = len(fake.requests)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.CIRCUIT_OPEN
    assert len(fake.requests) == sent, "nothing sent while open"
    # after the cooldown one probe goes through; its success closes the breaker
    now[0] += 31
    fake.respond_with(Reply.findings([]))
    await p.complete("s", "u")
    assert not p.breaker.is_open
    assert len(fake.requests) == sent + 1
    await p.aclose()


def test_breaker_half_open_failure_doubles_cooldown() -> None:
    now = [0.0]
    b = CircuitBreaker(threshold=2, cooldown=10, clock=lambda: now[0])
    b.failure()
    assert b.allow()
    b.failure()
    assert not b.allow()
    now[0] = 11
    assert b.allow()  # the probe
    assert not b.allow()  # only one probe at a time
    b.failure()
    assert b.cooldown == 20 and not b.allow()
    now[0] = 32
    assert b.allow()
    b.success()
    assert b.allow() and b.failures == 0


async def test_concurrency_limit(fake: FakeOpenAI) -> None:
    gate = threading.Event()
    fake.respond_with(lambda request: Reply.findings([], gate=gate))
    p = _provider(fake, concurrency=2)
    tasks = [asyncio.create_task(p.complete("s", f"u{i}")) for i in range(6)]
    assert await fake.wait_in_flight(2)
    # a third request would arrive within milliseconds if the limit did not hold
    assert not await fake.wait_in_flight(3, timeout=0.5)
    assert len(fake.requests) == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert len(fake.requests) == 6
    assert fake.max_in_flight == 2
    await p.aclose()


async def test_cancellation_closes_the_request(fake: FakeOpenAI) -> None:
    fake.queue(Reply.hanging())
    p = _provider(fake, timeout=30)
    task = asyncio.create_task(p.complete("s", "u"))
    assert await fake.wait_requests(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not p.breaker.is_open and p.breaker.failures == 0
    await p.aclose()


def test_llama_cpp_message_is_the_real_one() -> None:
    assert "json_schema" in LLAMA_CPP_JSON_SCHEMA_ERROR


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/v1"])
async def test_base_url_that_is_not_http(url: str) -> None:
    p = Provider(LLMConfig(base_url=url, timeout_seconds=2.0), environ={}, sleep=_no_sleep)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert info.value.kind is ErrorKind.UNREACHABLE
    assert "not an http(s) URL" in info.value.message
    await p.aclose()


async def test_credentials_in_the_base_url_are_not_shown() -> None:
    server = FakeOpenAI().start()
    port = server.port
    server.stop()
    url = f"http://bob:hunter2secret@127.0.0.1:{port}/v1"
    p = Provider(LLMConfig(base_url=url, timeout_seconds=2.0), environ={}, sleep=_no_sleep)
    with pytest.raises(ProviderError) as info:
        await p.complete("s", "u")
    assert "hunter2secret" not in info.value.message and "bob" not in info.value.message
    await p.aclose()


async def test_sampling_is_sent_only_when_asked(fake: FakeOpenAI) -> None:
    from hone.llm.provider import Sampling

    p = _provider(fake)
    await p.complete("s", "u")
    assert all(fake.requests[0].param(k) is None for k in ("temperature", "seed", "n"))
    await p.complete("s", "u", sampling=Sampling(temperature=0.0, seed=7, max_tokens=50))
    req = fake.requests[1]
    assert (req.param("temperature"), req.param("seed"), req.param("max_tokens")) == (0.0, 7, 50)
    await p.aclose()


async def test_the_given_schema_travels_in_llama_cpp_mode() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
    with FakeOpenAI(reject_json_schema=True) as fake:
        p = _provider(fake)
        await p.complete("s", "u", schema=schema)
        assert fake.requests[0].response_format["json_schema"]["schema"] == schema
        assert fake.requests[1].response_format == {"type": "json_object", "schema": schema}
        await p.aclose()


async def test_free_text_answers_with_several_choices(fake: FakeOpenAI) -> None:
    from hone.llm.provider import Sampling

    fake.queue(Reply.several(["one", "two"]), Reply(content="only"))
    p = _provider(fake)
    done = await p.complete_text("s", "u", sampling=Sampling(n=2))
    assert done.contents == ("one", "two") and p.supports_n is True
    assert fake.requests[0].response_format is None  # free text: no response_format
    done = await p.complete_text("s", "u", sampling=Sampling(n=2))
    assert done.contents == ("only",) and p.supports_n is False
    await p.aclose()
