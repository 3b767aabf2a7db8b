"""Settings provenance: what each place may set, and every bad value warns once and falls back.

Unit level (the server end to end is in ``test_trust_attacks.py``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from hone.core.settings import (
    SPECS,
    USER_LEVEL,
    Layer,
    SettingSpec,
    Source,
    find_pyproject,
    merge,
)

PYPROJECT = "pyproject.toml (/repo/pyproject.toml)"


def _bad_values(spec: SettingSpec) -> list[Any]:
    """Wrong types for the spec's kind, and out-of-range values for numbers."""
    common: list[Any] = [{"nested": 1}] if spec.kind != "dict[str,str]" else []
    if spec.kind == "bool":
        return [*common, "true", 1, 0, [True], 1.0]
    if spec.kind in ("int", "number"):
        out: list[Any] = [*common, "5", True, [1], math.nan, math.inf, -math.inf]
        assert spec.maximum is not None, f"{spec.key} has no maximum"
        out.append(spec.maximum + 1)
        out.append(spec.maximum * 1000)
        if spec.minimum is not None:
            out.append(spec.minimum - 1)
        if spec.kind == "int":
            out.append(1.5)
        return out
    if spec.kind == "str":
        out = [*common, 1, True, ["a"]]
        if spec.enum:
            out += ["sometimes", spec.enum[0].upper()]
        return out
    if spec.kind == "list[str]":
        return [*common, "HONE101", "HONE101,HONE102", 5, [1], ["a", None], {"a": "b"}, True]
    if spec.kind == "dict[str,str]":
        out = ["x", 1, ["a"], {"HONE101": 1}, {"HONE101": ["a"]}]
        if spec.value_enum:
            out += [{"HONE101": "loud"}, {"HONE101": "Error"}]
        return out
    raise AssertionError(spec.kind)


CASES = [(spec, bad) for spec in SPECS for bad in _bad_values(spec)]


@pytest.mark.parametrize(("spec", "bad"), CASES, ids=[f"{s.key}={b!r}"[:60] for s, b in CASES])
def test_every_invalid_value_warns_once_naming_key_place_and_default(
    spec: SettingSpec, bad: Any
) -> None:
    settings, problems = merge([Layer("initializationOptions", Source.INIT, {spec.key: bad})])
    assert settings.raw(spec.key) == spec.default
    assert settings.source(spec.key) is Source.DEFAULT
    [problem] = problems
    text = str(problem)
    assert text.startswith(f"hone: invalid setting '{spec.key}' in initializationOptions: ")
    shown = json.dumps(spec.default)
    assert f"; using the default ({shown[:50]}" in text and text.endswith(")"), text


def test_every_numeric_setting_has_a_maximum() -> None:
    for spec in SPECS:
        if spec.kind in ("int", "number"):
            assert spec.maximum is not None, spec.key
            assert spec.minimum is not None and spec.minimum <= spec.default <= spec.maximum


@pytest.mark.parametrize(
    "key",
    [
        "run.python",
        "run.enabled",
        "verify.enabled",
        "verify.unsafeRuleFixes",
        "verify.timeoutSeconds",
        "llm.baseUrl",
        "llm.apiKeyEnv",
        "llm.model",
        "llm.trigger",
        "trustedFolders",
    ],
)
def test_pyproject_may_never_choose_what_runs_or_where_code_goes(key: str) -> None:
    value = {
        "run.python": "tools/py",
        "run.enabled": True,
        "verify.enabled": True,
        "verify.unsafeRuleFixes": True,
        "verify.timeoutSeconds": 10,
        "llm.baseUrl": "http://attacker.example/v1",
        "llm.apiKeyEnv": "AWS_SECRET_ACCESS_KEY",
        "llm.model": "exfil",
        "llm.trigger": "onChange",
        "trustedFolders": ["/"],
    }[key]
    settings, problems = merge([Layer(PYPROJECT, Source.PYPROJECT, {key: value})])
    assert settings.source(key) is Source.DEFAULT
    [problem] = problems
    assert str(problem).startswith(f"hone: {PYPROJECT} may not set '{key}'")
    assert str(problem).endswith("ignored")


def test_the_sources_table_is_what_the_docs_say() -> None:
    never = {s.key for s in SPECS if Source.PYPROJECT not in s.sources}
    assert never == {
        "run.python",
        "run.enabled",
        "verify.enabled",
        "verify.unsafeRuleFixes",
        "verify.timeoutSeconds",
        "llm.baseUrl",
        "llm.apiKeyEnv",
        "llm.model",
        "llm.trigger",
        "trustedFolders",
        "run.network",
        "run.writeWorkspace",
        "llm.offerUnverified",
    }
    trust = next(s for s in SPECS if s.key == "trustedFolders")
    assert Source.EDITOR not in trust.sources and Source.PYPROJECT not in trust.sources


def test_pyproject_may_only_lower_resource_limits() -> None:
    lowered = [s for s in SPECS if s.pyproject == "lower"]
    assert {s.key for s in lowered} >= {"run.memoryMb", "run.maxOutputKb", "run.timeoutSeconds"}
    for spec in lowered:
        below = spec.minimum if spec.minimum is not None else 1
        settings, problems = merge([Layer(PYPROJECT, Source.PYPROJECT, {spec.key: below})])
        assert problems == [] and settings.raw(spec.key) == below
        above = spec.default + 1
        settings, problems = merge([Layer(PYPROJECT, Source.PYPROJECT, {spec.key: above})])
        assert settings.raw(spec.key) == spec.default
        [p] = problems
        assert "may only lower it" in str(p) and "using the default" in str(p)
        # the user may raise it (up to the maximum)
        settings, problems = merge([Layer("user", Source.INIT, {spec.key: above})])
        assert problems == [] and settings.raw(spec.key) == above


def test_pyproject_only_adds_to_llm_exclude() -> None:
    user = ["mine/*"]
    settings, problems = merge(
        [
            Layer(PYPROJECT, Source.PYPROJECT, {"llm": {"exclude": ["generated/*"]}}),
            Layer("initializationOptions", Source.INIT, {"llm.exclude": user}),
        ]
    )
    assert problems == []
    assert settings.list("llm.exclude") == ["mine/*", "generated/*"]
    # an empty list from the project removes nothing from the defaults
    settings, _ = merge([Layer(PYPROJECT, Source.PYPROJECT, {"llm.exclude": []})])
    assert "*secret*" in settings.list("llm.exclude") and "credentials*" in settings.list(
        "llm.exclude"
    )


def test_pyproject_may_shape_the_analysis() -> None:
    layer = {
        "rules": {"select": ["HONE1"], "ignore": ["HONE101"], "severity": {"HONE102": "hint"}},
        "diagnostics": {"debounce-ms": 50},
        "analysis": {"max_file_size_kb": 4096},
        "exclude": ["gen"],
    }
    settings, problems = merge([Layer(PYPROJECT, Source.PYPROJECT, layer)])
    assert problems == []
    assert settings.int("analysis.maxFileSizeKb") == 4096
    assert settings.dict("rules.severity") == {"HONE102": "hint"}


@pytest.mark.parametrize(
    ("base", "key", "expected"),
    [
        (Source.INIT, None, "OPENAI_API_KEY"),  # the default variable goes to the user's URL
        (Source.INIT, Source.INIT, "MY_KEY"),
        (Source.EDITOR, Source.EDITOR, "MY_KEY"),
        (Source.USER, Source.USER, "MY_KEY"),
        (Source.INIT, Source.EDITOR, ""),  # the key was chosen next to another endpoint
        (Source.EDITOR, Source.INIT, ""),
        (None, Source.INIT, ""),  # no endpoint, no key
    ],
)
def test_the_api_key_is_bound_to_the_endpoint_set_next_to_it(
    base: Source | None, key: Source | None, expected: str
) -> None:
    layers = []
    for source in (Source.USER, Source.INIT, Source.EDITOR):
        values: dict[str, Any] = {}
        if base is source:
            values["llm.baseUrl"] = "http://127.0.0.1:9/v1"
        if key is source:
            values["llm.apiKeyEnv"] = "MY_KEY"
        layers.append(Layer(str(source), source, values))
    settings, problems = merge(layers)
    assert settings.api_key_env() == expected
    unbound = [p for p in problems if p.kind == "unbound"]
    assert bool(unbound) == (expected == "" and base is not None and key is not None)
    if unbound:
        assert "no API key is sent" in str(unbound[0])


def test_user_level_sources_exclude_only_pyproject() -> None:
    assert frozenset(Source) - {Source.PYPROJECT} == USER_LEVEL


# -- discovery -------------------------------------------------------------------------------------


def _write(path: Path, text: str = "[tool.hone]\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nested_pyproject_in_site_packages_is_not_configuration(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    own = _write(ws / "pyproject.toml")
    pkg = ws / ".venv" / "lib" / "python3.12" / "site-packages" / "pkg"
    _write(pkg / "pyproject.toml")
    _write(pkg / "mod.py", "")
    assert find_pyproject(pkg / "mod.py", stop=ws) == own
    assert find_pyproject(pkg / "mod.py") == own  # the CLI too


@pytest.mark.parametrize(
    "tree", ["node_modules/x", "build/lib", "dist/x", ".tox/py/lib", "venv/lib", "site-packages/p"]
)
def test_foreign_trees_are_skipped(tmp_path: Path, tree: str) -> None:
    ws = tmp_path / "ws"
    own = _write(ws / "pyproject.toml")
    _write(ws / tree / "pyproject.toml")
    assert find_pyproject(ws / tree / "m.py", stop=ws) == own


def test_a_virtualenv_of_any_name_is_skipped(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    own = _write(ws / "pyproject.toml")
    _write(ws / "myenv" / "pyvenv.cfg", "home = /usr/bin\n")
    _write(ws / "myenv" / "lib" / "pkg" / "pyproject.toml")
    assert find_pyproject(ws / "myenv" / "lib" / "pkg" / "m.py", stop=ws) == own


def test_never_above_the_workspace_folder_nor_outside_it(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml")
    ws = tmp_path / "ws"
    (ws / "a").mkdir(parents=True)
    assert find_pyproject(ws / "a" / "m.py", stop=ws) is None
    assert find_pyproject(tmp_path / "elsewhere" / "m.py", stop=ws) is None
    nearest = _write(ws / "a" / "pyproject.toml")
    _write(ws / "pyproject.toml")
    assert find_pyproject(ws / "a" / "m.py", stop=ws) == nearest
