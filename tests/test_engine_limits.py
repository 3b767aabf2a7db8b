"""The engine on valid code that is hard to walk: no crash, no false syntax error, a clear note."""

from __future__ import annotations

from hone.analysis.engine import NOT_ANALYSED_CODE, SYNTAX_CODE, analyse_text


def test_hundreds_of_adjacent_string_literals_are_analysed() -> None:
    """libcst nests adjacent strings one level per piece; hone's rules walk 400 of them."""
    parts = "".join(f'    "piece{i}"\n' for i in range(400))
    src = f"X = (\n{parts})\ndef f(xs):\n    return sorted(xs)[0]\n"
    analysis = analyse_text(src)
    assert [f.code for f in analysis.findings] == ["HONE201"]
    assert not analysis.rule_errors


def test_thousands_of_adjacent_string_literals_are_skipped_with_a_note() -> None:
    parts = "".join(f'    "piece{i}"\n' for i in range(3000))
    src = f"def f(xs):\n    return sorted(xs)[0]\n\nX = (\n{parts})\n"
    analysis = analyse_text(src)
    assert analysis.syntax_error is None
    assert not analysis.rule_errors
    codes = [(f.code, f.span.start.line) for f in analysis.findings]
    assert ("HONE201", 1) in codes  # the rest of the file is still analysed
    assert (NOT_ANALYSED_CODE, 3) in codes


def test_expression_too_deep_for_the_compiler_is_an_error_not_a_crash() -> None:
    src = "Y = " + " + ".join(["1"] * 5000) + "\n"
    analysis = analyse_text(src)
    assert [f.code for f in analysis.findings] in ([SYNTAX_CODE], [NOT_ANALYSED_CODE])


def test_null_bytes_are_a_syntax_finding() -> None:
    analysis = analyse_text("x = 1\0\n")
    assert analysis.syntax_error is not None
    assert analysis.syntax_error.code == SYNTAX_CODE


def test_a_parenthesised_node_rebuilt_by_a_fix_does_not_double_its_parentheses() -> None:
    import libcst as cst

    from hone.analysis.engine import _without_outer_parens

    old = cst.parse_expression("(a == None)")
    new = old.with_changes(comparisons=[cst.ComparisonTarget(cst.Is(), cst.Name("None"))])
    fixed = _without_outer_parens(old, None, new)
    assert cst.Module([]).code_for_node(fixed) == "a is None"
    inner = cst.parse_expression("a")
    assert _without_outer_parens(old, None, inner) is inner  # nothing to strip
