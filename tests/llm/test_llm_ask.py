"""The two-step flow (findings, then best-of-N rewrite candidates) over real HTTP to the scripted
server: what is sent (sampling, schema, hints, markers), what is kept, repair, budget."""

from __future__ import annotations

import ast
import json
import threading

import pytest

from hone.core.functions import FunctionInfo, index_functions
from hone.core.settings import merge
from hone.core.text import split_lines
from hone.llm.ask import (
    AskSettings,
    answered_from_json,
    answered_to_json,
    ask_candidates,
    ask_findings,
    ask_function,
    extract_examples,
    measured_hints,
    repair_candidate,
    rule_hints,
)
from hone.llm.prompt import FINDINGS_SYSTEM, REWRITE_SYSTEM, build_module_context
from hone.llm.provider import ErrorKind, LLMConfig, Provider, ProviderError
from hone.llm.schema import FINDINGS_SCHEMA, ReplyFinding
from tests.llm.fake_openai import FakeOpenAI, RecordedRequest, Reply

SOURCE = """\
import os


def dedupe(items):
    seen = []
    out = []
    for item in items:
        if item not in seen:
            seen.append(item)
            out.append(item)
    return out
"""

GOOD = """\
def dedupe(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
"""

ALSO_GOOD = """\
def dedupe(items):
    return list(dict.fromkeys(items))
"""


def _fn() -> FunctionInfo:
    return next(f for f in index_functions(ast.parse(SOURCE), split_lines(SOURCE)))


def _provider(server: FakeOpenAI) -> Provider:
    return Provider(LLMConfig(base_url=server.base_url, model="m", timeout_seconds=10.0))


def _finding_json(line: int = 5) -> str:
    return json.dumps(
        {
            "findings": [
                {
                    "line": line,
                    "category": "performance",
                    "problem": "`item not in seen` scans a list",
                    "why": "O(n^2); use a set",
                }
            ]
        }
    )


def _code(code: str, calls: str = "") -> str:
    return f"Here is the faster version:\n```python\n{code}```\n{calls}"


def is_rewrite(req: RecordedRequest) -> bool:
    return req.messages[0]["content"] == REWRITE_SYSTEM


async def test_finding_pass_is_deterministic_small_schema_with_hints(fake: FakeOpenAI) -> None:
    fake.queue(Reply(content=_finding_json()))
    p = _provider(fake)
    fn = _fn()
    ctx = build_module_context(ast.parse(SOURCE))
    _prompt, reply = await ask_findings(
        p, fn, ctx, AskSettings(), hints=("line 5: `in` on a list inside a loop (HONE101)",)
    )
    req = fake.requests[0]
    assert req.param("temperature") == 0.0
    assert isinstance(req.param("seed"), int)
    assert req.response_format["json_schema"]["schema"] == FINDINGS_SCHEMA
    assert req.messages[0]["content"] == FINDINGS_SYSTEM
    user = req.messages[1]["content"]
    assert "<<<BEGIN DATA" in user and "<<<END DATA" in user
    # the hint comes after the data, outside the markers
    assert user.index("HONE101") > user.index("<<<END DATA")
    assert "where does its time go" in user
    [item] = reply.findings
    assert (item.start_line, item.message, item.explanation) == (
        5,
        "`item not in seen` scans a list",
        "O(n^2); use a set",
    )
    await p.aclose()


async def test_a_no_problem_reply_is_not_a_finding(fake: FakeOpenAI) -> None:
    fake.queue(
        Reply(
            content=json.dumps(
                {
                    "findings": [
                        {
                            "line": 1,
                            "category": "performance",
                            "problem": "The code is already efficient.",
                            "why": "",
                        },
                        {"line": 2, "category": "performance", "problem": "No issues found"},
                    ]
                }
            )
        )
    )
    p = _provider(fake)
    _, reply = await ask_findings(p, _fn(), build_module_context(ast.parse(SOURCE)), AskSettings())
    assert reply.findings == ()
    assert any("no problem" in x for x in reply.problems)
    await p.aclose()


async def test_raw_newlines_inside_json_strings_are_read(fake: FakeOpenAI) -> None:
    raw = '{"findings": [{"line": 5, "category": "performance", "problem": "a list\nscan", "why": "x"}]}'
    fake.queue(Reply(content=raw))
    p = _provider(fake)
    _, reply = await ask_findings(p, _fn(), build_module_context(ast.parse(SOURCE)), AskSettings())
    assert reply.findings[0].message == "a list\nscan"
    assert len(fake.requests) == 1
    await p.aclose()


async def test_unreadable_json_is_asked_for_again_once(fake: FakeOpenAI) -> None:
    fake.queue(Reply(content="I think line 5 is slow."), Reply(content=_finding_json()))
    p = _provider(fake)
    _, reply = await ask_findings(p, _fn(), build_module_context(ast.parse(SOURCE)), AskSettings())
    assert len(reply.findings) == 1
    second = fake.requests[1].messages
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == "I think line 5 is slow."
    assert "could not be read as JSON" in second[3]["content"]

    fake.queue(Reply(content="still prose"), Reply(content="prose again"), Reply(content="x"))
    with pytest.raises(ProviderError) as info:
        await ask_findings(p, _fn(), build_module_context(ast.parse(SOURCE)), AskSettings())
    assert info.value.kind is ErrorKind.BAD_REPLY
    assert len(fake.requests) == 4  # one repair attempt, not more
    await p.aclose()


def _item() -> ReplyFinding:
    from hone.core.finding import Category, Severity

    return ReplyFinding(
        "dedupe", 5, 5, Severity.WARNING, Category.PERFORMANCE, "list scan", "use a set"
    )


@pytest.mark.parametrize("deterministic_arrives", ["first", "last"])
async def test_best_of_n_uses_n_when_the_endpoint_honours_it(
    fake: FakeOpenAI, deterministic_arrives: str
) -> None:
    # the two requests run concurrently; "last" holds the deterministic answer back until
    # the warm one has been answered, so arrival order cannot decide which candidate leads
    hold = threading.Event()

    def answer(req: RecordedRequest) -> Reply:
        if req.param("n"):
            threading.Timer(0.3, hold.set).start()
            return Reply.several(
                [_code(ALSO_GOOD, "CALL: dedupe([3, 1, 3])"), _code(GOOD), _code(ALSO_GOOD)]
            )
        gate = hold if deterministic_arrives == "last" else None
        return Reply(
            content=_code(GOOD, "CALL: dedupe([1, 1, 2])\nCALL: dedupe(open('x'))"), gate=gate
        )

    fake.respond_with(answer)
    p = _provider(fake)
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=4),
    )
    assert len(fake.requests) == 2
    first, warm = sorted(fake.requests, key=lambda r: r.param("n") or 0)  # sent concurrently
    assert first.param("temperature") == 0.0 and first.param("n") is None
    assert warm.param("n") == 3 and warm.param("temperature") == 0.7
    assert first.param("seed") != warm.param("seed")
    assert all(is_rewrite(r) for r in fake.requests)
    assert "Problem at line 5: list scan (use a set)" in first.user_text
    # duplicates removed, the deterministic answer first
    assert [c.code for c in found.candidates] == [GOOD.rstrip("\n"), ALSO_GOOD.rstrip("\n")]
    # example calls: literals only
    assert found.candidates[0].examples == ("[1, 1, 2]",)
    assert found.example_calls == ("[1, 1, 2]", "[3, 1, 3]")
    assert p.supports_n is True
    await p.aclose()


async def test_without_n_support_each_candidate_is_its_own_seeded_request(
    fake: FakeOpenAI,
) -> None:
    variants = iter(
        [
            GOOD,
            ALSO_GOOD,
            "def dedupe(items):\n    return list(dict.fromkeys(list(items)))\n",
            "def dedupe(items):\n    out = dict.fromkeys(items)\n    return list(out)\n",
        ]
    )
    fake.respond_with(lambda req: Reply(content=_code(next(variants))))  # one choice only
    p = _provider(fake)
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=4),
    )
    assert p.supports_n is False
    assert len(found.candidates) == 4
    seeds = [r.param("seed") for r in fake.requests]
    assert len(set(seeds)) == len(seeds) == 4
    # known now: the next finding asks one request per candidate straight away
    variants = iter([GOOD, ALSO_GOOD, GOOD, ALSO_GOOD])
    await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=4),
    )
    assert all(r.param("n") is None for r in fake.requests[4:])
    assert len(fake.requests) == 8
    await p.aclose()


async def test_an_unparseable_candidate_is_sent_back_once(fake: FakeOpenAI) -> None:
    broken = "def dedupe(items):\n    return [x for x in items if\n"
    fake.queue(Reply(content=_code(broken)), Reply(content=_code(GOOD)))
    p = _provider(fake)
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=1),
    )
    [cand] = found.candidates
    assert cand.repaired and cand.code == GOOD.rstrip("\n")
    note = fake.requests[1].messages[-1]["content"]
    assert "does not parse" in note
    # a second failure drops it, with a reason the user can read
    fake.queue(Reply(content=_code(broken)), Reply(content=_code(broken)))
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=1),
    )
    assert found.candidates == ()
    assert found.dropped[0].startswith("a suggested rewrite did not parse")
    assert len(fake.requests) == 4
    await p.aclose()


async def test_a_signature_change_is_dropped_after_one_repair(fake: FakeOpenAI) -> None:
    fake.queue(
        Reply(content=_code("def dedupe(items, key=None):\n    return items\n")),
        Reply(content=_code("def dedupe(things):\n    return things\n")),
    )
    p = _provider(fake)
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=1),
    )
    assert found.candidates == ()
    assert found.dropped == ("a suggested rewrite changes the function's parameters or defaults",)
    await p.aclose()


async def test_the_time_budget_keeps_what_arrived(fake: FakeOpenAI) -> None:
    fake.respond_with(lambda req: Reply.hanging() if req.param("n") else Reply(content=_code(GOOD)))
    p = _provider(fake)
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        _fn(),
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=4, time_budget_s=1.5),
    )
    assert [c.code for c in found.candidates] == [GOOD.rstrip("\n")]
    await p.aclose()


async def test_repair_after_verification_sends_only_the_structural_reason(
    fake: FakeOpenAI,
) -> None:
    wrong = "def dedupe(items):\n    return list(set(items))\n"
    fake.queue(Reply(content=_finding_json()), Reply(content=_code(wrong)))
    p = _provider(fake)
    fn = _fn()
    ctx = build_module_context(ast.parse(SOURCE))
    answer = await ask_function(
        p, uri="file:///m.py", text=SOURCE, fn=fn, ctx=ctx, settings=AskSettings(candidates=1)
    )
    [found] = answer.findings
    [cand] = found.candidates
    fake.queue(Reply(content=_code(GOOD)))
    reason = "the rewrite changed the result for an input of this shape: list of 5 int"
    fixed = await repair_candidate(
        p, "file:///m.py", SOURCE, fn, ctx, found, cand, reason, AskSettings()
    )
    assert fixed is not None and fixed.repaired and fixed.code == GOOD.rstrip("\n")
    last = fake.requests[-1].messages
    assert [m["role"] for m in last] == ["system", "user", "assistant", "user"]
    assert wrong.strip() in last[2]["content"]
    assert reason in last[3]["content"]
    # never twice
    assert (
        await repair_candidate(
            p, "file:///m.py", SOURCE, fn, ctx, found, fixed, reason, AskSettings()
        )
        is None
    )
    await p.aclose()


async def test_bug_findings_get_fix_candidates_and_other_findings_none(fake: FakeOpenAI) -> None:
    from hone.llm.prompt import BUGFIX_SYSTEM

    fixed = "def dedupe(items):\n    return list(dict.fromkeys(items or []))\n"

    def answer(req: RecordedRequest) -> Reply:
        if req.messages[0]["content"] == BUGFIX_SYSTEM:
            return Reply(content=_code(fixed, "CALL: dedupe(None)"))
        return Reply(
            content=json.dumps(
                {
                    "findings": [
                        {"line": 2, "category": "bug", "problem": "None crashes", "why": "y"},
                        {"line": 3, "category": "maintainability", "problem": "x", "why": "y"},
                    ]
                }
            )
        )

    fake.respond_with(answer)
    p = _provider(fake)
    answer_ = await ask_function(
        p,
        uri="file:///m.py",
        text=SOURCE,
        fn=_fn(),
        ctx=build_module_context(ast.parse(SOURCE)),
        settings=AskSettings(candidates=1),
    )
    fixes = [r for r in fake.requests if r.messages[0]["content"] == BUGFIX_SYSTEM]
    assert len(fixes) == 1 and "to fix this bug" in fixes[0].user_text
    assert "Problem at line 2: None crashes" in fixes[0].user_text
    bug, other = answer_.findings
    assert [c.code for c in bug.candidates] == [fixed.rstrip("\n")]
    assert bug.candidates[0].examples == ("None",)  # the call that shows the bug
    assert other.candidates == ()
    await p.aclose()


def test_example_calls_are_literal_arguments_only() -> None:
    text = (
        "CALL: f([3, 1, 2], reverse=True)\n"
        "CALL: f(__import__('os').system('x'))\n"
        "CALL: f(*[1])\n"
        "CALL: g(1)\n"
        "- CALL: `f({'a': (1, 2.5)}, None)`\n"
    )
    assert extract_examples(text, "f") == ("[3, 1, 2], reverse=True", "{'a': (1, 2.5)}, None")


def test_hints_from_rules_and_measurements() -> None:
    fn = _fn()
    from hone.analysis.engine import analyse_text

    hints = rule_hints(analyse_text(SOURCE).findings, [fn])
    assert any(h.startswith("line 5:") for h in hints.get("dedupe", ())), hints
    assert measured_hints(fn, [(7, 0.71), (0, 0.2)]) == ("line 5 took 71 % of the run",)


def test_settings_feed_the_budget() -> None:
    settings, problems = merge([("test", {"llm": {"temperature": 0.2, "candidates": 2}})])
    assert problems == []
    s = AskSettings.from_settings(settings)
    assert (s.temperature, s.candidates, s.candidate_temperature) == (0.2, 2, 0.7)


async def test_candidates_survive_a_cache_round_trip_and_are_validated_again(
    fake: FakeOpenAI,
) -> None:
    fake.queue(Reply(content=_code(GOOD, "CALL: dedupe([1, 1])")))
    p = _provider(fake)
    fn = _fn()
    found = await ask_candidates(
        p,
        "file:///m.py",
        SOURCE,
        fn,
        build_module_context(ast.parse(SOURCE)),
        _item(),
        AskSettings(candidates=1),
    )
    data = json.loads(json.dumps(answered_to_json(found)))
    assert found.rewrite_prompt is not None
    back = answered_from_json(
        data, uri="file:///m.py", text=SOURCE, fn=fn, item=_item(), prompt=found.rewrite_prompt
    )
    assert back is not None
    assert [c.code for c in back.candidates] == [c.code for c in found.candidates]
    assert back.candidates[0].examples == ("[1, 1]",)
    # a tampered entry: another signature, and an example that is code, not a literal
    data["candidates"].append(
        {"code": "def dedupe(x, y):\n    return x\n", "examples": [], "seed": 1}
    )
    data["candidates"][0]["examples"].append("__import__('os').getcwd()")
    back = answered_from_json(
        data, uri="file:///m.py", text=SOURCE, fn=fn, item=_item(), prompt=found.rewrite_prompt
    )
    assert back is not None and len(back.candidates) == 1
    assert back.candidates[0].examples == ("[1, 1]",)
    assert (
        answered_from_json(
            [], uri="u", text=SOURCE, fn=fn, item=_item(), prompt=found.rewrite_prompt
        )
        is None
    )
    await p.aclose()


def test_a_function_wrapped_in_a_little_script_is_isolated() -> None:
    from hone.llm.ask import isolate_function

    script = (
        "from collections import Counter\n"
        "import os\n\n"
        "def f(xs):\n"
        '    """Doc."""\n'
        "    return Counter(xs)\n\n"
        "CALL: f([1, 2])\n"
        "print(f([1]))\n"
    )
    assert isolate_function(script, "f") == (
        'def f(xs):\n    """Doc."""\n    from collections import Counter\n    import os\n'
        "    return Counter(xs)\n"
    )
    # nothing to do, or nothing safe to do: unchanged (the validator explains)
    assert isolate_function("def f(x): return x\nf(1)\n", "f") == "def f(x): return x\n"
    one_liner = "import os\ndef f(x): return x\n"  # nowhere to put the import
    for code in ("def f(x):\n    return x\n", one_liner, "def f(:\n"):
        assert isolate_function(code, "f") == code
    assert (
        isolate_function("def g(x):\n    return x\ng(1)\n", "f")
        == "def g(x):\n    return x\ng(1)\n"
    )
