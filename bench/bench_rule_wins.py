"""Measure the speed-ups the HONE2xx rules claim, and the look-alikes hone deliberately skips;
and, on the bundled examples, what fixing the findings on measured-hot lines buys.

    python bench/bench_rule_wins.py            # all cases
    python bench/bench_rule_wins.py HONE207    # cases whose label starts with this
    python bench/bench_rule_wins.py --examples # run each example with timing (`hone run`),
                                               # fix the findings on its hot lines, run again

Each case times the code a rule reports (before) and its fix (after) with ``timeit`` (best of 5)
and prints the ratio.  The "not a rule" cases show why some popular suggestions are not in the
catalog: on CPython 3.11 the "fix" is not faster.  Run it on a quiet machine: a loaded one
(other processes on the same cores) easily shifts ratios near 1x either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path
from typing import Any

SETUP_LIST = "import random; random.seed(1); xs = [random.random() for _ in range(1000)]"
SETUP_INTS = "xs = list(range(1000))"
SETUP_DICT = "d = {str(i): i for i in range(1000)}"
SETUP_SET = "s = set(range(1000))"

# (label, setup, before, after)
CASES: list[tuple[str, str, str, str]] = [
    ("HONE201 sorted-for-min-max", SETUP_LIST, "sorted(xs)[0]", "min(xs)"),
    ("HONE202 len-of-materialised", SETUP_DICT, "len(list(d))", "len(d)"),
    ("HONE203 bin-count", "x = 123456789", "bin(x).count('1')", "x.bit_count()"),
    ("HONE204 needless-list-call", SETUP_INTS, "set(list(xs))", "set(xs)"),
    ("HONE205 needless-comprehension", SETUP_INTS, "[x for x in xs]", "list(xs)"),
    (
        "HONE206 any-all early exit",
        SETUP_INTS,
        "any([x > 10 for x in xs])",
        "any(x > 10 for x in xs)",
    ),
    (
        "HONE207 startswith-or",
        "s = 'zzzz'",
        "s.startswith('a') or s.startswith('b')",
        "s.startswith(('a', 'b'))",
    ),
    (
        "HONE209 repeated-equality",
        "x = 'zz'",
        "x == 'a' or x == 'b' or x == 'c' or x == 'd'",
        "x in {'a', 'b', 'c', 'd'}",
    ),
    (
        "HONE211 dict-items-unused",
        SETUP_DICT,
        "for k, _ in d.items(): pass",
        "for k in d: pass",
    ),
    ("HONE212 lambda-in-map", SETUP_INTS, "list(map(lambda x: x + 1, xs))", "[x + 1 for x in xs]"),
    (
        "HONE213 re-sub-plain",
        "import re; s = 'abcabc' * 10",
        "re.sub('ab', 'x', s)",
        "s.replace('ab', 'x')",
    ),
    (
        "HONE215 double-lookup",
        SETUP_DICT + "; k = '5'",
        "v = d[k] if k in d else 0",
        "v = d.get(k, 0)",
    ),
    ("HONE216 list-first-element", SETUP_SET, "list(s)[0]", "next(iter(s))"),
    ("HONE219 literal-via-call", "", "dict(a=1, b=2)", "{'a': 1, 'b': 2}"),
    ("HONE220 call-around-comprehension", SETUP_INTS, "list(x for x in xs)", "[x for x in xs]"),
    (
        "HONE221 unused-enumerate-index",
        SETUP_INTS,
        "for _, x in enumerate(xs): pass",
        "for x in xs: pass",
    ),
    # Popular suggestions that are not rules: the "after" is not faster.
    ("not a rule: sum(genexp)", SETUP_INTS, "sum([x * 2 for x in xs])", "sum(x * 2 for x in xs)"),
    ("not a rule: in-tuple", "x = 7", "x == 1 or x == 2 or x == 3", "x in (1, 2, 3)"),
    (
        "not a rule: isinstance-tuple",
        "x = 1.5",
        "isinstance(x, int) or isinstance(x, str)",
        "isinstance(x, (int, str))",
    ),
    ("not a rule: x[-1]", "x = list(range(100))", "x[len(x) - 1]", "x[-1]"),
]


def best(stmt: str, setup: str) -> float:
    timer = timeit.Timer(stmt, setup)
    number, _ = timer.autorange()
    return min(timer.repeat(5, number)) / number


def _run_wall(path: Path, repeat: int) -> tuple[float, dict[str, Any]]:
    """Best CPU time of ``hone run --json path`` over ``repeat`` runs, and the last report."""
    walls: list[float] = []
    report: dict[str, Any] = {}
    for _ in range(repeat):
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("hone")), "run", "--json", str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=path.parent,
        )
        report = json.loads(proc.stdout)
        if report.get("exit_code") not in (0, None) or report.get("error"):
            raise RuntimeError(f"{path.name}: {report.get('error') or report.get('stderr')}")
        # CPU time: on a shared machine wall time mostly measures the neighbours
        walls.append(float(report.get("cpu_s") or report["wall_s"]))
    return min(walls), report


def examples(repeat: int = 5) -> int:
    """Fix the findings on each example's measured-hot lines (>= 5 % of its run), then time it
    again: the before/after CPU times show whether the rules point where the time goes."""
    from hone.analysis.engine import analyse_text
    from hone.analysis.fixes import non_overlapping_edits
    from hone.core.text import apply_edits
    from hone.rules.relevance import by_heat, function_shares, line_shares

    root = Path(__file__).resolve().parents[1] / "examples"
    print(f"{'example':16} {'hot findings fixed':34} {'before':>8} {'after':>8} {'speed-up':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(root.glob("*.py")):
            before, report = _run_wall(path, repeat)
            key = str(path.resolve())
            shares = line_shares(report).get(key, {})
            functions = function_shares(report).get(key, {})
            text = path.read_text(encoding="utf-8")
            hot = [
                f
                for f in by_heat(analyse_text(text).findings, shares, functions)
                if f.extra.get("relevance") == "hot" and f.fix is not None
            ]
            edits, chosen = non_overlapping_edits(hot)
            fixed = Path(tmp) / path.name
            fixed.write_text(apply_edits(text, edits), encoding="utf-8")
            after, _ = _run_wall(fixed, repeat) if chosen else (before, report)
            codes = ", ".join(f"{f.code}@{f.span.start.line + 1}" for f in chosen) or "-"
            print(f"{path.name:16} {codes:34} {before:7.3f}s {after:7.3f}s {before / after:8.2f}x")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--examples"]:
        return examples()
    prefix = argv[0] if argv else ""
    print(f"{'case':40} {'before':>12} {'after':>12} {'speed-up':>9}")
    for label, setup, before, after in CASES:
        if not label.startswith(prefix):
            continue
        t_before, t_after = best(before, setup), best(after, setup)
        print(
            f"{label:40} {t_before * 1e9:10.0f}ns {t_after * 1e9:10.0f}ns "
            f"{t_before / t_after:8.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
