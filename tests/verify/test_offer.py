"""The offer policy: nothing before a verdict, only verified-and-faster as a speed-up."""

from __future__ import annotations

from hone.core.finding import Edit, Finding, Fix, Safety, Severity, Span
from hone.verify.offer import CHECKING, candidates_of, function_diff, present
from hone.verify.verifier import Verdict


def fix(title: str = "Apply optimized rewrite (model estimates ~5× faster)") -> Fix:
    return Fix(title, (Edit(Span.of(0, 0, 1, 0), "x\n"),), Safety.SUGGESTION)


def finding(*fixes: Fix) -> Finding:
    extra = {"candidates": tuple(fixes)} if len(fixes) > 1 else {}
    return Finding(
        "LLM100", "slow loop", Span.of(0, 0, 1, 0), Severity.INFO, fix=fixes[0], extra=extra
    )


FAST = Verdict("verified", inputs=43, speedup=8.7, faster=True, size=10_000)
FASTER = Verdict("verified", inputs=40, speedup=12.0, faster=True, size=10_000)
FLAT = Verdict("verified", inputs=43, speedup=1.01, size=10_000)
SLOW = Verdict("verified", inputs=43, speedup=0.5, slower=True, size=10_000)
UNTIMED = Verdict("verified", inputs=43, timing_note="timing failed (protocol)")
WRONG = Verdict(
    "rejected", "changed the result for input #7 (derived: empty list)", failure="result"
)
UNKNOWN = Verdict("unverifiable", "no sample inputs")


def test_nothing_is_offered_while_checking() -> None:
    out = present(finding(fix()), [None])
    assert out.fix is None and out.message.endswith(CHECKING)
    out = present(finding(fix(), fix("other")), [FAST, None])  # all candidates first
    assert out.fix is None and CHECKING in out.message


def test_verified_and_faster_is_offered_with_its_evidence_and_no_model_estimate() -> None:
    out = present(finding(fix()), [FAST])
    assert out.fix is not None
    assert out.fix.title == (
        "Apply optimized rewrite — verified on 43 inputs, 8.7× faster at n=10,000"
    )
    assert "verification" in out.extra and "candidates" not in out.extra


def test_best_of_n_offers_the_fastest_verified_candidate() -> None:
    a, b, c, d = fix("A"), fix("B"), fix("C"), fix("D")
    out = present(finding(a, b, c, d), [FAST, WRONG, FASTER, SLOW])
    assert out.fix is not None and out.fix.edits == c.edits
    assert out.fix.title.startswith("C — best of 4 candidates, verified on 40 inputs, 12.0×")
    assert candidates_of(finding(a, b)) == (a, b)


def test_no_speedup_slower_timing_failed_and_rejected_are_never_offered() -> None:
    for verdict, why in (
        (FLAT, "no measurable speedup"),
        (SLOW, "ran slower than the original at n=10,000"),
        (UNTIMED, "timing failed"),
        (WRONG, "changed the result for input #7"),
    ):
        out = present(finding(fix()), [verdict], offer_unverified=True)
        assert out.fix is None, verdict
        assert "hone did not offer a suggested rewrite: " + why in out.message
        assert out.explanation and why in out.explanation


def test_unverifiable_shows_the_diff_and_is_offered_only_with_the_opt_in() -> None:
    diff = function_diff("def f(xs):\n    return xs\n", "def f(xs):\n    return xs[:]\n", "f")
    out = present(finding(fix()), [UNKNOWN], diffs=[diff])
    assert out.fix is None
    assert "could not be verified: no sample inputs" in out.message
    assert out.explanation and "```diff" in out.explanation and "+    return xs[:]" in diff
    assert "Run with timing" in out.explanation
    opted = present(finding(fix()), [UNKNOWN], offer_unverified=True)
    assert opted.fix is not None
    assert opted.fix.title == "Unverified: Apply optimized rewrite"  # no model estimate


def test_not_checked_where_no_check_may_run() -> None:
    out = present(finding(fix()), [], not_checked="the folder is not trusted")
    assert out.fix is None and "could not be verified: the folder is not trusted" in out.message
