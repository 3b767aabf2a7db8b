"""Families, not spellings, for the collection rules (HONE104, HONE105, HONE111, HONE114): per
rule, a table of shapes it must catch (spelled differently) and look-alikes it must not; one
test per row."""

from __future__ import annotations

# rule -> (shapes it catches, look-alikes it must leave alone)
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    "HONE104": (
        [
            # a literal of constants in a for statement's condition
            "def f(words):\n    out = []\n    for w in words:\n"
            "        if w not in ('a', 'an', 'the'):\n            out.append(w)\n    return out\n",
            # bytes constants, in a comprehension
            "def f(chunks):\n    return [c for c in chunks if c in (b'GET', b'PUT', b'POST')]\n",
            # the de-duplication idiom: the list grown in the loop that tests it
            "def f(xs):\n    seen = []\n    for x in xs:\n        if x not in seen:\n"
            "            seen.append(x)\n    return seen\n",
            # bound by a comprehension in an earlier statement, tested in nested loops
            "def f(rows, items):\n    names = [i.name for i in items]\n    n = 0\n"
            "    for row in rows:\n        for cell in row:\n            if cell in names:\n"
            "                n += 1\n    return n\n",
            # a while loop's own test
            "def f(x, ys):\n    taken = list(ys)\n    while x in taken:\n        x += 1\n"
            "    return x\n",
            # a comprehension inside a loop
            "def f(groups, ys):\n    allowed = sorted(ys)\n    for g in groups:\n"
            "        print([x for x in g if x in allowed])\n",
            # inside try/except in the loop
            "def f(xs, ys):\n    allowed = list(ys)\n    for x in xs:\n        try:\n"
            "            if x in allowed:\n                print(x)\n        except KeyError:\n"
            "            pass\n",
            # a parameter made a list first, tested in a generator expression
            "def f(xs, allowed):\n    allowed = list(allowed)\n"
            "    return any(x in allowed for x in xs)\n",
            # a dict's values, in a dict comprehension
            "def f(xs, table):\n    return {x: x in table.values() for x in xs}\n",
            # a list only by its annotation (a hint)
            "def f(xs, allowed: list[str]):\n    return [x for x in xs if x in allowed]\n",
        ],
        [
            # rebuilt for each pass and tested there once (networkx): a set costs the same scan
            "def f(nodes, labels):\n    for n in nodes:\n        best = [l for l in labels if l > n]\n"
            "        if n in best:\n            yield n\n",
            # items removed in the loop: a set built before it would go stale
            "def f(xs, ys):\n    pending = list(ys)\n    for x in xs:\n        if x in pending:\n"
            "            pending.remove(x)\n    return pending\n",
            # a shadowed builtin: list() is not the builtin here
            "from collections import deque as list\n\n\ndef f(xs, ys):\n    allowed = list(ys)\n"
            "    return [x for x in xs if x in allowed]\n",
            "def f(xs, ys, list):\n    allowed = list(ys)\n    return [x for x in xs if x in allowed]\n",
            # might not be a list: another value on one path
            "def f(xs, ys, make):\n    allowed = list(ys)\n    if make:\n"
            "        allowed = make(ys)\n    return [x for x in xs if x in allowed]\n",
            # made a list on one path only: the parameter itself may reach the test
            "def f(xs, allowed, fresh):\n    if fresh:\n        allowed = list(allowed)\n"
            "    return [x for x in xs if x in allowed]\n",
            # a tiny literal list never grown / a two-element literal
            "def f(xs):\n    modes = ['r', 'w', 'a']\n    return [x for x in xs if x in modes]\n",
            "def f(xs):\n    return [x for x in xs if x in ('a', 'b')]\n",
            # a string: character/substring tests
            "def f(chars):\n    vowels = 'aeiou'\n    return [c for c in chars if c in vowels]\n",
            # not in a loop / a loop over a short literal
            "def f(x, ys):\n    allowed = list(ys)\n    return x in allowed\n",
            "def f(ys):\n    allowed = list(ys)\n    return [c for c in ('a', 'b') if c in allowed]\n",
            # each group tested once: the loop's own target
            "def f(groups, x):\n    return [g for g in groups if x in g]\n",
            # one test, returned: the loop ends with it
            "def f(lines, ys):\n    allowed = list(ys)\n    for line in lines:\n"
            "        if line.startswith('#'):\n            return line in allowed\n",
        ],
    ),
    "HONE105": (
        [
            # breadth-first search with a list as the queue
            "def f(start, graph):\n    queue = [start]\n    seen = []\n    while queue:\n"
            "        node = queue.pop(0)\n        seen.append(node)\n"
            "        queue.extend(graph[node])\n    return seen\n",
            # a front insert in a for loop / a while loop
            "def f(xs):\n    out = []\n    for x in xs:\n        out.insert(0, x)\n    return out\n",
            "def f(n):\n    digits = []\n    while n:\n        digits.insert(0, n % 10)\n"
            "        n //= 10\n    return digits\n",
            # del xs[0] / xs = xs[1:]
            "def f(xs):\n    q = list(xs)\n    while q:\n        print(q[0])\n        del q[0]\n",
            "def f(xs):\n    q = sorted(xs)\n    while q:\n        print(q[0])\n        q = q[1:]\n",
            # a parameter made a list first, drained in try/except
            "def f(items):\n    items = list(items)\n    while True:\n        try:\n"
            "            x = items.pop(0)\n        except IndexError:\n            break\n"
            "        print(x)\n",
            # a while loop nested in a for loop, the list filled across passes
            "def f(batches):\n    pending = []\n    for b in batches:\n        pending.extend(b)\n"
            "        while len(pending) > 10:\n            print(pending.pop(0))\n",
            # a comprehension
            "def f(xs, n):\n    q = list(xs)\n    return [q.pop(0) for _ in range(n)]\n",
            # a list only by its annotation
            "def f(items: list[int]):\n    total = 0\n    while items:\n"
            "        total += items.pop(0)\n    return total\n",
        ],
        [
            # dict.pop(0) pops a key
            "def f(keys):\n    d = {}\n    for k in keys:\n        d.pop(0)\n",
            # might be a deque already
            "def f(q):\n    while q:\n        q.pop(0)\n",
            # a front insert that runs once: the loop ends right after (markdown)
            "def f(lines):\n    blocks = []\n    for line in lines:\n        blocks.append(line)\n"
            "        if line.startswith('#'):\n            blocks.insert(0, line)\n"
            "            break\n    return blocks\n",
            "def f(xs):\n    items = list(xs)\n    for x in xs:\n        if x is None:\n"
            "            return items.pop(0)\n",
            # a new list in each pass (docutils' target notes)
            "def f(refs):\n    out = []\n    for ref in refs:\n        r = list(ref)\n"
            "        r.insert(0, 'see')\n        out.append(r)\n    return out\n",
            "def f(lines):\n    out = []\n    for line in lines:\n        parts = list(line)\n"
            "        parts = parts[1:]\n        out.append(parts)\n    return out\n",
            # sorted in the loop: a priority queue (docutils' table parser)
            "def f(start):\n    q = [start]\n    while q:\n        q.sort()\n        x = q.pop(0)\n"
            "        if x > 9:\n            break\n        q.append(x + 1)\n",
            # a shadowed builtin
            "def f(xs, list):\n    q = list(xs)\n    while q:\n        q.pop(0)\n",
            # made a list on one path only
            "def f(items, flag):\n    if flag:\n        items = list(items)\n    while items:\n"
            "        items.pop(0)\n",
            # str and bytes slicing
            "def f(s: str):\n    while s:\n        s = s[1:]\n",
            "def f(data: bytes):\n    while data:\n        data = data[1:]\n",
            # not in a loop
            "def f(xs):\n    xs = list(xs)\n    return xs.pop(0)\n",
        ],
    ),
    "HONE111": (
        [
            "def f(xs):\n    out = []\n    for x in xs:\n        out = out + [x]\n    return out\n",
            "def f(n):\n    out = []\n    while n:\n        out = out + [n, -n]\n        n -= 1\n"
            "    return out\n",
            # prepending
            "def f(xs):\n    out = []\n    for x in xs:\n        out = [x] + out\n    return out\n",
            # unpacking spellings of the same copy
            "def f(xs):\n    out = []\n    for x in xs:\n        out = [*out, x]\n    return out\n",
            "def f(xs):\n    acc = ()\n    for x in xs:\n        acc = (*acc, x)\n    return acc\n",
            # tuples: t = t + (x,) and t += (x,) both build a new tuple
            "def f(xs):\n    acc = tuple()\n    for x in xs:\n        acc = acc + (x,)\n"
            "    return acc\n",
            "def f(xs):\n    acc = ()\n    for x in xs:\n        acc += (x,)\n    return acc\n",
            # a parameter made a list first
            "def f(xs, out):\n    out = list(out)\n    for x in xs:\n        out = out + [x]\n"
            "    return out\n",
            # nested loops, try/except, with
            "def f(rows):\n    out = []\n    for row in rows:\n        for c in row:\n"
            "            try:\n                out = out + [int(c)]\n"
            "            except ValueError:\n                pass\n    return out\n",
            "def f(paths):\n    out = []\n    for p in paths:\n        with open(p) as fh:\n"
            "            out = out + fh.readlines()\n    return out\n",
        ],
        [
            # numbers; a name of unknown type (a numpy array adds elementwise)
            "def f(xs):\n    t = 0\n    for x in xs:\n        t = t + x\n    return t\n",
            "def f(xs, arr):\n    for x in xs:\n        arr = arr + [x]\n    return arr\n",
            # a list built for each pass, added to once (sympy's PolyElement.str)
            "def f(rows):\n    res = []\n    for r in rows:\n        cells = list(r)\n"
            "        if r:\n            cells = cells + ['end']\n        res.append(cells)\n"
            "    return res\n",
            "def f(terms):\n    res = []\n    for c, es in terms:\n"
            "        parts = [str(e) for e in es]\n        if c:\n"
            "            parts = [str(c)] + parts\n        res.append(parts)\n    return res\n",
            "def f(rows):\n    for r in rows:\n        key = tuple(r)\n        key += (0,)\n"
            "        yield key\n",
            # once, then the loop ends
            "def f(xs):\n    out = [0] * 100\n    for x in xs:\n        if x:\n"
            "            out = out + [x]\n            break\n    return out\n",
            # a shadowed builtin
            "def f(xs, list):\n    out = list()\n    for x in xs:\n        out = out + [x]\n"
            "    return out\n",
            # already in place (a list's += extends it, whatever the iterable)
            "def f(xs):\n    out = []\n    for x in xs:\n        out += (x,)\n    return out\n",
            # another list on the left: a new list is wanted each time
            "def f(xs, base):\n    out = []\n    for x in xs:\n        out = base + [x]\n"
            "    return out\n",
            "def f(xs, base):\n    out = []\n    for x in xs:\n        out = [*base, x]\n"
            "    return out\n",
            # not in a loop / a loop over a short literal
            "def f(x):\n    out = []\n    out = out + [x]\n    return out\n",
            "def f(a, b):\n    out = []\n    for x in (a, b):\n        out = out + [x]\n"
            "    return out\n",
        ],
    ),
    "HONE114": (
        [
            "def f(given, names):\n    order = list(given)\n    return [order.index(n) for n in names]\n",
            "def f(given, drop):\n    keep = list(given)\n    for d in drop:\n        keep.remove(d)\n"
            "    return keep\n",
            "def f(given, n):\n    xs = list(given)\n    while xs.count(n) < 3:\n        n += 1\n"
            "    return n\n",
            # try/except ValueError around the search
            "def f(given, names):\n    order = list(given)\n    out = []\n    for n in names:\n"
            "        try:\n            out.append(order.index(n))\n        except ValueError:\n"
            "            out.append(-1)\n    return out\n",
            # a return that only leaves when the search succeeds: failed searches repeat
            "def f(given, names):\n    order = list(given)\n    for n in names:\n        try:\n"
            "            return order.index(n)\n        except ValueError:\n            continue\n",
            # a comprehension inside a loop / a dict comprehension
            "def f(given, rows):\n    order = sorted(given)\n    for row in rows:\n"
            "        print([order.index(c) for c in row])\n",
            "def f(given, names):\n    order = list(given)\n    return {n: order.index(n) for n in names}\n",
            # a parameter made a list first
            "def f(order, names):\n    order = list(order)\n    return [order.index(n) for n in names]\n",
            # a key function: called once per item
            "def f(given, names):\n    order = list(given)\n    return sorted(names, key=order.index)\n",
            "def f(xs):\n    xs = list(xs)\n    return max(set(xs), key=xs.count)\n",
        ],
        [
            # str / bytes searches
            "def f(lines, text: str):\n    return [text.count(l) + text.index(l) for l in lines]\n",
            "def f(parts, data: bytes):\n    return [data.index(p) for p in parts]\n",
            # a name of unknown type; not in a loop; a tiny literal
            "def f(lines, seq):\n    return [seq.index(l) for l in lines]\n",
            "def f(xs):\n    ys = list(xs)\n    return ys.index(3)\n",
            "def f(xs):\n    modes = ['r', 'w', 'a']\n    return [modes.index(x) for x in xs]\n",
            # a list built for each pass, searched there once
            "def f(rows):\n    out = []\n    for r in rows:\n        cells = list(r)\n"
            "        out.append(cells.index('x'))\n    return out\n",
            # one search, then the loop ends
            "def f(given, names):\n    order = list(given)\n    for n in names:\n"
            "        if n.startswith('x'):\n            return order.index(n)\n",
            "def f(given, names):\n    order = list(given)\n    for n in names:\n"
            "        if n.startswith('x'):\n            order.remove(n)\n            break\n"
            "    return order\n",
            # successive occurrences: each search starts after the last hit, one pass in all
            "def f(given, v):\n    xs = list(given)\n    out = []\n    i = -1\n    while True:\n"
            "        try:\n            i = xs.index(v, i + 1)\n        except ValueError:\n"
            "            return out\n        out.append(i)\n",
            # the loop changes the list: positions taken before it would go stale
            # (CPython's _osx_support strips every '-arch X' pair this way)
            "def f(args):\n    args = list(args)\n    while True:\n        try:\n"
            "            i = args.index('-arch')\n            del args[i : i + 2]\n"
            "        except ValueError:\n            break\n    return args\n",
            # a shadowed builtin
            "from blist import blist as list\n\n\ndef f(given, names):\n    order = list(given)\n"
            "    return [order.index(n) for n in names]\n",
            # a key called twice, not once per item of an iterable
            "def f(given, a, b):\n    order = list(given)\n    return max(a, b, key=order.index)\n",
            # sorted() shadowed
            "from mylib import sorted\n\n\ndef f(given, names):\n    order = list(given)\n"
            "    return sorted(names, key=order.index)\n",
        ],
    ),
}

# (the table tests themselves run in test_families.py, over every table)


def test_unpacking_concat_fix_keeps_behaviour() -> None:
    from tests.rules.ruletest import assert_same_behaviour, fixed

    src = (
        "def grow(xs):\n    out = []\n    for x in xs:\n        if x % 2:\n"
        "            out = [*out, x]\n        else:\n            out = [*out, x, *range(x)]\n"
        "    return out\n"
    )
    after = fixed(src, "HONE111")
    assert "out.append(x)" in after and "out += [x, *range(x)]" in after
    inputs = [([],), ([1],), ([1, 2, 3, 4],), (list(range(50)),)]
    assert_same_behaviour(src, after, "grow", inputs)
