"""Running every rule over a tree in one read-only pass, the way ``libcst.visit_batched`` does,
at a fraction of its cost.

libcst's traversal is built for transformers: visiting a node rebuilds it from its visited
children (with each new node's validation), even when every visitor only reads.  On a
10,000-line file that was ~800 ms of the first analysis, most of it rebuilding nodes.  This pass
walks the same fields in the same order and calls the same methods -- ``visit_<Node>``,
``visit_<Node>_<field>``, ``leave_<Node>_<field>``, ``leave_<Node>`` -- without building
anything.

The fields of a node type, and their order, are libcst's own: they are learnt from libcst by
letting it visit one node of the type one level deep.  libcst skips a few fields when they are
None (an f-string expression's ``format_spec``), so a node is learnt from again when it holds
nodes in a field not learnt yet, or None in a field never seen None yet; a field learnt to be
skipped when None is skipped when None, attribute visitors included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from hone.rules.base import Rule
from hone.rules.nodeutil import is_node


class _FieldRecorder(cst.CSTVisitor):
    """Records the fields libcst visits for one node, without going below it."""

    def __init__(self, target: cst.CSTNode) -> None:
        super().__init__()
        self.target = target
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node is self.target

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.target:
            self.fields.append(attribute)


@dataclass(frozen=True, slots=True)
class _Fields:
    order: tuple[str, ...]  # the fields libcst visits, in its order
    optional: frozenset[str]  # among them, those libcst was seen to skip when None
    none_seen: frozenset[str]  # among them, those libcst was seen to visit when None
    # what makes a node worth learning from again: a field not learnt yet holding nodes, or a
    # field that may be None (its default) and has not been None in a node learnt from yet
    unseen: tuple[str, ...]
    unconfirmed: tuple[str, ...]


_FIELDS: dict[type[cst.CSTNode], _Fields] = {}


def _learn(node: cst.CSTNode, known: _Fields | None) -> _Fields:
    recorder = _FieldRecorder(node)
    node.visit(recorder)
    seen = recorder.fields
    if known is None:
        order, optional, none_seen = seen, set(), set()
    else:  # merge: both are libcst's one order with some skippable fields left out
        order = list(seen)
        for i, name in enumerate(known.order):
            if name not in order:
                before = [n for n in known.order[:i] if n in order]
                order.insert(order.index(before[-1]) + 1 if before else 0, name)
        optional = set(known.optional) | (set(known.order) ^ set(seen))
        none_seen = set(known.none_seen)
    none_seen |= {name for name in seen if getattr(node, name) is None}
    fields = dataclasses.fields(node)
    return _Fields(
        tuple(order),
        frozenset(optional),
        frozenset(none_seen),
        # (a field holding a str or an int, like a name's value, never holds nodes)
        tuple(f.name for f in fields if f.name not in order and _may_hold_nodes(node, f.name)),
        tuple(
            f.name
            for f in fields
            if f.default is None
            and f.name in order
            and f.name not in optional
            and f.name not in none_seen
        ),
    )


def _fields(node: cst.CSTNode) -> _Fields:
    """The fields of ``node``'s type, learnt from libcst (again, if this node teaches more)."""
    kind = type(node)
    known = _FIELDS.get(kind)
    if known is None or _teaches_more(node, known):
        known = _FIELDS[kind] = _learn(node, known)
    return known


def _teaches_more(node: cst.CSTNode, known: _Fields) -> bool:
    return any(_holds_nodes(getattr(node, name)) for name in known.unseen) or any(
        getattr(node, name) is None for name in known.unconfirmed
    )


def _may_hold_nodes(node: cst.CSTNode, name: str) -> bool:
    value = getattr(node, name)
    return value is None or (isinstance(value, tuple | list) and not value)


def _holds_nodes(value: object) -> bool:
    if isinstance(value, tuple | list):
        return any(is_node(v) for v in value)
    return is_node(value)


# (index of the rule in the pass, the unbound method): tables are built once per set of rule
# classes and shared by every chunk, whose rule instances differ
_Call = tuple[int, Callable[[Rule, cst.CSTNode], object]]


@dataclass(slots=True)
class _Dispatch:
    """What the rules do at one node type."""

    learnt: _Fields  # the field order this table was built from
    visit: tuple[_Call, ...]
    leave: tuple[_Call, ...]
    # per field in libcst's order: (field, skipped when None, visit_<Node>_<field> calls,
    # leave_<Node>_<field> calls)
    fields: tuple[tuple[str, bool, tuple[_Call, ...], tuple[_Call, ...]], ...]


_PlanKey = tuple[tuple[type[Rule], tuple[str, ...]], ...]


class _Plan:
    """The dispatch tables of one set of rules -- each rule's class and the visitor methods it
    wants called (:meth:`Rule.visitor_names`) -- filled in as node types are met."""

    def __init__(self, key: _PlanKey) -> None:
        self.calls: dict[str, list[_Call]] = {}
        for index, (cls, names) in enumerate(key):
            for name in names:
                self.calls.setdefault(name, []).append((index, getattr(cls, name)))
        self.dispatch: dict[type[cst.CSTNode], _Dispatch] = {}

    def dispatch_for(self, node: cst.CSTNode) -> _Dispatch:
        kind = type(node)
        found = self.dispatch.get(kind)
        if found is not None and not (found.learnt.unseen or found.learnt.unconfirmed):
            return found  # the usual case: nothing more to learn about this type
        learnt = _fields(node)
        if found is None or found.learnt is not learnt:
            name, calls = kind.__name__, self.calls
            found = self.dispatch[kind] = _Dispatch(
                learnt,
                tuple(calls.get(f"visit_{name}", ())),
                tuple(calls.get(f"leave_{name}", ())),
                tuple(
                    (
                        field,
                        field in learnt.optional,
                        tuple(calls.get(f"visit_{name}_{field}", ())),
                        tuple(calls.get(f"leave_{name}_{field}", ())),
                    )
                    for field in learnt.order
                ),
            )
        return found


_PLANS: dict[_PlanKey, _Plan] = {}


def visit_batched(node: cst.CSTNode, rules: Sequence[Rule]) -> None:
    """Call every rule's visitor methods over ``node``'s tree, as ``libcst.visit_batched``."""
    key = tuple((type(rule), rule.visitor_names()) for rule in rules)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(key)
    dispatch_for = plan.dispatch_for

    def run(node: cst.CSTNode) -> None:
        dispatch = dispatch_for(node)
        for i, method in dispatch.visit:
            method(rules[i], node)
        for field, optional, visit_field, leave_field in dispatch.fields:
            value = getattr(node, field)
            if optional and value is None:
                continue  # libcst does not visit this field when it is empty
            for i, method in visit_field:
                method(rules[i], node)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    if is_node(child):
                        run(child)
            elif is_node(value):
                run(value)
            for i, method in leave_field:
                method(rules[i], node)
        for i, method in dispatch.leave:
            method(rules[i], node)

    run(node)
