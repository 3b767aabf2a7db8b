"""Slow functions, each with a known-correct faster rewrite and a plausible but wrong one.

Every wrong rewrite is wrong in one of the ways real rewrites go wrong: ordering, duplicates,
aliasing, float summation order, exception types, generator exhaustion, short-circuit side
effects.  Used by the verification tests and by bench/bench_verify.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    qualname: str
    original: str  # the whole module
    correct: str  # the function rewritten correctly (and faster)
    wrong: str  # the function rewritten plausibly but wrongly
    flaw: str  # how the wrong rewrite is wrong


CASES: list[Case] = [
    Case(
        "unique_in_order",
        "unique_in_order",
        """\
def unique_in_order(xs: list[int]) -> list[int]:
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
""",
        """\
def unique_in_order(xs: list[int]) -> list[int]:
    return list(dict.fromkeys(xs))
""",
        """\
def unique_in_order(xs: list[int]) -> list[int]:
    return list(set(xs))
""",
        "ordering",
    ),
    Case(
        "count_occurrences",
        "count_occurrences",
        """\
def count_occurrences(xs: list[int]) -> dict[int, int]:
    counts = {}
    for x in xs:
        if x in counts.keys():
            counts[x] = counts[x] + 1
        else:
            counts[x] = 1
    return counts
""",
        """\
from collections import Counter


def count_occurrences(xs: list[int]) -> dict[int, int]:
    return dict(Counter(xs))
""",
        """\
from collections import Counter


def count_occurrences(xs: list[int]) -> dict[int, int]:
    return dict(Counter(set(xs)))
""",
        "duplicates",
    ),
    Case(
        "group_by_key",
        "group_by_key",
        """\
def group_by_key(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    groups = {}
    for key, value in rows:
        if key not in groups:
            groups[key] = []
        groups[key] = groups[key] + [value]
    return groups
""",
        """\
def group_by_key(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for key, value in rows:
        groups.setdefault(key, []).append(value)
    return groups
""",
        """\
def group_by_key(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    return {key: [value] for key, value in rows}
""",
        "duplicates (keeps only the last row per key)",
    ),
    Case(
        "total",
        "total",
        """\
def total(xs: list[float]) -> float:
    t = 0.0
    for x in xs:
        t = t + x
    return t
""",
        """\
def total(xs: list[float]) -> float:
    return sum(xs, 0.0)
""",
        """\
def total(xs: list[float]) -> float:
    return sum(sorted(xs), 0.0)
""",
        "float summation order",
    ),
    Case(
        "concatenated",
        "concatenated",
        """\
def concatenated(xs: list[int], ys: list[int]) -> list[int]:
    out = []
    for x in xs:
        out.append(x)
    for y in ys:
        out.append(y)
    return out
""",
        """\
def concatenated(xs: list[int], ys: list[int]) -> list[int]:
    return [*xs, *ys]
""",
        """\
def concatenated(xs: list[int], ys: list[int]) -> list[int]:
    xs.extend(ys)
    return xs
""",
        "aliasing (mutates its argument)",
    ),
    Case(
        "mean",
        "mean",
        """\
def mean(xs: list[int]) -> float:
    total = 0
    count = 0
    for x in xs:
        total += x
        count += 1
    return total / count
""",
        """\
def mean(xs: list[int]) -> float:
    return sum(xs) / len(xs)
""",
        """\
def mean(xs: list[int]) -> float:
    return sum(xs) / len(xs) if xs else 0.0
""",
        "exception types (empty input no longer raises ZeroDivisionError)",
    ),
    Case(
        "positives",
        "positives",
        """\
def positives(xs: list[int]) -> tuple[int, int]:
    n = 0
    s = 0
    for x in xs:
        if x > 0:
            n += 1
            s += x
    return n, s
""",
        """\
def positives(xs: list[int]) -> tuple[int, int]:
    pos = [x for x in xs if x > 0]
    return len(pos), sum(pos)
""",
        """\
def positives(xs: list[int]) -> tuple[int, int]:
    pos = (x for x in xs if x > 0)
    return sum(1 for _ in pos), sum(pos)
""",
        "generator exhaustion",
    ),
    Case(
        "first_repeat",
        "first_repeat",
        """\
def first_repeat(xs: list[int], seen: list[int]) -> int | None:
    for x in xs:
        if x in seen:
            return x
        seen.append(x)
    return None
""",
        """\
def first_repeat(xs: list[int], seen: list[int]) -> int | None:
    lookup = set(seen)
    for x in xs:
        if x in lookup:
            return x
        seen.append(x)
        lookup.add(x)
    return None
""",
        """\
def first_repeat(xs: list[int], seen: list[int]) -> int | None:
    lookup = set(seen)
    first = next((x for x in xs if x in lookup or lookup.add(x)), None)
    seen.extend(xs)
    return first
""",
        "short-circuit side effects (records every element, not only those before the repeat)",
    ),
    Case(
        "smallest",
        "smallest",
        """\
def smallest(xs: list[int]) -> int:
    return sorted(xs)[0]
""",
        """\
def smallest(xs: list[int]) -> int:
    if not xs:
        raise IndexError("list index out of range")
    return min(xs)
""",
        """\
def smallest(xs: list[int]) -> int:
    return min(xs)
""",
        "exception types (ValueError instead of IndexError on empty input)",
    ),
    Case(
        "common",
        "common",
        """\
def common(xs: list[int], ys: list[int]) -> list[int]:
    return [x for x in xs if x in ys]
""",
        """\
def common(xs: list[int], ys: list[int]) -> list[int]:
    lookup = set(ys)
    return [x for x in xs if x in lookup]
""",
        """\
def common(xs: list[int], ys: list[int]) -> list[int]:
    return list(set(xs) & set(ys))
""",
        "ordering and duplicates",
    ),
    Case(
        "index_of_max",
        "index_of_max",
        """\
def index_of_max(xs: list[int]) -> int:
    best = 0
    for i in range(len(xs)):
        if xs[i] > xs[best]:
            best = i
    return best
""",
        """\
def index_of_max(xs: list[int]) -> int:
    return xs.index(max(xs)) if xs else 0
""",
        """\
def index_of_max(xs: list[int]) -> int:
    return xs.index(max(xs))
""",
        "exception types (empty input raises ValueError)",
    ),
]
