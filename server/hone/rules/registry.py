"""The rule catalog: every rule class, found by importing the rule modules listed here."""

from __future__ import annotations

import importlib
from functools import cache

from hone.rules.base import Rule, RuleMeta

# One module per family of anti-patterns; add new modules here.
RULE_MODULES: tuple[str, ...] = (
    "hone.rules.builtins_calls",
    "hone.rules.strings",
    "hone.rules.comparisons",
    "hone.rules.loop_headers",
    "hone.rules.lookups",
    "hone.rules.bugs",
    "hone.rules.loops",
    "hone.rules.collections_rules",
)


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """All rule classes, sorted by id.  Raises if two rules share an id (a programming error)."""
    found: dict[str, type[Rule]] = {}
    for module_name in RULE_MODULES:
        module = importlib.import_module(module_name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and "meta" in vars(obj):
                rid = obj.meta.id
                if rid in found and found[rid] is not obj:
                    raise RuntimeError(f"duplicate rule id {rid}: {found[rid]} and {obj}")
                found[rid] = obj
    return tuple(found[k] for k in sorted(found))


def rule_meta(rule_id: str) -> RuleMeta | None:
    for rule in all_rules():
        if rule.meta.id == rule_id.upper() or rule.meta.name == rule_id:
            return rule.meta
    return None


def is_selected(rule_id: str, select: list[str], ignore: list[str]) -> bool:
    """Prefix matching as in Ruff: ``HONE1`` selects HONE100-HONE199; ignore beats select."""
    rid = rule_id.upper()
    if any(rid.startswith(p.upper()) for p in ignore if p):
        return False
    return not select or any(rid.startswith(p.upper()) for p in select if p)
