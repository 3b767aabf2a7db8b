"""The in-child profiler: AST instrumentation, argument recording, sampling attribution."""

from __future__ import annotations

import os
import pickle
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

import pytest

from hone.runner.profiler import (
    ArgRecorder,
    Registry,
    Sampler,
    UserCode,
    capped_dumps,
    instrument,
    normalize_qualname,
)


def _load(
    tmp_path: Path, code: str, limit: int = 3, max_each: int = 4096
) -> tuple[dict[str, Any], Registry, ArgRecorder, str]:
    path = str(tmp_path / "user.py")
    source = textwrap.dedent(code)
    Path(path).write_text(source)
    registry = Registry()
    recorder = ArgRecorder(registry, max_each, 1 << 20)
    namespace: dict[str, Any] = {"__name__": "user", **registry.hooks(recorder)}
    exec(instrument(source, path, registry, limit), namespace)
    return namespace, registry, recorder, path


def test_instrumentation_keeps_lines_docstrings_and_semantics(tmp_path: Path) -> None:
    ns, _registry, _rec, path = _load(
        tmp_path,
        '''
        from __future__ import annotations


        def documented(x: SomeUndefinedType) -> int:
            """The docstring stays the docstring."""
            global counter
            counter = x
            return x * 2


        def fails(n):
            y = n + 1
            raise ValueError(y)
        ''',
    )
    assert ns["documented"].__doc__ == "The docstring stays the docstring."
    assert ns["documented"](21) == 42 and ns["counter"] == 21
    assert ns["documented"].__annotations__["x"] == "SomeUndefinedType"  # future import honoured
    with pytest.raises(ValueError) as info:
        ns["fails"](1)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == (path, 14)


def test_call_counts_are_exact_per_function(tmp_path: Path) -> None:
    ns, registry, _rec, _path = _load(
        tmp_path,
        """
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)

        class Shape:
            def area(self):
                return 1

            @staticmethod
            def unit():
                return Shape()

        def outer():
            def inner():
                return 1
            return [inner() for _ in range(4)]

        def gen(n):
            yield from range(n)

        async def coro():
            return 5
        """,
    )
    ns["fib"](10)
    for _ in range(3):
        ns["Shape"].unit().area()
    ns["outer"]()
    assert list(ns["gen"](3)) == [0, 1, 2]
    import asyncio

    assert asyncio.run(ns["coro"]()) == 5
    calls = {qual: n for (_f, qual, _line), n in registry.calls().items()}
    assert calls == {
        "fib": 177,
        "Shape.area": 3,
        "Shape.unit": 3,
        "outer": 1,
        "outer.inner": 4,
        "gen": 1,
        "coro": 1,
    }
    # keys carry the definition's first line, decorators included (as co_firstlineno does)
    lines = {qual: line for (_f, qual, line) in registry.keys}
    assert lines["Shape.unit"] == ns["Shape"].unit.__code__.co_firstlineno == 9


def test_arguments_of_the_first_calls_are_recorded(tmp_path: Path) -> None:
    ns, registry, recorder, _path = _load(
        tmp_path,
        """
        def work(a, b=2, *rest, key, **extra):
            a.append("mutated after entry")
            return len(a)

        def takes_anything(x):
            return x
        """,
        limit=2,
        max_each=2000,
    )
    for i in range(5):
        ns["work"]([i], 3, 4, 5, key="k", flag=True)
    ns["takes_anything"](lambda: 0)  # not picklable: skipped, the call still works
    ns["takes_anything"]("x" * 10_000)  # bigger than the cap: skipped
    recorded = [(registry.keys[k][1], pickle.loads(p)) for k, p in recorder.entries]
    assert recorded == [
        ("work", (([0], 3, 4, 5), {"key": "k", "flag": True})),
        ("work", (([1], 3, 4, 5), {"key": "k", "flag": True})),
    ]
    assert sum(recorder.skipped.values()) == 2
    index = recorder.dump(str(tmp_path / "samples.pkl"), {})
    assert list(index.values()) == [[0, 1]]
    with open(tmp_path / "samples.pkl", "rb") as fh:
        data = pickle.load(fh)
    assert data["entries"][1]["qualname"] == "work"


def test_sampler_charges_self_to_the_innermost_user_frame(tmp_path: Path) -> None:
    path = str(tmp_path / "user.py")
    user = UserCode(path, [str(tmp_path)])
    sampler = Sampler(user)
    source = textwrap.dedent(
        """
        def a():
            return b()

        def b():
            return c(2)

        def c(n):
            if n == 0:
                return library_call()
            return c(n - 1)
        """
    )
    # library_call lives in this test file: not user code, so its time folds into c
    namespace: dict[str, Any] = {"library_call": lambda: sampler.sample(sys._getframe(), 0.5)}
    exec(compile(source, path, "exec"), namespace)
    namespace["a"]()
    by_name_self = {k[1]: v for k, v in sampler.fn_self.items()}
    by_name_cum = {k[1]: v for k, v in sampler.fn_cum.items()}
    assert by_name_self == {"c": 0.5}
    assert by_name_cum == {"a": 0.5, "b": 0.5, "c": 0.5}  # recursion counted once
    assert {(k[0][1], k[1]): v for k, v in sampler.line_self.items()} == {("c", 10): 0.5}
    assert sampler.total == 0.5 and sampler.other == 0.0
    sampler.sample(sys._getframe(), 0.25)  # nothing of the user's on this stack
    assert sampler.other == 0.25


def test_user_code_classification(tmp_path: Path) -> None:
    run_file = tmp_path / "proj" / "main.py"
    user = UserCode(str(run_file), [str(tmp_path / "proj")])
    assert user.is_user_file(str(run_file))
    assert user.is_user_file(str(tmp_path / "proj" / "pkg" / "mod.py"))
    assert not user.is_user_file(
        str(tmp_path / "proj" / ".venv" / "lib" / "site-packages" / "x.py")
    )
    assert not user.is_user_file(str(tmp_path / "elsewhere.py"))
    assert not user.is_user_file(os.__file__)  # the standard library
    assert not user.is_user_file("<string>")
    assert not user.is_user_file("<frozen importlib._bootstrap>")
    outside = UserCode(str(tmp_path / "lone.py"), [])
    assert outside.is_user_file(str(tmp_path / "lone.py"))  # the run file always is


def test_capped_dumps_and_qualnames() -> None:
    assert capped_dumps([1, 2, 3], 1000) is not None
    assert capped_dumps(list(range(10_000)), 1000) is None
    assert capped_dumps(lambda: 1, 1000) is None
    assert normalize_qualname("outer.<locals>.inner") == "outer.inner"
    assert normalize_qualname("C.m.<locals>.<genexpr>") == "C.m.<genexpr>"


def test_without_call_counts_only_the_first_calls_reach_the_recorder(tmp_path: Path) -> None:
    path = str(tmp_path / "user.py")
    source = "def twice(x):\n    return 2 * x\n\ndef unused():\n    pass\n"
    registry = Registry(counts=False)
    recorder = ArgRecorder(registry, 4096, 1 << 20, limit=2)
    namespace: dict[str, Any] = {"__name__": "user", **registry.hooks(recorder)}
    exec(instrument(source, path, registry, 2), namespace)
    assert [namespace["twice"](i) for i in range(10)] == [2 * i for i in range(10)]
    assert registry.armed == [True, True]  # armed for the first 16 calls, then only a flag check
    for i in range(10):
        namespace["twice"](i)
    assert registry.armed == [False, True]
    # the first calls only, one or two per magnitude class (0, 1, 2-9)
    assert [pickle.loads(p) for _k, p in recorder.entries] == [((i,), {}) for i in range(4)]
    assert registry.calls() == {(path, "twice", 1): None}  # ran, count unknown; unused: absent


def test_recorded_arguments_are_a_diverse_reservoir_not_the_first_calls(tmp_path: Path) -> None:
    """Empty, single, typical, other shapes and the largest calls survive a long run."""
    from hone.runner.profiler import RESERVOIR_BUCKETS, RESERVOIR_PER_BUCKET, sample_window

    ns, _registry, recorder, _path = _load(
        tmp_path,
        """
        def total(xs):
            return sum(xs)
        """,
        max_each=1 << 16,
    )
    window = sorted(sample_window(3))
    late = [i for i in window if 5000 < i < 20_000]
    assert late  # later calls are offered too, not only the first ones
    for i in range(20_000):
        if i == late[0]:
            ns["total"](tuple(range(7)))  # a different shape, once, late in the run
        else:
            ns["total"]([1] * (i % 100 + i // 1000))
    kept = [pickle.loads(p)[0][0] for _k, p in recorder.entries]
    sizes = sorted(len(x) for x in kept)
    assert len(kept) <= RESERVOIR_BUCKETS * RESERVOIR_PER_BUCKET
    assert len(kept) > 3
    assert sizes[0] == 0 and 1 in sizes  # the edge cases of the first calls
    assert sizes[-1] >= 50  # far larger than any of the first calls (< 20): seen late in the run
    assert any(type(x) is tuple for x in kept)  # the rare shape
