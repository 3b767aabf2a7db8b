"""hone's settings: one declarative table, validation, and merging of the layers.

Precedence (later wins): built-in defaults < ``[tool.hone]`` in the nearest ``pyproject.toml`` <
``initializationOptions`` < ``workspace/configuration`` (section ``hone``) for the document's folder.
Every layer may be nested (``{"llm": {"model": ...}}``) or dotted (``{"llm.model": ...}``); keys
may be camelCase (editor style) or snake/kebab case (``pyproject`` style).

An invalid value never stops hone: it is reported (the LSP layer shows a ``window/showMessage``
warning, the CLI prints it) and the default is used instead.

The same table generates the VS Code extension's ``contributes.configuration`` and the README's
configuration reference, so the three can never disagree.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal["bool", "int", "number", "str", "list[str]", "dict[str,str]"]


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str  # dotted camelCase, e.g. "llm.baseUrl"
    kind: Kind
    default: Any
    description: str
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


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
        "Base URL of an OpenAI-compatible endpoint (empty: LLM analysis is off). "
        "E.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), "
        "http://localhost:8080/v1 (llama.cpp).",
    ),
    SettingSpec("llm.model", "str", "gpt-4o-mini", "Model name sent to the endpoint."),
    SettingSpec(
        "llm.apiKeyEnv",
        "str",
        "OPENAI_API_KEY",
        "Name of the environment variable holding the API key (a local endpoint needs none).",
    ),
    SettingSpec(
        "llm.timeoutSeconds", "number", 60.0, "Timeout of one LLM request.", minimum=1, maximum=600
    ),
    SettingSpec(
        "llm.maxConcurrency", "int", 2, "Concurrent LLM requests at most.", minimum=1, maximum=32
    ),
    SettingSpec(
        "llm.trigger",
        "str",
        "onSave",
        "When functions are sent to the LLM.",
        enum=("onSave", "onChange", "manual", "off"),
    ),
    SettingSpec(
        "llm.exclude",
        "list[str]",
        ["**/.env", "**/.env.*", "**/secrets/**", "**/.secrets/**", "**/*secret*.py"],
        "Glob patterns of files never sent to the LLM.",
    ),
    SettingSpec(
        "llm.cacheMaxMb", "int", 64, "Size bound of the on-disk LLM cache.", minimum=1, maximum=4096
    ),
    SettingSpec(
        "llm.offerUnverified",
        "bool",
        False,
        'Offer LLM rewrites that could not be verified (titled "Unverified: ..."). A user-level '
        "choice: a workspace cannot turn it on.",
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
    ),
    SettingSpec(
        "llm.candidateBudgetSeconds",
        "number",
        180.0,
        "Time allowed for all rewrite candidates of one finding; what arrived by then is used.",
        minimum=1,
        maximum=3600,
    ),
    # run with timing
    # verification of rewrites
    SettingSpec(
        "verify.enabled",
        "bool",
        True,
        "Verify LLM rewrites and unsafe rule fixes in a sandbox (same results on sample inputs, "
        "measured speedup) before offering them. Loads the module, so it also needs run.enabled.",
    ),
    SettingSpec(
        "verify.unsafeRuleFixes",
        "bool",
        True,
        "Also verify unsafe rule fixes (after each save).",
    ),
    SettingSpec(
        "verify.timeoutSeconds",
        "number",
        30.0,
        "Wall-time limit of one verification.",
        minimum=2,
        maximum=600,
    ),
    SettingSpec("run.enabled", "bool", True, "Allow 'Run with timing' to execute code."),
    SettingSpec(
        "run.python",
        "str",
        "",
        "Interpreter for runs (empty: the workspace's .venv if present, else hone's own).",
    ),
    SettingSpec(
        "run.timeoutSeconds", "number", 60.0, "Wall-time limit of a run.", minimum=1, maximum=3600
    ),
    SettingSpec("run.memoryMb", "int", 2048, "Memory limit of a run (address space).", minimum=64),
    SettingSpec("run.maxOutputKb", "int", 1024, "Captured stdout+stderr cap of a run.", minimum=1),
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
        "run.network", "bool", True, "Let 'Run with timing' use the network (user-level setting)."
    ),
    SettingSpec(
        "run.writeWorkspace",
        "bool",
        True,
        "Let 'Run with timing' write in the workspace folder; off: only its private temp folder "
        "(user-level setting).",
    ),
)

SPEC_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SPECS}

_SNAKE_RE = re.compile(r"[_-]([a-z0-9])")


def _camel(part: str) -> str:
    return _SNAKE_RE.sub(lambda m: m.group(1).upper(), part)


def flatten(layer: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested/dotted, camel/snake keys -> ``{"llm.baseUrl": value}``.

    A nested mapping is descended only when it is not itself the value of a dict-typed setting.
    """
    out: dict[str, Any] = {}
    for raw_key, value in layer.items():
        if not isinstance(raw_key, str):
            continue
        key = prefix + ".".join(_camel(p) for p in raw_key.split("."))
        spec = SPEC_BY_KEY.get(key)
        if isinstance(value, Mapping) and (spec is None or spec.kind != "dict[str,str]"):
            out.update(flatten(value, key + "."))
        else:
            out[key] = value
    return out


def _coerce(spec: SettingSpec, value: Any) -> Any:
    """Return the validated value or raise ValueError with a human reason."""
    k = spec.kind
    if k == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError("expected true or false")
    if k in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        if k == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError("expected a whole number")
            value = int(value)
        else:
            value = float(value)
        if spec.minimum is not None and value < spec.minimum:
            raise ValueError(f"must be at least {spec.minimum:g}")
        if spec.maximum is not None and value > spec.maximum:
            raise ValueError(f"must be at most {spec.maximum:g}")
        return value
    if k == "str":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        if spec.enum and value not in spec.enum:
            raise ValueError("expected one of " + ", ".join(spec.enum))
        return value
    if k == "list[str]":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of strings")
        return list(value)
    if k == "dict[str,str]":
        if not isinstance(value, Mapping) or not all(
            isinstance(a, str) and isinstance(b, str) for a, b in value.items()
        ):
            raise ValueError("expected a table of strings")
        return dict(value)
    raise AssertionError(k)  # pragma: no cover


@dataclass(frozen=True)
class Settings:
    """Validated settings; read with the typed getters, e.g. ``settings.int("run.memoryMb")``."""

    values: Mapping[str, Any] = field(default_factory=lambda: {s.key: s.default for s in SPECS})

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


@dataclass(frozen=True, slots=True)
class SettingsProblem:
    layer: str  # "pyproject.toml (/path)", "initializationOptions", "workspace configuration"
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"hone: invalid setting {self.key!r} in {self.layer}: {self.message}; using the default"
        )


def merge(
    layers: Iterable[tuple[str, Mapping[str, Any] | None]],
) -> tuple[Settings, list[SettingsProblem]]:
    """Merge ``(layer name, mapping)`` pairs in increasing precedence; collect problems.

    Unknown keys are reported too (a typo silently ignored is the worst kind of bug); ``None``
    values mean "not set in this layer".
    """
    values: dict[str, Any] = {s.key: s.default for s in SPECS}
    problems: list[SettingsProblem] = []
    for layer_name, layer in layers:
        if layer is None:
            continue
        if not isinstance(layer, Mapping):
            problems.append(SettingsProblem(layer_name, "<root>", "expected a table of settings"))
            continue
        for key, value in flatten(layer).items():
            if value is None:
                continue
            spec = SPEC_BY_KEY.get(key)
            if spec is None:
                problems.append(SettingsProblem(layer_name, key, "unknown setting"))
                continue
            try:
                values[key] = _coerce(spec, value)
            except ValueError as exc:
                problems.append(SettingsProblem(layer_name, key, str(exc)))
    return Settings(values), problems


def find_pyproject(start: Path, stop: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (not above ``stop`` when given)."""
    current = start if start.is_dir() else start.parent
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if stop is not None and folder == stop:
            break
    return None


def read_pyproject_settings(path: Path) -> tuple[dict[str, Any] | None, list[SettingsProblem]]:
    """``[tool.hone]`` of a pyproject.toml, or a problem when the file cannot be read."""
    import tomllib  # lazily: start-up imports stay light

    layer = f"pyproject.toml ({path})"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [SettingsProblem(layer, "<file>", f"cannot read: {exc}")]
    tool = data.get("tool", {})
    hone = tool.get("hone") if isinstance(tool, dict) else None
    if hone is None:
        return None, []
    if not isinstance(hone, dict):
        return None, [SettingsProblem(layer, "tool.hone", "expected a table")]
    return hone, []
