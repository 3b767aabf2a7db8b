"""Tests of the collection rules (hone.rules.collections_rules)."""

from __future__ import annotations

import ast

import pytest

from hone.core.finding import Safety, Severity
from tests.rules.ruletest import assert_same_behaviour, dedent, findings, fix_safety, fixed


def _no_findings(src: str, code: str) -> None:
    assert findings(src, code) == [], dedent(src)


def _reanalysed_clean(src: str, code: str) -> None:
    out = fixed(src, code)
    ast.parse(out)
    assert findings(out, code) == [], out


# -- HONE104 membership-in-list-in-loop ------------------------------------------------------

LITERAL_SRC = """
def f(words):
    return [w for w in words if w not in ("a", "an", "the")]
"""


def test_104_literal_tuple_becomes_set() -> None:
    after = fixed(LITERAL_SRC, "HONE104")
    assert after == dedent("""
        def f(words):
            return [w for w in words if w not in {"a", "an", "the"}]
    """)
    assert fix_safety(LITERAL_SRC, "HONE104") is Safety.UNSAFE
    # same for hashable inputs; an unhashable one is the documented difference
    inputs = [([],), (["a", "b", "the", "x"],), ([1, None, 2.5, "an"],), (("the",) * 10,)]
    assert_same_behaviour(LITERAL_SRC, after, "f", inputs)
    _reanalysed_clean(LITERAL_SRC, "HONE104")


def test_104_parenthesised_tuple_keeps_no_stray_parentheses() -> None:
    src = """
        def f(xs):
            return [x for x in xs if x in ( 1, 2, 3 )]
    """
    assert fixed(src, "HONE104") == dedent("""
        def f(xs):
            return [x for x in xs if x in {1, 2, 3}]
    """)


def test_104_no_fix_when_a_comment_would_be_lost() -> None:
    src = """
        def f(xs):
            return [x for x in xs if x in (  # the usual suspects
                1, 2, 3)]
    """
    found = findings(src, "HONE104")
    assert len(found) == 1 and found[0].fix is None


def test_104_literal_list_in_loop_condition() -> None:
    src = """
        def f(xs):
            n = 0
            for x in xs:
                if x in [1, 2, -3, None]:
                    n += 1
            return n
    """
    assert fixed(src, "HONE104") == dedent("""
        def f(xs):
            n = 0
            for x in xs:
                if x in {1, 2, -3, None}:
                    n += 1
            return n
    """)


def test_104_list_variable_messages() -> None:
    src = """
        def dedupe(xs):
            seen = []
            out = []
            for x in xs:
                if x not in seen:
                    seen.append(x)
                    out.append(x)
            return out

        def common(xs, ys):
            allowed = list(ys)
            return [x for x in xs if x in allowed]

        def typed(xs, allowed: list[str]):
            for x in xs:
                while x in allowed:
                    x = x + "_"

        def per_node(nodes, prefs):
            for n in nodes:
                nbrs = list(n)
                yield [p for p in prefs if p not in nbrs]
    """
    found = findings(src, "HONE104")
    # (a list rebuilt in each pass is still searched by the comprehension over all prefs)
    assert [f.span.start.line for f in found] == [4, 11, 15, 21]
    assert "keep a set" in found[0].message
    assert "build a set" in found[1].message
    assert all(f.fix is None for f in found)
    assert len(found) == 4
    # only the annotation says "list" (Sphinx passes a frozenset as ``docnames: list[str]``):
    # a hint that says so; the lists the function builds itself stay warnings
    assert [f.severity for f in found] == [
        Severity.WARNING,
        Severity.WARNING,
        Severity.HINT,
        Severity.WARNING,
    ]
    assert "if callers pass a list, as its annotation says" in found[2].message


def test_104_membership_in_dict_values() -> None:
    src = """
        def f(xs, table):
            return [x for x in xs if x in table.values()]
    """
    found = findings(src, "HONE104")
    assert len(found) == 1 and found[0].fix is None
    assert "when the values are hashable, build a set of them" in found[0].message
    # the advice needs hashable values, which the code does not show: a hint
    assert found[0].severity is Severity.HINT


@pytest.mark.parametrize(
    "src",
    [
        # outside loops
        """
        def f(x):
            return x in ("a", "b", "c")
        """,
        """
        def f(x, d):
            return x in d.values()
        """,
        # two elements: no measurable gain
        """
        def f(xs):
            return [x for x in xs if x in ("a", "b")]
        """,
        # non-constant elements (may be unhashable)
        """
        def f(xs, a, b, c):
            return [x for x in xs if x in (a, b, c)]
        """,
        """
        def f(xs):
            return [x for x in xs if x in ([1], [2], [3])]
        """,
        # already a set
        """
        def f(xs):
            return [x for x in xs if x in {"a", "b", "c"}]
        """,
        # a name of unknown type
        """
        def f(xs, allowed):
            return [x for x in xs if x in allowed]
        """,
        # a name bound to a set / dict
        """
        def f(xs):
            allowed = set(xs)
            table = {}
            return [x for x in xs if x in allowed or x in table]
        """,
        # a tiny literal list never grown
        """
        def f(xs):
            modes = ["r", "w"]
            return [x for x in xs if x in modes]
        """,
        # a list rebound to something else too
        """
        def f(xs, make):
            seen = []
            seen = make()
            return [x for x in xs if x in seen]
        """,
        # loop over a short literal
        """
        def f(x):
            items = list(range(100))
            for y in (1, 2):
                if x in items:
                    return y
        """,
        # substring test on a string
        """
        def f(lines):
            return [l for l in lines if "x" in l]
        """,
        # rebuilt for each pass and tested there once (networkx label propagation): a set
        # would cost the same scan
        """
        def f(nodes, labels):
            for n in nodes:
                best = [l for l in labels if l > n]
                if n in best:
                    yield n
        """,
        # changed inside the loop (rich's ratio resolver): a set built before it goes stale
        """
        def f(sizes):
            sizes = list(sizes)
            while None in sizes:
                i = sizes.index(None)
                sizes[i] = 0
            return sizes
        """,
        """
        def f(xs, pending):
            pending = list(pending)
            for x in xs:
                if x in pending:
                    pending.remove(x)
            return pending
        """,
        """
        def f(xs):
            check = []
            for x in xs:
                check += [x]
                if x in check:
                    del check[0]
        """,
    ],
)
def test_104_negatives(src: str) -> None:
    _no_findings(src, "HONE104")


# -- HONE105 list-as-queue -------------------------------------------------------------------


def test_105_positives() -> None:
    src = """
        def bfs(start, graph):
            queue = [start]
            seen = []
            while queue:
                node = queue.pop(0)
                queue.insert(0, node)
                del queue[0]
                for nxt in graph[node]:
                    seen.insert(0, nxt)
            return seen

        def shift(items: list[int]):
            while items:
                items = items[1:]
    """
    found = findings(src, "HONE105")
    assert [f.span.start.line for f in found] == [4, 5, 6, 8, 13]
    assert "popleft()" in found[0].message and "appendleft" in found[1].message
    assert all(f.fix is None for f in found)


@pytest.mark.parametrize(
    "src",
    [
        # dict.pop(0) pops a key
        """
        def f(d, keys):
            d = {}
            for k in keys:
                d.pop(0)
        """,
        # unknown receiver (could be a deque)
        """
        def f(q):
            while q:
                q.pop(0)
        """,
        # pop from the end
        """
        def f(xs):
            stack = list(xs)
            while stack:
                stack.pop()
                stack.pop(-1)
        """,
        # once, outside a loop
        """
        def f(xs):
            xs = list(xs)
            first = xs.pop(0)
            return first
        """,
        # insert elsewhere
        """
        def f(xs):
            out = []
            for x in xs:
                out.insert(1, x)
        """,
        # a deque
        """
        import collections
        def f(xs):
            q = collections.deque(xs)
            while q:
                q.popleft()
        """,
        # slicing a string
        """
        def f(s: str):
            while s:
                s = s[1:]
        """,
        # runs once: the loop ends right after (markdown's footnote and meta processors)
        """
        def f(lines):
            blocks = []
            for line in lines:
                blocks.append(line)
                if line.startswith("#"):
                    blocks.insert(0, line)
                    break
            return blocks
        """,
        """
        def f(xs):
            items = []
            for x in xs:
                items.append(x)
                if x is None:
                    items.pop(0)
                    return items
            return items
        """,
        # a new one-element list in each pass (docutils' target notes)
        """
        def f(refs):
            out = []
            for ref in refs:
                reflist = list(ref)
                reflist.insert(0, "see")
                out.append(reflist)
            return out
        """,
        # sorted in the loop: a priority queue (docutils' table parser)
        """
        def f(start):
            corners = []
            corners.append(start)
            done = []
            while corners:
                top, left = corners.pop(0)
                done.append((top, left))
                corners.append((top + 1, left))
                corners.sort()
                if len(done) > 9:
                    break
            return done
        """,
    ],
)
def test_105_negatives(src: str) -> None:
    _no_findings(src, "HONE105")


# -- HONE107 manual-counting-dict ------------------------------------------------------------


_COUNT_BODIES = [
    """
        counts[w] = counts.get(w, 0) + 1
    """,
    """
        if w in counts:
            counts[w] += 1
        else:
            counts[w] = 1
    """,
    """
        if w not in counts:
            counts[w] = 1
        else:
            counts[w] += 1
    """,
    """
        if w not in counts:
            counts[w] = 0
        counts[w] += 1
    """,
]


@pytest.mark.parametrize("body", _COUNT_BODIES)
def test_107_positives(body: str) -> None:
    inner = "".join("        " + line + "\n" for line in dedent(body).splitlines())
    src = "def f(words):\n    counts = {}\n    for w in words:\n" + inner + "    return counts\n"
    found = findings(src, "HONE107")
    assert len(found) == 1, src
    assert "collections.Counter(words)" in found[0].message
    assert found[0].fix is None


@pytest.mark.parametrize(
    "src",
    [
        # counting a computed key
        """
        def f(words):
            counts = {}
            for w in words:
                counts[w.lower()] = counts.get(w.lower(), 0) + 1
        """,
        # counting is not all the loop does
        """
        def f(words):
            counts = {}
            for w in words:
                counts[w] = counts.get(w, 0) + 1
                print(w)
        """,
        # adding a weight, not counting
        """
        def f(pairs):
            totals = {}
            for k in pairs:
                totals[k] = totals.get(k, 0) + 2
        """,
        # different dicts in test and update
        """
        def f(words, a, b):
            for w in words:
                if w in a:
                    b[w] += 1
                else:
                    b[w] = 1
        """,
        # initial value 5
        """
        def f(words, c):
            for w in words:
                if w not in c:
                    c[w] = 5
                c[w] += 1
        """,
    ],
)
def test_107_negatives(src: str) -> None:
    _no_findings(src, "HONE107")


# -- HONE108 membership-in-dict-keys ---------------------------------------------------------


def test_108_safe_for_known_dict() -> None:
    src = """
        def f(names, pairs):
            table = dict(pairs)
            return [n for n in names if n in table.keys()]
    """
    after = fixed(src, "HONE108")
    assert after == dedent("""
        def f(names, pairs):
            table = dict(pairs)
            return [n for n in names if n in table]
    """)
    assert fix_safety(src, "HONE108") is Safety.SAFE
    inputs = [([], []), (["a", "b"], [("a", 1)]), ([[1]], [("a", 1)]), ([1, 2], [(2, 0)])]
    assert_same_behaviour(src, after, "f", inputs)
    _reanalysed_clean(src, "HONE108")


def test_108_kwargs_is_a_dict() -> None:
    src = """
        def f(names, **options):
            return [n for n in names if n in options.keys()]
    """
    assert fix_safety(src, "HONE108") is Safety.SAFE


def test_108_unsafe_for_unknown_receiver() -> None:
    src = """
        def f(names, obj):
            out = []
            for n in names:
                if n not in obj.mapping.keys():
                    out.append(n)
            return out
    """
    assert fixed(src, "HONE108") == dedent("""
        def f(names, obj):
            out = []
            for n in names:
                if n not in obj.mapping:
                    out.append(n)
            return out
    """)
    assert fix_safety(src, "HONE108") is Safety.UNSAFE


@pytest.mark.parametrize(
    "src",
    [
        # outside a loop
        """
        def f(k, d):
            return k in d.keys()
        """,
        # iteration over keys(): one call per loop, not reported
        """
        def f(d):
            for k in d.keys():
                print(k)
        """,
        # keys() with arguments is not dict.keys
        """
        def f(xs, r):
            return [x for x in xs if x in r.keys("prefix")]
        """,
        # values(): a different (linear) test, not this rule
        """
        def f(xs, d):
            return [x for x in xs if x in d.values()]
        """,
    ],
)
def test_108_negatives(src: str) -> None:
    _no_findings(src, "HONE108")


# -- HONE111 quadratic-list-concat -----------------------------------------------------------

CONCAT_SRC = """
def f(xs):
    out = []
    for x in xs:
        if x % 2 == 0:
            out = out + [x * 10]
        else:
            out = out + [x, -x]
    return out
"""


def test_111_append_and_extend() -> None:
    after = fixed(CONCAT_SRC, "HONE111")
    assert after == dedent("""
        def f(xs):
            out = []
            for x in xs:
                if x % 2 == 0:
                    out.append(x * 10)
                else:
                    out += [x, -x]
            return out
    """)
    assert fix_safety(CONCAT_SRC, "HONE111") is Safety.UNSAFE
    # no alias exists here, so the behaviour is the same
    assert_same_behaviour(CONCAT_SRC, after, "f", [([],), ([1, 2, 3],), (list(range(300)),)])
    _reanalysed_clean(CONCAT_SRC, "HONE111")


def test_111_prepend_and_tuple_reported_without_fix() -> None:
    src = """
        def f(xs):
            out = []
            acc = ()
            for x in xs:
                out = [x] + out
                acc = acc + (x,)
            return out, acc
    """
    found = findings(src, "HONE111")
    assert len(found) == 2 and all(f.fix is None for f in found)
    assert "appendleft" in found[0].message and "tuple" in found[1].message


@pytest.mark.parametrize(
    "src",
    [
        # numbers / strings / unknown types
        """
        def f(xs):
            t = 0
            for x in xs:
                t = t + x
        """,
        """
        def f(xs, arr):
            for x in xs:
                arr = arr + [x]
        """,
        # outside a loop
        """
        def f(x):
            out = []
            out = out + [x]
            return out
        """,
        # another list on the left: a new list is wanted
        """
        def f(xs, base):
            out = []
            for x in xs:
                out = base + [x]
        """,
        # already in place
        """
        def f(xs):
            out = []
            for x in xs:
                out += [x]
        """,
        # counters bound by tuple unpacking are not tuples
        """
        def f(line):
            i, n = 0, len(line)
            while i < n:
                i = i + 1
        """,
        # one prepend onto a list built for this pass (sympy's PolyElement.str): nothing grows
        """
        def f(terms, fmt):
            out = []
            for coeff, exps in terms:
                parts = []
                for e in exps:
                    parts.append(fmt % e)
                if coeff:
                    parts = [str(coeff)] + parts
                out.append("*".join(parts))
            return out
        """,
    ],
)
def test_111_negatives(src: str) -> None:
    _no_findings(src, "HONE111")


# -- HONE114 list-search-in-loop -------------------------------------------------------------


def test_114_positives() -> None:
    src = """
        def f(given, names):
            order = list(given)
            ranks = [order.index(n) for n in names]
            counts = [order.count(n) for n in order]
            for n in names:
                order.remove(n)
            return ranks, counts
    """
    found = findings(src, "HONE114")
    assert [f.span.start.line for f in found] == [2, 3, 5]
    assert "dict" in found[0].message and "Counter" in found[1].message
    assert all(f.fix is None for f in found)


def test_114_parameter_rebound_to_a_list_first() -> None:
    # ``order = list(order)`` runs before the search on every path: the parameter's own value
    # (of no known type) never reaches it
    src = """
        def f(order, names):
            order = list(order)
            return [order.index(n) for n in names]
    """
    assert [f.span.start.line for f in findings(src, "HONE114")] == [2]


@pytest.mark.parametrize(
    "src",
    [
        # str methods
        """
        def f(lines, text: str):
            return [text.count(l) + text.index(l) for l in lines]
        """,
        # unknown type
        """
        def f(lines, seq):
            return [seq.index(l) for l in lines]
        """,
        # outside loops
        """
        def f(xs):
            xs = list(xs)
            return xs.index(3)
        """,
        # a tiny literal list
        """
        def f(xs):
            modes = ["r", "w", "a"]
            return [modes.index(x) for x in xs]
        """,
        # a parameter rebound to a list only on one path: its own value (of no known type)
        # may reach the search
        """
        def f(order, names, fresh):
            if fresh:
                order = list(order)
            return [order.index(n) for n in names]
        """,
    ],
)
def test_114_negatives(src: str) -> None:
    _no_findings(src, "HONE114")


# -- HONE116 manual-grouping-dict ------------------------------------------------------------


def test_116_positives() -> None:
    src = """
        def f(items):
            groups = {}
            for item in items:
                if item.kind not in groups:
                    groups[item.kind] = []
                groups[item.kind].append(item)
            other = {}
            for item in items:
                other.setdefault(item.kind, []).append(item)
            return groups, other
    """
    found = findings(src, "HONE116")
    assert [f.span.start.line for f in found] == [3, 8]
    assert all("defaultdict(list)" in f.message and f.fix is None for f in found)


@pytest.mark.parametrize(
    "src",
    [
        # outside a loop
        """
        def f(groups, k, v):
            groups.setdefault(k, []).append(v)
        """,
        # a non-empty default
        """
        def f(items, groups):
            for k in items:
                groups.setdefault(k, [0]).append(k)
        """,
        # initial value not a list
        """
        def f(items, groups):
            for k in items:
                if k not in groups:
                    groups[k] = set()
                groups[k].add(k)
        """,
        # a computed key (evaluated once per use, side effects possible)
        """
        def f(items, groups):
            for k in items:
                if key(k) not in groups:
                    groups[key(k)] = []
                groups[key(k)].append(k)
        """,
        # append to another dict's list
        """
        def f(items, a, b):
            for k in items:
                if k not in a:
                    a[k] = []
                b[k].append(k)
        """,
    ],
)
def test_116_negatives(src: str) -> None:
    _no_findings(src, "HONE116")
