"""The analyser end to end over real HTTP: what is sent, cached, shown, dropped and said."""

from __future__ import annotations

import ast
import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hone.core.finding import Category, Finding, Safety, Severity
from hone.core.functions import FunctionInfo, index_functions
from hone.core.paths import is_excluded
from hone.core.settings import SPEC_BY_KEY
from hone.core.text import apply_edits, split_lines
from hone.llm.analyzer import SOURCE, LLMAnalyzer
from hone.llm.cache import LLMCache
from hone.llm.provider import LLMConfig, Provider
from hone.llm.rewrite import Rewrite
from tests.llm.fake_openai import FakeOpenAI, RecordedRequest, Reply, finding

URI = "file:///project/app/module.py"

SRC = """\
import os


def dedupe(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def total(xs):
    return sum(xs)


class Box:
    def names(self, people):
        result = ""
        for p in people:
            result += p.name
        return result
"""

DEDUPE_REWRITE = """\
def dedupe(items):
    return list(dict.fromkeys(items))
"""


class Sink:
    def __init__(self) -> None:
        self.statuses: list[tuple[str, str]] = []
        self.notices: list[tuple[str, str]] = []

    def status(self, state: str, reason: str) -> None:
        self.statuses.append((state, reason))

    def notice(self, message: str, level: str) -> None:
        self.notices.append((message, level))


def fns(text: str) -> list[FunctionInfo]:
    return index_functions(ast.parse(text), split_lines(text))


def config(server: FakeOpenAI | None, **kw: float) -> LLMConfig:
    return LLMConfig(
        base_url=server.base_url if server else "",
        model="test-model",
        api_key_env="HONE_TEST_KEY",
        timeout_seconds=kw.get("timeout", 5.0),
        max_concurrency=int(kw.get("concurrency", 2)),
    )


def by_function(
    replies: dict[str, Reply | Callable[[RecordedRequest], Reply]],
) -> Callable[[RecordedRequest], Reply]:
    def respond(request: RecordedRequest) -> Reply:
        reply = replies.get(request.qualname or "", Reply.findings([]))
        return reply(request) if callable(reply) else reply

    return respond


def dedupe_finding(gate: threading.Event | None = None, **kw: object) -> Reply:
    args: dict[str, object] = {
        "function": "dedupe",
        "start_line": 3,
        "end_line": 5,
        "message": "`x not in out` on a list makes dedupe O(n^2)",
        "rewrite": DEDUPE_REWRITE,
        "estimated_speedup": 50,
    }
    args.update(kw)
    return Reply.findings([finding(**args)], gate=gate)  # type: ignore[arg-type]


def analyzer(
    tmp_path: Path, sink: Sink | None = None, *, batch: bool = True, **kw: object
) -> LLMAnalyzer:
    cache = LLMCache(tmp_path / "cache.sqlite3")
    factory = lambda cfg: Provider(cfg, environ={}, **kw)  # type: ignore[arg-type]  # noqa: E731
    return LLMAnalyzer(
        cache,
        sink=sink or Sink(),
        provider_factory=factory,
        batch_max_functions=8 if batch else 1,
    )


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


async def test_findings_with_rewrite(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.respond_with(by_function({"dedupe": dedupe_finding()}))
    sink = Sink()
    an = analyzer(tmp_path, sink)
    progress: list[tuple[int, int]] = []
    report = await an.analyse(
        URI, 1, SRC, config(fake), progress=lambda d, t: progress.append((d, t))
    )
    assert (report.functions, report.sent, report.completed, report.failed) == (3, 3, 3, 0)
    assert report.prompt_tokens_est > 0
    assert sorted(r.qualname for r in fake.requests) == ["Box.names", "dedupe", "total"]
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)
    assert ("analysing", "hone: analysing 3 functions") in sink.statuses
    assert sink.statuses[-1] == ("idle", "")

    f = only(an.findings(URI, SRC, fns(SRC), version=1))
    assert f.source == SOURCE == "hone (llm)"
    assert f.code == "LLM100" and f.category is Category.PERFORMANCE
    assert f.severity is Severity.WARNING
    assert f.function == "dedupe"
    assert "50x faster" in f.message
    assert (f.span.start.line, f.span.start.character) == (5, 4)  # "for x in items:"
    assert f.span.end.line == 7
    assert f.fix is not None and f.fix.safety is Safety.SUGGESTION
    assert f.fix.title == "Apply optimized rewrite"  # the LSP layer adds " (suggestion)"
    assert f.explanation is not None and "+    return list(dict.fromkeys(items))" in f.explanation
    rewrite = f.extra["rewrite"]
    assert isinstance(rewrite, Rewrite)
    assert (rewrite.qualname, rewrite.uri, rewrite.version) == ("dedupe", URI, 1)
    assert rewrite.original_text == fns(SRC)[0].text
    assert f.extra["verification"] is None
    assert "+    return list(dict.fromkeys(items))" in f.extra["diff"]
    new_doc = apply_edits(SRC, list(f.fix.edits))
    ast.parse(new_doc)
    assert "return list(dict.fromkeys(items))" in new_doc
    assert new_doc.replace(DEDUPE_REWRITE, "") == SRC.replace(fns(SRC)[0].text, "")
    await an.aclose()


async def test_only_changed_functions_are_sent(fake: FakeOpenAI, tmp_path: Path) -> None:
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    assert len(fake.requests) == 3
    edited = SRC.replace("return sum(xs)", "return sum(xs) + 0")
    report = await an.analyse(URI, 2, edited, config(fake))
    assert (report.unchanged, report.sent) == (2, 1)
    assert [r.qualname for r in fake.requests[3:]] == ["total"]
    # nothing changed: nothing sent
    report = await an.analyse(URI, 3, edited, config(fake))
    assert report.sent == 0 and report.unchanged == 3 and len(fake.requests) == 4
    await an.aclose()


async def test_findings_move_with_their_function(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.respond_with(by_function({"dedupe": dedupe_finding()}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    before = only(an.findings(URI, SRC, fns(SRC)))
    moved = "# one\n# two\n# three\n" + SRC
    after = only(an.findings(URI, moved, fns(moved)))
    assert after.span == before.span.shifted(3)
    assert after.fix is not None and after.fix.edits[0].span.start.line == 3 + 3
    ast.parse(apply_edits(moved, list(after.fix.edits)))
    report = await an.analyse(URI, 2, moved, config(fake))
    assert report.sent == 0 and len(fake.requests) == 3
    await an.aclose()


async def test_result_for_an_edited_function_is_dropped(fake: FakeOpenAI, tmp_path: Path) -> None:
    gate = threading.Event()
    fake.respond_with(by_function({"dedupe": lambda r: dedupe_finding(gate=gate)}))
    an = analyzer(tmp_path)
    try:
        task = asyncio.create_task(an.analyse(URI, 1, SRC, config(fake)))
        assert await fake.wait_requests(3)
        # the user edits dedupe while its request is in flight (on-save trigger: no new request)
        edited = SRC.replace("out = []", "out = list()")
        gate.set()
        await task
        assert an.findings(URI, edited, fns(edited)) == [], "stale result must not be shown"
        assert len(an.findings(URI, SRC, fns(SRC))) == 1, "(it is kept for the old text, e.g. undo)"
    finally:
        gate.set()
    await an.aclose()


async def test_superseded_request_is_cancelled(fake: FakeOpenAI, tmp_path: Path) -> None:
    gate = threading.Event()
    fake.respond_with(by_function({"dedupe": lambda r: dedupe_finding(gate=gate)}))
    an = analyzer(tmp_path)
    try:
        first = asyncio.create_task(an.analyse(URI, 1, SRC, config(fake)))
        assert await fake.wait_requests(3)
        edited = SRC.replace("out = []", "out = list()")
        fake.respond_with(Reply.findings([]))
        second = await an.analyse(URI, 2, edited, config(fake))
        first_report = await first
        assert second.sent == 1 and second.joined + second.unchanged == 2
        assert [r.qualname for r in fake.requests[3:]] == ["dedupe"]
        assert first_report.completed == 2, "the superseded dedupe request was cancelled"
        assert an.findings(URI, edited, fns(edited)) == []
    finally:
        gate.set()
    await an.aclose()


async def test_unchanged_in_flight_requests_are_joined_not_resent(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    gate = threading.Event()
    fake.respond_with(lambda r: Reply.findings([], gate=gate))
    an = analyzer(tmp_path)
    try:
        first = asyncio.create_task(an.analyse(URI, 1, SRC, config(fake)))
        assert await fake.wait_requests(2)
        second = asyncio.create_task(an.analyse(URI, 2, SRC, config(fake)))
        await asyncio.sleep(0)
        gate.set()
        r1, r2 = await first, await second
        assert r1.completed == 3 and r2.sent + r2.joined + r2.unchanged == 3
        assert len(fake.requests) == 3
    finally:
        gate.set()
    await an.aclose()


async def test_cache_hits_after_editor_restart(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.respond_with(by_function({"dedupe": dedupe_finding()}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    assert len(fake.requests) == 3
    shown = an.findings(URI, SRC, fns(SRC))
    await an.aclose()
    # editor restart: new analyser, new cache connection, same endpoint and model (the key
    # includes both: see test_replies_of_one_endpoint_are_never_shown_for_another)
    an2 = analyzer(tmp_path)
    report = await an2.analyse(URI, 1, SRC, config(fake))
    assert len(fake.requests) == 3
    assert (report.cache_hits, report.sent) == (3, 0)
    again = an2.findings(URI, SRC, fns(SRC))
    assert [f.message for f in again] == [f.message for f in shown]
    assert again[0].extra["llm"]["cached"] is True
    assert again[0].fix == shown[0].fix
    assert an2.clear_cache() == 3
    report = await an2.analyse(URI, 2, SRC, config(fake))
    assert report.sent == 3 and len(fake.requests) == 6
    await an2.aclose()


async def test_planted_secret_never_reaches_the_server(fake: FakeOpenAI, tmp_path: Path) -> None:
    token = "ghp_Zx8vQ2mK9pL4rT7wB1nC5dF3aaaBBBccc123"
    password = "pl4nted-Passw0rd"
    src = (
        f'GITHUB_TOKEN = "{token}"\n'
        "\n\n"
        f'def fetch(url, password="{password}"):\n'
        "    headers = {}\n"
        "    for k in range(3):\n"
        "        headers[str(k)] = GITHUB_TOKEN\n"
        f'    return get(url, auth=("me", "{password}"), headers=headers)\n'
    )
    rewrite = (
        'def fetch(url, password="HONE_REDACTED_2"):\n'
        "    headers = {str(k): GITHUB_TOKEN for k in range(3)}\n"
        '    return get(url, auth=("me", "HONE_REDACTED_2"), headers=headers)\n'
    )
    fake.respond_with(
        lambda r: Reply.findings([finding(function="fetch", start_line=2, rewrite=rewrite)])
    )
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, src, config(fake))
    assert len(fake.requests) == 1
    received = fake.received_text()
    assert token not in received and password not in received
    assert "HONE_REDACTED_1" in received and "HONE_REDACTED_2" in received
    f = only(an.findings(URI, src, fns(src)))
    assert f.fix is not None
    new_text = f.fix.edits[0].new_text
    assert f'password="{password}"' in new_text and f'("me", "{password}")' in new_text
    assert "HONE_REDACTED" not in new_text
    await an.aclose()


async def test_excluded_files_are_never_sent(fake: FakeOpenAI, tmp_path: Path) -> None:
    an = analyzer(tmp_path)
    defaults = SPEC_BY_KEY["llm.exclude"].default
    for uri in ("file:///p/secrets/settings.py", "file:///p/app/my_secret_keys.py"):
        report = await an.analyse(uri, 1, SRC, config(fake), exclude=defaults)
        assert report.excluded
    assert fake.requests == []
    assert is_excluded("/p/.env", defaults) and is_excluded("/p/.env.local", defaults)
    assert not is_excluded("/p/app/module.py", defaults)
    assert is_excluded("/p/generated/x.py", ["generated"])
    assert is_excluded("/p/a/b/gen_x.py", ["**/b/gen_*.py"])
    await an.aclose()


async def test_no_endpoint_configured_says_so_once(tmp_path: Path) -> None:
    sink = Sink()
    an = analyzer(tmp_path, sink)
    for version in range(3):
        report = await an.analyse(URI, version, SRC, config(None))
        assert report.off and report.sent == 0
    assert len(sink.notices) == 1
    message, level = sink.notices[0]
    assert "LLM analysis is off" in message and "llm.baseUrl" in message and level == "info"
    assert sink.statuses[-1][0] == "off"
    await an.aclose()


async def test_unreachable_endpoint_said_once_and_breaker_pauses(tmp_path: Path) -> None:
    server = FakeOpenAI().start()
    cfg = config(server)
    server.stop()
    sink = Sink()
    an = analyzer(tmp_path, sink, breaker_threshold=3, max_retries=0)
    for version in range(3):
        report = await an.analyse(URI, version, SRC, cfg)
        assert report.failed >= 1
    assert len(sink.notices) == 1, sink.notices
    assert (
        "cannot reach" in sink.notices[0][0]
        and "rule diagnostics keep working" in sink.notices[0][0]
    )
    state, reason = sink.statuses[-1]
    assert state == "error" and "paused" in reason
    assert an.provider(cfg).breaker.is_open
    await an.aclose()


async def test_hanging_endpoint_times_out_then_breaker_stops_sending(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    src = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(6))
    fake.respond_with(Reply.hanging())
    sink = Sink()
    an = analyzer(tmp_path, sink, batch=False, breaker_threshold=3)
    report = await an.analyse(URI, 1, src, config(fake, timeout=0.3, concurrency=1))
    assert report.failed == 6 and report.completed == 0
    assert len(fake.requests) == 3, "after 3 timeouts nothing more is sent"
    assert any("did not answer within 0.3 s" in e for e in report.errors)
    assert sink.statuses[-1][0] == "error"
    assert an.findings(URI, src, fns(src)) == []
    await an.aclose()


async def test_wrong_and_out_of_function_ranges(fake: FakeOpenAI, tmp_path: Path) -> None:
    items = [
        finding(function="dedupe", start_line=0, message="zero"),
        finding(function="dedupe", start_line=999, end_line=1000, message="beyond"),
        finding(function="dedupe", start_line=None, message="none"),
        finding(function="dedupe", start_line=5, end_line=2, message="reversed"),
        finding(function="dedupe", start_line=2, end_line=99, message="too long"),
        finding(function="dedupe", start_line=-3, message="negative"),
    ]
    fake.respond_with(by_function({"dedupe": Reply.findings(items)}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    dedupe = fns(SRC)[0]
    found = {f.message: f for f in an.findings(URI, SRC, fns(SRC))}
    assert set(found) == {"zero", "beyond", "none", "reversed", "too long", "negative"}
    for f in found.values():
        assert dedupe.span.start.line <= f.span.start.line <= f.span.end.line <= dedupe.end_line
    for name in ("zero", "beyond", "none", "negative"):
        assert found[name].span.start.line == dedupe.body_start_line
        assert found[name].extra["llm"]["range_adjusted"] is True
    assert found["reversed"].span.start.line == found["reversed"].span.end.line == 3 + 4
    assert found["too long"].span.end.line == dedupe.end_line
    await an.aclose()


async def test_findings_for_another_function_are_dropped(fake: FakeOpenAI, tmp_path: Path) -> None:
    items = [
        finding(function="some_other_function", message="elsewhere"),
        finding(function="def dedupe(items)", message="sloppy but ours"),
        finding(function="", message="unnamed"),
    ]
    fake.respond_with(by_function({"dedupe": Reply.findings(items)}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    assert sorted(f.message for f in an.findings(URI, SRC, fns(SRC))) == [
        "sloppy but ours",
        "unnamed",
    ]
    await an.aclose()


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        ("def dedupe(items, key=None):\n    return list(dict.fromkeys(items))\n", "parameters"),
        ("def dedupe(items):\n    return list(dict.fromkeys(items)\n", "does not parse"),
        ("def deduplicate(items):\n    return list(dict.fromkeys(items))\n", "name"),
        ("import x\ndef dedupe(items):\n    return x.unique(items)\n", "exactly one function"),
    ],
)
async def test_bad_rewrites_are_dropped_but_the_finding_stays(
    fake: FakeOpenAI, tmp_path: Path, rewrite: str, reason: str
) -> None:
    fake.respond_with(by_function({"dedupe": dedupe_finding(rewrite=rewrite)}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    f = only(an.findings(URI, SRC, fns(SRC)))
    assert f.fix is None and f.extra["rewrite"] is None
    assert reason in f.extra["rewrite_rejected"]
    await an.aclose()


async def test_malformed_reply_is_not_resent_until_edited(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.respond_with(by_function({"total": Reply.text("{this is not json")}))
    an = analyzer(tmp_path)
    report = await an.analyse(URI, 1, SRC, config(fake))
    assert (report.completed, report.failed) == (2, 1)
    assert any("unusable model reply" in e for e in report.errors)
    report = await an.analyse(URI, 2, SRC, config(fake))
    assert report.sent == 0 and len(fake.requests) == 3
    await an.aclose()


async def test_transient_failure_is_retried_on_the_next_save(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.respond_with(by_function({"total": Reply.error(503, "busy")}))
    an = analyzer(tmp_path, max_retries=0)
    report = await an.analyse(URI, 1, SRC, config(fake))
    assert report.failed == 1
    fake.respond_with(Reply.findings([]))
    report = await an.analyse(URI, 2, SRC, config(fake))
    assert report.sent == 1 and report.completed == 1
    await an.aclose()


async def test_manual_analysis_considers_every_function(fake: FakeOpenAI, tmp_path: Path) -> None:
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    report = await an.analyse(URI, 1, SRC, config(fake), force=True)
    assert report.unchanged == 0 and report.cache_hits == 3 and len(fake.requests) == 3
    uncached = LLMAnalyzer(None, provider_factory=lambda c: Provider(c, environ={}))
    report = await uncached.analyse(URI, 1, SRC, config(fake), force=True)
    assert report.sent == 3 and len(fake.requests) == 6
    await an.aclose()
    await uncached.aclose()


async def test_concurrency_limit_across_functions(fake: FakeOpenAI, tmp_path: Path) -> None:
    src = "".join(f"def f{i}(x):\n    return x * {i}\n\n\n" for i in range(8))
    gate = threading.Event()
    fake.respond_with(lambda r: Reply.findings([], gate=gate))
    an = analyzer(tmp_path, batch=False)
    try:
        task = asyncio.create_task(an.analyse(URI, 1, src, config(fake, concurrency=3)))
        assert await fake.wait_in_flight(3)
        assert not await fake.wait_in_flight(4, timeout=0.5)
        gate.set()
        report = await task
    finally:
        gate.set()
    assert report.completed == 8 and fake.max_in_flight == 3
    await an.aclose()


async def test_user_cancel_stops_everything(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.respond_with(Reply.hanging())
    an = analyzer(tmp_path)
    task = asyncio.create_task(an.analyse(URI, 1, SRC, config(fake, timeout=30)))
    assert await fake.wait_requests(2)
    an.cancel(URI)
    report = await task
    assert report.completed == 0 and report.failed == 0
    assert not an.provider(config(fake, timeout=30)).breaker.is_open
    await an.aclose()


async def test_same_text_in_two_classes_gets_two_analyses(fake: FakeOpenAI, tmp_path: Path) -> None:
    src = "class A:\n    def f(self):\n        return 1\n\n\nclass B:\n    def f(self):\n        return 1\n"
    fake.respond_with(by_function({"B.f": Reply.findings([finding(function="B.f", start_line=2)])}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, src, config(fake))
    assert sorted(r.qualname for r in fake.requests) == ["A.f", "B.f"]
    assert [f.function for f in an.findings(URI, src, fns(src))] == ["B.f"]
    await an.aclose()


async def test_unparsable_document_is_left_alone(fake: FakeOpenAI, tmp_path: Path) -> None:
    an = analyzer(tmp_path)
    report = await an.analyse(URI, 1, "def broken(:\n    pass\n", config(fake))
    assert report.sent == 0 and fake.requests == []
    await an.aclose()


async def test_reopening_restores_from_the_cache_without_sending(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.respond_with(by_function({"dedupe": dedupe_finding()}))
    an = analyzer(tmp_path)
    await an.analyse(URI, 1, SRC, config(fake))
    await an.aclose()
    an2 = analyzer(tmp_path)
    edited = SRC.replace("return sum(xs)", "return sum(xs) + 1")
    assert await an2.restore_from_cache(URI, 1, edited, config(fake)) == 2
    assert len(fake.requests) == 3
    assert [f.function for f in an2.findings(URI, edited, fns(edited))] == ["dedupe"]
    # what the cache did not have is sent on the next save, and only that
    report = await an2.analyse(URI, 2, edited, config(fake))
    assert report.sent == 1 and report.unchanged == 2
    assert await an2.restore_from_cache(URI, 1, edited, config(None)) == 0
    await an2.aclose()


BATCH_SRC = (
    "import json\n\n\n"
    + "".join(f"def f{i}(x):\n    return json.dumps(x) * {i}\n\n\n" for i in range(5))
    + (
        'def login(user, password="s3cret-Passw0rd"):\n'
        "    for _ in range(3):\n"
        '        ok = check(user, "s3cret-Passw0rd")\n'
        "    return ok\n"
    )
)

LOGIN_REWRITE = (
    'def login(user, password="HONE_REDACTED_{n}"):\n    return check(user, "HONE_REDACTED_{n}")\n'
)


async def test_many_misses_are_batched_and_cached_per_function(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    def respond(request: RecordedRequest) -> Reply:
        # the batch's placeholder numbering is whatever the request shows
        n = request.user_text.split("HONE_REDACTED_")[1][0]
        return Reply.findings(
            [
                finding(function="f1", start_line=2, message="one"),
                finding(
                    function="login",
                    start_line=2,
                    end_line=3,
                    message="loop",
                    rewrite=LOGIN_REWRITE.format(n=n),
                ),
                finding(function="nobody", start_line=1, message="lost"),
            ]
        )

    fake.respond_with(respond)
    an = analyzer(tmp_path)
    report = await an.analyse(URI, 1, BATCH_SRC, config(fake))
    assert (report.functions, report.sent, report.requests, report.completed) == (6, 6, 1, 6)
    [request] = fake.requests
    assert request.qualnames == ["f0", "f1", "f2", "f3", "f4", "login"]
    assert request.user_text.count("import json") == 1, "imports sent once per batch"
    assert "s3cret-Passw0rd" not in fake.received_text()
    found = {f.function: f for f in an.findings(URI, BATCH_SRC, fns(BATCH_SRC))}
    assert set(found) == {"f1", "login"}
    assert found["f1"].span.start.line == fns(BATCH_SRC)[1].start_line + 1
    login = found["login"]
    assert login.fix is not None
    assert login.fix.edits[0].new_text.count('"s3cret-Passw0rd"') == 2
    await an.aclose()
    # every function was cached under its own prompt: a restart finds them all
    again = analyzer(tmp_path)
    report = await again.analyse(URI, 1, BATCH_SRC, config(fake))
    assert (report.cache_hits, report.sent) == (6, 0) and len(fake.requests) == 1
    assert {f.function for f in again.findings(URI, BATCH_SRC, fns(BATCH_SRC))} == {"f1", "login"}
    await again.aclose()


async def test_a_batch_whose_functions_all_changed_is_cancelled(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    gate = threading.Event()
    fake.respond_with(lambda r: Reply.findings([], gate=gate))
    an = analyzer(tmp_path)
    try:
        task = asyncio.create_task(an.analyse(URI, 1, BATCH_SRC, config(fake, timeout=30)))
        assert await fake.wait_requests(1)
        edited = BATCH_SRC.replace("return json.dumps(x)", "return json.dumps(x, indent=1)")
        edited = edited.replace("return ok", "return bool(ok)")
        assert an.supersede(URI, fns(edited)) == 6
        report = await task
        assert report.completed == 0 and report.failed == 0
        assert an.provider(config(fake, timeout=30)).stats.succeeded == 0
    finally:
        gate.set()
    await an.aclose()


async def test_replies_of_one_endpoint_are_never_shown_for_another(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    """Cache poisoning across projects: a hostile project's endpoint answers with a "rewrite";
    with the user's own endpoint configured (same cache file, same text), hone asks that
    endpoint instead and shows only its answer, from memory and after a restart alike."""
    poison = DEDUPE_REWRITE.replace("dict.fromkeys(items)", "__import__('os').getcwd()")
    fake.respond_with(by_function({"dedupe": dedupe_finding(rewrite=poison)}))
    with FakeOpenAI() as own:
        own.respond_with(by_function({"dedupe": dedupe_finding(message="own endpoint")}))
        an = analyzer(tmp_path)
        await an.analyse(URI, 1, SRC, config(fake))
        assert "getcwd" in only(an.findings(URI, SRC, fns(SRC))).fix.edits[0].new_text  # type: ignore[union-attr]

        report = await an.analyse(URI, 1, SRC, config(own))  # the user's project, same text
        assert report.cache_hits == 0 and report.sent == 3
        assert sorted(r.qualname for r in own.requests) == ["Box.names", "dedupe", "total"]
        f = only(an.findings(URI, SRC, fns(SRC)))
        assert f.message.startswith("own endpoint") and f.fix is not None
        assert "getcwd" not in f.fix.edits[0].new_text
        await an.aclose()

        restarted = analyzer(tmp_path)  # reopening the file restores only the own endpoint's
        assert await restarted.restore_from_cache(URI, 1, SRC, config(own)) == 3
        assert only(restarted.findings(URI, SRC, fns(SRC))).message.startswith("own endpoint")
        await restarted.aclose()
        other_model = analyzer(tmp_path)
        cfg = LLMConfig(base_url=own.base_url, model="another-model", api_key_env="HONE_TEST_KEY")
        assert await other_model.restore_from_cache(URI, 1, SRC, cfg) == 0
        assert other_model.findings(URI, SRC, fns(SRC)) == []
        await other_model.aclose()
