"""Untyped code verified on real inputs: the project's tests, example calls, call sites, inferred
types, iterators and realistic sizes (all executed only in the sandboxed workers)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hone.verify.plan import gather_evidence
from hone.verify.verifier import Verdict, VerifyRequest, verify_rewrite

TOP = """\
def top_k(xs, k):
    out = []
    for x in sorted(xs, key=lambda v: -v):
        if len(out) == k:
            break
        out.append(x)
    return out
"""
TOP_GOOD = """\
import heapq


def top_k(xs, k):
    return heapq.nlargest(k, xs) if k >= 0 else sorted(xs, key=lambda v: -v)
"""
# right on the tests' inputs; wrong for k > len(xs)? no: wrong when k < 0 (a negative k keeps all)
TOP_WRONG = """\
import heapq


def top_k(xs, k):
    return heapq.nlargest(k, xs)
"""
TESTS = """\
from stats import top_k


def test_basic():
    assert top_k([3, 1, 2], 2) == [3, 2]


def test_all():
    assert top_k([5, 4], -1) == [5, 4]
"""


def verify(root: Path, original: str, rewrite: str, qualname: str, **kw: object) -> Verdict:
    path = root / "stats.py"
    path.write_text(original)
    fn_source = original  # one-function modules
    ev = gather_evidence(
        root=str(root),
        path=str(path),
        qualname=qualname,
        function_source=fn_source,
        example_calls=kw.pop("example_calls", ()),  # type: ignore[arg-type]
        trusted=bool(kw.pop("trusted", True)),
    )
    request = VerifyRequest(
        path=str(path),
        original_source=original,
        rewrite_source=rewrite,
        qualname=qualname,
        cwd=str(root),
        hints=ev.hints if kw.pop("hints", True) else (),
        examples=ev.examples,
        tests=ev.tests,
        tests_root=str(root),
        **kw,  # type: ignore[arg-type]
    )
    return asyncio.run(verify_rewrite(request))


def test_project_tests_give_inputs_and_a_failing_test_rejects(tmp_path: Path) -> None:
    (tmp_path / "test_stats.py").write_text(TESTS)
    good = verify(tmp_path, TOP, TOP_GOOD, "top_k", hints=False)
    assert good.status == "verified", good
    assert good.tests == 2 and good.sources.get("test", 0) >= 2
    assert good.size is not None and good.size >= 1000  # tiny test inputs, timed scaled up
    bad = verify(tmp_path, TOP, TOP_WRONG, "top_k", hints=False)
    assert bad.status == "rejected", bad
    assert bad.failure in ("result", "tests")


def test_untrusted_folder_runs_no_project_tests(tmp_path: Path) -> None:
    (tmp_path / "test_stats.py").write_text(TESTS)
    v = verify(tmp_path, TOP, TOP_GOOD, "top_k", trusted=False, hints=False)
    assert v.tests == 0 and "test" not in v.sources  # not run: only read for call sites
    assert v.sources.get("call site") == 2
    (tmp_path / "test_stats.py").unlink()
    v = verify(tmp_path, TOP, TOP_GOOD, "top_k", trusted=False, hints=False)
    assert v.status == "unverifiable" and not v.offer
    assert "no sample inputs" in v.reason and "project test" in v.reason


def test_model_example_calls_are_inputs(tmp_path: Path) -> None:
    v = verify(tmp_path, TOP, TOP_WRONG, "top_k", example_calls=["[3, 1, 2], 2"], hints=False)
    # one real example grows into many (negative k among them): the wrong rewrite is caught
    assert v.status == "rejected", v
    assert v.sources.get("model example") == 1


DEDUPE = """\
def dedupe(items):
    seen = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen
"""
DEDUPE_GOOD = """\
def dedupe(items):
    return list(dict.fromkeys(items))
"""
# fine on lists, wrong on an iterator (consumed by the first pass)
DEDUPE_ITER_WRONG = """\
def dedupe(items):
    if len(set(items)) == 0:
        return []
    return list(dict.fromkeys(items))
"""
CALLER = "from stats import dedupe\n\nprint(dedupe([3, 1, 3, 2]))\n"


def test_call_site_arguments_and_iterators(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CALLER)
    good = verify(tmp_path, DEDUPE, DEDUPE_GOOD, "dedupe", hints=False)
    assert good.status == "verified", good
    assert good.sources.get("call site") == 1 and good.sources.get("derived", 0) > 5
    assert good.offer and "at n=" in good.title_suffix()
    bad = verify(tmp_path, DEDUPE, DEDUPE_ITER_WRONG, "dedupe", hints=False)
    assert bad.status == "rejected", bad
    assert "iterator" in bad.failing_shape


def test_never_called_function_gets_inputs_from_its_body(tmp_path: Path) -> None:
    src = "def total(rows):\n    t = 0\n    for k, v in rows:\n        t = t + v\n    return t\n"
    good = "def total(rows):\n    return sum(v for _, v in rows)\n"
    wrong = "def total(rows):\n    return sum(v for _, v in rows[1:])\n"
    assert verify(tmp_path, src, good, "total").status == "verified"
    v = verify(tmp_path, src, wrong, "total")
    assert v.status == "rejected" and v.sources.get("generated", 0) > 10


RANK = """\
def rank(entries):
    ranked = []
    for e in entries:
        ranked.append(e)
        ranked.sort(key=lambda t: t[0])
    return ranked
"""
RANK_GOOD = """\
def rank(entries):
    return sorted(entries, key=lambda t: t[0])
"""
RANK_WRONG = """\
def rank(entries):
    return sorted(entries)
"""
AGES = """\
def by_age(people):
    people = list(people)
    for i in range(len(people)):
        for j in range(len(people) - 1 - i):
            if people[j]["age"] > people[j + 1]["age"]:
                people[j], people[j + 1] = people[j + 1], people[j]
    return people
"""
AGES_GOOD = """\
def by_age(people):
    return sorted(people, key=lambda p: p["age"])
"""
AGES_WRONG = """\
def by_age(people):
    return sorted(people, key=lambda p: (p["age"], p["name"]))
"""


def test_records_keep_their_shape_in_derived_inputs(tmp_path: Path) -> None:
    """Tuples of one length and dicts of the same keys are records: derived inputs keep the
    shape, so an honest rewrite is not refused for failing differently on ``(3, 1, 4, 1)`` or
    ``{}`` (inputs no caller passes), while the rewrite that breaks ties is still caught."""
    # one realistic size among the calls, so nothing is grown (a quadratic original at ×1000
    # would take most of this test's time)
    rank_calls = ["[(i * 7 % 13, 'l%d' % i) for i in range(1000)]", "[(2, 'b'), (1, 'a')]"]
    good = verify(tmp_path, RANK, RANK_GOOD, "rank", example_calls=rank_calls, hints=False)
    assert good.status == "verified", good
    assert good.sources.get("derived", 0) > 10
    wrong = verify(tmp_path, RANK, RANK_WRONG, "rank", example_calls=rank_calls, hints=False)
    assert wrong.status == "rejected", wrong
    age_calls = [
        "[{'name': 'p%d' % i, 'age': i * 7 % 13} for i in range(1000)]",
        "[{'name': 'z', 'age': 5}]",
    ]
    good = verify(tmp_path, AGES, AGES_GOOD, "by_age", example_calls=age_calls, hints=False)
    assert good.status == "verified", good
    wrong = verify(tmp_path, AGES, AGES_WRONG, "by_age", example_calls=age_calls, hints=False)
    assert wrong.status == "rejected", wrong


DISTANCE = """\
def distance(a, b):
    if not a:
        return len(b)
    if not b:
        return len(a)
    cost = 0 if a[-1] == b[-1] else 1
    return min(
        distance(a[:-1], b) + 1,
        distance(a, b[:-1]) + 1,
        distance(a[:-1], b[:-1]) + cost,
    )
"""
DISTANCE_GOOD = """\
def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
"""


def test_an_exponential_original_is_timed_where_it_does_real_work(tmp_path: Path) -> None:
    """No input grows: the original never finishes a big one, and growing ``('', 'abc')`` only
    times its shortcut (``len(b)``), where the rewrite is slower.  The small call that costs the
    original milliseconds is the honest one to time."""
    calls = ["'kittens', 'sitting'", "'', 'abc'", "'flaw', 'lawn'"]
    v = verify(tmp_path, DISTANCE, DISTANCE_GOOD, "distance", example_calls=calls, hints=False)
    assert v.status == "verified", v
    assert v.sources.get("scaled", 0) == 0
    assert v.faster and not v.slower and v.speedup and v.speedup > 10, v
