"""The static gate over model output: what a rewrite may newly reference before anything runs."""

from __future__ import annotations

import pytest

from hone.verify.gate import check_rewrite

ORIGINAL = """\
import os


def load(names):
    out = []
    for n in names:
        out.append(os.path.join("data", n))
    return out
"""


def rewrite(body: str, header: str = "import os\n") -> str:
    return f"{header}\n\ndef load(names):\n{body}"


@pytest.mark.parametrize(
    "text",
    [
        rewrite('    return [os.path.join("data", n) for n in names]\n'),
        rewrite(
            "    return list(itertools.starmap(os.path.join, zip(repeat('data'), names)))\n",
            "import os\nimport itertools\nfrom itertools import repeat\n",
        ),
        rewrite("    return [n.__len__() for n in names]\n"),  # ordinary data model
        rewrite("    return [getattr(n, 'upper')() for n in names]\n"),
    ],
)
def test_pure_rewrites_pass(text: str) -> None:
    result = check_rewrite(ORIGINAL, text)
    assert result.ok, result


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (rewrite("    os.system('id')\n    return names\n"), "uses os.system"),
        (rewrite("    return names\n", "import os\nimport subprocess\n"), "imports subprocess"),
        (
            rewrite("    return names\n", "import os\nfrom ctypes import CDLL\n"),
            "imports from ctypes",
        ),
        (rewrite("    return __import__('os').popen('id').read()\n"), "uses __import__"),
        (rewrite("    return eval('names')\n"), "uses eval"),
        (rewrite("    return open('/etc/passwd').read()\n"), "uses open"),
        (rewrite("    return globals()['os']\n"), "uses globals"),
        (rewrite("    return load.__globals__\n"), "accesses .__globals__"),
        (rewrite("    return ().__class__.__mro__[1].__subclasses__()\n"), "accesses .__class__"),
        (rewrite("    return getattr(load, '__glo' + 'bals__')\n"), "computed attribute name"),
        (rewrite("    return getattr(load, '__code__')\n"), "accesses __code__ via getattr"),
        (rewrite("    import sys\n    return sys._getframe().f_back.f_globals\n"), "imports sys"),
        (rewrite("    return (x for x in names).gi_frame\n"), "accesses .gi_frame"),
        (rewrite("    return '{0.__globals__}'.format(load)\n"), "format string"),
        (
            rewrite("    import time\n    time.perf_counter = lambda: 0.0\n    return names\n"),
            "time",
        ),
        (rewrite("    return names\n", "import os\nfrom . import secrets\n"), "imports from ."),
        ("def load(names:\n", "does not parse"),
    ],
)
def test_reaching_outside_is_refused_with_a_reason(text: str, why: str) -> None:
    result = check_rewrite(ORIGINAL, text)
    assert not result.ok
    assert why in result.message(), result.message()
    assert result.message().startswith("not run: the suggested rewrite ")


def test_what_the_original_already_uses_stays_allowed_but_only_that() -> None:
    original = "import sys\n\ndef f(xs):\n    return sys.maxsize if not xs else max(xs)\n"
    same_use = "import sys\n\ndef f(xs):\n    return max(xs, default=sys.maxsize)\n"
    new_use = "import sys\n\ndef f(xs):\n    sys.modules.clear()\n    return max(xs, default=sys.maxsize)\n"
    assert check_rewrite(original, same_use).ok
    assert not check_rewrite(original, new_use).ok
