"""An Analyzer that has seen earlier versions of a document says exactly what a fresh one says.

Successive random edits of the bundled examples (the slow code the rules are written to find),
each analysed incrementally -- outline updated around the edit, unchanged chunks reused -- and
from scratch: same findings with the same fixes, same functions, same syntax error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hone.analysis.engine import Analyzer, DocumentAnalysis, analyse_text
from hone.core.settings import Settings
from hone.core.text import split_lines

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
PIECES = [
    "",
    "\n",
    "x = 1\n",
    "    total = 0\n",
    "    for item in items:\n",
    "        total += item\n",
    "        out.append(item * 2)\n",
    "    return sorted(items)[0]\n",
    "def added(items):\n",
    "    out = []\n",
    "else:\n",
    "@decorator\n",
    "call(\n",
    ")\n",
    '"""\n',
    "# comment\n",
    "class Added:\n",
    "    def m(self, xs):\n",
    "        return len(list(xs))\n",
]


def _view(a: DocumentAnalysis) -> tuple[object, ...]:
    return (
        [(f.code, f.span, f.message, f.function, f.fix) for f in a.findings],
        [(f.qualname, f.span, f.content_hash) for f in a.functions],
        a.syntax_error,
        a.rule_errors,
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_incremental_analysis_equals_a_fresh_one(path: Path, data: st.DataObject) -> None:
    lines = split_lines(path.read_text())
    analyzer, config = Analyzer(), Settings()
    analyzer.analyse("".join(lines), config)
    for _ in range(4):
        start = data.draw(st.integers(0, len(lines)))
        removed = data.draw(st.integers(0, min(3, len(lines) - start)))
        inserted = data.draw(st.lists(st.sampled_from(PIECES), max_size=3))
        lines = split_lines("".join([*lines[:start], *inserted, *lines[start + removed :]]))
        text = "".join(lines)
        assert _view(analyzer.analyse(text, config)) == _view(analyse_text(text, config))
