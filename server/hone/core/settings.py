"""hone's settings: one declarative table, validation, provenance, and merging of the layers.

Precedence (later wins): built-in defaults < ``[tool.hone]`` in the nearest ``pyproject.toml`` <
the user's settings file < ``initializationOptions`` < ``workspace/configuration`` (section
``hone``) for the document's folder (the CLI's options take the editor's place).  Every layer may
be nested (``{"llm": {"model": ...}}``) or dotted (``{"llm.model": ...}``); keys may be camelCase
(editor style) or snake/kebab case (``pyproject`` style).

Every setting declares which *sources* may set it.  ``pyproject.toml`` is part of a repository
somebody else wrote, so it may only shape the analysis: it can never choose what runs
(``run.python``, ``run.enabled``, ``verify.*``), where code goes or which secret goes with it
(``llm.baseUrl``, ``llm.apiKeyEnv``, ``llm.model``, ``llm.trigger``); it may only add to
``llm.exclude`` and only lower resource limits.  The API key is bound to the endpoint: the key's
variable is used only when ``llm.apiKeyEnv`` comes from the same layer as ``llm.baseUrl`` (or is
the default), so no layer can redirect a key another layer chose.

An invalid or refused value never stops hone: it is reported once (the LSP layer shows a
``window/showMessage`` warning, the CLI prints it) naming the setting, the place and the value
used instead.  This module imports only the standard library (``vscode-client/scripts/
gen-config.py`` runs it without hone installed).

The same table generates the VS Code extension's ``contributes.configuration`` and the README's
configuration reference, so the three can never disagree.
"""

from __future__ import annotations

import builtins
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

Kind = Literal["bool", "int", "number", "str", "list[str]", "dict[str,str]"]


class Source(StrEnum):
    """Where a value came from, from the least to the most trusted."""

    DEFAULT = "default"
    PYPROJECT = "pyproject.toml"  # written by whoever wrote the repository
    USER = "user settings file"  # <user config dir>/hone/settings.toml
    INIT = "initializationOptions"  # the editor client's configuration
    EDITOR = "editor settings"  # workspace/configuration
    CLI = "command line"


ANY: frozenset[Source] = frozenset(Source)
# The user's own places: never a file inside the workspace.
USER_LEVEL: frozenset[Source] = ANY - {Source.PYPROJECT}
# Not even the editor's settings: clients such as Zed or Helix deliver project-level settings
# files through workspace/configuration, and trust must never come from the workspace.
USER_FILE_OR_CLIENT: frozenset[Source] = frozenset({Source.DEFAULT, Source.USER, Source.INIT})

# How pyproject.toml may set a setting it is allowed to set.
PyprojectMode = Literal["set", "lower", "add"]

SEVERITIES = ("error", "warning", "info", "hint")


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str  # dotted camelCase, e.g. "llm.baseUrl"
    kind: Kind
    default: Any
    description: str
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    sources: frozenset[Source] = ANY
    # "set": any valid value; "lower": at most the default (resource limits); "add": list
    # entries are added to the user's, never removing one (llm.exclude).
    pyproject: PyprojectMode = "set"
    # VS Code's setting scope ("application": user settings only, never a workspace's settings.json)
    vscode_scope: str = "resource"
    # dict[str,str] settings whose values must be one of these
    value_enum: tuple[str, ...] = ()


def _exe(text: str) -> str:
    return text + " Never read from pyproject.toml."


SPECS: tuple[SettingSpec, ...] = (
    # rules
    SettingSpec(
        "rules.select", "list[str]", [], "Rule ids or prefixes to enable (empty: all rules)."
    ),
    SettingSpec("rules.ignore", "list[str]", [], "Rule ids or prefixes to disable."),
    SettingSpec(
        "rules.severity",
        "dict[str,str]",
        {},
        'Per-rule severity override, e.g. {"HONE101": "info"} (error|warning|info|hint).',
        value_enum=SEVERITIES,
    ),
    SettingSpec(
        "diagnostics.debounceMs",
        "int",
        25,
        "Delay after the last keystroke before re-analysing, in milliseconds.",
        minimum=0,
        maximum=5000,
    ),
    SettingSpec(
        "analysis.maxFileSizeKb",
        "int",
        2048,
        "Files larger than this are not analysed (an info message says so).",
        minimum=1,
        maximum=16384,
    ),
    SettingSpec(
        "exclude",
        "list[str]",
        [
            ".git",
            ".venv",
            "venv",
            "__pycache__",
            "build",
            "dist",
            "node_modules",
            ".tox",
            ".mypy_cache",
        ],
        "Glob patterns of files and folders `hone check` skips.",
    ),
    # LLM
    SettingSpec(
        "llm.baseUrl",
        "str",
        "",
        _exe(
            "Base URL of an OpenAI-compatible endpoint (empty: LLM analysis is off). "
            "E.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), "
            "http://localhost:8080/v1 (llama.cpp)."
        ),
        sources=USER_LEVEL,
        vscode_scope="application",
    ),
    SettingSpec(
        "llm.model",
        "str",
        "gpt-4o-mini",
        _exe("Model name sent to the endpoint."),
        sources=USER_LEVEL,
        vscode_scope="application",
    ),
    SettingSpec(
        "llm.apiKeyEnv",
        "str",
        "OPENAI_API_KEY",
        _exe(
            "Name of the environment variable holding the API key (a local endpoint needs none). "
            "The key goes only to the llm.baseUrl set in the same place."
        ),
        sources=USER_LEVEL,
        vscode_scope="application",
    ),
    SettingSpec(
        "llm.timeoutSeconds",
        "number",
        60.0,
        "Timeout of one LLM request.",
        minimum=1,
        maximum=600,
        pyproject="lower",
    ),
    SettingSpec(
        "llm.maxConcurrency",
        "int",
        2,
        "Concurrent LLM requests at most.",
        minimum=1,
        maximum=32,
        pyproject="lower",
    ),
    SettingSpec(
        "llm.trigger",
        "str",
        "onSave",
        _exe("When functions are sent to the LLM."),
        enum=("onSave", "onChange", "manual", "off"),
        sources=USER_LEVEL,
        vscode_scope="machine-overridable",
    ),
    SettingSpec(
        "llm.exclude",
        "list[str]",
        [".env*", "*secret*", "credentials*", "*.pem", "*.key", "*.p12", "id_rsa*"],
        "Glob patterns of files never sent to the LLM (matched case-insensitively). "
        "pyproject.toml may add patterns, never remove one.",
        pyproject="add",
    ),
    SettingSpec(
        "llm.cacheMaxMb",
        "int",
        64,
        "Size bound of the on-disk LLM cache.",
        minimum=1,
        maximum=4096,
        pyproject="lower",
    ),
    SettingSpec(
        "llm.offerUnverified",
        "bool",
        False,
        'Offer LLM rewrites that could not be verified (titled "Unverified: ..."). A user-level '
        "choice: a workspace cannot turn it on.",
        sources=USER_LEVEL,
        vscode_scope="application",
    ),
    SettingSpec(
        "llm.temperature",
        "number",
        0.0,
        "Sampling temperature of the finding pass (0: the same answer for the same code).",
        minimum=0,
        maximum=2,
    ),
    SettingSpec(
        "llm.candidates",
        "int",
        4,
        "Rewrite candidates asked per performance finding; all are verified and the fastest "
        "verified one is offered (1: a single rewrite, 0: findings only, no rewrite requests).",
        minimum=0,
        maximum=16,
        pyproject="lower",
    ),
    SettingSpec(
        "llm.candidateTemperature",
        "number",
        0.7,
        "Sampling temperature of the extra rewrite candidates (each with its own seed).",
        minimum=0,
        maximum=2,
    ),
    SettingSpec(
        "llm.maxOutputTokens",
        "int",
        1200,
        "Most tokens one LLM answer may use.",
        minimum=64,
        maximum=32000,
        pyproject="lower",
    ),
    SettingSpec(
        "llm.candidateBudgetSeconds",
        "number",
        180.0,
        "Time allowed for all rewrite candidates of one finding; what arrived by then is used.",
        minimum=1,
        maximum=3600,
        pyproject="lower",
    ),
    # verification of rewrites
    SettingSpec(
        "verify.enabled",
        "bool",
        True,
        _exe(
            "Verify LLM rewrites and unsafe rule fixes in a sandbox (same results on sample "
            "inputs, measured speedup) before offering them. Loads the module, so it also needs "
            "run.enabled and a trusted folder."
        ),
        sources=USER_LEVEL,
    ),
    SettingSpec(
        "verify.unsafeRuleFixes",
        "bool",
        True,
        _exe("Also verify unsafe rule fixes (after each save)."),
        sources=USER_LEVEL,
    ),
    SettingSpec(
        "verify.timeoutSeconds",
        "number",
        30.0,
        _exe("Wall-time limit of one verification."),
        minimum=2,
        maximum=600,
        sources=USER_LEVEL,
    ),
    # run with timing
    SettingSpec(
        "run.enabled",
        "bool",
        True,
        _exe("Allow 'Run with timing' to execute code (in trusted folders only)."),
        sources=USER_LEVEL,
    ),
    SettingSpec(
        "run.python",
        "str",
        "",
        _exe(
            "Interpreter for runs (empty: hone's own; a workspace's .venv is used once you "
            "confirm it for that folder)."
        ),
        sources=USER_LEVEL,
        vscode_scope="machine-overridable",
    ),
    SettingSpec(
        "run.timeoutSeconds",
        "number",
        60.0,
        "Wall-time limit of a run.",
        minimum=1,
        maximum=3600,
        pyproject="lower",
    ),
    SettingSpec(
        "run.memoryMb",
        "int",
        2048,
        "Memory limit of a run (address space).",
        minimum=64,
        maximum=65536,
        pyproject="lower",
    ),
    SettingSpec(
        "run.maxOutputKb",
        "int",
        1024,
        "Captured stdout+stderr cap of a run.",
        minimum=1,
        maximum=65536,
        pyproject="lower",
    ),
    SettingSpec(
        "run.sampler",
        "str",
        "auto",
        "How a run is sampled: 'signal' (a timer signal to the main thread, Linux: the lowest "
        "overhead), 'thread' (for programs whose C extensions do not retry a system call that "
        "a signal interrupts), or 'auto' (signal where available).",
        enum=("auto", "signal", "thread"),
    ),
    # run-sandbox switches: user-level only (a workspace must not widen its own sandbox)
    SettingSpec(
        "run.network",
        "bool",
        True,
        "Let 'Run with timing' use the network (user-level setting).",
        sources=USER_LEVEL,
        vscode_scope="application",
    ),
    SettingSpec(
        "run.writeWorkspace",
        "bool",
        True,
        "Let 'Run with timing' write in the workspace folder; off: only its private temp folder "
        "(user-level setting).",
        sources=USER_LEVEL,
        vscode_scope="application",
    ),
    # trust
    SettingSpec(
        "trustedFolders",
        "list[str]",
        [],
        "Folders (and everything below them) you trust to run code in: verification and "
        "'Run with timing'. Only from initializationOptions or the user settings file, never "
        "from a workspace; `hone trust PATH` records one instead.",
        sources=USER_FILE_OR_CLIENT,
        vscode_scope="application",
    ),
)

SPEC_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SPECS}

_SNAKE_RE = re.compile(r"[_-]([a-z0-9])")


def _camel(part: str) -> str:
    return _SNAKE_RE.sub(lambda m: m.group(1).upper(), part)


def flatten(layer: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested/dotted, camel/snake keys -> ``{"llm.baseUrl": value}``.

    A nested mapping is descended only when its key is not a setting (a table given for a
    setting is that setting's value, to be validated).
    """
    out: dict[str, Any] = {}
    for raw_key, value in layer.items():
        if not isinstance(raw_key, str):
            continue
        key = prefix + ".".join(_camel(p) for p in raw_key.split("."))
        spec = SPEC_BY_KEY.get(key)
        if isinstance(value, Mapping) and spec is None:
            out.update(flatten(value, key + "."))
        else:
            out[key] = value
    return out


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(spec: SettingSpec, value: Any) -> Any:
    """Return the validated value or raise ValueError with a human reason."""
    k = spec.kind
    if k == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected true or false, got {_show(value)}")
    if k in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {_show(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {_show(value)}")
        if k == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"expected a whole number, got {_show(value)}")
            value = int(value)
        else:
            value = float(value)
        if spec.minimum is not None and value < spec.minimum:
            raise ValueError(f"must be at least {spec.minimum:g}, got {_show(value)}")
        if spec.maximum is not None and value > spec.maximum:
            raise ValueError(f"must be at most {spec.maximum:g}, got {_show(value)}")
        return value
    if k == "str":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_show(value)}")
        if spec.enum and value not in spec.enum:
            raise ValueError(f"expected one of {', '.join(spec.enum)}, got {_show(value)}")
        return value
    if k == "list[str]":
        # A bare string is refused, not wrapped: "HONE101,HONE102" would silently be one id.
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {_show(value)}")
        return list(value)
    if k == "dict[str,str]":
        if not isinstance(value, Mapping) or not all(
            isinstance(a, str) and isinstance(b, str) for a, b in value.items()
        ):
            raise ValueError(f"expected a table of strings, got {_show(value)}")
        if spec.value_enum:
            bad = {a: b for a, b in value.items() if b not in spec.value_enum}
            if bad:
                a, b = next(iter(bad.items()))
                raise ValueError(f"{a}: {_show(b)} is not one of {', '.join(spec.value_enum)}")
        return dict(value)
    raise AssertionError(k)  # pragma: no cover


def _default_values() -> dict[str, Any]:
    return {s.key: s.default for s in SPECS}


@dataclass(frozen=True)
class Settings:
    """Validated settings; read with the typed getters, e.g. ``settings.int("run.memoryMb")``.

    ``sources`` says where each value came from (missing: the default).
    """

    values: Mapping[str, Any] = field(default_factory=_default_values)
    sources: Mapping[str, Source] = field(default_factory=dict)

    def raw(self, key: builtins.str) -> Any:
        return self.values[key] if key in self.values else SPEC_BY_KEY[key].default

    def bool(self, key: builtins.str) -> builtins.bool:
        return bool(self.raw(key))

    def int(self, key: builtins.str) -> builtins.int:
        return int(self.raw(key))

    def float(self, key: builtins.str) -> builtins.float:
        return float(self.raw(key))

    def str(self, key: builtins.str) -> builtins.str:
        return str(self.raw(key))

    def list(self, key: builtins.str) -> builtins.list[builtins.str]:
        return list(self.raw(key))

    def dict(self, key: builtins.str) -> builtins.dict[builtins.str, builtins.str]:
        return dict(self.raw(key))

    def source(self, key: builtins.str) -> Source:
        return self.sources.get(key, Source.DEFAULT)

    def api_key_env(self) -> builtins.str:
        """The variable whose value may be sent to ``llm.baseUrl`` ("" for none).

        Bound to the endpoint: only when ``llm.apiKeyEnv`` is the default or was set in the
        same place as ``llm.baseUrl``, and never when ``llm.baseUrl`` is not a user setting.
        """
        base, key = self.source("llm.baseUrl"), self.source("llm.apiKeyEnv")
        if base not in USER_LEVEL - {Source.DEFAULT}:
            return ""
        if key is not Source.DEFAULT and key is not base:
            return ""
        return self.str("llm.apiKeyEnv").strip()


ProblemKind = Literal["invalid", "unknown", "refused", "unbound"]


@dataclass(frozen=True, slots=True)
class SettingsProblem:
    layer: str  # "pyproject.toml (/path)", "initializationOptions", "workspace configuration"
    key: str
    message: str
    kind: ProblemKind = "invalid"
    used: str = ""  # what is used instead, e.g. "the default (25)"

    def __str__(self) -> str:
        instead = self.used or "the default"
        if self.kind == "refused":
            return f"hone: {self.layer} may not set {self.key!r}: {self.message}; ignored"
        if self.kind == "unknown":
            return f"hone: invalid setting {self.key!r} in {self.layer}: unknown setting; ignored"
        if self.kind == "unbound":
            return f"hone: {self.message}"
        return (
            f"hone: invalid setting {self.key!r} in {self.layer}: {self.message}; using {instead}"
        )


@dataclass(frozen=True, slots=True)
class Layer:
    name: str  # for messages, e.g. "pyproject.toml (/repo/pyproject.toml)"
    source: Source
    values: Mapping[str, Any] | None


_REFUSED_WHY = {
    "llm.baseUrl": "it chooses where your code is sent",
    "llm.apiKeyEnv": "it chooses which secret is sent",
    "llm.model": "it chooses what your endpoint is asked for",
    "llm.trigger": "it chooses when your code is sent",
    "run.python": "it chooses which program runs",
    "run.enabled": "it chooses whether code runs",
    "trustedFolders": "trust comes only from you (`hone trust`, or your editor)",
}


def _refusal(spec: SettingSpec, source: Source) -> str:
    why = _REFUSED_WHY.get(spec.key) or (
        "it chooses whether and how code runs" if spec.key.startswith("verify.") else ""
    )
    where = (
        "only initializationOptions or your user settings file can"
        if spec.sources == USER_FILE_OR_CLIENT
        else "only your own editor or user settings can"
    )
    return f"{why}; {where}" if why else where


def _used(spec: SettingSpec, values: Mapping[str, Any]) -> str:
    value = values.get(spec.key, spec.default)
    label = "the default" if value == spec.default else "the value from an earlier place"
    return f"{label} ({_show(value)})"


def _as_layer(item: Layer | tuple[Any, ...]) -> Layer:
    if isinstance(item, Layer):
        return item
    if len(item) == 3:
        return Layer(item[0], item[2], item[1])
    # ("name", mapping): an explicit, user-level layer (tests, programmatic use)
    return Layer(item[0], Source.CLI, item[1])


def merge(
    layers: Iterable[Layer | tuple[str, Mapping[str, Any] | None]]
    | Iterable[Layer | tuple[str, Mapping[str, Any] | None, Source]],
) -> tuple[Settings, list[SettingsProblem]]:
    """Merge layers in increasing precedence; collect problems.

    Unknown keys are reported too (a typo silently ignored is the worst kind of bug); ``None``
    values mean "not set in this layer".  A ``(name, mapping)`` pair is a user-level layer.
    """
    values: dict[str, Any] = _default_values()
    sources: dict[str, Source] = {}
    added: dict[str, list[str]] = {}
    problems: list[SettingsProblem] = []
    for item in layers:
        layer = _as_layer(item)
        if layer.values is None:
            continue
        if not isinstance(layer.values, Mapping):
            problems.append(
                SettingsProblem(
                    layer.name, "<root>", "expected a table of settings", used="the defaults"
                )
            )
            continue
        for key, value in flatten(layer.values).items():
            if value is None:
                continue
            spec = SPEC_BY_KEY.get(key)
            if spec is None:
                problems.append(SettingsProblem(layer.name, key, "unknown setting", "unknown"))
                continue
            if layer.source not in spec.sources:
                problems.append(
                    SettingsProblem(layer.name, key, _refusal(spec, layer.source), "refused")
                )
                continue
            try:
                coerced = _coerce(spec, value)
                lowering = layer.source is Source.PYPROJECT and spec.pyproject == "lower"
                if lowering and coerced > spec.default:
                    raise ValueError(
                        f"a project may only lower it, to at most {spec.default:g} "
                        f"(the default), got {_show(coerced)}"
                    )
            except ValueError as exc:
                problems.append(
                    SettingsProblem(layer.name, key, str(exc), used=_used(spec, values))
                )
                continue
            if layer.source is Source.PYPROJECT and spec.pyproject == "add":
                added.setdefault(key, []).extend(coerced)
                continue
            values[key] = coerced
            sources[key] = layer.source
    for key, extra in added.items():
        values[key] = list(dict.fromkeys([*values[key], *extra]))
    settings = Settings(values, sources)
    if (
        settings.source("llm.apiKeyEnv") is not Source.DEFAULT
        and settings.str("llm.baseUrl").strip()
        and not settings.api_key_env()
    ):
        problems.append(
            SettingsProblem(
                "",
                "llm.apiKeyEnv",
                f"llm.apiKeyEnv ({settings.source('llm.apiKeyEnv')}) and llm.baseUrl "
                f"({settings.source('llm.baseUrl')}) are set in different places: no API key "
                "is sent (a key goes only to the endpoint configured next to it); set both "
                "in the same place",
                "unbound",
            )
        )
    return settings, problems


# -- pyproject.toml discovery ----------------------------------------------------------------

# Trees that belong to somebody else (installed packages, build output, tool caches): a
# pyproject.toml inside one never configures anything.
FOREIGN_TREES = frozenset(
    {
        ".venv",
        "venv",
        "site-packages",
        "dist-packages",
        "node_modules",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".git",
        "__pycache__",
        ".mypy_cache",
        ".eggs",
        "__pypackages__",
    }
)


def _in_foreign_tree(folder: Path, stop: Path | None) -> bool:
    """Whether ``folder`` (or a parent below ``stop``) is a foreign tree or a virtualenv."""
    for part in (folder, *folder.parents):
        if stop is not None and part == stop:
            return False
        if part.name in FOREIGN_TREES or part.name.endswith(".egg-info"):
            return True
        if (part / "pyvenv.cfg").is_file():  # a virtualenv, whatever its name
            return True
    return False


def find_pyproject(start: Path, stop: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``, never above ``stop`` (when given)
    and never inside a foreign tree (a virtualenv, ``site-packages``, ``node_modules``, ...)."""
    current = start if start.is_dir() else start.parent
    if stop is not None and current != stop and stop not in current.parents:
        return None
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and not _in_foreign_tree(folder, stop):
            return candidate
        if stop is not None and folder == stop:
            break
    return None


def read_pyproject_settings(path: Path) -> tuple[dict[str, Any] | None, list[SettingsProblem]]:
    """``[tool.hone]`` of a pyproject.toml, or a problem when the file cannot be read."""
    return _read_toml_table(path, f"pyproject.toml ({path})", ("tool", "hone"))


def pyproject_layer(path: Path) -> tuple[Layer, list[SettingsProblem]]:
    table, problems = read_pyproject_settings(path)
    return Layer(f"pyproject.toml ({path})", Source.PYPROJECT, table), problems


def _read_toml_table(
    path: Path, layer: str, keys: Sequence[str]
) -> tuple[dict[str, Any] | None, list[SettingsProblem]]:
    import tomllib  # lazily: start-up imports stay light

    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [SettingsProblem(layer, "<file>", f"cannot read: {exc}", used="nothing")]
    for i, key in enumerate(keys):
        data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            return None, []
        if not isinstance(data, dict):
            where = ".".join(keys[: i + 1])
            return None, [SettingsProblem(layer, where, "expected a table", used="nothing")]
    return data, []


# -- the user's own settings file ------------------------------------------------------------


def user_config_dir() -> Path:
    """hone's user configuration folder (``$XDG_CONFIG_HOME/hone`` on Linux)."""
    import platformdirs  # lazily, and only here: gen-config.py imports this module bare

    return Path(platformdirs.user_config_dir("hone", appauthor=False))


def user_settings_path() -> Path:
    return user_config_dir() / "settings.toml"


def user_layer(path: Path | None = None) -> tuple[Layer, list[SettingsProblem]]:
    """The user settings file (top-level keys, like ``[tool.hone]``); absent: an empty layer."""
    path = path or user_settings_path()
    name = f"user settings file ({path})"
    if not os.path.exists(path):
        return Layer(name, Source.USER, None), []
    table, problems = _read_toml_table(path, name, ())
    return Layer(name, Source.USER, table), problems
