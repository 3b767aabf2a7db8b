"""Collection rules (HONE104, HONE105, HONE107, HONE108, HONE111, HONE114, HONE116).

The wrong container for the job inside a loop: linear searches of lists, lists used as queues,
lists grown by copying, dictionaries counted or grouped by hand.  Most of these turn a loop
quadratic, so they are warnings; none is reported outside a loop, where the cost is paid once.
A type-dependent rule only fires when the function's own code proves the type (a name bound
only to list displays/comprehensions/``list(...)``, or annotated ``list``).
"""

from __future__ import annotations

import itertools

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import NodeFix, Replacement, RuleDoc, RuleMeta
from hone.rules.loopkit import (
    Binding,
    ContainerKind,
    FunctionFacts,
    LoopRule,
    has_comment,
    is_constant,
    only_statement,
    single_small,
    target_names,
    uses_name,
)
from hone.rules.nodeutil import string_value, walk


def _is_name(node: cst.CSTNode, name: str | None = None) -> bool:
    return isinstance(node, cst.Name) and (name is None or node.value == name)


def _is_int(node: cst.CSTNode, value: int) -> bool:
    return isinstance(node, cst.Integer) and node.evaluated_value == value


def _args(call: cst.Call, count: int) -> list[cst.BaseExpression] | None:
    if len(call.args) != count or any(a.keyword is not None or a.star for a in call.args):
        return None
    return [a.value for a in call.args]


def _single_index(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        index = node.slice[0].slice
        return index.value if index.star is None else None
    return None


def _list_name(
    rule: LoopRule, node: cst.BaseExpression
) -> tuple[str, FunctionFacts, list[cst.CSTNode]] | None:
    """``node`` is a name that is a list wherever its value at ``node`` comes from: every
    binding of it in this function, or those from a plain assignment before ``node`` that
    certainly runs first on (``items = list(items)``: the parameter's own value never gets
    there).  Also the code that proof rests on (:func:`_evidence`)."""
    if not isinstance(node, cst.Name):
        return None
    facts = rule.facts()
    if facts is None or not facts.only_bound_to(node.value, "list", at=node):
        return None
    return node.value, facts, _evidence(facts.live_bindings(node.value, node, "list"))


def _evidence(binds: list[Binding]) -> list[cst.CSTNode]:
    """The callees of the bindings' values (``list`` in ``queue = list(items)``): the proof of
    the type holds only while they are the builtins, so a report passes them as ``assumes``
    (``def f(xs, list)`` or ``from blist import blist as list`` drop it)."""
    out: list[cst.CSTNode] = []
    todo = [b.value for b in binds if b.value is not None]
    while todo:
        e = todo.pop()
        if isinstance(e, cst.Call) and isinstance(e.func, cst.Name):
            out.append(e.func)
        elif isinstance(e, cst.BinaryOperation):
            todo += [e.left, e.right]
    return out


def _repeats(facts: FunctionFacts, node: cst.CSTNode) -> cst.For | cst.While | None:
    """The ``for``/``while`` statement that repeats ``node`` (None: none, or a comprehension
    nearer, which repeats it over one value)."""
    loop = facts.innermost_loop(node, _REPEATING)
    return loop if isinstance(loop, cst.For | cst.While) else None


def _fresh_each_pass(facts: FunctionFacts, name: str, node: cst.CSTNode) -> bool:
    """The loop statement repeating ``node`` also binds ``name`` afresh (to a value not built
    from its old one: ``cells = list(row)``), other than at ``node``: each pass works on a new
    value, so nothing grows or drains across passes."""
    loop = _repeats(facts, node)
    if loop is None:
        return False
    for b in facts.bindings.get(name, ()):
        if b.kind in ("param", "aug") or b.node is node or not facts.inside(b.node, loop):
            continue
        if b.kind in ("assign", "annassign") and b.value is not None and uses_name(b.value, name):
            continue  # ``xs = xs + [x]``: the old value carried over
        return True
    return False


def _changed_in_loop(facts: FunctionFacts, name: str, node: cst.CSTNode) -> bool:
    """The loop statement repeating ``node`` rebinds list ``name`` or changes its items (a
    method that adds, removes or reorders them, or an item assigned or deleted)."""
    loop = _repeats(facts, node)
    if loop is None:
        return False
    if facts.writes(name, loop):
        return True
    for ref in facts.reads(name, loop):
        parent = facts.parent(ref.node)
        if isinstance(parent, cst.Attribute) and parent.attr.value in _MUTATING:
            return True
        if isinstance(parent, cst.Subscript) and _is_store_target(facts, parent):
            return True
    return False


def _runs_once(facts: FunctionFacts, node: cst.CSTNode, failing_repeats: bool = False) -> bool:
    """The statement holding ``node`` ends its loop once it has run: it returns or raises, or
    the next statement breaks, returns or raises (markdown's ``blocks.insert(0, line)`` then
    ``break``).  With ``failing_repeats``, not inside a ``try`` in the loop: an exception of
    ``node`` (a failed search, after a full scan) may be caught and the loop go on."""
    loop = _repeats(facts, node)
    if loop is None:
        return False
    small: cst.CSTNode = node
    stmt: cst.SimpleStatementLine | None = None
    for a in facts.ancestors(node):
        if a is loop:
            break
        if failing_repeats and isinstance(a, cst.Try | cst.TryStar):
            return False
        if stmt is None:
            if isinstance(a, cst.SimpleStatementLine):
                stmt = a
            else:
                small = a
    if stmt is None:
        return False
    if isinstance(small, cst.Return | cst.Raise):
        return True
    after = facts.next_statement(stmt)
    return isinstance(after, cst.SimpleStatementLine) and any(
        isinstance(s, cst.Break | cst.Return | cst.Raise) for s in after.body
    )


# -- HONE104 -------------------------------------------------------------------------------


# literal collections of at most this many elements are searched in a few comparisons
TINY_LITERAL = 5
# list methods after which a set built before the loop would no longer match the list
_SHRINKING = frozenset({"remove", "pop", "clear", "sort", "reverse", "__setitem__", "__delitem__"})


def _is_store_target(facts: FunctionFacts, sub: cst.Subscript) -> bool:
    """``xs[i] = v`` / ``del xs[i]`` / ``xs[i] += v``: the subscript is assigned or deleted."""
    parent = facts.parent(sub)
    if isinstance(parent, cst.AssignTarget | cst.Del):
        return True
    return isinstance(parent, cst.AugAssign) and parent.target is sub


class MembershipInListRule(LoopRule):
    meta = RuleMeta(
        id="HONE104",
        name="membership-in-list-in-loop",
        message="Test membership against a set, not a list, inside a loop",
        severity=Severity.WARNING,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="`x in some_list` compares x with every element until it finds it: O(n) per "
            "test, O(n*m) for a loop. A set hashes x once: O(1). Even a literal of three "
            "constants is about 2x faster as a set ({...} of constants is folded into a "
            "frozenset constant by CPython), and the gap grows with the length.",
            before="def keep(words, seen_list):\n    out = []\n    for w in words:\n"
            "        if w not in ('a', 'an', 'the'):\n            out.append(w)\n    return out",
            after="def keep(words, seen_list):\n    out = []\n    for w in words:\n"
            "        if w not in {'a', 'an', 'the'}:\n            out.append(w)\n    return out",
            not_applicable="`x in d.values()` is reported too (a linear scan of the values), "
            "as a hint without a fix: the set helps only if the values are hashable. Literal lists/tuples are reported only with three or more "
            "elements, all hashable constants (numbers, strings, True/False/None). A name is "
            "reported only when this function binds it to nothing but lists -- counting from "
            "the last plain assignment of a new list that runs before the test on every path "
            "(`allowed = list(allowed)` makes a parameter a list), with list()/sorted() not "
            "shadowed -- and it is not a literal of fewer than four elements never grown; "
            "then the message says to build "
            "a set once before the loop, or to keep a set alongside the list when the loop "
            "appends to it (the de-duplication idiom), without a fix because the elements "
            "might not be hashable. A parameter that is a list only by its annotation is "
            "reported as a hint (callers often pass a set anyway). Nothing is reported outside loops or in loops over a "
            "short literal, nor a test that runs once (returned, or followed by break/return/"
            "raise), nor when the loop rebinds the list or removes, reorders or "
            "assigns its items (a set built before the loop would go stale; a list rebuilt "
            "for each pass and tested once costs one scan either way).",
            unsafe_because="Set membership hashes the searched value: an unhashable value "
            "(a list, a dict) raises TypeError where the tuple test returned False, and an "
            "object whose __eq__ matches an element but whose __hash__ differs is no longer "
            "found.",
        ),
    )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self.in_repeated_loop():
            return
        if not any(isinstance(c.operator, cst.In | cst.NotIn) for c in node.comparisons):
            return
        facts = self.facts()
        if facts is not None and _runs_once(facts, node):
            return  # ``return x in xs`` (or a break next): one test, not one per pass
        for comp in node.comparisons:
            if isinstance(comp.operator, cst.In | cst.NotIn):
                self._check(comp.comparator)

    def _check(self, container: cst.BaseExpression) -> None:
        if isinstance(container, cst.List | cst.Tuple):
            elements = container.elements
            if len(elements) < 3:
                return
            if not all(isinstance(e, cst.Element) and is_constant(e.value) for e in elements):
                return
            fix = None
            if not has_comment(container):
                items = ", ".join(self.ctx.code(e.value) for e in elements)
                # positions exclude a node's own parentheses: replace from "(" to ")"
                start = container.lpar[0] if container.lpar else container
                end = container.rpar[-1] if container.rpar else container
                fix = self.fix("Use a set literal", Replacement(start, f"{{{items}}}", end))
            # a tiny literal: a set is faster, but a few comparisons are cheap -- a hint
            tiny = len(elements) <= TINY_LITERAL
            self.report(
                container,
                "Test membership against a set literal: {...}",
                fix=fix,
                severity=Severity.HINT if tiny else None,
            )
            return
        if (
            isinstance(container, cst.Call)
            and isinstance(container.func, cst.Attribute)
            and container.func.attr.value == "values"
            and not container.args
        ):
            owner = self.ctx.code(container.func.value)
            # a hint: the advice holds only for hashable values, which the code does not show
            # (networkx tests attribute dicts this way: a set of them raises TypeError)
            self.report(
                container,
                f"`in {owner}.values()` scans every value on every iteration: when the values "
                "are hashable, build a set of them once before the loop and test that (or keep "
                "a reverse mapping)",
                severity=Severity.HINT,
            )
            return
        found = _list_name(self, container)
        if found is None:
            return
        name, facts, evidence = found
        if facts.is_small_literal_list(name, at=container):
            return
        if self._changes_in_loop(facts, name, container):
            return
        outer = self._outer_loop_statement(facts, container)
        grown = outer is not None and any(
            isinstance(parent := facts.parent(r.node), cst.Attribute)
            and parent.attr.value in ("append", "extend", "insert")
            and facts.inside(r.node, outer)
            for r in facts.refs_of(name)
        )
        if grown:
            msg = (
                f"`in {name}` scans the whole list on every iteration: keep a set of the items "
                f"alongside {name} and test that (or de-duplicate with dict.fromkeys())"
            )
        else:
            msg = (
                f"`in {name}` scans the whole list on every iteration: build a set from it once "
                "before the loop and test membership in the set"
            )
        if facts.annotated_param(name) and any(
            b.kind == "param" for b in facts.live_bindings(name, container, "list")
        ):
            # only the annotation says "list": callers often pass a set or frozenset anyway
            # (Sphinx's ``docnames: list[str]`` receives a frozenset), so a hint, saying so
            self.report(
                container,
                f"{msg} (if callers pass a list, as its annotation says)",
                severity=Severity.HINT,
                assumes=evidence,
            )
            return
        self.report(container, msg, assumes=evidence)

    @staticmethod
    def _changes_in_loop(facts: FunctionFacts, name: str, node: cst.CSTNode) -> bool:
        """Whether the list tested at ``node`` is rebound, or shrunk or reordered, inside the
        innermost loop around the test: then no set can be built once before the loop (it would
        go stale), and a list rebuilt for each pass and tested there once costs one scan either
        way.  (Growing it with append/extend/insert is the de-duplication idiom, reported.)"""
        loop = facts.innermost_loop(node, _REPEATING)
        if not isinstance(loop, cst.For | cst.While):
            return False  # none, or a comprehension: it repeats the test over one list
        if facts.writes(name, loop):
            return True
        for ref in facts.reads(name, loop):
            parent = facts.parent(ref.node)
            if isinstance(parent, cst.Attribute) and parent.attr.value in _SHRINKING:
                return True
            if isinstance(parent, cst.Subscript) and _is_store_target(facts, parent):
                return True
        return False

    @staticmethod
    def _outer_loop_statement(facts: FunctionFacts, node: cst.CSTNode) -> cst.CSTNode | None:
        outer = None
        for a in facts.ancestors(node):
            if isinstance(a, cst.For | cst.While):
                outer = a
        return outer


# -- HONE105 -------------------------------------------------------------------------------


class ListAsQueueRule(LoopRule):
    meta = RuleMeta(
        id="HONE105",
        name="list-as-queue",
        message="Use collections.deque for a queue: popleft()/appendleft() are O(1)",
        severity=Severity.WARNING,
        doc=RuleDoc(
            why="Removing or inserting at the front of a list shifts every other element: "
            "list.pop(0), list.insert(0, x), del xs[0] and xs = xs[1:] are O(n), so a loop "
            "draining a list from the front is quadratic (about 90x slower than a deque for "
            "20,000 items). collections.deque does both ends in O(1).",
            before="def drain(items):\n    queue = list(items)\n    while queue:\n"
            "        item = queue.pop(0)\n        print(item)",
            after="from collections import deque\n\ndef drain(items):\n"
            "    queue = deque(items)\n    while queue:\n        item = queue.popleft()\n"
            "        print(item)",
            not_applicable="Only inside loops, and only on a name this function binds to "
            "nothing but lists (or annotates as list), counting from the last plain "
            "assignment of a new list that runs before it on every path (`items = "
            "list(items)` makes a parameter a list), with list()/sorted() not shadowed: "
            "dict.pop(0) or a deque's methods are not reported, nor str/bytes slicing. Nor a "
            "front operation that runs once (returned, or the loop ends right after "
            "it), on a list bound afresh in each pass, or on a list the loop sorts (a priority "
            "queue: a deque cannot sort). `head, xs = xs[0], xs[1:]` (a tuple assignment) is "
            "not recognised. No fix: switching the type affects every other use "
            "of the list (indexing a deque in the middle is O(n), slicing is unsupported).",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and self.in_repeated_loop()):
            return
        method = func.attr.value
        if method == "pop":
            args = _args(node, 1)
            if args is None or not _is_int(args[0], 0):
                return
        elif method == "insert":
            args = _args(node, 2)
            if args is None or not _is_int(args[0], 0):
                return
        else:
            return
        found = _list_name(self, func.value)
        if found is not None and _drains_across_passes(found[1], found[0], node):
            call, new = (
                ("pop(0)", "popleft()")
                if method == "pop"
                else ("insert(0, ...)", "appendleft(...)")
            )
            self.report(
                node,
                f"{found[0]}.{call} is O(n) on a list: use a collections.deque and {new}",
                assumes=found[2],
            )

    def visit_Del(self, node: cst.Del) -> None:
        target = node.target
        if (
            self.in_repeated_loop()
            and isinstance(target, cst.Subscript)
            and (index := _single_index(target)) is not None
            and _is_int(index, 0)
            and (found := _list_name(self, target.value)) is not None
            and _drains_across_passes(found[1], found[0], node)
        ):
            self.report(
                node,
                f"del {found[0]}[0] is O(n) on a list: use a collections.deque and popleft()",
                assumes=found[2],
            )

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not self.in_repeated_loop():
            return
        target, value = node.targets[0].target, node.value
        if not (
            isinstance(target, cst.Name)
            and isinstance(value, cst.Subscript)
            and _is_name(value.value, target.value)
            and len(value.slice) == 1
            and isinstance(value.slice[0].slice, cst.Slice)
        ):
            return
        sl = value.slice[0].slice
        if sl.upper is not None or sl.step is not None or sl.lower is None:
            return
        if not isinstance(sl.lower, cst.Integer):
            return
        found = _list_name(self, target)
        if found is None:
            return
        name, facts, evidence = found
        if _fresh_each_pass(facts, name, node) or _runs_once(facts, node):
            return  # one slice of a list built for this pass, or a slice before leaving
        self.report(
            node,
            f"{name} = {name}[{sl.lower.value}:] copies the rest of the list on every "
            "iteration: use a collections.deque and popleft() (or an index)",
            assumes=evidence,
        )


def _drains_across_passes(facts: FunctionFacts, name: str, node: cst.CSTNode) -> bool:
    """Whether the front operation at ``node`` on list ``name`` repeats on one list across the
    passes of its loop -- a queue.  Not when the statement leaves the loop once it has run
    (``return q.pop(0)``, or a ``break`` next: it runs once), when the list is bound afresh
    inside the loop (one insert into a new list), or when the loop sorts it (a priority queue:
    a deque cannot sort, and the sort costs more)."""
    loop = facts.innermost_loop(node)
    if loop is None:
        return True  # a comprehension: repeated by construction
    if _runs_once(facts, node):
        return False
    if any(r.kind == "store" for r in facts.writes(name, loop)):
        return False
    return not any(
        isinstance(parent := facts.parent(r.node), cst.Attribute) and parent.attr.value == "sort"
        for r in facts.reads(name, loop)
    )


# -- HONE107 -------------------------------------------------------------------------------


def _subscript_of(node: cst.CSTNode, d: str | None, key: str) -> str | None:
    """``d[key]`` (``d`` any name when None): the dict name."""
    if (
        isinstance(node, cst.Subscript)
        and isinstance(node.value, cst.Name)
        and (d is None or node.value.value == d)
        and (index := _single_index(node)) is not None
        and _is_name(index, key)
    ):
        return node.value.value
    return None


def _assign_to(stmt: cst.CSTNode | None, key: str) -> tuple[str, cst.BaseExpression] | None:
    """``d[key] = value``: (d, value)."""
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
        d = _subscript_of(stmt.targets[0].target, None, key)
        if d is not None:
            return d, stmt.value
    return None


def _increment(stmt: cst.CSTNode | None, d: str, key: str) -> bool:
    """``d[key] += 1``."""
    return (
        isinstance(stmt, cst.AugAssign)
        and isinstance(stmt.operator, cst.AddAssign)
        and _subscript_of(stmt.target, d, key) is not None
        and _is_int(stmt.value, 1)
    )


def _membership(test: cst.BaseExpression, key: str) -> tuple[str, bool] | None:
    """``key in d`` / ``key not in d``: (d, negated)."""
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and _is_name(test.left, key)
        and isinstance(test.comparisons[0].comparator, cst.Name)
    ):
        op = test.comparisons[0].operator
        d = test.comparisons[0].comparator.value
        if isinstance(op, cst.In):
            return d, False
        if isinstance(op, cst.NotIn):
            return d, True
    return None


def _body_statements(body: cst.BaseSuite) -> list[cst.CSTNode]:
    """The loop body as a flat list of small/compound statements (``a; b`` counts twice)."""
    out: list[cst.CSTNode] = []
    stmts = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            out.extend(stmt.body)
        else:
            out.append(stmt)
    return out


def _counting(stmts: list[cst.CSTNode], key: str) -> str | None:
    """The dict a loop body counts ``key`` in, when counting is all it does."""
    if len(stmts) == 1:
        stmt = stmts[0]
        # d[k] = d.get(k, 0) + 1
        found = _assign_to(stmt, key)
        if found is not None:
            d, value = found
            if (
                isinstance(value, cst.BinaryOperation)
                and isinstance(value.operator, cst.Add)
                and _is_int(value.right, 1)
                and isinstance(value.left, cst.Call)
                and isinstance(value.left.func, cst.Attribute)
                and _is_name(value.left.func.value, d)
                and value.left.func.attr.value == "get"
                and (args := _args(value.left, 2)) is not None
                and _is_name(args[0], key)
                and _is_int(args[1], 0)
            ):
                return d
            return None
        # if k in d: d[k] += 1 / else: d[k] = 1   (or the negated form)
        if isinstance(stmt, cst.If) and isinstance(stmt.orelse, cst.Else):
            member = _membership(stmt.test, key)
            if member is None:
                return None
            d, negated = member
            present = only_statement(stmt.orelse.body if negated else stmt.body)
            absent = only_statement(stmt.body if negated else stmt.orelse.body)
            first = _assign_to(absent, key)
            if (
                _increment(present, d, key)
                and first is not None
                and first[0] == d
                and _is_int(first[1], 1)
            ):
                return d
        return None
    if len(stmts) == 2:
        # if k not in d: d[k] = 0 \n d[k] += 1
        guard, inc = stmts
        if isinstance(guard, cst.If) and guard.orelse is None:
            member = _membership(guard.test, key)
            init = _assign_to(only_statement(guard.body), key)
            if (
                member is not None
                and member[1]
                and init is not None
                and init[0] == member[0]
                and _is_int(init[1], 0)
                and _increment(inc, member[0], key)
            ):
                return member[0]
    return None


class ManualCounterRule(LoopRule):
    meta = RuleMeta(
        id="HONE107",
        name="manual-counting-dict",
        message="Count with collections.Counter instead of a dict in a loop",
        severity=Severity.INFO,
        doc=RuleDoc(
            why="collections.Counter(iterable) counts in C (the _count_elements helper): "
            "about 1.6-2x faster than a Python loop doing d[k] = d.get(k, 0) + 1 or "
            "if k in d: d[k] += 1 else: d[k] = 1.",
            before="def histogram(words):\n    counts = {}\n    for w in words:\n"
            "        counts[w] = counts.get(w, 0) + 1\n    return counts",
            after="from collections import Counter\n\ndef histogram(words):\n"
            "    return Counter(words)",
            not_applicable="Only loops whose whole body counts the loop variable itself "
            "(then Counter(iterable), or counts.update(iterable) for an existing dict, "
            "replaces the loop). Counting a computed key, or counting as one step among "
            "others, is not reported: Counter over a generator expression or "
            "defaultdict(int) are not measurably faster there. No fix: a Counter returns 0 "
            "for missing keys where the dict raised KeyError, and the import is needed.",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or node.orelse is not None:
            return
        if not isinstance(node.target, cst.Name):
            return
        d = _counting(_body_statements(node.body), node.target.value)
        if d is None or d == node.target.value:
            return
        it = self.ctx.code(node.iter)
        self.report(
            node,
            f"Count with collections.Counter({it}) (or {d}.update({it}) on a Counter) instead "
            "of this loop: it counts in C",
        )


# -- HONE108 -------------------------------------------------------------------------------


class KeysMembershipRule(LoopRule):
    meta = RuleMeta(
        id="HONE108",
        name="membership-in-dict-keys",
        message="Test `k in d` instead of `k in d.keys()`",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the receiver is a local only ever bound to a dict",
        doc=RuleDoc(
            why="`k in d.keys()` looks up the keys method, calls it and builds a view object "
            "before the hash lookup that `k in d` does directly: about 1.5x slower per test, "
            "which adds up in a loop.",
            before="def known(names, table):\n    return [n for n in names if n in table.keys()]",
            after="def known(names, table):\n    return [n for n in names if n in table]",
            not_applicable="Only inside loops and comprehensions (outside, it is one call). "
            "`for k in d.keys()` is not reported: the extra call happens once per loop, which "
            "does not measurably matter.",
            unsafe_because="For a dict (and its subclasses defaultdict/OrderedDict/Counter) "
            "both tests are identical, and the fix is marked safe when the function binds the "
            "name only to dicts. Otherwise the receiver might be another kind of object whose "
            "keys() and __contains__ disagree (e.g. a mapping-like class that defines keys() "
            "but no __contains__, or a pandas Series where `in` tests the index).",
        ),
    )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self.in_repeated_loop():
            return
        for comp in node.comparisons:
            call = comp.comparator
            if not (
                isinstance(comp.operator, cst.In | cst.NotIn)
                and isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "keys"
                and not call.args
                and not call.lpar
            ):
                continue
            receiver = call.func.value
            fix = None
            if not has_comment(call):
                facts = self.facts()
                known = (
                    isinstance(receiver, cst.Name)
                    and facts is not None
                    and facts.only_bound_to(receiver.value, "dict")
                )
                code = self.ctx.code(receiver)
                if not (isinstance(receiver, cst.Name | cst.Attribute | cst.Call) or receiver.lpar):
                    code = f"({code})"
                fix = NodeFix(
                    "Drop .keys()",
                    [Replacement(call, code)],
                    Safety.SAFE if known else Safety.UNSAFE,
                )
            self.report(
                call,
                f"Test membership in {self.ctx.code(receiver)} directly, without .keys()",
                fix=fix,
            )


# -- HONE111 -------------------------------------------------------------------------------


class ListConcatInLoopRule(LoopRule):
    meta = RuleMeta(
        id="HONE111",
        name="quadratic-list-concat",
        message="Append/extend in place instead of xs = xs + [...] in a loop",
        severity=Severity.WARNING,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="xs = xs + [y] builds a new list and copies every element each time: a loop "
            "doing it is quadratic (over a millisecond per item at 5,000 items in a "
            "measurement). xs.append(y) / xs += other are amortised O(1) per item. "
            "xs = [*xs, y] is the same copy, and so is growing a tuple (t = t + (y,), "
            "t = (*t, y), or t += (y,): a tuple cannot grow in place), reported without a fix.",
            before="def evens(xs):\n    out = []\n    for x in xs:\n        if x % 2 == 0:\n"
            "            out = out + [x]\n    return out",
            after="def evens(xs):\n    out = []\n    for x in xs:\n        if x % 2 == 0:\n"
            "            out.append(x)\n    return out",
            not_applicable="Only inside loops and only for a name this function binds to "
            "nothing but lists (or tuples), counting from the last plain assignment of a new "
            "list/tuple that runs before it on every path (`xs = list(xs)` makes a parameter "
            "a list), with list()/tuple() not shadowed. Prepending (xs = [y] + xs, "
            "[y, *xs]) is reported without a fix (use a deque's appendleft). Nothing is "
            "reported when the loop also binds the name afresh (one concatenation onto a "
            "list built for each pass grows nothing), nor for a concatenation that runs once "
            "(the loop ends right after it).",
            unsafe_because="The original rebinds the name to a new list, so another reference "
            "to the old list (an alias, a list stored elsewhere) no longer sees it change; "
            "after the fix it does. xs + other also requires other to be a list (TypeError "
            "for a tuple or generator) while xs += other accepts any iterable.",
        ),
    )

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not self.in_repeated_loop():
            return
        target, value = node.targets[0].target, node.value
        if not isinstance(target, cst.Name):
            return
        name = target.value
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            appending = _is_name(value.left, name)
            prepending = _is_name(value.right, name) and not appending
            display = None
        elif isinstance(value, cst.List | cst.Tuple) and len(value.elements) > 1:
            # ``[*xs, y]`` / ``(*t, y)``: the same copy, spelled as unpacking
            first, last = value.elements[0], value.elements[-1]
            appending = isinstance(first, cst.StarredElement) and _is_name(first.value, name)
            prepending = (
                isinstance(last, cst.StarredElement)
                and _is_name(last.value, name)
                and not appending
            )
            display = value
        else:
            return
        if not (appending or prepending):
            return
        facts = self.facts()
        if facts is None:
            return
        kind: ContainerKind
        if not isinstance(display, cst.List) and facts.only_bound_to(name, "tuple", at=node):
            kind = "tuple"
        elif not isinstance(display, cst.Tuple) and facts.only_bound_to(name, "list", at=node):
            kind = "list"
        else:
            return
        if _fresh_each_pass(facts, name, node) or _runs_once(facts, node):
            # one copy of a value built for this pass (pygments, sympy's PolyElement.str), or
            # one before the loop ends: nothing grows across passes
            return
        evidence = _evidence(facts.live_bindings(name, node, kind))
        if kind == "tuple":
            self.report(
                node,
                f"{name} = {self.ctx.code(value)} copies the whole tuple on every iteration: "
                "collect the items in a list and convert once after the loop",
                assumes=evidence,
            )
            return
        if prepending:
            self.report(
                node,
                f"Prepending copies the whole list on every iteration: use a "
                f"collections.deque and {name}.appendleft(...)",
                assumes=evidence,
            )
            return
        single, text = self._appended(name, value)
        fix = None
        if not has_comment(value):
            fix = self.fix("Grow the list in place", Replacement(node, text))
        verb = "append" if single else "extend"
        shape = f"{name} + ..." if display is None else f"[*{name}, ...]"
        self.report(
            node,
            f"{name} = {shape} copies the whole list on every iteration: {verb} it in place",
            fix=fix,
            assumes=evidence,
        )

    def _appended(self, name: str, value: cst.BaseExpression) -> tuple[bool, str]:
        """Whether ``value`` (``name + other`` or ``[*name, ...]``) adds one item, and the
        in-place statement adding what it adds."""
        if isinstance(value, cst.BinaryOperation):
            other = value.right
            if (
                isinstance(other, cst.List)
                and len(other.elements) == 1
                and isinstance(other.elements[0], cst.Element)
            ):
                return True, f"{name}.append({self.ctx.code(other.elements[0].value)})"
            single = isinstance(other, cst.List) and len(other.elements) == 1
            return single, f"{name} += {self.ctx.code(other)}"
        assert isinstance(value, cst.List)
        rest = value.elements[1:]
        if len(rest) == 1 and isinstance(rest[0], cst.Element):
            return True, f"{name}.append({self.ctx.code(rest[0].value)})"
        # each item keeps its place in a list display: the same code is valid there
        items = [
            ("*" if isinstance(el, cst.StarredElement) else "") + self.ctx.code(el.value)
            for el in rest
        ]
        return False, f"{name} += [{', '.join(items)}]"

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # ``t += (x,)`` on a tuple builds a new tuple, as ``t = t + (x,)`` does (a list's ``+=``
        # extends in place and is fine)
        target = node.target
        if not (
            isinstance(target, cst.Name)
            and isinstance(node.operator, cst.AddAssign)
            and self.in_repeated_loop()
        ):
            return
        facts = self.facts()
        name = target.value
        if facts is None or not facts.only_bound_to(name, "tuple", at=node):
            return
        if _fresh_each_pass(facts, name, node) or _runs_once(facts, node):
            return
        self.report(
            node,
            f"{name} += ... copies the whole tuple on every iteration: collect the items in a "
            "list and convert once after the loop",
            assumes=_evidence(facts.live_bindings(name, node, "tuple")),
        )


# -- HONE114 -------------------------------------------------------------------------------

_SEARCH_ADVICE = {
    "index": "build a dict from value to position once before the loop",
    "count": "count everything once with collections.Counter before the loop",
    "remove": "filter once with a comprehension (or keep a set of items to drop)",
}


class ListSearchInLoopRule(LoopRule):
    meta = RuleMeta(
        id="HONE114",
        name="list-search-in-loop",
        message="Avoid list.index()/count()/remove() in a loop: each call scans the list",
        severity=Severity.WARNING,
        doc=RuleDoc(
            why="list.index(), list.count() and list.remove() scan the list from the start on "
            "every call, so calling them once per item of a loop is O(n*m) - e.g. "
            "[xs.count(x) for x in xs] is quadratic where Counter(xs) is linear. The same "
            "holds for a key function: sorted(names, key=order.index) scans order once per "
            "name.",
            before="def ranks(order: list[str], names):\n"
            "    return [order.index(n) for n in names]",
            after="def ranks(order: list[str], names):\n"
            "    position = {name: i for i, name in enumerate(order)}\n"
            "    return [position[n] for n in names]",
            not_applicable="Only inside loops (or as the key= of sorted()/min()/max() over "
            "one iterable or of list.sort()), and only on a name this function binds to "
            "nothing but lists, counting from the last plain assignment of a new list that "
            "runs before it on every path (`order = list(order)` makes a parameter a list), "
            "with list()/sorted() not shadowed (not a literal of fewer than four elements "
            "that is never grown). str.index/str.count are not list searches and are not "
            "reported, nor index(x, start) (searching on from the last hit finds every "
            "occurrence in one pass), index()/count() in a loop that changes the list "
            "(positions or counts taken before it would go stale), a search in a list bound "
            "afresh in each pass, or one "
            "that runs once (returned, or followed by break/return/raise, outside a try "
            "that could catch its ValueError and go on). No fix: "
            "the replacement needs a new structure built before the loop, and duplicates "
            "(first index vs. last) need a decision.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        self._key_search(node)
        func = node.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in _SEARCH_ADVICE
            and self.in_repeated_loop()
            # one plain argument: ``xs.index(v, start)`` from the last hit on finds each
            # occurrence in one pass over the list, not one scan per call
            and _args(node, 1) is not None
        ):
            return
        found = _list_name(self, func.value)
        if found is None:
            return
        name, facts, evidence = found
        if facts.is_small_literal_list(name, at=func.value):
            return
        if _fresh_each_pass(facts, name, node) or _runs_once(facts, node, failing_repeats=True):
            # one search in a list built for this pass costs what building it did; one search
            # before the loop ends is one scan
            return
        method = func.attr.value
        if method != "remove" and _changed_in_loop(facts, name, node):
            # positions or counts taken before the loop would go stale (_osx_support's
            # ``i = args.index('-arch')`` then ``del args[i:i + 2]`` until none is left)
            return
        self.report(
            node,
            f"{name}.{method}() scans the whole list on every iteration: {_SEARCH_ADVICE[method]}",
            assumes=evidence,
        )

    def _key_search(self, node: cst.Call) -> None:
        """``sorted(names, key=order.index)`` (and min/max of one iterable, ``list.sort``): the
        key function runs once per item, so each item scans the list again."""
        key = next(
            (a.value for a in node.args if a.keyword is not None and a.keyword.value == "key"),
            None,
        )
        if not (
            isinstance(key, cst.Attribute)
            and key.attr.value in ("index", "count")
            and isinstance(key.value, cst.Name)
        ):
            return
        func = node.func
        positional = [a for a in node.args if a.keyword is None]
        assumes: list[cst.CSTNode] = []
        if isinstance(func, cst.Name) and func.value in ("sorted", "min", "max"):
            # one iterable (``max(a, b, key=...)`` calls the key twice), not a short display
            if len(positional) != 1 or positional[0].star:
                return
            if isinstance(positional[0].value, cst.List | cst.Tuple | cst.Set):
                return
            assumes.append(func)
        elif isinstance(func, cst.Attribute) and func.attr.value == "sort":
            sorted_list = _list_name(self, func.value)
            if positional or sorted_list is None:
                return
            assumes += sorted_list[2]
        else:
            return
        found = _list_name(self, key.value)
        if found is None:
            return
        name, facts, evidence = found
        if facts.is_small_literal_list(name, at=key.value):
            return
        method = key.attr.value
        advice = (
            "build a dict from value to position once before the call and use its lookup"
            if method == "index"
            else "count everything once with collections.Counter before the call and use its lookup"
        )
        self.report(
            key,
            f"key={name}.{method} scans the whole list once per item: {advice}",
            assumes=[*assumes, *evidence],
        )


# -- HONE116 -------------------------------------------------------------------------------


def _empty_list(node: cst.BaseExpression | None) -> bool:
    return (isinstance(node, cst.List) and not node.elements) or (
        isinstance(node, cst.Call) and _is_name(node.func, "list") and not node.args
    )


class ManualGroupingRule(LoopRule):
    meta = RuleMeta(
        id="HONE116",
        name="manual-grouping-dict",
        message="Group with collections.defaultdict(list) instead of creating lists by hand",
        severity=Severity.INFO,
        doc=RuleDoc(
            why="`if k not in d: d[k] = []` followed by `d[k].append(v)` hashes the key two "
            "or three times per item; d.setdefault(k, []).append(v) builds and throws away an "
            "empty list per item. A defaultdict(list) does one lookup and creates a list only "
            "for new keys: about 1.35x faster per item.",
            before="def by_kind(items):\n    groups = {}\n    for item in items:\n"
            "        if item.kind not in groups:\n            groups[item.kind] = []\n"
            "        groups[item.kind].append(item)\n    return groups",
            after="from collections import defaultdict\n\ndef by_kind(items):\n"
            "    groups = defaultdict(list)\n    for item in items:\n"
            "        groups[item.kind].append(item)\n    return groups",
            not_applicable="Only inside loops, only with a key that is a name, attribute or "
            "constant (evaluated more than once in the original). No fix: a defaultdict "
            "creates entries on any missing-key lookup, which changes later code that expects "
            "KeyError or tests membership after reading.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        # d.setdefault(k, []).append(v)
        func = node.func
        if not (
            self.in_repeated_loop()
            and isinstance(func, cst.Attribute)
            and func.attr.value == "append"
            and isinstance(func.value, cst.Call)
        ):
            return
        inner = func.value
        if not (
            isinstance(inner.func, cst.Attribute)
            and inner.func.attr.value == "setdefault"
            and isinstance(inner.func.value, cst.Name)
        ):
            return
        args = _args(inner, 2)
        if args is None or not _empty_list(args[1]):
            return
        d = inner.func.value.value
        self.report(
            node,
            f"Make {d} a collections.defaultdict(list) and call {d}[key].append(...): "
            "setdefault builds a new empty list on every call",
        )

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if not self.in_repeated_loop():
            return
        stmts = list(node.body)
        for guard, nxt in itertools.pairwise(stmts):
            if not (isinstance(guard, cst.If) and guard.orelse is None):
                continue
            test = guard.test
            if not (
                isinstance(test, cst.Comparison)
                and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.NotIn)
                and isinstance(test.comparisons[0].comparator, cst.Name)
            ):
                continue
            d = test.comparisons[0].comparator.value
            key = test.left
            if not _simple_key(key):
                continue
            init = only_statement(guard.body)
            if not (
                isinstance(init, cst.Assign)
                and len(init.targets) == 1
                and self._is_item(init.targets[0].target, d, key)
                and _empty_list(init.value)
            ):
                continue
            call = single_small(nxt)
            if not (
                isinstance(call, cst.Expr)
                and isinstance(call.value, cst.Call)
                and isinstance(call.value.func, cst.Attribute)
                and call.value.func.attr.value == "append"
                and self._is_item(call.value.func.value, d, key)
            ):
                continue
            self.report(
                guard,
                f"Make {d} a collections.defaultdict(list) and just call "
                f"{d}[{self.ctx.code(key)}].append(...)",
                end_node=nxt,
            )

    def _is_item(self, node: cst.BaseExpression, d: str, key: cst.BaseExpression) -> bool:
        if not (isinstance(node, cst.Subscript) and _is_name(node.value, d)):
            return False
        index = _single_index(node)
        return index is not None and self.ctx.code(index) == self.ctx.code(key)


def _simple_key(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name) or is_constant(node)


# -- HONE117 -------------------------------------------------------------------------------

_MUTATING = frozenset(
    ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "__setitem__")
)


class CountInLoopRule(LoopRule):
    meta = RuleMeta(
        id="HONE117",
        name="count-in-loop",
        message="Count once before the loop instead of calling .count() on every iteration",
        severity=Severity.WARNING,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="seq.count(x) compares x with every element of seq: O(n) per call, so calling "
            "it for each element of a loop is O(n^2) -- 10,000 names take ~100 million "
            "comparisons.  collections.Counter(seq), built once before the loop, counts every "
            "element in one pass and answers each lookup in O(1).",
            before="def repeats(names):\n    out = []\n    for name in names:\n"
            "        if names.count(name) > 1:\n            out.append(name)\n    return out",
            after="def repeats(names):\n    out = []\n    from collections import Counter\n\n"
            "    names_counts = Counter(names)\n    for name in names:\n"
            "        if names_counts[name] > 1:\n            out.append(name)\n    return out",
            not_applicable="Only when the counted sequence is a local name the loop neither "
            "rebinds nor changes (append/remove/...): `line.count(',')` on each line of a file "
            "counts a different string every time and is fine.  Counting a substring (a "
            "string literal longer than one character) is left alone: Counter counts "
            "elements, not substrings.  The fix is offered for for/while statements (not "
            "comprehensions): a counter before the loop, a lookup in it instead of each call.",
            unsafe_because="Counter hashes the elements: a list of unhashable items (lists, "
            "dicts) raises TypeError, and elements equal but hashed differently are counted "
            "apart.  On a str, Counter counts characters: the same as str.count for "
            "one-character arguments only.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "count"
            and isinstance(func.value, cst.Name)
            and len(node.args) == 1
            and node.args[0].keyword is None
            and not node.args[0].star
            and self.in_repeated_loop()
        ):
            return
        value = string_value(node.args[0].value)
        if value is not None and len(value) != 1:
            return  # a substring count: Counter is no answer
        facts = self.facts()
        if facts is None:
            return
        name = func.value.value
        loop = facts.innermost_loop(node, _REPEATING)
        if loop is None or facts.writes(name, loop) or _bound_by(loop, name):
            return
        for ref in facts.reads(name, loop):
            parent = facts.parent(ref.node)
            if isinstance(parent, cst.Attribute) and parent.attr.value in _MUTATING:
                return
        self.report(
            node,
            f"`{name}.count()` scans all of {name} on every iteration (quadratic): count once "
            f"before the loop (for a list or tuple: counts = collections.Counter({name})) and "
            "read counts[...] here",
            fix=self._counter_fix(facts, loop, name),
        )

    def _counter_fix(self, facts: FunctionFacts, loop: cst.CSTNode, name: str) -> NodeFix | None:
        """``counts = Counter(name)`` before the loop statement, ``counts[x]`` for each
        ``name.count(x)`` in it (not for comprehensions: the counter needs a statement)."""
        if not isinstance(loop, cst.For | cst.While) or has_comment(loop):
            return None
        if facts.previous_statement(loop) is None and facts.parent(loop) is None:
            return None
        counts = facts.fresh_name(f"{name}_counts", "counts")
        calls = [
            n
            for n in walk(loop)
            if isinstance(n, cst.Call)
            and isinstance(n.func, cst.Attribute)
            and n.func.attr.value == "count"
            and isinstance(n.func.value, cst.Name)
            and n.func.value.value == name
            and len(n.args) == 1
        ]
        new_loop: cst.CSTNode = loop
        for call in calls:
            lookup = cst.Subscript(
                value=cst.Name(counts),
                slice=[cst.SubscriptElement(cst.Index(call.args[0].value))],
            )
            new_loop = new_loop.deep_replace(call, lookup)
        body = self.ctx.statement_code(new_loop)

        def render(indent: str) -> str:
            first, *rest = body.split("\n")
            loop_text = "\n".join([first, *(indent + r if r.strip() else r for r in rest)])
            return (
                f"from collections import Counter\n\n{indent}{counts} = Counter({name})\n"
                f"{indent}{loop_text}"
            )

        return self.fix("Count once with collections.Counter", Replacement(loop, render))


_REPEATING = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _bound_by(loop: cst.CSTNode, name: str) -> bool:
    """``name`` is the loop's own target (or a comprehension's inside it): a different value in
    each pass, so counting in it once before the loop is no answer (``max(row.count("&") for row
    in rows)`` counts each row once)."""
    targets = [loop.target] if isinstance(loop, cst.For) else []
    targets += [n.target for n in walk(loop) if isinstance(n, cst.CompFor)]
    return any(t.value == name for target in targets for t in target_names(target))
