"""Untyped one-function modules (no hints, no doctests: how most code looks), each with a
correct faster rewrite, a plausible wrong one that only a LARGER input, an ITERATOR, a TIE or an
EMPTY input exposes, a small test file that passes for both (tests are rarely exhaustive), and a
program whose run records typical calls.  Used by bench/bench_verify.py and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UntypedCase:
    name: str  # also the module's file name
    qualname: str
    original: str
    correct: str
    wrong: str
    flaw: str  # "larger" | "iterator" | "tie" | "empty"
    tests: str  # a pytest file importing the module; passes for original and wrong rewrite
    main: str  # appended to the module for a recorded run: typical calls, no edge cases


CASES: list[UntypedCase] = [
    UntypedCase(
        "total_len",
        "total_len",
        """\
def total_len(words):
    n = 0
    for w in words:
        n = n + len(w)
    return n
""",
        """\
def total_len(words):
    return sum(map(len, words))
""",
        """\
def total_len(words):
    return len(words[0]) + total_len(words[1:]) if words else 0
""",
        "larger",
        """\
from total_len import total_len


def test_words():
    assert total_len(["ab", "c", ""]) == 3


def test_none():
    assert total_len([]) == 0
""",
        """
if __name__ == "__main__":
    for line in ["the quick brown fox", "jumps over", "the lazy dog"] * 5:
        print(total_len(line.split()))
""",
    ),
    UntypedCase(
        "upper_all",
        "upper_all",
        """\
def upper_all(words):
    out = []
    for w in words:
        out = out + [w.upper()]
    return out
""",
        """\
def upper_all(words):
    return [w.upper() for w in words]
""",
        """\
def upper_all(words):
    return [words[0].upper(), *upper_all(words[1:])] if words else []
""",
        "larger",
        """\
from upper_all import upper_all


def test_upper():
    assert upper_all(["a", "Bc"]) == ["A", "BC"]
    assert upper_all([]) == []
""",
        """
if __name__ == "__main__":
    for text in ["the quick brown fox", "jumps over the lazy dog"] * 3:
        print(upper_all(text.split()))
""",
    ),
    UntypedCase(
        "strip_all",
        "strip_all",
        """\
def strip_all(lines):
    out = []
    for line in lines:
        out = out + [line.strip()]
    return out
""",
        """\
def strip_all(lines):
    return [line.strip() for line in lines]
""",
        """\
def strip_all(lines):
    return [lines[i].strip() for i in range(len(lines))]
""",
        "iterator",
        """\
from strip_all import strip_all


def test_strip():
    assert strip_all([" a ", "b\\n", ""]) == ["a", "b", ""]
""",
        """
if __name__ == "__main__":
    text = "  first line\\n second, longer line  \\n\\nlast "
    for _ in range(20):
        print(strip_all(text.splitlines()))
""",
    ),
    UntypedCase(
        "dedupe",
        "dedupe",
        """\
def dedupe(items):
    seen = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen
""",
        """\
def dedupe(items):
    return list(dict.fromkeys(items))
""",
        """\
def dedupe(items):
    return sorted(set(items), key=list(items).index)
""",
        "iterator",
        """\
from dedupe import dedupe


def test_order_kept():
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]
""",
        """
if __name__ == "__main__":
    for n in (5, 9, 14):
        print(dedupe([i % 4 for i in range(n)]))
""",
    ),
    UntypedCase(
        "most_common",
        "most_common",
        """\
def most_common(words):
    counts = {}
    for w in words:
        if w in counts:
            counts[w] += 1
        else:
            counts[w] = 1
    best, best_count = None, 0
    for w in counts:
        if counts[w] > best_count:
            best, best_count = w, counts[w]
    return best
""",
        """\
from collections import Counter


def most_common(words):
    counts = Counter(words)
    return max(counts, key=counts.__getitem__) if counts else None
""",
        """\
def most_common(words):
    return max(set(words), key=words.count) if words else None
""",
        "tie",
        """\
from most_common import most_common


def test_clear_winner():
    assert most_common(["a", "b", "a", "c", "a"]) == "a"


def test_empty():
    assert most_common([]) is None
""",
        """
if __name__ == "__main__":
    for text in ["to be or not to be to", "a rose is a rose is a rose"]:
        print(most_common(text.split()))
""",
    ),
    UntypedCase(
        "argmax",
        "argmax",
        """\
def argmax(xs):
    best = -1
    for i in range(len(xs)):
        if best < 0 or xs[i] > xs[best]:
            best = i
    return best
""",
        """\
def argmax(xs):
    return xs.index(max(xs)) if xs else -1
""",
        """\
def argmax(xs):
    return sorted(enumerate(xs), key=lambda p: p[1])[-1][0] if xs else -1
""",
        "tie",
        """\
from argmax import argmax


def test_argmax():
    assert argmax([1, 5, 2]) == 1
    assert argmax([]) == -1
""",
        """
if __name__ == "__main__":
    for xs in ([3, 9, 4], [10, 2], [1, 2, 3, 7, 5]):
        print(argmax(xs))
""",
    ),
    UntypedCase(
        "average",
        "average",
        """\
def average(xs):
    if not xs:
        return 0.0
    total = 0
    count = 0
    for x in xs:
        total = total + x
        count = count + 1
    return total / count
""",
        """\
def average(xs):
    if not xs:
        return 0.0
    xs = list(xs)  # an iterator works too, as with the loop
    return sum(xs) / len(xs)
""",
        """\
def average(xs):
    return sum(xs) / len(xs)
""",
        "empty",
        """\
from average import average


def test_average():
    assert average([1, 2, 3]) == 2.0
""",
        """
if __name__ == "__main__":
    for xs in ([1, 2, 3], [10, 20], [5, 5, 5, 6]):
        print(average(xs))
""",
    ),
    UntypedCase(
        "longest",
        "longest",
        """\
def longest(words):
    best = ""
    for w in words:
        if len(w) > len(best):
            best = w
    return best
""",
        """\
def longest(words):
    return max(words, key=len, default="")
""",
        """\
def longest(words):
    return max(words, key=len)
""",
        "empty",
        """\
from longest import longest


def test_longest():
    assert longest(["a", "abc", "ab"]) == "abc"
""",
        """
if __name__ == "__main__":
    for text in ["alpha beta gamma", "one two three four", "x yy zzz"]:
        print(longest(text.split()))
""",
    ),
]
