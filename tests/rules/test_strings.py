"""Tests of the string rules (hone.rules.strings): positives with exact fixed text, look-alike
negatives, fix safety, idempotency and behaviour equivalence on sample inputs."""

from __future__ import annotations

import pytest

from hone.core.finding import Safety
from tests.rules.fixcheck import STRINGS, fix, no_fix, silent
from tests.rules.ruletest import assert_same_behaviour, findings

BYTES = [(s[0].encode(),) for s in STRINGS]

# -- HONE207 startswith-or -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('s.startswith("a") or s.startswith("b")', 's.startswith(("a", "b"))'),
        ("s.endswith('.py') or s.endswith('.pyi')", "s.endswith(('.py', '.pyi'))"),
        (
            's.startswith("test_") or s.startswith("check_") or s.startswith("_")',
            's.startswith(("test_", "check_", "_"))',
        ),
        ('s.startswith(("a", "b")) or s.startswith("c")', 's.startswith(("a", "b", "c"))'),
        ('s.startswith("") or s.startswith("ü")', 's.startswith(("", "ü"))'),
        (
            'not s or s.startswith("a") or s.startswith("b")',
            'not s or s.startswith(("a", "b"))',
        ),
        (
            's.startswith("a") or s.startswith("b") or s.endswith("c")',
            's.startswith(("a", "b")) or s.endswith("c")',
        ),
        (
            's.startswith("a") or s.startswith("b") or len(s) > 3 or s.startswith("c") '
            'or s.startswith("d")',
            's.startswith(("a", "b")) or len(s) > 3 or s.startswith(("c", "d"))',
        ),
    ],
)
def test_207_positive(expr: str, expected: str) -> None:
    before = f"def f(s):\n    return {expr}\n"
    after = fix(before, "HONE207", f"def f(s):\n    return {expected}\n", Safety.SAFE)
    assert_same_behaviour(before, after, "f", STRINGS)


def test_207_bytes() -> None:
    before = 'def f(s):\n    return s.startswith(b"a") or s.startswith(b"\\xff")\n'
    after = fix(
        before, "HONE207", 'def f(s):\n    return s.startswith((b"a", b"\\xff"))\n', Safety.SAFE
    )
    assert_same_behaviour(before, after, "f", BYTES)


def test_207_in_if_condition() -> None:
    src = """
    def f(name):
        if name.startswith("test_") or name.startswith("check_"):
            return 1
        return 0
    """
    after = fix(
        src,
        "HONE207",
        """
        def f(name):
            if name.startswith(("test_", "check_")):
                return 1
            return 0
        """,
        Safety.SAFE,
    )
    assert_same_behaviour(src, after, "f", STRINGS)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("s.startswith(p) or s.startswith(q)", "s.startswith((p, q))"),
        ('s.startswith("a") or s.startswith(q)', 's.startswith(("a", q))'),
        ("s.startswith(o.p) or s.startswith(o.q)", "s.startswith((o.p, o.q))"),
        ('o.s.startswith("a") or o.s.startswith("b")', 'o.s.startswith(("a", "b"))'),
    ],
)
def test_207_names_or_attributes_are_unsafe(expr: str, expected: str) -> None:
    before = f"def f(s, p, q, o):\n    return {expr}\n"
    fix(before, "HONE207", f"def f(s, p, q, o):\n    return {expected}\n", Safety.UNSAFE)


def test_207_tuple_valued_name_is_why_names_are_unsafe() -> None:
    before = "def f(s, p, q):\n    return s.startswith(p) or s.startswith(q)\n"
    after = "def f(s, p, q):\n    return s.startswith((p, q))\n"
    with pytest.raises(AssertionError):
        assert_same_behaviour(before, after, "f", [("abc", ("a", "b"), "c")])


@pytest.mark.parametrize(
    "expr",
    [
        's.startswith("a") or t.startswith("b")',  # different receivers
        's.startswith("a") and s.startswith("b")',
        's.startswith("a") or s.endswith("b")',
        's.startswith("a", 1) or s.startswith("b")',
        's.startswith("a") or s.startswith(prefix())',  # would be evaluated eagerly
        's.startswith(f"{t}") or s.startswith("b")',
        's.startswith("a") or s.startswith(b"b")',  # str and bytes: TypeError when merged
        '(s.startswith("a")) or s.startswith("b")',
        's.startswith("a")',
        's.startswith("a") or x or s.startswith("b")',  # not consecutive
        'f(s).startswith("a") or f(s).startswith("b")',  # receiver is a call
        's.startswith(*a) or s.startswith("b")',
        's.startswith(prefix="a") or s.startswith("b")',
        's.startswith(("a", ("b",))) or s.startswith("c")',
    ],
)
def test_207_negative(expr: str) -> None:
    silent(f"def f(s, t, x, a, prefix):\n    return {expr}\n", "HONE207")


def test_207_comment_between_operands_means_no_fix() -> None:
    no_fix(
        'ok = (\n    s.startswith("a")  # the a case\n    or s.startswith("b")\n)\n',
        "HONE207",
    )


def test_207_multiline_chain_without_comment() -> None:
    fix(
        'ok = (\n    s.startswith("a")\n    or s.startswith("b")\n)\n',
        "HONE207",
        'ok = (\n    s.startswith(("a", "b"))\n)\n',
        Safety.SAFE,
    )


def test_207_nested_chains_report_once() -> None:
    src = 'ok = s.startswith("a") or s.startswith("b") or s.startswith("c")\n'
    assert len(findings(src, "HONE207")) == 1


# -- HONE213 re-sub-plain ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('re.sub("-", "_", s)', 's.replace("-", "_")'),
        ("re.sub('ab', '', s)", "s.replace('ab', '')"),
        ('re.sub("ü", "✓", s)', 's.replace("ü", "✓")'),
        ('re.sub(r"a b", "c&d", s)', 's.replace(r"a b", "c&d")'),
        ('re.sub("x", "y", s + "x")', '(s + "x").replace("x", "y")'),
        ('re.sub("#", "%", s)', 's.replace("#", "%")'),
        ('re.sub("\\n", " ", s)', 's.replace("\\n", " ")'),
    ],
)
def test_213_positive_unknown_subject_is_unsafe(expr: str, expected: str) -> None:
    before = f"import re\n\n\ndef f(s):\n    return {expr}\n"
    after = fix(
        before, "HONE213", f"import re\n\n\ndef f(s):\n    return {expected}\n", Safety.UNSAFE
    )
    # unsafe only for non-str subjects; on strings the results agree
    assert_same_behaviour(before, after, "f", [*STRINGS, ("a\nb\n",), ("ab-ab",)])


def test_213_known_string_subject_is_safe() -> None:
    src = """
    import re


    def f(parts):
        text = "-".join(parts)
        return re.sub("-", "_", text), re.sub("a", "b", "banana")
    """
    after = fix(
        src,
        "HONE213",
        """
        import re


        def f(parts):
            text = "-".join(parts)
            return text.replace("-", "_"), "banana".replace("a", "b")
        """,
        Safety.SAFE,
    )
    assert {f.fix.safety for f in findings(src, "HONE213") if f.fix} == {Safety.SAFE}
    assert_same_behaviour(src, after, "f", [([],), (["a", "b"],), (["ü"] * 100,)])


def test_213_local_string_variable_is_safe() -> None:
    src = """
    import re


    def f(n):
        text = str(n)
        return re.sub("1", "one", text)
    """
    after = fix(
        src,
        "HONE213",
        """
        import re


        def f(n):
            text = str(n)
            return text.replace("1", "one")
        """,
        Safety.SAFE,
    )
    assert_same_behaviour(src, after, "f", [(0,), (1,), (1111,), (-10.1,), (None,)])


def test_213_bytes() -> None:
    before = 'import re\n\n\ndef f(s):\n    return re.sub(b"-", b"_", s)\n'
    after = fix(
        before,
        "HONE213",
        'import re\n\n\ndef f(s):\n    return s.replace(b"-", b"_")\n',
        Safety.UNSAFE,
    )
    assert_same_behaviour(before, after, "f", BYTES)


@pytest.mark.parametrize(
    "expr",
    [
        're.sub("a.b", "c", s)',
        're.sub("a+", "c", s)',
        're.sub("(a)", "c", s)',
        're.sub("^a", "c", s)',
        're.sub("a|b", "c", s)',
        're.sub("[ab]", "c", s)',
        're.sub("a?", "c", s)',
        're.sub(r"\\d", "c", s)',
        're.sub("a\\\\b", "c", s)',  # a backslash in the pattern
        're.sub("a", r"\\1", s)',  # group reference
        're.sub("a", "\\\\n", s)',  # escape processed by re
        're.sub("a", "b", s, 1)',
        're.sub("a", "b", s, count=1)',
        're.sub("a", "b", s, flags=re.I)',
        're.sub(p, "b", s)',
        're.sub("a", b"b", s)',
        're.sub("", "b", s)',
        're.subn("a", "b", s)',
        'regex.sub("a", "b", s)',
        'sub("a", "b", s)',
        're.sub(f"a{p}", "b", s)',
        're.sub("a", repl=lambda m: "b", string=s)',
    ],
)
def test_213_negative(expr: str) -> None:
    silent(f"import re\n\n\ndef f(s, p):\n    return {expr}\n", "HONE213")
