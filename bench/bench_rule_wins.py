"""Measure the speed-ups the HONE2xx rules claim, and the look-alikes hone deliberately skips.

    python bench/bench_rule_wins.py            # all cases
    python bench/bench_rule_wins.py HONE207    # cases whose label starts with this

Each case times the code a rule reports (before) and its fix (after) with ``timeit`` (best of 5)
and prints the ratio.  The "not a rule" cases show why some popular suggestions are not in the
catalog: on CPython 3.11 the "fix" is not faster.  Run it on a quiet machine: a loaded one
(other processes on the same cores) easily shifts ratios near 1x either way.
"""

from __future__ import annotations

import sys
import timeit

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


def main(argv: list[str]) -> int:
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
