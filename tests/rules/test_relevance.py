"""Findings are loud where the time goes: code that runs once, test code and tiny literals are
hints; with a recorded profile, hot lines rise (saying how hot) and cold ones sink."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hone.analysis.engine import analyse_text
from hone.core.finding import Severity
from hone.rules.relevance import by_heat, hot_only, line_shares
from tests.rules.ruletest import dedent


def _severity(src: str, code: str) -> Severity:
    (finding,) = [f for f in analyse_text(dedent(src)).findings if f.code == code]
    return finding.severity


def _loop(indent: str) -> str:
    body = "m = sorted(xs)[0]\n"
    return "".join(indent + ln + "\n" for ln in body.splitlines())


@pytest.mark.parametrize(
    "src",
    [
        "xs = range(3)\n" + _loop(""),  # module level: runs once
        'if __name__ == "__main__":\n    xs = range(3)\n' + _loop("    "),
        "def test_double(xs):\n" + _loop("    "),
        "class TestDouble:\n    def check(self, xs):\n" + _loop("        "),
        "class A:\n    def __init__(self, xs):\n" + _loop("        "),
    ],
)
def test_code_that_runs_once_or_tests_gets_hints(src: str) -> None:
    assert _severity(src, "HONE201") is Severity.HINT


def test_the_same_code_in_a_function_keeps_its_severity() -> None:
    assert _severity("def smallest(xs):\n" + _loop("    "), "HONE201") is Severity.WARNING


def test_bugs_keep_their_severity_at_module_level() -> None:
    assert _severity("def f(x, acc=[]):\n    acc.append(x)\n", "HONE301") is Severity.WARNING
    src = "async def f():\n    import time\n    time.sleep(1)\n"
    assert _severity(src, "HONE302") is Severity.WARNING


def test_tiny_literal_is_a_hint_and_a_long_one_a_warning() -> None:
    tiny = "def f(ws):\n    return [w for w in ws if w not in ('a', 'an', 'the')]\n"
    long = tiny.replace("'the'", "'the', 'of', 'to', 'in', 'on'")
    assert _severity(tiny, "HONE104") is Severity.HINT
    assert _severity(long, "HONE104") is Severity.WARNING


HOT = """
def repeat_customers(names):
    repeats = []
    for i in range(len(names)):
        if names.count(names[i]) > 1:
            repeats.append(names[i])
    return repeats


def cold(xs):
    return sorted(xs)[0]
"""


def _profile(path: Path, shares: dict[int, float]) -> dict[str, object]:
    lines = [{"file": str(path), "line": n, "share": s, "self_s": s} for n, s in shares.items()]
    return {"functions": [{"qualname": "f", "lines": lines}]}


def test_hot_line_rises_and_says_so_cold_line_sinks(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    src = dedent(HOT)
    path.write_text(src)
    findings = analyse_text(src).findings
    hot = next(f for f in findings if f.code == "HONE117")
    assert hot.severity is Severity.WARNING
    shares = line_shares(_profile(path, {4: 0.71, 10: 0.0}))[str(path.resolve())]
    weighed = by_heat(findings, shares)
    by_code = {f.code: f for f in weighed}
    assert by_code["HONE117"].message.endswith("(this line took 71 % of the run)")
    assert by_code["HONE117"].severity is Severity.WARNING
    assert by_code["HONE201"].severity is Severity.HINT
    assert [f.code for f in hot_only(weighed)] == ["HONE117"]


def test_cli_hot_only_reports_only_measured_hot_lines(tmp_path: Path) -> None:
    from hone.cli.main import main

    path = tmp_path / "m.py"
    path.write_text(dedent(HOT))
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(_profile(path, {4: 0.71})))
    out = tmp_path / "out.json"
    main(
        [
            "check",
            "--no-cache",
            "--hot-only",
            str(profile),
            "--format",
            "json",
            "-o",
            str(out),
            str(path),
        ]
    )
    codes = [f["code"] for f in json.loads(out.read_text())["findings"]]
    assert codes == ["HONE117"]


def test_a_finding_in_a_hot_function_rises_and_names_the_function(tmp_path: Path) -> None:
    """Sampling attributes time to a line give or take one: the function's share counts too."""
    from hone.rules.relevance import function_shares

    path = tmp_path / "m.py"
    src = dedent(HOT)
    path.write_text(src)
    profile = _profile(path, {5: 0.3})  # the line after the finding's
    profile["functions"][0].update(  # type: ignore[index]
        {"qualname": "repeat_customers", "file": str(path), "share": 0.63}
    )
    key = str(path.resolve())
    weighed = by_heat(
        analyse_text(src).findings, line_shares(profile)[key], function_shares(profile)[key]
    )
    by_code = {f.code: f for f in weighed}
    assert by_code["HONE117"].message.endswith(
        "(its function repeat_customers took 63 % of the run)"
    )
    assert by_code["HONE201"].severity is Severity.HINT  # in cold(), which took nothing
