"""Families, not spellings, for the loop rules (HONE101-HONE103, HONE109, HONE110): per rule, a
table of shapes it must catch (spelled differently) and look-alikes it must not; one test per
row."""

from __future__ import annotations

import pytest

from tests.rules.ruletest import findings

# rule -> (shapes it catches, look-alikes it must leave alone)
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    "HONE101": (
        [
            "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n"
            "            out.append(x * 2)\n    return out\n",
            "def f(words):\n    seen = set()\n    for w in words:\n        seen.add(w.lower())\n"
            "    return seen\n",
            "def f(objs):\n    d = {}\n    for o in objs:\n        d[o.key] = o\n    return d\n",
            "def f(rows):\n    d = dict()\n    for a, b, c in rows:\n        d[a, b] = c\n"
            "    return d\n",
            "def f(xs):\n    out: list[str] = list()\n    for x in xs:\n        out.append(str(x))\n"
            "    return out\n",
            # nested loops
            "def f(rows):\n    out = []\n    for row in rows:\n        for x in row:\n"
            "            out.append(x)\n    return out\n",
            # inside a while loop, in a method
            "class C:\n    def f(self, q):\n        while q:\n            out = []\n"
            "            for item in q.pop():\n                out.append(item.name)\n"
            "            self.emit(out)\n",
            # the empty list bound in an earlier statement
            "def f(xs):\n    out = []\n    n = len(xs)\n    for x in xs:\n"
            "        out.append(x * n)\n    return out\n",
            "def f(xs):\n    names = []\n    values = []\n    for x in xs:\n"
            "        names.append(x.name)\n    return names, values\n",
            # a copy into a list that already has items
            "def f(xs):\n    out = [0]\n    print(out)\n    for x in xs:\n        out.append(x)\n"
            "    return out\n",
        ],
        [
            # the accumulator is read inside the loop: no comprehension can replace it
            "def f(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n"
            "            out.append(x)\n    return out\n",
            "def f(xs):\n    out = []\n    for x in xs:\n        out.append(len(out) + x)\n"
            "    return out\n",
            # the loop does more than fill it
            "def f(xs):\n    out = []\n    for x in xs:\n        if x is None:\n            break\n"
            "        out.append(x)\n    return out\n",
            "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n            out.append(x)\n"
            "        else:\n            out.append(0)\n    return out\n",
            # not an empty list to start with
            "def f(xs):\n    out = [0]\n    for x in xs:\n        out.append(x * 2)\n    return out\n",
            "from collections import deque\n\n\ndef f(xs):\n    out = deque()\n    for x in xs:\n"
            "        out.append(x * 2)\n    return out\n",
            # list() names a parameter, not the builtin
            "def f(xs, list):\n    out = list()\n    for x in xs:\n        out.append(x)\n"
            "    return out\n",
            "def f(xs, list):\n    out = list()\n    n = 2\n    for x in xs:\n"
            "        out.append(x * n)\n    return out\n",
            # used between its initialisation and the loop
            "def f(xs):\n    out = []\n    log(out)\n    for x in xs:\n        out.append(x * 2)\n"
            "    return out\n",
            # seen by a closure while it is filled
            "def f(xs):\n    out = []\n    g = lambda: len(out)\n    for x in xs:\n"
            "        out.append(x * g())\n    return out\n",
            # a while loop: nothing for a comprehension to iterate
            "def f(stack):\n    out = []\n    while stack:\n        out.append(stack.pop())\n"
            "    return out\n",
            # not in a loop
            "def f(x):\n    out = []\n    out.append(x)\n    return out\n",
        ],
    ),
    "HONE102": (
        [
            "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n",
            "def f(words):\n    n = 0\n    for w in words:\n        n += len(w)\n    return n\n",
            "def f(xs):\n    t = 0.0\n    for x in xs:\n        t = t + abs(x)\n    return t\n",
            "class C:\n    def total(self):\n        total = 0\n        for price in self.prices:\n"
            "            total += price\n        return total\n",
            # in a while loop, and nested in another loop
            "def f(q):\n    while q:\n        row = q.pop()\n        t = 0\n        for x in row:\n"
            "            t += x\n        print(t)\n",
            "def f(rows):\n    out = []\n    for row in rows:\n        t = 0\n"
            "        for cell in row:\n            t += int(cell)\n        out.append(t)\n"
            "    return out\n",
            # the accumulator bound in an earlier statement
            "def f(xs):\n    t = 0\n    n = 0\n    for x in xs:\n        t += x\n    return t, n\n",
        ],
        [
            # sum() over a generator expression is no faster than the loop
            "def f(xs):\n    t = 0\n    for x in xs:\n        t += x * x\n    return t\n",
            "def f(xs, g):\n    t = 0\n    for x in xs:\n        t += g(x)\n    return t\n",
            "def f(xs):\n    t = 0\n    for x in xs:\n        if x:\n            t += 1\n    return t\n",
            # read inside the loop
            "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n        print(t)\n    return t\n",
            # len names a parameter, not the builtin
            "def f(words, len):\n    n = 0\n    for w in words:\n        n += len(w)\n    return n\n",
            # not from zero
            "def f(xs):\n    t = 1\n    for x in xs:\n        t += x\n    return t\n",
            "def f(xs, c):\n    t = 0\n    if c:\n        t = 5\n    for x in xs:\n        t += x\n"
            "    return t\n",
            # strings, subtraction
            "def f(xs):\n    t = ''\n    for x in xs:\n        t += x\n    return t\n",
            "def f(xs):\n    t = 0\n    for x in xs:\n        t -= x\n    return t\n",
            # a while loop, no loop
            "def f(xs):\n    t = 0\n    while xs:\n        t += xs.pop()\n    return t\n",
            "def f(a, b):\n    t = 0\n    t += a\n    t += b\n    return t\n",
        ],
    ),
    "HONE103": (
        [
            "def f(xs):\n    for x in xs:\n        if x:\n            return True\n    return False\n",
            "def f(xs):\n    for x in xs:\n        if not x:\n            return False\n"
            "    return True\n",
            "def f(xs, target):\n    for x in xs:\n        if x == target:\n"
            "            return True\n    return False\n",
            "class C:\n    def has(self, name):\n        for n in self.names:\n"
            "            if 'stop' == n:\n                return False\n        return True\n",
            # a search loop in a while loop
            "def f(q):\n    while q:\n        xs = q.pop()\n        for x in xs:\n"
            "            if not x:\n                return False\n        return True\n",
            # a flag, with and without break
            "def f(xs, target):\n    found = False\n    for x in xs:\n        if x == target:\n"
            "            found = True\n            break\n    return found\n",
            "def f(xs, target):\n    found = False\n    for x in xs:\n        if x == target:\n"
            "            found = True\n    return found\n",
            "def f(xs):\n    ok = True\n    for x in xs:\n        if not x:\n            ok = False\n"
            "            break\n    return ok\n",
            "def f(xs):\n    dirty = False\n    for x in xs:\n        if x: dirty = True\n"
            "    return dirty\n",
            # a flag search nested in another loop
            "def f(rows, t):\n    out = []\n    for row in rows:\n        found = False\n"
            "        for x in row:\n            if x == t:\n                found = True\n"
            "                break\n        out.append(found)\n    return out\n",
        ],
        [
            # a condition on x: any(genexpr) is slower than the loop
            "def f(xs):\n    for x in xs:\n        if x > 0:\n            return True\n"
            "    return False\n",
            "def f(xs):\n    for x in xs:\n        if x is None:\n            return True\n"
            "    return False\n",
            "def f(xs, t):\n    found = False\n    for x in xs:\n        if x > t:\n"
            "            found = True\n            break\n    return found\n",
            # returns the item, not a bool
            "def f(xs):\n    for x in xs:\n        if x:\n            return x\n    return None\n",
            # the last comparison wins, not any
            "def f(xs, t):\n    found = False\n    for x in xs:\n        if x == t:\n"
            "            found = True\n        else:\n            found = False\n    return found\n",
            # the flag starts as something other than the opposite bool
            "def f(xs, t):\n    found = None\n    for x in xs:\n        if x == t:\n"
            "            found = True\n            break\n    return found\n",
            # the loop does more than set the flag
            "def f(xs, t):\n    found = False\n    n = 0\n    for x in xs:\n        if x == t:\n"
            "            found = True\n            n += 1\n    return found, n\n",
            "def f(xs, t):\n    found = False\n    for x in xs:\n        if x == t:\n"
            "            found = True\n            break\n    else:\n        log(t)\n"
            "    return found\n",
            # any names a parameter, not the builtin (with and without a fix)
            "def f(xs, any):\n    for x in xs:\n        if x:\n            return True\n"
            "    return False\n",
            "def f(xs, any):\n    for x in xs:\n        if x:\n            return True  # hit\n"
            "    return False\n",
        ],
    ),
    "HONE109": (
        [
            "import re\n\n\ndef f(lines):\n    for line in lines:\n"
            "        if re.match(r'\\d+', line):\n            print(line)\n",
            "import re\n\n\ndef f(stream):\n    while True:\n        line = stream.readline()\n"
            "        if not line:\n            break\n"
            "        print(re.search(r'error: (.*)', line, re.I))\n",
            "import re\n\n\ndef f(lines):\n    return [re.findall(r'\\w+', line) for line in lines]\n",
            "import re\n\n\ndef f(lines):\n    return [re.sub(r'a+', 'b', s, 0, re.I) for s in lines]\n",
            "import re\n\n\ndef f(lines):\n    for line in lines:\n"
            "        p = re.compile(r'^#', re.I | re.M)\n        p.match(line)\n",
            "import re\n\n\ndef f(names):\n"
            "    return [n for n in names if re.fullmatch(r'[a-z_]+', n, flags=re.IGNORECASE)]\n",
            "import re\n\n\ndef f(chunks):\n    for c in chunks:\n        print(re.split(rb'\\s+', c))\n",
            # nested loops, a generator expression
            "import re\n\n\ndef f(docs):\n    for doc in docs:\n        for line in doc:\n"
            "            for m in re.finditer(r'\\d+', line):\n                print(m)\n",
            "import re\n\n\ndef f(lines):\n    return any(re.search(r'TODO|FIXME', s) for s in lines)\n",
            # a compile in a loop inside the guard still runs per iteration
            "import re\n\n\ndef f(lines, pat):\n    if pat is None:\n        for line in lines:\n"
            "            pat = re.compile(r'\\d+')\n",
        ],
        [
            # the pattern is not a literal / the flags are computed
            "import re\n\n\ndef f(lines, pat):\n    for line in lines:\n        re.match(pat, line)\n",
            "import re\n\n\ndef f(lines, fl):\n    for s in lines:\n        re.match(r'\\d', s, fl)\n",
            # a compile behind a run-once guard
            "import re\n\n\ndef f(lines):\n    pat = None\n    for line in lines:\n"
            "        if pat is None:\n            pat = re.compile(r'\\d+')\n        pat.match(line)\n",
            "import re\n\n\nclass C:\n    def f(self, lines):\n        for line in lines:\n"
            "            if not self._pat:\n                self._pat = re.compile(r'\\d+')\n"
            "            self._pat.match(line)\n",
            "import re\n\n\nclass C:\n    def f(self, lines):\n        for line in lines:\n"
            "            if not hasattr(self, '_m'):\n"
            "                self._m = re.compile(r'\\d+').match\n            self._m(line)\n",
            "import re\n\n\nclass C:\n    def f(self, lines):\n        for line in lines:\n"
            "            self._pat = self._pat or re.compile(r'\\d+')\n"
            "            self._pat.match(line)\n",
            # re is not the re module
            "def f(lines, re):\n    for line in lines:\n        re.match(r'\\d', line)\n",
            "import regex as re\n\n\ndef f(lines):\n    for line in lines:\n"
            "        re.match(r'\\d', line)\n",
            # not in a loop, a loop over a short literal, a lambda's body
            "import re\n\n\ndef f(s):\n    return re.match(r'\\d', s)\n",
            "import re\n\n\ndef f(s):\n    for p in ('a', 'b'):\n        re.search(r'\\d+', s)\n",
            "import re\n\n\ndef f(keys):\n    h = {}\n    for k in keys:\n"
            "        h[k] = lambda s: re.match(r'\\d', s)\n    return h\n",
            # nothing to compile / left to the plain-replace rule
            "import re\n\n\ndef f(words):\n    return [re.escape(w) for w in words]\n",
            "import re\n\n\ndef f(lines):\n    return [re.sub('abc', 'x', s) for s in lines]\n",
        ],
    ),
    "HONE110": (
        [
            "def f(rows):\n    out = ''\n    for r in rows:\n        out += f'<li>{r}</li>'\n"
            "    return out\n",
            "def f(sock):\n    data = b''\n    while True:\n        chunk = sock.recv(1024)\n"
            "        if not chunk:\n            break\n        data = data + chunk\n    return data\n",
            "def f(sock, n):\n    data = b''\n    while len(data) < n:\n"
            "        data += sock.recv(n - len(data))\n    return data\n",
            "class C:\n    def fill(self, parts):\n        self.text = ''\n        for p in parts:\n"
            "            self.text += p\n",
            "class C:\n    def fill(self, parts):\n        self.buf = b''\n        for p in parts:\n"
            "            self.buf += p\n",
            # nested loops; bound earlier, not just before the loop
            "def f(rows):\n    s = ''\n    for row in rows:\n        for c in row:\n            s += c\n"
            "    return s\n",
            "def f(rows, sep):\n    s = 'header'\n    n = 0\n    for r in rows:\n        n += 1\n"
            "        s += sep + str(r)\n    return s, n\n",
            # annotated
            "def f(xs, s: str = ''):\n    for x in xs:\n        s += x\n    return s\n",
            "def f(xs):\n    s: str = ''\n    for x in xs:\n        s += str(x)\n    return s\n",
            # literals, but not one and the same
            "def f(bits):\n    s = ''\n    for b in bits:\n        if b:\n            s += '1'\n"
            "        else:\n            s += '0'\n    return s\n",
        ],
        [
            # a string rebuilt in each pass, not grown across passes
            "def f(rows):\n    out = []\n    for row in rows:\n        line = ''\n"
            "        line += str(row)\n        out.append(line)\n    return out\n",
            "def f(words, width):\n    lines = []\n    line = ''\n    for w in words:\n"
            "        if len(line) + len(w) > width:\n            lines.append(line)\n"
            "            line = ''\n        line += w\n    return lines\n",
            # padding: one literal repeated (ljust / ' ' * n, not join)
            "def f(s: str, n):\n    while len(s) < n:\n        s += ' '\n    return s\n",
            "def f(depth):\n    indent = ''\n    for _ in range(depth):\n        indent += '  '\n"
            "    return indent\n",
            "def f(n):\n    buf = b''\n    while len(buf) < n:\n        buf = buf + b'\\0'\n"
            "    return buf\n",
            # not a string: numbers, lists, tuples, unknown
            "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n",
            "def f(xs):\n    t = ()\n    for x in xs:\n        t += (x,)\n    return t\n",
            "def f(xs, t):\n    for x in xs:\n        t += x\n    return t\n",
            "def f(xs):\n    t = ''\n    t = make()\n    for x in xs:\n        t += x\n    return t\n",
            "class C:\n    def f(self, xs):\n        self.t = ''\n        self.t = make()\n"
            "        for x in xs:\n            self.t += x\n",
            # not in a loop, a loop over a short literal
            "def f(a, b):\n    s = ''\n    s += a\n    s += b\n    return s\n",
            "def f(sep):\n    s = ''\n    for p in ('a', 'b', 'c'):\n        s += p + sep\n    return s\n",
        ],
    ),
}

# (the table tests themselves run in test_families.py, over every table)


# -- fixes of the shapes added for these tables -----------------------------------------------

FLAG_INPUTS = [
    ([], 1),
    ([1, 2, 3], 2),
    ([1, 2, 3], 4),
    ([0, 0], 0),
    (["a", "b"], "b"),
    ("abc", "c"),
    ({0: "a", 1: "b"}, 1),
    ([None, "", []], None),
]


@pytest.mark.parametrize(
    ("loop", "expected", "safe"),
    [
        (
            "    found = False\n    for x in xs:\n        if x:\n            found = True\n"
            "            break\n",
            "    found = any(xs)\n",
            True,
        ),
        (
            "    found = True\n    for x in xs:\n        if not x:\n            found = False\n"
            "            break\n",
            "    found = all(xs)\n",
            True,
        ),
        (
            "    found = True\n    for x in xs:\n        if x:\n            found = False\n"
            "            break\n",
            "    found = not any(xs)\n",
            True,
        ),
        (
            "    found = False\n    for x in xs:\n        if x == c:\n            found = True\n"
            "            break\n",
            "    found = c in xs\n",
            False,
        ),
        (
            "    found = True\n    for x in xs:\n        if c == x: found = False; break\n",
            "    found = c not in xs\n",
            False,
        ),
        # without break: the loop tests every item, the builtin stops at the first match
        (
            "    found = False\n    for x in xs:\n        if x == c:\n            found = True\n",
            "    found = c in xs\n",
            False,
        ),
        (
            "    found = False\n    for x in xs:\n        if x:\n            found = True\n",
            "    found = any(xs)\n",
            False,
        ),
    ],
)
def test_flag_search_fix_keeps_behaviour(loop: str, expected: str, safe: bool) -> None:
    from hone.core.finding import Safety
    from tests.rules.ruletest import assert_same_behaviour, fix_safety, fixed

    src = f"def search(xs, c):\n    n = 0\n{loop}    return found, n\n"
    after = fixed(src, "HONE103")
    assert after == f"def search(xs, c):\n    n = 0\n{expected}    return found, n\n"
    assert fix_safety(src, "HONE103") is (Safety.SAFE if safe else Safety.UNSAFE)
    assert_same_behaviour(src, after, "search", FLAG_INPUTS)


@pytest.mark.parametrize(
    "src",
    [
        # the loop variable is read after the loop
        "def f(xs, t):\n    found = False\n    for x in xs:\n        if x == t:\n"
        "            found = True\n            break\n    return found, x\n",
        # a comment would be lost
        "def f(xs):\n    found = False  # none yet\n    for x in xs:\n        if x:\n"
        "            found = True\n            break\n    return found\n",
        # the flag is read by a closure
        "def f(xs):\n    found = False\n    for x in xs:\n        if x:\n            found = True\n"
        "            break\n    g = lambda: found\n    return g()\n",
    ],
)
def test_flag_search_without_fix(src: str) -> None:
    found = findings(src, "HONE103")
    assert len(found) == 1 and found[0].fix is None


def test_accumulator_bound_earlier_is_reported_without_fix() -> None:
    for rule, src in [
        ("HONE101", FAMILIES["HONE101"][0][7]),
        ("HONE102", FAMILIES["HONE102"][0][6]),
    ]:
        found = findings(src, rule)
        assert len(found) == 1 and found[0].fix is None, src
