"""Shared helpers for rule tests: findings of one rule, the fixed text, behaviour equivalence."""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from hone.analysis.engine import analyse_text
from hone.core.finding import Finding, Safety
from hone.core.settings import Settings
from hone.core.text import apply_edits


def dedent(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


def findings(src: str, rule_id: str) -> list[Finding]:
    """Findings of ``rule_id`` in ``src`` (dedented); fails if the source does not parse."""
    analysis = analyse_text(dedent(src), Settings())
    assert analysis.syntax_error is None, analysis.syntax_error
    assert not analysis.rule_errors, analysis.rule_errors
    return [f for f in analysis.findings if f.code == rule_id]


def fixed(src: str, rule_id: str) -> str:
    """``src`` with every fix of ``rule_id`` applied (exactly one round)."""
    src = dedent(src)
    found = findings(src, rule_id)
    assert found, f"{rule_id} did not fire on:\n{src}"
    edits = [e for f in found if f.fix is not None for e in f.fix.edits]
    assert edits, f"{rule_id} fired without a fix"
    return apply_edits(src, edits)


def fix_safety(src: str, rule_id: str) -> Safety | None:
    found = findings(src, rule_id)
    assert found and found[0].fix is not None
    return found[0].fix.safety


def _load(src: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(compile(src, "<rule-test>", "exec"), namespace)
    fn = namespace[name]
    assert callable(fn)
    return fn  # type: ignore[no-any-return]


def assert_same_behaviour(
    before: str, after: str, func: str, inputs: Iterable[tuple[Any, ...]]
) -> None:
    """Call ``func`` from both sources on each input: same result or same exception type,
    and the same mutation of the arguments."""
    f_before, f_after = _load(dedent(before), func), _load(dedent(after), func)
    count = 0
    for args in inputs:
        count += 1
        a1, a2 = copy.deepcopy(args), copy.deepcopy(args)
        r1: Any
        r2: Any
        try:
            r1 = ("ok", f_before(*a1))
        except Exception as exc:
            r1 = ("raise", type(exc))
        try:
            r2 = ("ok", f_after(*a2))
        except Exception as exc:
            r2 = ("raise", type(exc))
        assert r1 == r2, f"input {args!r}: before {r1!r}, after {r2!r}"
        assert a1 == a2, f"input {args!r}: arguments mutated differently"
    assert count, "no inputs given"
