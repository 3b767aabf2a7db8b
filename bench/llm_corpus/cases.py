"""The cases (see the package docstring).  Every case is checked by ``bench_llm_quality.py
--check-corpus`` (and in CI on a sample): the correct rewrite verifies and is faster, the wrong
one is caught by the hidden inputs."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported under its own top-level name: pickles of held-out inputs name the module
# ``hone_bench_oneshot``, which the benchmark copies next to each case's module.
ONESHOT_FILE = Path(__file__).with_name("hone_bench_oneshot.py")
if str(ONESHOT_FILE.parent) not in sys.path:
    sys.path.append(str(ONESHOT_FILE.parent))
from hone_bench_oneshot import OneShot  # noqa: E402


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    source: str  # the whole module (one function, maybe imports)
    qualname: str
    hot: tuple[str, ...]  # substrings of the lines where the time goes
    correct: str  # a correct, faster rewrite of the whole function
    inputs: tuple[str, ...]  # argument sources, e.g. "[3, 1, 2], reverse=True"
    hidden: tuple[str, ...] = ()  # held-out inputs that judge correctness
    wrong: str | None = None  # the obvious rewrite a trap breaks
    trap: str = ""


def hot_lines(case: Case) -> set[int]:
    """1-based module lines holding a ``hot`` substring."""
    out = set()
    for i, line in enumerate(case.source.splitlines(), 1):
        if any(h in line for h in case.hot):
            out.add(i)
    if len(out) < len(case.hot):
        raise ValueError(f"{case.name}: a hot substring matches no line")
    return out


def case_inputs(
    case: Case, sources: tuple[str, ...]
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Evaluate argument sources (trusted corpus text) into (args, kwargs) pairs."""
    rng = random.Random(7)
    out = []
    for src in sources:
        ns: dict[str, Any] = {"R": rng, "random": random, "OneShot": OneShot}
        args, kwargs = eval(f"(lambda *a, **k: (a, k))({src})", ns)
        out.append((tuple(args), dict(kwargs)))
    return out


_BIG_INTS = "[R.randint(0, 1500) for _ in range(3000)]"
_WORDS = "[R.choice('alpha beta gamma delta eps zeta eta theta iota kappa'.split()) + str(R.randint(0, 300)) for _ in range(3000)]"

CASES: tuple[Case, ...] = (
    Case(
        name="dedupe_keep_order",
        source='''\
def dedupe(items):
    """Items without repeats, in first-seen order."""
    seen = []
    out = []
    for item in items:
        if item not in seen:
            seen.append(item)
            out.append(item)
    return out
''',
        qualname="dedupe",
        hot=("if item not in seen",),
        correct='''\
def dedupe(items):
    """Items without repeats, in first-seen order."""
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
''',
        wrong="""\
def dedupe(items):
    return list(set(items))
""",
        trap="order of first appearance",
        inputs=(_BIG_INTS, "[]", "[3, 1, 3, 2, 1]"),
        hidden=("[5, 4, 3, 2, 1, 5, 4]", "OneShot([2, 1, 2])", "list(range(40, 0, -1))"),
    ),
    Case(
        name="common_items",
        source='''\
def common(xs, ys):
    """Elements of xs (with repeats, in order) that also occur in ys."""
    return [x for x in xs if x in ys]
''',
        qualname="common",
        hot=("if x in ys",),
        correct='''\
def common(xs, ys):
    """Elements of xs (with repeats, in order) that also occur in ys."""
    wanted = set(ys)
    return [x for x in xs if x in wanted]
''',
        wrong="""\
def common(xs, ys):
    return list(set(xs) & set(ys))
""",
        trap="duplicates and order of xs",
        inputs=(f"{_BIG_INTS}, {_BIG_INTS}", "[], [1, 2]", "[1, 2, 2, 3], [2, 3]"),
        hidden=("[3, 3, 1, 2, 3], [3, 1]", "[9, 8, 7], []", "[5, 1, 5, 1], [1, 5]"),
    ),
    Case(
        name="log_newest_first",
        source='''\
def render_log(events):
    """One line per (when, what) event, newest (last) event first."""
    out = ""
    for when, what in events:
        out = f"{when}: {what}\\n" + out
    return out
''',
        qualname="render_log",
        hot=('out = f"{when}: {what}\\n" + out',),
        correct='''\
def render_log(events):
    """One line per (when, what) event, newest (last) event first."""
    lines = [f"{when}: {what}\\n" for when, what in events]
    lines.reverse()
    return "".join(lines)
''',
        wrong="""\
def render_log(events):
    return "\\n".join(f"{when}: {what}" for when, what in reversed(events))
""",
        trap="final newline; iterator input",
        inputs=(
            "[(i, 'event number %d happened' % i) for i in range(20000)]",
            "[]",
            "[(1, 'a'), (2, 'b')]",
        ),
        hidden=("OneShot([(1, 'x'), (2, 'y')])", "[(0, '')]"),
    ),
    Case(
        name="group_records",
        source='''\
def group_by_kind(records):
    """Records grouped by their "kind", kinds in first-seen order."""
    kinds = []
    for r in records:
        if r["kind"] not in kinds:
            kinds.append(r["kind"])
    groups = {}
    for kind in kinds:
        groups[kind] = [r for r in records if r["kind"] == kind]
    return groups
''',
        qualname="group_by_kind",
        hot=(
            'groups[kind] = [r for r in records if r["kind"] == kind]',
            'if r["kind"] not in kinds',
        ),
        correct='''\
def group_by_kind(records):
    """Records grouped by their "kind", kinds in first-seen order."""
    groups = {}
    for r in records:
        groups.setdefault(r["kind"], []).append(r)
    return groups
''',
        wrong="""\
def group_by_kind(records):
    groups = {}
    for r in sorted(records, key=lambda r: r["kind"]):
        groups.setdefault(r["kind"], []).append(r)
    return groups
""",
        trap="group order of first appearance",
        inputs=(
            "[{'kind': 'k%d' % R.randint(0, 400), 'v': i} for i in range(3000)]",
            "[]",
            "[{'kind': 'b', 'v': 1}, {'kind': 'a', 'v': 2}, {'kind': 'b', 'v': 3}]",
        ),
        hidden=("[{'kind': 'z', 'v': 0}, {'kind': 'a', 'v': 1}]",),
    ),
    Case(
        name="running_mean",
        source='''\
def running_mean(values):
    """The mean of each prefix of values."""
    out = []
    for i in range(len(values)):
        out.append(sum(values[: i + 1]) / (i + 1))
    return out
''',
        qualname="running_mean",
        hot=("out.append(sum(values[: i + 1]) / (i + 1))",),
        correct='''\
def running_mean(values):
    """The mean of each prefix of values."""
    out = []
    total = 0
    for i, v in enumerate(values):
        total += v
        out.append(total / (i + 1))
    return out
''',
        wrong="""\
def running_mean(values):
    import math
    return [math.fsum(values[: i + 1]) / (i + 1) for i in range(len(values))]
""",
        trap="float summation order",
        inputs=("[R.random() * 1000 for _ in range(2500)]", "[]", "[1, 2, 3]"),
        hidden=("[0.1, 0.2, 0.3, 1e16, -1e16, 0.7]", "[1e308, 1e308]"),
    ),
    Case(
        name="first_index",
        source='''\
def positions(haystack, needles):
    """The first index of each needle in haystack (-1 when absent)."""
    out = []
    for n in needles:
        if n in haystack:
            out.append(haystack.index(n))
        else:
            out.append(-1)
    return out
''',
        qualname="positions",
        hot=("if n in haystack", "out.append(haystack.index(n))"),
        correct='''\
def positions(haystack, needles):
    """The first index of each needle in haystack (-1 when absent)."""
    first = {}
    for i, h in enumerate(haystack):
        first.setdefault(h, i)
    return [first.get(n, -1) for n in needles]
''',
        wrong="""\
def positions(haystack, needles):
    where = {h: i for i, h in enumerate(haystack)}
    return [where.get(n, -1) for n in needles]
""",
        trap="duplicates in haystack: first index, not last",
        inputs=(f"{_BIG_INTS}, {_BIG_INTS}", "[], [1]", "[4, 5, 4], [4, 5, 6]"),
        hidden=("[1, 1, 1], [1]", "[2, 3, 2, 3], [3, 2]"),
    ),
    Case(
        name="pair_count",
        source='''\
def count_pairs(nums, target):
    """How many index pairs i < j have nums[i] + nums[j] == target."""
    count = 0
    for i in range(len(nums)):
        for j in range(i + 1, len(nums)):
            if nums[i] + nums[j] == target:
                count += 1
    return count
''',
        qualname="count_pairs",
        hot=("for j in range(i + 1, len(nums))", "if nums[i] + nums[j] == target"),
        correct='''\
def count_pairs(nums, target):
    """How many index pairs i < j have nums[i] + nums[j] == target."""
    seen = {}
    count = 0
    for x in nums:
        count += seen.get(target - x, 0)
        seen[x] = seen.get(x, 0) + 1
    return count
''',
        wrong="""\
def count_pairs(nums, target):
    values = set(nums)
    return sum(1 for x in values if target - x in values and x < target - x)
""",
        trap="duplicate values",
        inputs=("[R.randint(0, 200) for _ in range(1500)], 150", "[], 3", "[1, 2, 3, 4], 5"),
        hidden=("[2, 2, 2], 4", "[1, 1, 3, 3], 4"),
    ),
    Case(
        name="remove_value_in_place",
        source='''\
def drop_all(items, value):
    """Remove every occurrence of value from the list items (in place); returns items."""
    while value in items:
        items.remove(value)
    return items
''',
        qualname="drop_all",
        hot=("while value in items", "items.remove(value)"),
        correct='''\
def drop_all(items, value):
    """Remove every occurrence of value from the list items (in place); returns items."""
    items[:] = [x for x in items if x != value]
    return items
''',
        wrong="""\
def drop_all(items, value):
    return [x for x in items if x != value]
""",
        trap="the argument is mutated in place",
        inputs=("[R.randint(0, 3) for _ in range(4000)], 0", "[], 1", "[1, 2, 1], 1"),
        hidden=("[5, 5], 5", "[1, 2], 3"),
    ),
    Case(
        name="flatten_concat",
        source='''\
def flatten(chunks):
    """All chunks' items in one list."""
    result = []
    for chunk in chunks:
        result = result + list(chunk)
    return result
''',
        qualname="flatten",
        hot=("result = result + list(chunk)",),
        correct='''\
def flatten(chunks):
    """All chunks' items in one list."""
    result = []
    for chunk in chunks:
        result.extend(chunk)
    return result
''',
        wrong="""\
def flatten(chunks):
    return sum((list(c) for c in chunks), [])[: len(chunks) * 1000]
""",
        trap="iterator of chunks (no len)",
        inputs=("[list(range(R.randint(0, 20))) for _ in range(2000)]", "[]", "[(1, 2), [3]]"),
        hidden=("OneShot([[1], [2, 3]])", "[OneShot([1, 2]), [3]]"),
    ),
    Case(
        name="fib_recursive",
        source='''\
def fib(n):
    """The n-th Fibonacci number (fib(0) == 0)."""
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
''',
        qualname="fib",
        hot=("return fib(n - 1) + fib(n - 2)",),
        correct='''\
def fib(n):
    """The n-th Fibonacci number (fib(0) == 0)."""
    if n < 2:
        return n
    a, b = 0, 1
    for _ in range(n - 1):
        a, b = b, a + b
    return b
''',
        wrong="""\
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return b
""",
        trap="off by one; negative n",
        inputs=("22", "0", "1", "2", "10"),
        hidden=("-3", "3", "7"),
    ),
    Case(
        name="primes_trial",
        source='''\
def primes_below(n):
    """All primes < n, ascending."""
    primes = []
    for k in range(2, n):
        is_prime = True
        for d in range(2, k):
            if k % d == 0:
                is_prime = False
        if is_prime:
            primes.append(k)
    return primes
''',
        qualname="primes_below",
        hot=("for d in range(2, k)", "if k % d == 0"),
        correct='''\
def primes_below(n):
    """All primes < n, ascending."""
    if n < 3:
        return []
    sieve = bytearray([1]) * n
    sieve[0] = sieve[1] = 0
    for k in range(2, int(n**0.5) + 1):
        if sieve[k]:
            sieve[k * k :: k] = bytearray(len(range(k * k, n, k)))
    return [k for k in range(n) if sieve[k]]
''',
        wrong="""\
def primes_below(n):
    sieve = [True] * n
    sieve[0] = sieve[1] = False
    for k in range(2, int(n**0.5) + 1):
        if sieve[k]:
            for m in range(k * k, n, k):
                sieve[m] = False
    return [k for k in range(n) if sieve[k]]
""",
        trap="n < 2",
        inputs=("2500", "10", "3"),
        hidden=("0", "1", "2"),
    ),
    Case(
        name="has_duplicates_iter",
        source='''\
def has_duplicates(items):
    """True when some item occurs twice."""
    seen = []
    for x in items:
        if x in seen:
            return True
        seen.append(x)
    return False
''',
        qualname="has_duplicates",
        hot=("if x in seen",),
        correct='''\
def has_duplicates(items):
    """True when some item occurs twice."""
    seen = set()
    for x in items:
        if x in seen:
            return True
        seen.add(x)
    return False
''',
        wrong="""\
def has_duplicates(items):
    return len(set(items)) != len(items)
""",
        trap="iterator input",
        inputs=("list(range(3000))", "[]", "[1, 2, 1]"),
        hidden=("OneShot([1, 2, 1])", "OneShot((3, 4))"),
    ),
    Case(
        name="reverse_by_insert",
        source='''\
def reversed_copy(items):
    """A new list with the items in reverse order."""
    out = []
    for x in items:
        out.insert(0, x)
    return out
''',
        qualname="reversed_copy",
        hot=("out.insert(0, x)",),
        correct='''\
def reversed_copy(items):
    """A new list with the items in reverse order."""
    out = list(items)
    out.reverse()
    return out
''',
        wrong="""\
def reversed_copy(items):
    return items[::-1]
""",
        trap="iterator / tuple input",
        inputs=("list(range(20000))", "[]", "[1, 2]"),
        hidden=("OneShot([1, 2, 3])", "(1, 2, 3)"),
    ),
    Case(
        name="missing_numbers",
        source='''\
def missing(nums, n):
    """The numbers in range(n) that are not in nums."""
    return [i for i in range(n) if i not in nums]
''',
        qualname="missing",
        hot=("return [i for i in range(n) if i not in nums]",),
        correct='''\
def missing(nums, n):
    """The numbers in range(n) that are not in nums."""
    present = set(nums)
    return [i for i in range(n) if i not in present]
''',
        trap="none (the obvious rewrite is right)",
        inputs=("[R.randint(0, 4000) for _ in range(3000)], 4000", "[], 3", "[0, 2], 4"),
        hidden=("[5, 1], 0",),
    ),
    Case(
        name="merge_dicts_copy",
        source='''\
def merge_all(dicts):
    """One dict with every key; later dicts win."""
    result = {}
    for d in dicts:
        result = {**result, **d}
    return result
''',
        qualname="merge_all",
        hot=("result = {**result, **d}",),
        correct='''\
def merge_all(dicts):
    """One dict with every key; later dicts win."""
    result = {}
    for d in dicts:
        result.update(d)
    return result
''',
        wrong="""\
def merge_all(dicts):
    result = {}
    for d in reversed(list(dicts)):
        for k, v in d.items():
            result.setdefault(k, v)
    return result
""",
        trap="key order of the result",
        inputs=(
            "[{R.randint(0, 3000): i} for i in range(2500)]",
            "[]",
            "[{'a': 1}, {'a': 2, 'b': 3}]",
        ),
        hidden=("[{'x': 1, 'y': 2}, {'y': 3}]",),
    ),
    Case(
        name="moving_max",
        source='''\
def window_max(values, k):
    """The maximum of every window of k consecutive values."""
    return [max(values[i : i + k]) for i in range(len(values) - k + 1)]
''',
        qualname="window_max",
        hot=("return [max(values[i : i + k]) for i in range(len(values) - k + 1)]",),
        correct='''\
def window_max(values, k):
    """The maximum of every window of k consecutive values."""
    from collections import deque

    if k <= 0:
        return [max(values[i : i + k]) for i in range(len(values) - k + 1)]
    out = []
    q = deque()
    for i, v in enumerate(values):
        while q and values[q[-1]] <= v:
            q.pop()
        q.append(i)
        if q[0] <= i - k:
            q.popleft()
        if i >= k - 1:
            out.append(values[q[0]])
    return out
''',
        wrong="""\
def window_max(values, k):
    from collections import deque
    out, q = [], deque()
    for i, v in enumerate(values):
        while q and values[q[-1]] < v:
            q.pop()
        q.append(i)
        if q[0] <= i - k:
            q.popleft()
        if i >= k - 1:
            out.append(values[q[0]])
    return out
""",
        trap="k == 0 raises; k larger than the list",
        inputs=("[R.randint(0, 10**6) for _ in range(3000)], 300", "[], 3", "[1, 3, 2, 5], 2"),
        hidden=("[1, 2], 5", "[4, 4, 4], 1", "[1, 2], 0"),
    ),
    Case(
        name="find_duplicates",
        source='''\
def repeated(items):
    """Every item (in order, with repeats) that occurs more than once."""
    return [x for x in items if items.count(x) > 1]
''',
        qualname="repeated",
        hot=("return [x for x in items if items.count(x) > 1]",),
        correct='''\
def repeated(items):
    """Every item (in order, with repeats) that occurs more than once."""
    from collections import Counter

    counts = Counter(items)
    return [x for x in items if counts[x] > 1]
''',
        wrong="""\
def repeated(items):
    from collections import Counter
    return [x for x, c in Counter(items).items() if c > 1]
""",
        trap="multiplicity and order",
        inputs=(_BIG_INTS, "[]", "[1, 2, 1, 3, 1]"),
        hidden=("[2, 2, 2]", "[4, 5, 4, 5]"),
    ),
    Case(
        name="bubble_sort_records",
        source='''\
def by_age(people):
    """People sorted by age; people of the same age keep their order."""
    people = list(people)
    n = len(people)
    for i in range(n):
        for j in range(n - 1 - i):
            if people[j]["age"] > people[j + 1]["age"]:
                people[j], people[j + 1] = people[j + 1], people[j]
    return people
''',
        qualname="by_age",
        hot=("for j in range(n - 1 - i)", 'if people[j]["age"] > people[j + 1]["age"]'),
        correct='''\
def by_age(people):
    """People sorted by age; people of the same age keep their order."""
    return sorted(people, key=lambda p: p["age"])
''',
        wrong="""\
def by_age(people):
    return sorted(people, key=lambda p: (p["age"], p["name"]))
""",
        trap="ties must keep their order (stability)",
        inputs=(
            "[{'name': 'p%d' % R.randint(0, 99), 'age': R.randint(0, 90)} for _ in range(700)]",
            "[]",
            "[{'name': 'b', 'age': 3}, {'name': 'a', 'age': 1}]",
        ),
        hidden=(
            "[{'name': 'z', 'age': 5}, {'name': 'a', 'age': 5}]",
            "OneShot([{'name': 'q', 'age': 2}, {'name': 'c', 'age': 1}])",
        ),
    ),
    Case(
        name="sorted_insertion",
        source='''\
def rank(entries):
    """(score, label) entries ordered by score; equal scores keep their order."""
    ranked = []
    for e in entries:
        ranked.append(e)
        ranked.sort(key=lambda t: t[0])
    return ranked
''',
        qualname="rank",
        hot=("ranked.sort(key=lambda t: t[0])",),
        correct='''\
def rank(entries):
    """(score, label) entries ordered by score; equal scores keep their order."""
    return sorted(entries, key=lambda t: t[0])
''',
        wrong="""\
def rank(entries):
    return sorted(entries)
""",
        trap="ties on score (stability)",
        inputs=(
            "[(R.randint(0, 50), 'l%d' % i) for i in range(1500)]",
            "[]",
            "[(2, 'b'), (1, 'a')]",
        ),
        hidden=("[(1, 'z'), (1, 'a')]", "OneShot([(3, 'x'), (2, 'y')])"),
    ),
    Case(
        name="max_subarray",
        source='''\
def best_run(xs):
    """The largest sum of a non-empty run of consecutive values (0 for no values)."""
    if not xs:
        return 0
    best = xs[0]
    for i in range(len(xs)):
        for j in range(i + 1, len(xs) + 1):
            s = sum(xs[i:j])
            if s > best:
                best = s
    return best
''',
        qualname="best_run",
        hot=("s = sum(xs[i:j])", "for j in range(i + 1, len(xs) + 1)"),
        correct='''\
def best_run(xs):
    """The largest sum of a non-empty run of consecutive values (0 for no values)."""
    if not xs:
        return 0
    best = cur = xs[0]
    for x in xs[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    return best
''',
        wrong="""\
def best_run(xs):
    best = cur = 0
    for x in xs:
        cur = max(0, cur + x)
        best = max(best, cur)
    return best
""",
        trap="all values negative",
        inputs=("[R.randint(-50, 50) for _ in range(250)]", "[]", "[1, -2, 3]"),
        hidden=("[-3, -1, -2]", "[-5]"),
    ),
    Case(
        name="normalize_max_in_loop",
        source='''\
def normalize(values):
    """Each value divided by the largest value."""
    return [v / max(values) for v in values]
''',
        qualname="normalize",
        hot=("return [v / max(values) for v in values]",),
        correct='''\
def normalize(values):
    """Each value divided by the largest value."""
    if not values:
        return []
    top = max(values)
    return [v / top for v in values]
''',
        wrong="""\
def normalize(values):
    top = max(values)
    return [v / top for v in values]
""",
        trap="empty input (the original returns [], max() raises)",
        inputs=("[R.randint(1, 10**6) for _ in range(3000)]", "[5, 10]"),
        hidden=("[]", "[3]"),
    ),
    Case(
        name="lookup_pairs",
        source='''\
def names_for(ids, pairs):
    """The name of each id, from (id, name) pairs (the first pair for an id wins)."""
    out = []
    for wanted in ids:
        name = None
        for key, value in pairs:
            if key == wanted:
                name = value
                break
        out.append(name)
    return out
''',
        qualname="names_for",
        hot=("for key, value in pairs", "if key == wanted"),
        correct='''\
def names_for(ids, pairs):
    """The name of each id, from (id, name) pairs (the first pair for an id wins)."""
    table = {}
    for key, value in pairs:
        table.setdefault(key, value)
    return [table.get(wanted) for wanted in ids]
''',
        wrong="""\
def names_for(ids, pairs):
    table = dict(pairs)
    return [table.get(wanted) for wanted in ids]
""",
        trap="duplicate keys: the first wins",
        inputs=(
            "[R.randint(0, 3000) for _ in range(1500)], [(i, 'n%d' % i) for i in range(3000)]",
            "[], []",
            "[1, 9], [(1, 'a'), (2, 'b')]",
        ),
        hidden=("[1], [(1, 'first'), (1, 'second')]", "[2, 2], [(2, 'x'), (3, 'y'), (2, 'z')]"),
    ),
    Case(
        name="rotate_pop_front",
        source='''\
def rotate(xs, k):
    """xs rotated left by k places (a new list)."""
    xs = list(xs)
    if not xs:
        return []
    for _ in range(k):
        xs.append(xs.pop(0))
    return xs
''',
        qualname="rotate",
        hot=("xs.append(xs.pop(0))", "for _ in range(k)"),
        correct='''\
def rotate(xs, k):
    """xs rotated left by k places (a new list)."""
    xs = list(xs)
    if not xs:
        return []
    k = max(k, 0) % len(xs)
    return xs[k:] + xs[:k]
''',
        wrong="""\
def rotate(xs, k):
    xs = list(xs)
    k %= len(xs)
    return xs[k:] + xs[:k]
""",
        trap="empty list; negative k",
        inputs=("list(range(3000)), 20000", "[1, 2, 3], 1"),
        hidden=("[], 4", "[1, 2, 3], -1", "OneShot([1, 2]), 3"),
    ),
    Case(
        name="bfs_pop0",
        source='''\
def reachable(graph, start):
    """Nodes reachable from start, in breadth-first order."""
    order = [start]
    queue = [start]
    seen = [start]
    while queue:
        node = queue.pop(0)
        for nxt in graph.get(node, []):
            if nxt not in seen:
                seen.append(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order
''',
        qualname="reachable",
        hot=("if nxt not in seen", "node = queue.pop(0)"),
        correct='''\
def reachable(graph, start):
    """Nodes reachable from start, in breadth-first order."""
    from collections import deque

    order = [start]
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for nxt in graph.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order
''',
        wrong="""\
def reachable(graph, start):
    seen, stack, order = {start}, [start], [start]
    while stack:
        node = stack.pop()
        for nxt in graph.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                stack.append(nxt)
    return order
""",
        trap="breadth-first order",
        inputs=(
            "{i: [R.randint(0, 2999) for _ in range(3)] for i in range(3000)}, 0",
            "{}, 1",
            "{1: [2, 3], 2: [4]}, 1",
        ),
        hidden=("{1: [2, 3], 2: [4], 3: [5]}, 1",),
    ),
    Case(
        name="edit_distance_recursive",
        source='''\
def distance(a, b):
    """Levenshtein distance between strings a and b."""
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
''',
        qualname="distance",
        hot=("distance(a[:-1], b) + 1", "return min("),
        correct='''\
def distance(a, b):
    """Levenshtein distance between strings a and b."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
''',
        wrong="""\
def distance(a, b):
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
""",
        trap="insertions shift the alignment",
        inputs=("'kittens', 'sitting'", "'', 'abc'", "'flaw', 'lawn'"),
        hidden=("'abc', 'bca'", "'a', ''"),
    ),
    Case(
        name="word_counts",
        source='''\
def word_counts(text):
    """How often each word occurs, words in first-seen order."""
    words = text.split()
    counts = {}
    for w in words:
        counts[w] = words.count(w)
    return counts
''',
        qualname="word_counts",
        hot=("counts[w] = words.count(w)",),
        correct='''\
def word_counts(text):
    """How often each word occurs, words in first-seen order."""
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    return counts
''',
        wrong="""\
def word_counts(text):
    from collections import Counter
    return dict(sorted(Counter(text.split()).items()))
""",
        trap="key order of first appearance",
        inputs=(f"' '.join({_WORDS})", "''", "'b a b'"),
        hidden=("'z y z x'",),
    ),
    Case(
        name="customer_totals",
        source='''\
def totals(orders):
    """Total amount per customer, customers in first-seen order."""
    customers = []
    for o in orders:
        if o["customer"] not in customers:
            customers.append(o["customer"])
    result = {}
    for c in customers:
        result[c] = sum(o["amount"] for o in orders if o["customer"] == c)
    return result
''',
        qualname="totals",
        hot=(
            'result[c] = sum(o["amount"] for o in orders if o["customer"] == c)',
            'if o["customer"] not in customers',
        ),
        correct='''\
def totals(orders):
    """Total amount per customer, customers in first-seen order."""
    result = {}
    for o in orders:
        c = o["customer"]
        result[c] = result.get(c, 0) + o["amount"]
    return result
''',
        wrong="""\
def totals(orders):
    import math
    result = {}
    for o in orders:
        result.setdefault(o["customer"], []).append(o["amount"])
    return {c: math.fsum(v) for c, v in result.items()}
""",
        trap="float summation order",
        inputs=(
            "[{'customer': 'c%d' % R.randint(0, 300), 'amount': round(R.random() * 100, 2)} for _ in range(3000)]",
            "[]",
        ),
        hidden=(
            "[{'customer': 'a', 'amount': 0.1}, {'customer': 'a', 'amount': 0.2}, {'customer': 'a', 'amount': 0.3}]",
            "[{'customer': 'b', 'amount': 1e16}, {'customer': 'b', 'amount': 1.0}, {'customer': 'b', 'amount': -1e16}]",
        ),
    ),
    Case(
        name="banned_words",
        source='''\
def clean(words, banned):
    """The words that are not banned (case-insensitive), in order."""
    out = []
    for w in words:
        if w.lower() not in [b.lower() for b in banned]:
            out.append(w)
    return out
''',
        qualname="clean",
        hot=("if w.lower() not in [b.lower() for b in banned]",),
        correct='''\
def clean(words, banned):
    """The words that are not banned (case-insensitive), in order."""
    blocked = {b.lower() for b in banned}
    return [w for w in words if w.lower() not in blocked]
''',
        wrong="""\
def clean(words, banned):
    blocked = set(banned)
    return [w for w in words if w not in blocked]
""",
        trap="case-insensitive match",
        inputs=(f"{_WORDS}, {_WORDS}[:300]", "[], ['x']", "['A', 'b'], ['a']"),
        hidden=("['Hello', 'WORLD'], ['world']",),
    ),
    Case(
        name="string_builder_csv",
        source='''\
def to_csv(rows):
    """Rows (lists of values) as CSV text, one line per row."""
    text = ""
    for row in rows:
        text = text + ",".join(str(v) for v in row) + "\\n"
    return text
''',
        qualname="to_csv",
        hot=('text = text + ",".join(str(v) for v in row) + "\\n"',),
        correct='''\
def to_csv(rows):
    """Rows (lists of values) as CSV text, one line per row."""
    return "".join(",".join(str(v) for v in row) + "\\n" for row in rows)
''',
        wrong="""\
def to_csv(rows):
    return "\\n".join(",".join(map(str, row)) for row in rows)
""",
        trap="final newline",
        inputs=("[[R.randint(0, 99) for _ in range(8)] for _ in range(6000)]", "[]", "[[1, 'a']]"),
        hidden=("[[], [2]]",),
    ),
    Case(
        name="count_inversions",
        source='''\
def inversions(xs):
    """How many pairs i < j have xs[i] > xs[j]."""
    n = 0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            if xs[i] > xs[j]:
                n += 1
    return n
''',
        qualname="inversions",
        hot=("for j in range(i + 1, len(xs))", "if xs[i] > xs[j]"),
        correct='''\
def inversions(xs):
    """How many pairs i < j have xs[i] > xs[j]."""
    import bisect

    seen = []
    n = 0
    for x in xs:
        n += len(seen) - bisect.bisect_right(seen, x)
        bisect.insort(seen, x)
    return n
''',
        wrong="""\
def inversions(xs):
    import bisect
    seen, n = [], 0
    for x in xs:
        n += len(seen) - bisect.bisect_left(seen, x)
        bisect.insort(seen, x)
    return n
""",
        trap="ties are not inversions",
        inputs=("[R.randint(0, 1000) for _ in range(1500)]", "[]", "[3, 1, 2]"),
        hidden=("[2, 2, 2]", "[1, 1, 0]"),
    ),
    Case(
        name="set_rebuilt_in_loop",
        source='''\
def known(tokens, vocabulary):
    """The tokens that are in the vocabulary list."""
    out = []
    for t in tokens:
        if t in set(vocabulary):
            out.append(t)
    return out
''',
        qualname="known",
        hot=("if t in set(vocabulary)",),
        correct='''\
def known(tokens, vocabulary):
    """The tokens that are in the vocabulary list."""
    vocab = set(vocabulary)
    return [t for t in tokens if t in vocab]
''',
        wrong="""\
def known(tokens, vocabulary):
    return list(set(tokens) & set(vocabulary))
""",
        trap="order and duplicates of tokens",
        inputs=(f"{_WORDS}, {_WORDS}[:1500]", "[], []", "['a', 'b', 'a'], ['a']"),
        hidden=("['c', 'a', 'c'], ['c', 'a']",),
    ),
    Case(
        name="interval_lookup",
        source='''\
def covered(intervals, points):
    """For each point, whether one of the sorted, non-overlapping (lo, hi) intervals
    contains it (lo <= p < hi)."""
    out = []
    for p in points:
        hit = False
        for lo, hi in intervals:
            if lo <= p < hi:
                hit = True
        out.append(hit)
    return out
''',
        qualname="covered",
        hot=("for lo, hi in intervals", "if lo <= p < hi"),
        correct='''\
def covered(intervals, points):
    """For each point, whether one of the sorted, non-overlapping (lo, hi) intervals
    contains it (lo <= p < hi)."""
    import bisect

    starts = [lo for lo, _ in intervals]
    out = []
    for p in points:
        i = bisect.bisect_right(starts, p) - 1
        out.append(i >= 0 and p < intervals[i][1])
    return out
''',
        wrong="""\
def covered(intervals, points):
    import bisect
    starts = [lo for lo, _ in intervals]
    return [bisect.bisect_right(starts, p) > 0 and p <= intervals[bisect.bisect_right(starts, p) - 1][1] for p in points]
""",
        trap="half-open intervals",
        inputs=(
            "[(i * 10, i * 10 + 3) for i in range(400)], [R.randint(-5, 5000) for _ in range(600)]",
            "[], [1]",
            "[(0, 2)], [0, 2]",
        ),
        hidden=("[(1, 3)], [3, 1, 0]",),
    ),
    Case(
        name="char_positions",
        source='''\
def positions_of(text):
    """For each distinct character (sorted), the indexes where it occurs."""
    out = {}
    for ch in sorted(set(text)):
        out[ch] = [i for i, c in enumerate(text) if c == ch]
    return out
''',
        qualname="positions_of",
        hot=("out[ch] = [i for i, c in enumerate(text) if c == ch]",),
        correct='''\
def positions_of(text):
    """For each distinct character (sorted), the indexes where it occurs."""
    found = {}
    for i, c in enumerate(text):
        found.setdefault(c, []).append(i)
    return {ch: found[ch] for ch in sorted(found)}
''',
        wrong="""\
def positions_of(text):
    found = {}
    for i, c in enumerate(text):
        found.setdefault(c, []).append(i)
    return found
""",
        trap="key order (sorted, not first-seen)",
        inputs=("''.join(chr(R.randint(40, 400)) for _ in range(5000))", "''", "'abca'"),
        hidden=("'cba'",),
    ),
)
