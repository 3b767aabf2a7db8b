"""Bug fixes are verified by where they differ: on each call the finding names (where the original
goes wrong) the fix must change the outcome, and everywhere else it must agree with the original,
except on inputs where the original fails the same way (the same exception).  Untyped code: the
inputs are the named calls, a call site's values and what hone derives from them."""

from __future__ import annotations

from pathlib import Path

from hone.verify.examples import parse_examples
from hone.verify.offer import present
from hone.verify.verifier import BUG_EXAMPLE_SRC, Verdict
from tests.verify.test_verify import run

AVERAGE = """\
def average(xs):
    return sum(xs) / len(xs)


def report():
    return average([2, 4, 9]), average([1.5, 2.5])
"""
# the finding: "average([]) raises ZeroDivisionError"; the fix returns 0.0 for an empty list
FIXED = """\
def average(xs):
    if not xs:
        return 0.0
    return sum(xs) / len(xs)


def report():
    return average([2, 4, 9]), average([1.5, 2.5])
"""
# changes more than the bug: rounds every result
OVERREACH = FIXED.replace("return sum(xs) / len(xs)", "return round(sum(xs) / len(xs))")
# does not touch the named call's outcome
NOFIX = AVERAGE.replace(
    "return sum(xs) / len(xs)", "return sum(xs) / max(len(xs), 0) if xs else 1 / 0"
)

LAST = """\
def last_word(text):
    words = text.split(" ")
    return words[len(words)]


def use():
    return last_word("hello big world"), last_word("one")
"""
LAST_FIXED = LAST.replace("return words[len(words)]", "return words[len(words) - 1]")


def _bug(*calls: str) -> tuple[str, ...]:
    """``calls``: argument lists, as the model's ``CALL:`` lines give them (literals only)."""
    return parse_examples(calls, src=BUG_EXAMPLE_SRC)


def _check(original: str, rewrite: str, qualname: str, tmp_path: Path, *calls: str) -> Verdict:
    from hone.verify.plan import gather_evidence

    path = tmp_path / "module.py"
    path.write_text(original)
    evidence = gather_evidence(
        root=str(tmp_path),
        path=str(path),
        qualname=qualname,
        function_source=original.split("\n\n\n")[0],
        example_calls=(),
        trusted=True,
    )
    return run(
        original,
        rewrite,
        qualname,
        tmp_path,
        bug_fix=True,
        bug_examples=_bug(*calls),
        examples=evidence.examples,
        hints=evidence.hints,
    )


def test_a_fix_that_changes_only_the_named_failure_is_offered_as_a_fix(tmp_path: Path) -> None:
    verdict = _check(AVERAGE, FIXED, "average", tmp_path, "[]")
    assert verdict.status == "verified" and verdict.bug_fix, verdict
    assert verdict.offer and verdict.speedup is None  # judged by where it differs, not timed
    assert 1 <= verdict.changed < verdict.inputs
    assert verdict.sources.get(BUG_EXAMPLE_SRC) == 1
    assert "changes the result only where the bug shows" in verdict.title_suffix()


def test_a_fix_of_a_wrong_index_is_verified_where_the_original_fails_the_same_way(
    tmp_path: Path,
) -> None:
    verdict = _check(LAST, LAST_FIXED, "last_word", tmp_path, '"a b"')
    assert verdict.status == "verified" and verdict.bug_fix, verdict
    # every input makes the original raise IndexError: all of them are the bug, met again
    assert verdict.changed == verdict.inputs


def test_a_fix_that_changes_more_than_the_bug_is_rejected(tmp_path: Path) -> None:
    verdict = _check(AVERAGE, OVERREACH, "average", tmp_path, "[]")
    assert verdict.status == "rejected" and verdict.failure == "result", verdict
    assert not verdict.offer


def test_a_fix_that_leaves_the_named_failure_alone_is_rejected(tmp_path: Path) -> None:
    verdict = _check(AVERAGE, NOFIX, "average", tmp_path, "[]")
    assert verdict.status == "rejected" and verdict.failure == "nofix", verdict
    assert "shows the bug" in verdict.repair_hint()


def test_without_a_call_that_shows_the_bug_nothing_is_verified(tmp_path: Path) -> None:
    verdict = _check(AVERAGE, FIXED, "average", tmp_path, "open('x')")
    assert verdict.status == "unverifiable" and not verdict.offer, verdict


def test_the_offer_names_a_fix_not_a_speedup() -> None:
    from hone.core.finding import Category, Edit, Finding, Fix, Safety, Severity, Span

    fix = Fix("Apply suggested fix", (Edit(Span.of(0, 0, 0, 1), "x"),), Safety.SUGGESTION)
    finding = Finding(
        "LLM200",
        "average([]) raises",
        Span.of(0, 0, 0, 1),
        Severity.WARNING,
        Category.BUG,
        fix=fix,
    )
    verdict = Verdict("verified", inputs=12, bug_fix=True, changed=2)
    shown = present(finding, [verdict])
    assert shown.fix is not None
    assert shown.fix.title == (
        "Apply suggested fix — verified: changes the result only where the bug shows "
        "(2 inputs), the same on 10 others"
    )
