"""Fixes keep formatted code formatted: each fix applied alone to a formatted source of the rule
corpus (every example program in the rule tests and docs) gives code ``ruff format`` leaves
unchanged."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

from hone.analysis.engine import analyse_text
from hone.core.settings import Settings
from hone.core.text import apply_edits
from hone.rules.registry import all_rules

HERE = Path(__file__).parent


def _ruff() -> str:
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(found).exists():
        if os.environ.get("CI"):
            pytest.fail("ruff is required for the fix formatting test")
        pytest.skip("ruff is not installed")
    return found


def _unformatted(texts: list[str], where: Path) -> set[int]:
    """Indexes of the texts ``ruff format`` would change (one ruff run for all of them)."""
    where.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        (where / f"case_{i}.py").write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [_ruff(), "format", "--isolated", "--line-length", "100", "--check", str(where)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    # ruff names each file it would change (its report's layout varies between versions)
    found = {int(m) for m in re.findall(r"case_(\d+)\.py", proc.stdout + proc.stderr)}
    assert bool(found) == (proc.returncode == 1), proc.stdout[-2000:]
    return found


@cache
def rule_corpus() -> tuple[str, ...]:
    """Example programs: the rules' documented examples and the test modules' source strings."""
    found: list[str] = [r.meta.doc.before for r in all_rules()]
    for path in sorted(HERE.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    out: list[str] = []
    for text in found:
        src = textwrap.dedent(text).lstrip("\n")
        if "\n" not in src.strip() and not src.startswith(("def ", "class ")):
            continue
        try:
            ast.parse(src)
        except SyntaxError:
            continue
        out.append(src)
    return tuple(dict.fromkeys(out))


# Layouts the corpus must hold: a fix that builds a multi-line or a too-long comprehension.
LONG_CONDITION = """
def build(n):
    orders = []
    for i in range(n):
        if i % 3 == 0 and i % 5 == 0 and i % 7 == 0 and i % 11 == 0 and i % 13 == 0:
            orders.append(Order(i, name=str(i), price=i * 2, qty=1, discount=0, currency="EUR"))
    return orders
"""


def test_each_fix_keeps_formatted_code_formatted(tmp_path: Path) -> None:
    sources = list(rule_corpus())
    unformatted = _unformatted(sources, tmp_path / "before")
    cases: list[tuple[str, str]] = []
    for i, src in enumerate(sources):
        if i in unformatted:
            continue
        for f in analyse_text(src, Settings()).findings:
            if f.fix is not None:
                cases.append((f.code, apply_edits(src, f.fix.edits)))
    assert len(cases) >= 100, len(cases)
    assert {"HONE101", "HONE205", "HONE219", "HONE220"} <= {code for code, _ in cases}
    bad = _unformatted([after for _, after in cases], tmp_path / "after")
    shown = [f"{cases[i][0]}:\n{cases[i][1]}" for i in sorted(bad)[:8]]
    assert not bad, f"{len(bad)} fixes left unformatted code:\n\n" + "\n\n".join(shown)
