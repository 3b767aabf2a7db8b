"""What a rule is, and how it reports.

A rule is a libcst ``BatchableCSTVisitor``: the engine runs *all* rules in one traversal of each
chunk (:func:`hone.rules.traversal.visit_batched`, a read-only equivalent of libcst's), so adding
rules does not add traversals.  Rules report nodes,
not positions: positions are resolved by the engine only for chunks that have findings, because
libcst's position metadata is the expensive part of analysis.

A fix is expressed as node replacements (:class:`Replacement`); the engine turns them into exact
text edits, so a fix never rewrites more than the nodes it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

import libcst as cst

from hone.core.finding import Category, Safety, Severity


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """The documentation ``hone rules --explain`` prints."""

    why: str  # why the pattern is slow (or wrong)
    before: str  # example code that triggers the rule
    after: str  # the same code after the fix
    not_applicable: str = ""  # when the rule stays silent / when the fix is not offered
    unsafe_because: str = ""  # for unsafe fixes: which edge cases can differ


@dataclass(frozen=True, slots=True)
class RuleMeta:
    id: str  # stable, e.g. "HONE101"
    name: str  # kebab-case, e.g. "append-in-loop"
    message: str  # default message: says what to do
    doc: RuleDoc
    severity: Severity = Severity.WARNING
    category: Category = Category.PERFORMANCE
    fix_safety: Safety | None = None  # None: the rule has no fix
    # set when the fix is safe only in some cases (and offered as unsafe in the others): the
    # case, as the catalog states it ("the comprehension calls nothing"); fix_safety is SAFE
    safe_when: str = ""

    @property
    def fix_safeties(self) -> frozenset[Safety]:
        """The safety levels this rule's findings may carry (what the catalog promises)."""
        if self.fix_safety is None:
            return frozenset()
        if self.safe_when:
            return frozenset((Safety.SAFE, Safety.UNSAFE))
        return frozenset((self.fix_safety,))


@dataclass(frozen=True, slots=True)
class Replacement:
    """Replace the source from ``start`` to ``end`` (inclusive; default ``start``) with ``new``.

    ``new`` may be a node (statement nodes are re-indented to the position of ``start``) or
    literal text (used verbatim: multi-line text must carry its own indentation, see
    :meth:`RuleContext.indentation`).  A statement's range excludes its leading comments,
    indentation and trailing newline.
    """

    start: cst.CSTNode
    # a node, literal text, or a layout: text given the indentation of ``start``'s line (for
    # multi-line code laid out as a formatter would, see :mod:`hone.rules.layout`)
    new: cst.CSTNode | str | Callable[[str], str]
    end: cst.CSTNode | None = None


@dataclass(frozen=True, slots=True)
class NodeFix:
    title: str
    replacements: Sequence[Replacement]
    safety: Safety
    # the new nodes, when the replacements hold them rendered as text (what the fix's names
    # are read from: see :func:`hone.rules.scope.report_assumptions`)
    nodes: Sequence[cst.CSTNode] = ()


@dataclass(slots=True)
class Report:
    rule: RuleMeta
    node: cst.CSTNode
    message: str
    fix: NodeFix | None
    end_node: cst.CSTNode | None = None  # report a range from node to end_node
    severity: Severity | None = None  # this finding's, when not the rule's (a tiny literal...)
    # code elsewhere the claim rests on (``list`` in ``queue = list(items)``): its builtin
    # names count as the report's own (see :func:`hone.rules.scope.report_assumptions`)
    assumes: Sequence[cst.CSTNode] = ()


@dataclass(slots=True)
class RuleContext:
    """Per-chunk state shared by all rules of one traversal."""

    module: cst.Module
    reports: list[Report] = field(default_factory=list)
    # state the rules of this traversal share (e.g. the loop tracker), by a key of their own
    shared: dict[str, Any] = field(default_factory=dict)

    def code(self, node: cst.CSTNode) -> str:
        """Source of an expression-level node (statements: use ``statement_code``)."""
        return self.module.code_for_node(node)

    def statement_code(self, node: cst.CSTNode) -> str:
        """Source of a statement without its leading comments/blank lines and trailing newline."""
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            node = node.with_changes(leading_lines=())
        return self.module.code_for_node(node).rstrip("\r\n")


class Rule(cst.BatchableCSTVisitor):
    """Base class of every rule; subclasses set ``meta`` and override ``visit_*`` methods."""

    meta: ClassVar[RuleMeta]

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__()
        self.ctx = ctx

    def visitor_names(self) -> tuple[str, ...]:
        """Names of the visit_/leave_ methods this rule wants called (the same tuple object for
        every rule that wants the same ones, so traversals can cache their plans on it)."""
        return class_visitor_names(type(self))

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        """The rule's visit_/leave_ methods, with the name lookup cached per class.

        libcst's default uses ``inspect.getmembers`` on every call, i.e. for every rule and
        every chunk: that alone cost seconds on a large file.
        """
        return {name: getattr(self, name) for name in self.visitor_names()}

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        *,
        fix: NodeFix | None = None,
        end_node: cst.CSTNode | None = None,
        severity: Severity | None = None,
        assumes: Sequence[cst.CSTNode] = (),
    ) -> None:
        if fix is not None and fix.safety not in self.meta.fix_safeties:
            # the catalog (``hone rules``) and the finding must never disagree
            raise ValueError(
                f"{self.meta.id} offers a {fix.safety} fix; its catalog entry allows "
                f"{sorted(self.meta.fix_safeties)}"
            )
        self.ctx.reports.append(
            Report(
                self.meta,
                node,
                message or self.meta.message,
                fix,
                end_node,
                severity=severity,
                assumes=assumes,
            )
        )

    def fix(self, title: str, *replacements: Replacement) -> NodeFix:
        """A fix at this rule's documented safety level."""
        assert self.meta.fix_safety is not None, f"{self.meta.id} declares no fix"
        return NodeFix(title, replacements, self.meta.fix_safety)


@cache
def class_visitor_names(cls: type[Rule]) -> tuple[str, ...]:
    names = []
    for name in dir(cls):
        if not name.startswith(("visit_", "leave_")):
            continue
        attr = getattr(cls, name, None)
        if callable(attr) and not getattr(attr, "_is_no_op", False):
            names.append(name)
    return tuple(names)
