"""Rules about calls to builtins that do more work than the result needs."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from hone.core.finding import Safety
from hone.rules.base import Replacement, Rule, RuleDoc, RuleMeta


def _only_positional(call: cst.Call) -> bool:
    return all(a.keyword is None and not a.star for a in call.args)


class SortedFirstRule(Rule):
    meta = RuleMeta(
        id="HONE201",
        name="sorted-for-min-max",
        message="Use min()/max() instead of sorting to take the smallest or largest element",
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="sorted() builds and sorts a full copy of the data, O(n log n) time and O(n) "
            "memory, to read one element; min()/max() make one O(n) pass with no copy.",
            before="cheapest = sorted(prices)[0]\nnewest = sorted(dates)[-1]",
            after="cheapest = min(prices)\nnewest = max(dates)",
            not_applicable="Other indexes than 0 and -1, slices, and calls with arguments other "
            "than the iterable, key= and reverse= are left alone.",
            unsafe_because="On an empty iterable sorted(x)[0] raises IndexError while min(x) "
            "raises ValueError.",
        ),
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not m.matches(
            node,
            m.Subscript(
                value=m.Call(func=m.Name("sorted")),
                slice=[m.SubscriptElement(slice=m.Index())],
            ),
        ):
            return
        call = node.value
        assert isinstance(call, cst.Call)
        index = node.slice[0].slice
        assert isinstance(index, cst.Index)
        value = index.value
        if m.matches(value, m.Integer("0")):
            last = False
        elif m.matches(value, m.UnaryOperation(operator=m.Minus(), expression=m.Integer("1"))):
            last = True
        else:
            return
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return
        reverse = False
        kept: list[cst.Arg] = [call.args[0]]
        for arg in call.args[1:]:
            if arg.keyword is None or arg.star:
                return
            if arg.keyword.value == "key":
                kept.append(arg)
            elif arg.keyword.value == "reverse":
                if m.matches(arg.value, m.Name("True")):
                    reverse = True
                elif not m.matches(arg.value, m.Name("False")):
                    return  # a computed reverse flag: cannot pick min or max statically
            else:
                return
        func = "max" if last != reverse else "min"
        args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in kept]
        new = cst.Call(func=cst.Name(func), args=args)
        self.report(
            node,
            f"Use {func}() instead of sorting to take the {'largest' if func == 'max' else 'smallest'} element",
            fix=self.fix(f"Replace with {func}()", Replacement(node, new)),
        )
