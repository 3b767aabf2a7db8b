"""Tests of the correctness rules (hone.rules.bugs): positives, look-alike negatives, fixes."""

from __future__ import annotations

import pytest

from hone.core.finding import Category, Safety
from tests.rules.fixcheck import fix, silent
from tests.rules.ruletest import findings

# -- HONE301 mutable-default-argument ------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        "def f(x, items=[]):\n    items.append(x)\n",
        "def f(x, seen=set()):\n    seen.add(x)\n",
        "def f(k, table={}):\n    table.update({k: 1})\n",
        "def f(k, table={}):\n    table.setdefault(k, []).append(1)\n",
        "def f(k, table={}):\n    table.x = 1\n",
        "def f(x, items=[]):\n    items += [x]\n",
        "def f(items=[]):\n    return items\n",
        "def f(items=[]):\n    return 1, items\n",
        "def f(items=[]):\n    yield items\n",
        "class C:\n    def __init__(self, items=[]):\n        self.items = items\n",
        "def f(*, opts=dict()):\n    opts.update(a=1)\n",
        "def f(q=collections.deque()):\n    q.appendleft(1)\n",
        "def f(c=defaultdict(list)):\n    c['a'].append(1)\n    c.clear()\n",
        "def f(xs=[x for x in range(3)]):\n    xs.sort()\n",
        "def f(o=[], /):\n    o.extend([1])\n",
        "def f(items=[]):\n    def g():\n        items.append(1)\n    g()\n",
        "async def f(items=[]):\n    items.append(1)\n",
    ],
)
def test_301_positive(src: str) -> None:
    found = findings(src, "HONE301")
    assert len(found) == 1, src
    assert found[0].category is Category.BUG
    assert found[0].fix is None
    assert "None" in found[0].message


@pytest.mark.parametrize(
    "src",
    [
        "def f(items=[]):\n    for x in items:\n        print(x)\n",
        "def f(items=[]):\n    return len(items)\n",
        "def f(items=[]):\n    return sorted(items)\n",
        "def f(items=[]):\n    return items[0] if items else None\n",
        "def f(items=[]):\n    items = list(items)\n    items.append(1)\n    return items\n",
        "def f(items=None):\n    items.append(1)\n",
        "def f(items=()):\n    return items\n",
        "def f(name='x'):\n    return name.upper()\n",
        "def f(items=[]):\n    other = []\n    other.append(1)\n",
        "def f(items=[]):\n    def g(items):\n        items.append(1)\n",
        "def f(items=[]):\n    return items.copy()\n",
        "def f(items=[]):\n    print(items, len(items))\n",
        "def f(items=frozenset()):\n    return items\n",
        "def f(items=[]):\n    for items in range(3):\n        items.append(1)\n",
        "def f(items=[]):\n    x = items\n",
        # deliberate per-function state: memo dicts and counters
        "def f(k, cache={}):\n    cache.update({k: 1})\n",
        "def f(k, _seen=set()):\n    _seen.add(k)\n",
        "def f(k, memo={}):\n    return memo.setdefault(k, k * 2)\n",
        "def f(k, m={}):\n    if k in m:\n        return m[k]\n    m[k] = k * 2\n    return m[k]\n",
        "def f(k, m={}):\n    del m[k]\n",
        "def f(n=[0]):\n    n[0] += 1\n    return n[0]\n",
    ],
)
def test_301_negative(src: str) -> None:
    silent(src, "HONE301")


def test_301_reports_each_changed_default() -> None:
    src = "def f(a=[], b={}, c=[]):\n    a.append(1)\n    b.update(k=2)\n    return len(c)\n"
    found = findings(src, "HONE301")
    assert [f.span.start.character for f in found] == [8, 14]


# -- HONE302 blocking-call-in-async --------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "advice"),
    [
        ("time.sleep(1)", "asyncio.sleep"),
        ("requests.get(url)", "httpx"),
        ("requests.post(url, json={})", "httpx"),
        ("urllib.request.urlopen(url)", "httpx"),
        ("subprocess.run(['ls'])", "create_subprocess_exec"),
        ("subprocess.check_output(['ls'])", "create_subprocess_exec"),
        ("os.system('ls')", "create_subprocess_exec"),
        ("open(url).read()", "to_thread"),
        ("input()", "to_thread"),
    ],
)
def test_302_positive(call: str, advice: str) -> None:
    src = f"async def f(url):\n    x = {call}\n    return x\n"
    found = findings(src, "HONE302")
    assert len(found) == 1
    assert advice in found[0].message
    assert found[0].fix is None
    assert found[0].category is Category.BUG


def test_302_inside_comprehension_and_with() -> None:
    src = """
    async def f(paths):
        with open(paths[0]) as fh:
            data = fh.read()
        return [time.sleep(0) for _ in paths], data
    """
    assert len(findings(src, "HONE302")) == 2


def test_302_method_of_a_class() -> None:
    src = "class C:\n    async def run(self):\n        time.sleep(1)\n"
    assert len(findings(src, "HONE302")) == 1


@pytest.mark.parametrize(
    "src",
    [
        "def f():\n    time.sleep(1)\n",
        "async def f():\n    await asyncio.sleep(1)\n",
        "async def f():\n    await asyncio.to_thread(time.sleep, 1)\n",
        "async def f(loop):\n    await loop.run_in_executor(None, lambda: requests.get('u'))\n",
        "async def f():\n    def work():\n        time.sleep(1)\n    await asyncio.to_thread(work)\n",
        "async def f():\n    sleep(1)\n",  # unknown origin
        "async def f(session):\n    await session.get('u')\n",
        "async def f():\n    class C:\n        x = open\n",
        "async def f(s):\n    return s.sleep(1)\n",
    ],
)
def test_302_negative(src: str) -> None:
    silent(src, "HONE302")


# -- HONE303 is-literal --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("x is 1", "x == 1"),
        ("x is not 'a'", "x != 'a'"),
        ("x is -1", "x == -1"),
        ("1 is x", "1 == x"),
        ("x is ()", "x == ()"),
        ("x is []", "x == []"),
        ("x is 1.5", "x == 1.5"),
        ("x is b'a'", "x == b'a'"),
        ("x  is  1", "x  ==  1"),
        ("a < x is 2", "a < x == 2"),
        ("(x is 1)", "(x == 1)"),
    ],
)
def test_303_positive(expr: str, expected: str) -> None:
    before = f"def f(x, a=0):\n    return {expr}\n"
    fix(before, "HONE303", f"def f(x, a=0):\n    return {expected}\n", Safety.UNSAFE)
    assert findings(before, "HONE303")[0].category is Category.BUG


@pytest.mark.parametrize(
    "expr",
    [
        "x is None",
        "x is not None",
        "x is True",
        "x is False",
        "x is ...",
        "x is y",
        "x is y.z",
        "x == 1",
        "x in (1, 2)",
        "x is NotImplemented",
        "type(x) is int",
    ],
)
def test_303_negative(expr: str) -> None:
    silent(f"def f(x, y):\n    return {expr}\n", "HONE303")
