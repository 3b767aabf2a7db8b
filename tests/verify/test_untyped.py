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
