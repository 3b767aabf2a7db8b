"""Documentation generated from code: the README's configuration section, from ``SPECS``.

``scripts/gen_readme.py`` writes :func:`config_markdown` between the README's
``<!-- section:config -->`` markers; ``tests/test_docs.py`` checks the README is up to date.
"""

from __future__ import annotations

import json
from typing import Any

from hone.core.settings import SPECS, SettingSpec

_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "number": "number",
    "str": "string",
    "list[str]": "list of strings",
    "dict[str,str]": "table of strings",
}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _value(value: Any) -> str:
    return "`" + json.dumps(value, ensure_ascii=False).replace("|", "\\|") + "`"


def _type(spec: SettingSpec) -> str:
    out = _TYPES.get(spec.kind, spec.kind)
    if spec.enum:
        out += ": " + ", ".join(f"`{e}`" for e in spec.enum)
    bounds = []
    if spec.minimum is not None:
        bounds.append(f"≥ {spec.minimum:g}")
    if spec.maximum is not None:
        bounds.append(f"≤ {spec.maximum:g}")
    if bounds:
        out += " (" + ", ".join(bounds) + ")"
    return out


def settings_table() -> str:
    """Every setting of ``SPECS`` as a Markdown table, in table order."""
    rows = [
        "| Setting | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    rows += [
        f"| `{s.key}` | {_type(s)} | {_value(s.default)} | {_cell(s.description)} |" for s in SPECS
    ]
    return "\n".join(rows)


_INTRO = """\
## Configuration

Every setting can come from five places. Each overrides the one before it, per setting, and
each document gets the result for its own workspace folder (multi-root workspaces work):

1. the built-in default;
2. `[tool.hone]` in the nearest `pyproject.toml` at or above the file, inside its workspace
   folder (never above it, never inside `.venv`, `site-packages`, `node_modules`, `build`, ...;
   a file outside every workspace folder reads none). A repository wrote this file, so it may
   only shape the analysis: settings marked "Never read from pyproject.toml" are ignored there
   with a warning, `llm.exclude` only gains patterns, and run limits may only go down (see
   *Security and trust*);
3. your user settings file (`~/.config/hone/settings.toml` on Linux: the same keys, e.g. an
   `[llm]` table), also read by `hone check` and `hone run`;
4. the editor's `initializationOptions` (sent once, when the server starts);
5. the editor's settings (`workspace/configuration`, section `hone`, for the file's folder).

Changes apply without a restart: hone asks for the editor's settings again on
`workspace/didChangeConfiguration`, and re-reads `pyproject.toml` when it changes or is saved;
open files are re-analysed. An invalid value (wrong type, out of range, unknown key, a severity
that is not error/warning/info/hint, a list given as a string) shows one warning naming the
setting, the place it came from and the value used instead (the default). Every number has a
maximum.

Keys are dotted camelCase (`rules.ignore`); every source may nest them by their dots, and
`pyproject.toml` may also use snake or kebab case (`max-file-size-kb`).

**VS Code** (`settings.json`, user, workspace or folder):

```jsonc
"hone.rules.ignore": ["HONE201"],
"hone.rules.severity": { "HONE101": "hint" },
"hone.diagnostics.debounceMs": 100
```

**Neovim** (`vim.lsp.config('hone', {...})` or `vim.lsp.start({...})`):

```lua
settings = { hone = { rules = { ignore = { 'HONE201' }, severity = { HONE101 = 'hint' } } } },
init_options = { diagnostics = { debounceMs = 100 } },
```

**pyproject.toml** (shared with the team and with `hone check`):

```toml
[tool.hone]
rules.ignore = ["HONE201"]
rules.severity = { HONE101 = "hint" }

[tool.hone.analysis]
max-file-size-kb = 4096
```

A single line is silenced with a comment: `# hone: ignore[HONE101]` (several codes separated by
commas; a bare `# hone: ignore` silences every rule on the line). The editor offers this as a
quick fix.
"""


def config_markdown() -> str:
    """The README's configuration section (between its markers)."""
    return _INTRO + "\n" + settings_table() + "\n"
