"""Example calls parsed as data, call sites, and types inferred from how a body uses parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hone.verify.examples import NotData, call_site_examples, parse_example, parse_examples
from hone.verify.infer import infer_hints
from hone.verify.project_tests import find_tests, module_name


def test_literal_and_constructor_examples_become_data() -> None:
    spec = json.loads(parse_example("[3, 1, 2], reverse=True"))
    assert spec["args"] == [{"lit": {"l": [3, 1, 2]}}]
    assert spec["kwargs"] == [["reverse", {"lit": True}]]
    spec = json.loads(parse_example("Point(1, y=-2), iter([1, 2]), {'a': 1.5}"))
    assert spec["args"][0] == {
        "ctor": "Point",
        "args": [{"lit": 1}],
        "kwargs": [["y", {"lit": -2}]],
    }
    assert spec["args"][1] == {"iter": [{"lit": 1}, {"lit": 2}]}
    assert spec["args"][2] == {"lit": {"d": [["a", {"f": "1.5"}]]}}


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('id')",
        "open('/etc/passwd')",
        "os.system('id')",  # an attribute call is not a constructor
        "[x for x in range(3)]",
        "lambda: 0",
        "*args",
        "**kw",
        "(yield)",
        "a := 1",
        "Point(1)[0]",
        "1, 2) ; import os; (3",
    ],
)
def test_anything_but_data_is_refused(text: str) -> None:
    with pytest.raises(NotData):
        parse_example(text)


def test_parse_examples_keeps_only_the_data() -> None:
    got = parse_examples(["[1, 2]", "eval('1')", 42, "'a', 'b'"])
    assert len(got) == 2


def test_call_sites_in_the_workspace_with_data_arguments(tmp_path: Path) -> None:
    (tmp_path / "lib.py").write_text("def dedupe(xs):\n    return list(set(xs))\n")
    (tmp_path / "app.py").write_text(
        "from lib import dedupe\nprint(dedupe([3, 3, 1]))\nprint(dedupe(load()))\n"
        "x = obj().dedupe([9])\n"
    )
    sites = [json.loads(s) for s in call_site_examples(str(tmp_path), "dedupe")]
    assert [s["args"] for s in sites] == [[{"lit": {"l": [3, 3, 1]}}]]
    assert sites[0]["src"] == "call site"
    assert call_site_examples(str(tmp_path), "Cls.method") == ()


@pytest.mark.parametrize(
    ("source", "hints"),
    [
        ("def f(rows):\n    for k, v in rows:\n        pass\n", {"rows": "list[tuple[int, int]]"}),
        ("def f(s):\n    return s.split(',')\n", {"s": "str"}),
        ("def f(n):\n    return [i for i in range(n)]\n", {"n": "int"}),
        ("def f(d):\n    return sorted(d.items())\n", {"d": "dict[int, int]"}),
        ("def f(words):\n    return [w.lower() for w in words]\n", {"words": "list[str]"}),
        ("def f(xs, k=3):\n    return sorted(xs)[:k]\n", {"xs": "list[int]"}),
        ("def f(x):\n    return x\n", {}),  # nothing telling: no guess
        ("def f(x: list[int]):\n    return len(x)\n", {}),  # typed: the hint is used as is
        ("class C:\n    def m(self, xs):\n        return len(xs)\n", {"xs": "list[int]"}),
    ],
)
def test_parameter_types_from_body_usage(source: str, hints: dict[str, str]) -> None:
    assert infer_hints(source) == hints


def test_project_tests_that_import_the_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    mod = tmp_path / "pkg" / "stats.py"
    mod.write_text("def f(xs):\n    return xs\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("from pkg.stats import f\n")
    (tmp_path / "tests" / "test_b.py").write_text("import pkg.stats as s\n")
    (tmp_path / "tests" / "test_c.py").write_text("from pkg import stats\n")
    (tmp_path / "tests" / "test_other.py").write_text("import json\n")
    (tmp_path / "tests" / "helper.py").write_text("from pkg.stats import f\n")
    assert module_name(str(tmp_path), str(mod)) == "pkg.stats"
    found = [Path(p).name for p in find_tests(str(tmp_path), str(mod))]
    assert found == ["test_a.py", "test_b.py", "test_c.py"]
    assert find_tests(None, str(mod)) == ()
