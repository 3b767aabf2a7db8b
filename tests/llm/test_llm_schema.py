"""Tolerant extraction and lenient-but-meaningful validation of model replies."""

from __future__ import annotations

import json

import pytest

from hone.core.finding import Category, Severity
from hone.llm.schema import (
    MAX_FINDINGS_PER_FUNCTION,
    ReplyError,
    extract_json,
    parse_reply_text,
    validate_reply,
)

ITEM = {
    "function": "f",
    "start_line": 2,
    "end_line": 3,
    "severity": "warning",
    "category": "performance",
    "message": "quadratic",
    "explanation": None,
    "rewrite": None,
    "estimated_speedup": 12.5,
}
REPLY = json.dumps({"findings": [ITEM]})


@pytest.mark.parametrize(
    "content",
    [
        REPLY,
        f"```json\n{REPLY}\n```",
        f"```\n{REPLY}\n```",
        f"Here is my analysis:\n\n```json\n{REPLY}\n```\nLet me know if you need more.",
        f"Sure! {REPLY} Hope this helps.",
        f"<think>the user wants {{json}}</think>\n{REPLY}",
        f"Some {{not json}} prose first, then {REPLY}",
    ],
)
def test_extracts_json_from_wrappings(content: str) -> None:
    reply = parse_reply_text(content)
    assert [f.message for f in reply.findings] == ["quadratic"]
    assert reply.findings[0].estimated_speedup == 12.5


@pytest.mark.parametrize(
    "content", ["", "   ", "no json here", '{"findings": [', "```json\n{oops}\n```"]
)
def test_no_json_is_an_error(content: str) -> None:
    with pytest.raises(ReplyError):
        extract_json(content)


def test_bare_list_and_single_object_roots() -> None:
    assert len(validate_reply([ITEM]).findings) == 1
    assert len(validate_reply(ITEM).findings) == 1
    assert validate_reply({"findings": []}).findings == ()


def test_non_object_root_rejected() -> None:
    with pytest.raises(ReplyError):
        validate_reply("just a string")
    with pytest.raises(ReplyError):
        validate_reply({"findings": "nope"})


def test_synonyms_and_unknown_words() -> None:
    items = [
        {**ITEM, "severity": "HIGH", "category": "Correctness"},
        {**ITEM, "severity": "banana", "category": "vibes"},
        {**ITEM, "startLine": "4", "start_line": None},
    ]
    reply = validate_reply({"findings": items})
    assert reply.findings[0].severity is Severity.ERROR
    assert reply.findings[0].category is Category.BUG
    assert reply.findings[1].severity is Severity.WARNING
    assert reply.findings[1].category is Category.MAINTAINABILITY
    assert any("banana" in p for p in reply.problems)
    # start_line present but null wins over the alias: no usable line
    assert reply.findings[2].start_line is None


def test_bad_items_dropped_rest_kept() -> None:
    items = [42, {"severity": "error"}, {**ITEM, "message": "   "}, ITEM]
    reply = validate_reply({"findings": items})
    assert [f.message for f in reply.findings] == ["quadratic"]
    assert len(reply.problems) == 3


def test_garbage_fields_become_none() -> None:
    item = {
        **ITEM,
        "start_line": "two",
        "end_line": 2.5,
        "estimated_speedup": "about 3x",
        "rewrite": "   ",
        "explanation": 7,
    }
    f = validate_reply({"findings": [item]}).findings[0]
    assert f.start_line is None and f.end_line is None
    assert f.estimated_speedup == 3.0
    assert f.rewrite is None and f.explanation is None
    for bad in (-1, 0, True, "fast", float("nan")):
        assert (
            validate_reply({"findings": [{**ITEM, "estimated_speedup": bad}]})
            .findings[0]
            .estimated_speedup
            is None
        )


def test_caps() -> None:
    many = {"findings": [ITEM] * (MAX_FINDINGS_PER_FUNCTION + 5)}
    assert len(validate_reply(many).findings) == MAX_FINDINGS_PER_FUNCTION
    long = validate_reply({"findings": [{**ITEM, "message": "x" * 5000}]}).findings[0]
    assert len(long.message) <= 400


def test_round_trip_through_cache_form() -> None:
    reply = validate_reply({"findings": [ITEM]})
    again = validate_reply(json.loads(json.dumps(reply.to_json())))
    assert again.findings == reply.findings


def test_raw_control_characters_and_trailing_commas_are_read() -> None:
    from hone.llm.schema import parse_reply_text

    raw = '{"findings": [{"line": 3, "problem": "a\tb\nc", "why": "x",},]}'
    reply = parse_reply_text(raw)
    assert reply.findings[0].message == "a\tb\nc"
    assert reply.findings[0].start_line == 3 and reply.findings[0].explanation == "x"


def test_no_problem_items_are_not_findings() -> None:
    from hone.llm.schema import says_no_problem, validate_reply

    for text in (
        "No issues found.",
        "There are no performance problems.",
        "The function is already efficient",
        "This code looks fine",
        "No changes needed",
        "nothing to report",
    ):
        assert says_no_problem(text), text
    for text in ("`x in list` is slow", "No set is used: membership is O(n)", "Fine-grained loop"):
        assert not says_no_problem(text), text
    reply = validate_reply({"findings": [{"line": 1, "problem": "No issues found."}]})
    assert reply.findings == () and reply.problems
