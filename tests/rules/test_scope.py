"""Rules read names as Python does: a rebound builtin or module is not the builtin or module.

Each case is code a rule would flag (and often fix) if the name meant the builtin; the binding
makes the claim wrong, so hone must stay silent.  The controls show the same code still flagged
when nothing rebinds the name, so the tests cannot pass by a rule going quiet altogether.
"""

from __future__ import annotations

import pytest

from hone.analysis.engine import analyse_text
from hone.core.settings import Settings
from tests.rules.ruletest import dedent

SHADOWED: list[tuple[str, str]] = [
    ("HONE219", "def b(list):\n    return list()\n"),
    ("HONE219", "def b(*, dict=None):\n    return dict()\n"),
    ("HONE219", "def b(x):\n    list = type(x)\n    return list()\n"),
    ("HONE219", "list = MyList\n\n\ndef b():\n    return list()\n"),  # another chunk
    ("HONE219", "from mylib import list\n\n\ndef b():\n    return list()\n"),
    ("HONE219", "from mylib import *\n\n\ndef b():\n    return list()\n"),
    ("HONE219", "def b():\n    global list\n    return list()\n"),
    ("HONE219", "def b(items):\n    for list in items:\n        yield list()\n"),
    ("HONE219", "def b(cm):\n    with cm as dict:\n        return dict()\n"),
    (
        "HONE219",
        "def b(f):\n    try:\n        f()\n    except E as tuple:\n        return tuple()\n",
    ),
    ("HONE219", "def b():\n    def list():\n        return 1\n    return list()\n"),
    ("HONE219", "def b(x):\n    if (list := x):\n        return list()\n"),
    ("HONE201", "def b(xs, min):\n    return sorted(xs)[0]\n"),  # the fix would call min
    ("HONE201", "def b(xs, sorted):\n    return sorted(xs)[0]\n"),
    ("HONE201", "max = 3\n\n\ndef b(xs):\n    return sorted(xs)[-1]\n"),
    ("HONE202", "def b(xs, len):\n    return len(list(xs))\n"),
    ("HONE205", "def b(xs, list):\n    return [x for x in xs]\n"),  # the fix would call list
    ("HONE212", "def b(xs, map):\n    return list(map(lambda x: x + 1, xs))\n"),
    ("HONE216", "def b(xs, next):\n    return list(xs)[0]\n"),
    ("HONE213", "import regex as re\n\n\ndef b(s):\n    return re.sub('a', 'b', s)\n"),
    ("HONE213", "def b(s, re):\n    return re.sub('a', 'b', s)\n"),
    (
        "HONE302",
        "from trio import sleep as _s\nimport trio as time\n\n\nasync def b():\n"
        "    time.sleep(1)\n",
    ),
]

CONTROLS: list[tuple[str, str]] = [
    ("HONE219", "def b(lst):\n    return list()\n"),
    ("HONE219", "def b(self):\n    self.list = self.dict = 1\n    return self.list(), list()\n"),
    ("HONE219", "def b(xs):\n    return [list() for x in xs]\n"),
    ("HONE201", "def b(xs, minimum):\n    return sorted(xs)[0]\n"),
    ("HONE213", "import re\n\n\ndef b(s):\n    return re.sub('a', 'b', s)\n"),
    ("HONE302", "import time\n\n\nasync def b():\n    time.sleep(1)\n"),
    ("HONE205", "def b(xs):\n    return [id for id in xs]\n"),  # its own variable
]


def _codes(src: str) -> list[str]:
    analysis = analyse_text(dedent(src), Settings())
    assert analysis.parses and not analysis.rule_errors
    return [f.code for f in analysis.findings]


@pytest.mark.parametrize(("rule", "src"), SHADOWED)
def test_rebound_name_is_not_the_builtin(rule: str, src: str) -> None:
    assert rule not in _codes(src), src


@pytest.mark.parametrize(("rule", "src"), CONTROLS)
def test_unbound_name_is_the_builtin(rule: str, src: str) -> None:
    assert rule in _codes(src), src


def test_rebinding_added_in_another_chunk_reaches_cached_chunks() -> None:
    """The LSP analyser reuses unchanged chunks: a module-level rebinding typed later must still
    silence a finding whose chunk comes from the cache."""
    from hone.analysis.engine import Analyzer

    analyzer = Analyzer()
    body = "def b():\n    return list()\n"
    assert "HONE219" in [f.code for f in analyzer.analyse(body, Settings()).findings]
    shadowed = "list = MyList\n\n\n" + body
    assert "HONE219" not in [f.code for f in analyzer.analyse(shadowed, Settings()).findings]
    assert "HONE219" in [f.code for f in analyzer.analyse(body, Settings()).findings]
