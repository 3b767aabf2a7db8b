"""Rules about calls to builtins that do more work than the result needs.

Measured on CPython 3.11 (``python -m timeit``; see each rule's doc).  Two popular suggestions are
deliberately *not* rules because they are not wins there: ``sum([...])``/``min([...])``/
``max([...])`` -> generator (the list comprehension is ~20% faster; only memory improves) and
``str.join`` of a generator (``join`` materialises its argument anyway).
"""

from __future__ import annotations

import libcst as cst

from hone.core.finding import Safety, Severity
from hone.rules.base import Replacement, RuleContext, RuleDoc, RuleMeta
from hone.rules.nodeutil import (
    SIZED_KINDS,
    HoneRule,
    ScopedRule,
    as_comprehension_part,
    as_receiver,
    call_name,
    code,
    comp_parts,
    has_calls,
    is_int,
    is_name,
    method_call,
    positional,
    single_arg,
    string_value,
    walk,
)


def _short(node: cst.CSTNode, limit: int = 30) -> str | None:
    text = code(node)
    return text if len(text) <= limit and "\n" not in text else None


class _TargetAware(HoneRule):
    """Remembers assignment/``del`` targets: rewriting ``list(x)[0] = v`` would not parse."""

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.targets: set[int] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.targets.add(id(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.add(id(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.targets.add(id(node.target))
        if isinstance(node.target, cst.Tuple | cst.List):
            self.targets.update(id(e.value) for e in node.target.elements)

    def visit_For(self, node: cst.For) -> None:
        self.targets.add(id(node.target))


class SortedFirstRule(_TargetAware):
    meta = RuleMeta(
        id="HONE201",
        name="sorted-for-min-max",
        message="Use min()/max() instead of sorting to take the smallest or largest element",
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="sorted() builds and sorts a full copy of the data, O(n log n) time and O(n) "
            "memory, to read one element; min()/max() make one O(n) pass with no copy (3-4x "
            "faster on 1000 random numbers; only already-sorted input sorts faster).",
            before="cheapest = sorted(prices)[0]\nnewest = sorted(dates)[-1]",
            after="cheapest = min(prices)\nnewest = max(dates)",
            not_applicable="Other indexes than 0 and -1, slices, computed reverse= flags, and "
            "calls with arguments other than the iterable, key= and reverse= are left alone.",
            unsafe_because="On an empty iterable sorted(x)[0] raises IndexError while min(x) "
            "raises ValueError.  Among equal elements sorted(x)[-1] is the last one and max(x) "
            "the first (visible with key= or with equal but distinct objects such as 1 and 1.0). "
            "With NaN values sorting and min/max can pick different elements.",
        ),
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        call = node.value
        if (
            id(node) in self.targets
            or not isinstance(call, cst.Call)
            or not is_name(call.func, "sorted")
            or len(node.slice) != 1
            or not isinstance(node.slice[0].slice, cst.Index)
        ):
            return
        value = node.slice[0].slice.value
        if is_int(value, 0):
            last = False
        elif (
            isinstance(value, cst.UnaryOperation)
            and isinstance(value.operator, cst.Minus)
            and is_int(value.expression, 1)
        ):
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
                if is_name(arg.value, "True"):
                    reverse = True
                elif not is_name(arg.value, "False"):
                    return  # a computed reverse flag: cannot pick min or max statically
            else:
                return
        func = "max" if last != reverse else "min"
        args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in kept]
        new = cst.Call(func=cst.Name(func), args=args)
        self.report(
            node,
            f"Use {func}() instead of sorting to take the "
            f"{'largest' if func == 'max' else 'smallest'} element",
            fix=self.node_fix(
                f"Replace with {func}()", Safety.UNSAFE, node, Replacement(node, new)
            ),
        )


class LenOfMaterialisedRule(ScopedRule):
    meta = RuleMeta(
        id="HONE202",
        name="len-of-materialised",
        message="Call len() on the collection directly instead of copying it first",
        fix_safety=Safety.SAFE,
        safe_when="the collection is known to be sized (not for "
        "d.keys()/values()/items(), which become len(d))",
        doc=RuleDoc(
            why="len(list(x)) copies every element of x into a new list only to count them: "
            "O(n) time and memory, where len(x) of a sized collection is O(1).",
            before="n = len(list(counts.keys()))\nm = len([c for c in 'hello'])",
            after="n = len(counts)\nm = len('hello')",
            not_applicable="Only reported when x is known to be sized: a literal or "
            "comprehension, a call of a builtin constructor (list, dict, set, str, range...), a "
            "local variable only ever assigned such values, or x.keys()/.values()/.items().  For "
            "iterators and generators there is no faster equivalent (sum(1 for _ in x) saves "
            "memory but is not faster), so hone stays silent.  Comprehensions with a condition "
            "or a transformed element are left alone.",
            unsafe_because="Safe when x is known sized.  For d.keys()/.values()/.items() the "
            "fix is len(d), which is unsafe: an object that is not a mapping may count "
            "differently or return a one-shot iterator from keys().",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        arg = single_arg(node, "len")
        if arg is None:
            return
        source = single_arg(arg, "list", "tuple") if isinstance(arg, cst.Call) else None
        if source is None and isinstance(arg, cst.ListComp):
            comp = arg.for_in
            if (
                comp.inner_for_in is None
                and not comp.ifs
                and comp.asynchronous is None
                and isinstance(comp.target, cst.Name)
                and is_name(arg.elt, comp.target.value)
            ):
                source = comp.iter
        if source is None:
            return
        kind = self.kind_of(source)
        target = source
        if kind in SIZED_KINDS or kind == "sized":
            safety = Safety.SAFE
        else:
            found = method_call(source, "keys", "values", "items")
            if found is None or found[2].args:
                return
            target, safety = found[0], Safety.UNSAFE
        new = node.with_changes(args=[cst.Arg(target)], lpar=[], rpar=[])
        shown = _short(new)
        self.report(
            node,
            f"Use {shown} instead of copying the collection to count it"
            if shown
            else self.meta.message,
            fix=self.node_fix("Call len() directly", safety, node, Replacement(node, new)),
        )


class BinCountRule(HoneRule):
    meta = RuleMeta(
        id="HONE203",
        name="bin-count",
        message="Use int.bit_count() instead of bin(x).count('1')",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="bin(x).count('1') formats the number as a string and scans it; int.bit_count() "
            "(Python 3.10+) counts the set bits directly, about 9x faster.",
            before="ones = bin(mask).count('1')",
            after="ones = mask.bit_count()",
            not_applicable="Counting '0' is not rewritten (bin() output has a '0b' prefix).  "
            "Code that must run on Python < 3.10 cannot use bit_count().",
            unsafe_because="bin() accepts any object with __index__ (e.g. numpy integers), which "
            "may have no bit_count() method.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        found = method_call(node, "count")
        if found is None:
            return
        receiver, _, call = found
        args = positional(call)
        if args is None or len(args) != 1 or string_value(args[0]) != "1":
            return
        value = single_arg(receiver, "bin") if isinstance(receiver, cst.Call) else None
        if value is None:
            return
        new = cst.Call(func=cst.Attribute(value=as_receiver(value), attr=cst.Name("bit_count")))
        self.report(
            node,
            fix=self.node_fix(
                "Replace with bit_count()", Safety.UNSAFE, node, Replacement(node, new)
            ),
        )


# outer call -> inner calls whose result it can take directly
_REDUNDANT_INNER = {
    "list": ("list", "tuple"),
    "tuple": ("list", "tuple"),
    "set": ("list", "tuple", "set", "frozenset"),
    "frozenset": ("list", "tuple", "set", "frozenset"),
    "sorted": ("list", "tuple"),
}
_SAME_COMPREHENSION = {"list": cst.ListComp, "set": cst.SetComp, "dict": cst.DictComp}


class NeedlessListCallRule(HoneRule):
    meta = RuleMeta(
        id="HONE204",
        name="needless-list-call",
        message="Remove the redundant call: the inner value is already a new collection",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        doc=RuleDoc(
            why="Wrapping a call in list()/tuple()/set() that already accepts any iterable, or "
            "that already returns a fresh list, copies all the data once more for nothing.",
            before="names = list(sorted(users))\nuniq = set(list(words))\nrows = sorted(list(it))"
            "\nsq = list([x * x for x in xs])",
            after="names = sorted(users)\nuniq = set(words)\nrows = sorted(it)"
            "\nsq = [x * x for x in xs]",
            not_applicable="Calls that change the type or the order of the data (tuple(sorted(x)), "
            "set(sorted(x)), list(reversed(x))...) are needed and left alone.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        outer = call_name(node)
        if outer is None or not node.args:
            return
        first = node.args[0]
        if first.keyword is not None or first.star:
            return
        if outer == "sorted":
            if any(a.keyword is None or a.star for a in node.args[1:]):
                return
        elif len(node.args) != 1:
            return
        inner = first.value
        new: cst.BaseExpression
        comp = _SAME_COMPREHENSION.get(outer)
        if outer == "list" and call_name(inner) == "sorted":
            new, message = inner, "Remove the list() call: sorted() already returns a new list"
        elif comp is not None and isinstance(inner, comp):
            new = inner
            message = f"Remove the {outer}() call: the comprehension already builds a {outer}"
        else:
            allowed = _REDUNDANT_INNER.get(outer)
            value = single_arg(inner, *allowed) if allowed and isinstance(inner, cst.Call) else None
            if value is None:
                return
            new = node.with_changes(
                args=[first.with_changes(value=value), *node.args[1:]], lpar=[], rpar=[]
            )
            message = f"Remove the inner {call_name(inner)}() call: {outer}() accepts any iterable"
        self.report(
            node,
            message,
            fix=self.node_fix(
                "Remove the redundant call", Safety.SAFE, node, Replacement(node, new)
            ),
        )


def _plain_for(comp_for: cst.CompFor) -> bool:
    return comp_for.inner_for_in is None and not comp_for.ifs and comp_for.asynchronous is None


class NeedlessComprehensionRule(HoneRule):
    meta = RuleMeta(
        id="HONE205",
        name="needless-comprehension",
        message="Use list()/set()/dict() instead of a comprehension that copies each element",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the result is a list or set, or a dict built from .items(), zip() or "
        "enumerate()",
        doc=RuleDoc(
            why="A comprehension that yields each element unchanged runs a bytecode loop per "
            "element; list(it)/set(it)/dict(it) copy in C, about 6x faster.",
            before="items = [x for x in data]\nseen = {x for x in data}\n"
            "index = {k: v for k, v in pairs.items()}",
            after="items = list(data)\nseen = set(data)\nindex = dict(pairs.items())",
            not_applicable="Comprehensions with a condition, several for clauses, async for, "
            "or an element other than the loop variable(s) are left alone, as is "
            "[(a, b) for a, b in x] (it converts inner lists to tuples).",
            unsafe_because="list()/set() are safe (list() first asks a sized iterable for its "
            "len(), which only an object whose __len__ raises could notice).  dict(x) is unsafe "
            "unless x is a call of "
            ".items(), zip() or enumerate(): if x is itself a mapping, dict(x) copies it "
            "while {k: v for k, v in x} unpacks its keys.",
        ),
    )

    def _report(self, node: cst.BaseExpression, func: str, it: cst.BaseExpression) -> None:
        safety = Safety.SAFE
        if func == "dict":
            known = call_name(it) in ("zip", "enumerate") or (
                method_call(it, "items") is not None and not it.args  # type: ignore[attr-defined]
            )
            safety = Safety.SAFE if known else Safety.UNSAFE
        new = cst.Call(func=cst.Name(func), args=[cst.Arg(it)])
        self.report(
            node,
            f"Use {func}() instead of a comprehension that copies each element unchanged",
            fix=self.node_fix(f"Replace with {func}()", safety, node, Replacement(node, new)),
        )

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._identity(node, "list")

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._identity(node, "set")

    def _identity(self, node: cst.ListComp | cst.SetComp, func: str) -> None:
        f = node.for_in
        if _plain_for(f) and isinstance(f.target, cst.Name) and is_name(node.elt, f.target.value):
            self._report(node, func, f.iter)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        f = node.for_in
        if not _plain_for(f) or not isinstance(f.target, cst.Tuple):
            return
        els = f.target.elements
        if len(els) != 2 or not all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in els
        ):
            return
        k, v = (e.value.value for e in els)  # type: ignore[attr-defined]
        if k != v and is_name(node.key, k) and is_name(node.value, v):
            self._report(node, "dict", f.iter)


def _inner_ws(
    call: cst.Call, comp: cst.ListComp | cst.GeneratorExp
) -> tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """Whitespace just inside the brackets around a call's comprehension argument (keeps
    multi-line layouts and the comments there when the brackets change)."""
    if isinstance(comp, cst.ListComp):
        return comp.lbracket.whitespace_after, comp.rbracket.whitespace_before
    if comp.lpar:
        return comp.lpar[0].whitespace_after, comp.rpar[-1].whitespace_before
    return call.whitespace_before_args, call.args[0].whitespace_after_arg


class AnyAllListRule(HoneRule):
    meta = RuleMeta(
        id="HONE206",
        name="list-comp-in-any-all",
        message="Pass a generator to any()/all() so it can stop at the first deciding element",
        severity=Severity.INFO,
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="any([...]) builds the whole list before looking at it, so it cannot stop early; "
            "any(...) over a generator stops at the first true element (all(): first false), "
            "which turns an O(n) scan into O(k).  When no element decides early the generator "
            "is ~30% slower per element, so this pays off when early exits are common.",
            before="if any([line.startswith('#') for line in lines]):\n    skip()",
            after="if any(line.startswith('#') for line in lines):\n    skip()",
            not_applicable="Async comprehensions are left alone.",
            unsafe_because="Elements after the deciding one are no longer evaluated, so their "
            "side effects (and exceptions) no longer happen.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        arg = single_arg(node, "any", "all")
        if not isinstance(arg, cst.ListComp):
            return
        _, is_async = comp_parts(arg.for_in)
        if is_async:
            return
        gen = cst.GeneratorExp(elt=arg.elt, for_in=arg.for_in, lpar=[], rpar=[])
        opening, closing = _inner_ws(node, arg)
        new = node.with_changes(
            args=[cst.Arg(gen, whitespace_after_arg=closing)],
            whitespace_before_args=opening,
            lpar=[],
            rpar=[],
        )
        self.report(
            node,
            f"Pass a generator to {call_name(node)}() so it can stop at the first deciding element",
            fix=self.node_fix(
                "Use a generator expression", Safety.UNSAFE, node, Replacement(node, new)
            ),
        )


# Names whose meaning inside a lambda differs from inside a comprehension.
_SCOPE_SENSITIVE = frozenset(("super", "locals", "vars", "eval", "exec", "dir"))
# Nodes whose closures/bindings would change when the lambda body moves into a comprehension.
_NOT_MOVABLE = (
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
    cst.NamedExpr,
    cst.Yield,
    cst.Await,
)


def _movable(body: cst.BaseExpression) -> bool:
    for n in walk(body):
        if isinstance(n, _NOT_MOVABLE):
            return False
        if isinstance(n, cst.Call) and call_name(n) in _SCOPE_SENSITIVE:
            return False
    return True


class LambdaMapFilterRule(HoneRule):
    meta = RuleMeta(
        id="HONE212",
        name="lambda-in-map-filter",
        message="Use a comprehension instead of map()/filter() with a lambda",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        doc=RuleDoc(
            why="map()/filter() with a lambda make a Python function call per element; a "
            "comprehension evaluates the expression inline, about 2x faster.",
            before="squares = list(map(lambda x: x * x, xs))\n"
            "odd = list(filter(lambda x: x % 2, xs))",
            after="squares = [x * x for x in xs]\nodd = [x for x in xs if x % 2]",
            not_applicable="Only list(...) and set(...) around map/filter with a one-parameter "
            "lambda without defaults are rewritten.  Lambdas whose body contains another "
            "lambda, a comprehension or := (their closures or bindings would change), yield, or "
            "super()/locals()/vars()/eval() are left alone.  map() over a named function "
            "(map(str, xs)) is already fast and not reported.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        outer = call_name(node)
        inner = single_arg(node, "list", "set")
        if outer is None or not isinstance(inner, cst.Call):
            return
        kind = call_name(inner)
        args = positional(inner)
        if kind not in ("map", "filter") or args is None or len(args) != 2:
            return
        lam, iterable = args
        if not isinstance(lam, cst.Lambda):
            return
        params = lam.params
        if (
            len(params.params) != 1
            or params.posonly_params
            or params.kwonly_params
            or not isinstance(params.star_arg, cst.MaybeSentinel)
            or params.star_kwarg is not None
            or params.params[0].default is not None
        ):
            return
        body = lam.body
        if not _movable(body):
            return
        name = params.params[0].name.value
        comp_for = cst.CompFor(
            target=cst.Name(name),
            iter=as_comprehension_part(iterable),
            ifs=[cst.CompIf(test=as_comprehension_part(body))] if kind == "filter" else [],
        )
        elt = cst.Name(name) if kind == "filter" else body
        new: cst.BaseExpression
        if outer == "list":
            new = cst.ListComp(elt=elt, for_in=comp_for)
        else:
            new = cst.SetComp(elt=elt, for_in=comp_for)
        self.report(
            node,
            f"Use a comprehension instead of {kind}() with a lambda",
            fix=self.node_fix(
                "Replace with a comprehension", Safety.SAFE, node, Replacement(node, new)
            ),
        )


class FirstOfListRule(_TargetAware):
    meta = RuleMeta(
        id="HONE216",
        name="list-first-element",
        message="Use next(iter(x)) instead of copying x to take its first element",
        fix_safety=Safety.UNSAFE,
        doc=RuleDoc(
            why="list(x)[0] copies every element of x to read one: O(n) time and memory; "
            "next(iter(x)) is O(1) (100x faster on a 1000-element set).",
            before="first = list(seen)[0]",
            after="first = next(iter(seen))",
            not_applicable="Only index 0 of list(x)/tuple(x) is rewritten.",
            unsafe_because="On an empty x, list(x)[0] raises IndexError and next(iter(x)) raises "
            "StopIteration (which a surrounding generator turns into RuntimeError).  If x is an "
            "iterator, the original consumes all of it and the fix only its first element.",
        ),
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self.targets or not isinstance(node.value, cst.Call):
            return
        value = single_arg(node.value, "list", "tuple")
        if value is None or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if not isinstance(index, cst.Index) or not is_int(index.value, 0) or index.star:
            return
        new = cst.Call(
            func=cst.Name("next"),
            args=[cst.Arg(cst.Call(func=cst.Name("iter"), args=[cst.Arg(value)]))],
        )
        self.report(
            node,
            fix=self.node_fix("Use next(iter(...))", Safety.UNSAFE, node, Replacement(node, new)),
        )


def _brackets_ws(
    arg: cst.List | cst.Tuple,
) -> tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """Whitespace just inside a list/tuple display's brackets (keeps multi-line layouts)."""
    if isinstance(arg, cst.List):
        return arg.lbracket.whitespace_after, arg.rbracket.whitespace_before
    if arg.lpar:
        return arg.lpar[0].whitespace_after, arg.rpar[-1].whitespace_before
    return cst.SimpleWhitespace(""), cst.SimpleWhitespace("")


def _quote_style(node: cst.CSTNode) -> str:
    """The quote character of the first string literal in ``node`` (new keys match it)."""
    for n in walk(node):
        if isinstance(n, cst.SimpleString):
            return n.quote[0]
    return '"'


class LiteralViaCallRule(HoneRule):
    meta = RuleMeta(
        id="HONE219",
        name="literal-via-call",
        message="Use a literal instead of calling the builtin",
        severity=Severity.HINT,
        fix_safety=Safety.SAFE,
        doc=RuleDoc(
            why="dict()/list()/tuple() and set([...]) look up a global name and make a call; "
            "a literal is a single bytecode instruction (about 1.5x faster, and set([...]) also "
            "builds a throwaway list).",
            before='cache = dict()\nopts = dict(mode="r", size=3)\ncolours = set(["red", "blue"])',
            after='cache = {}\nopts = {"mode": "r", "size": 3}\ncolours = {"red", "blue"}',
            not_applicable="set() has no empty literal and stays.  dict(**kw) and calls whose "
            "argument is not a list/tuple display are left alone.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = call_name(node)
        if name not in ("list", "tuple", "dict", "set"):
            return
        if id(node) in self.ctx.shared.get(LOOP_CONSTANT_KEY, ()):
            return  # HONE112 reports this call (with this fix when the literal is folded)
        new = literal_for_call(node, name)
        if new is None:
            return
        self.report(
            node,
            f"Use a literal instead of calling {name}()",
            fix=self.node_fix("Use a literal", Safety.SAFE, node, Replacement(node, new)),
        )


# ctx.shared key: ids of the calls HONE112 reported (one finding per span, not two advices)
LOOP_CONSTANT_KEY = "loop-invariant-constant"


def literal_for_call(node: cst.Call, name: str) -> cst.BaseExpression | None:
    """The literal for ``list()``/``tuple()``/``dict()``/``set()`` calls that have one (the
    call's own parentheses are outside the replaced span)."""
    if not node.args:
        if name == "list":
            return cst.List([])
        if name == "dict":
            return cst.Dict([])
        if name == "tuple":
            return cst.Tuple([])
        return None
    if name == "dict" and all(a.keyword is not None and not a.star for a in node.args):
        q = _quote_style(node)
        return cst.Dict(
            [
                cst.DictElement(
                    cst.SimpleString(f"{q}{a.keyword.value}{q}"),  # type: ignore[union-attr]
                    a.value,
                    comma=a.comma,
                )
                for a in node.args
            ],
            lbrace=cst.LeftCurlyBrace(whitespace_after=node.whitespace_before_args),
            rbrace=cst.RightCurlyBrace(whitespace_before=node.args[-1].whitespace_after_arg),
        )
    arg = single_arg(node, name)
    if not isinstance(arg, cst.List | cst.Tuple):
        return None
    after, before = _brackets_ws(arg)
    els = arg.elements
    if isinstance(arg, cst.Tuple) and len(els) == 1 and name != "tuple":
        # the comma of a 1-tuple is mandatory syntax, not a layout choice
        els = [els[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    if name == "list":
        return cst.List(
            els,
            lbracket=cst.LeftSquareBracket(whitespace_after=after),
            rbracket=cst.RightSquareBracket(whitespace_before=before),
        )
    if name == "tuple":
        return cst.Tuple(
            els,
            lpar=[cst.LeftParen(whitespace_after=after)],
            rpar=[cst.RightParen(whitespace_before=before)],
        )
    if name == "set":
        if not els:
            return cst.Call(func=cst.Name("set"))
        return cst.Set(
            els,
            lbrace=cst.LeftCurlyBrace(whitespace_after=after),
            rbrace=cst.RightCurlyBrace(whitespace_before=before),
        )
    pairs: list[cst.DictElement] = []
    for el in els:
        if not isinstance(el, cst.Element) or not isinstance(el.value, cst.Tuple):
            return None
        kv = el.value.elements
        if len(kv) != 2 or not all(isinstance(e, cst.Element) for e in kv):
            return None
        pairs.append(cst.DictElement(kv[0].value, kv[1].value, comma=el.comma))
    return cst.Dict(
        pairs,
        lbrace=cst.LeftCurlyBrace(whitespace_after=after),
        rbrace=cst.RightCurlyBrace(whitespace_before=before),
    )


class CallAroundComprehensionRule(HoneRule):
    meta = RuleMeta(
        id="HONE220",
        name="call-around-comprehension",
        message="Use a comprehension instead of passing a generator or list comprehension to "
        "list()/set()/dict()",
        severity=Severity.INFO,
        fix_safety=Safety.SAFE,
        safe_when="the comprehension calls nothing",
        doc=RuleDoc(
            why="list(x for ...) resumes a generator per element (about 2x slower than a list "
            "comprehension); set([... for ...]) and dict([(k, v) for ...]) build a throwaway "
            "list first.  The matching comprehension does neither.",
            before="names = list(u.name for u in users)\nids = set([u.id for u in users])\n"
            "by_id = dict((u.id, u) for u in users)",
            after="names = [u.name for u in users]\nids = {u.id for u in users}\n"
            "by_id = {u.id: u for u in users}",
            not_applicable="Async comprehensions, tuple(...) (there is no tuple comprehension) "
            "and dict(...) of anything but 2-tuples are left alone.",
            unsafe_because="Safe when the comprehension calls nothing.  With calls: a "
            "StopIteration raised inside a generator expression becomes RuntimeError but "
            "propagates unchanged from a list comprehension; and with an unhashable element "
            "set([...]) raises only after evaluating every element while {...} raises at it.",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = call_name(node)
        arg = single_arg(node, "list", "set", "dict")
        if name is None or not isinstance(arg, cst.GeneratorExp | cst.ListComp):
            return
        if name == "list" and isinstance(arg, cst.ListComp):
            return  # HONE204
        parts, is_async = comp_parts(arg.for_in)
        if is_async:
            return
        new: cst.BaseExpression
        opening, closing = _inner_ws(node, arg)
        lbrace = cst.LeftCurlyBrace(whitespace_after=opening)
        rbrace = cst.RightCurlyBrace(whitespace_before=closing)
        if name == "list":
            new = cst.ListComp(
                elt=arg.elt,
                for_in=arg.for_in,
                lbracket=cst.LeftSquareBracket(whitespace_after=opening),
                rbracket=cst.RightSquareBracket(whitespace_before=closing),
            )
        elif name == "set":
            new = cst.SetComp(elt=arg.elt, for_in=arg.for_in, lbrace=lbrace, rbrace=rbrace)
        else:
            elt = arg.elt
            if not isinstance(elt, cst.Tuple) or len(elt.elements) != 2:
                return
            k, v = elt.elements
            if not isinstance(k, cst.Element) or not isinstance(v, cst.Element):
                return
            new = cst.DictComp(
                key=k.value, value=v.value, for_in=arg.for_in, lbrace=lbrace, rbrace=rbrace
            )
        safety = Safety.UNSAFE if has_calls(arg.elt, *parts) else Safety.SAFE
        self.report(
            node,
            f"Use a {name} comprehension instead of calling {name}() on a "
            f"{'generator' if isinstance(arg, cst.GeneratorExp) else 'list comprehension'}",
            fix=self.node_fix("Use a comprehension", safety, node, Replacement(node, new)),
        )
