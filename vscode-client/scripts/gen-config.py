#!/usr/bin/env python3
"""Generate ``contributes.configuration`` of the extension's package.json from hone's ``SPECS``.

The server's settings table (``server/hone/core/settings.py``) is the single source of truth:
this script turns every ``SettingSpec`` into a VS Code setting ``hone.<key>`` (type, default,
description, enum, bounds) and adds the few settings only the extension reads (how to find the
server).  ``--check`` exits 1 when package.json is out of date (used by the tests), so the two
can never drift.

Only the standard library and ``hone.core.settings`` (itself stdlib-only) are imported, so any
Python >= 3.11 can run it without installing hone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENT = HERE.parent
REPO = CLIENT.parent
sys.path.insert(0, str(REPO / "server"))

from hone.core.settings import SPECS, SettingSpec  # noqa: E402

# Settings read by the extension only (never sent to the server).  Keep in sync with
# CLIENT_ONLY_KEYS in src/settings.ts (a unit test checks package.json against that list).
CLIENT_SETTINGS: dict[str, dict[str, Any]] = {
    "hone.path": {
        "type": "string",
        "default": "",
        "scope": "machine-overridable",
        "markdownDescription": "Path of a `hone` executable to run as `hone serve`. Empty: use "
        "`#hone.interpreter#`, else the interpreter selected in the Python extension, else the "
        "server bundled with this extension.",
    },
    "hone.interpreter": {
        "type": "string",
        "default": "",
        "scope": "machine-overridable",
        "markdownDescription": "Python interpreter (>= 3.11) that runs the server as "
        "`python -m hone serve`. Empty: the interpreter selected in the Python extension, else "
        "`python3` on PATH.",
    },
    "hone.importStrategy": {
        "type": "string",
        "default": "fromEnvironment",
        "enum": ["fromEnvironment", "useBundled"],
        "enumDescriptions": [
            "Use hone installed in the chosen interpreter's environment; fall back to the "
            "bundled copy when it is not installed there.",
            "Always use the copy of hone bundled with the extension (run by the chosen "
            "interpreter).",
        ],
        "scope": "machine-overridable",
        "markdownDescription": "Which copy of hone the chosen interpreter runs.",
    },
    "hone.trace.server": {
        "type": "string",
        "default": "off",
        "enum": ["off", "messages", "verbose"],
        "scope": "window",
        "markdownDescription": "Log the LSP messages between VS Code and the server in the "
        "`hone` output channel.",
    },
}

_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "number": "number",
    "str": "string",
    "list[str]": "array",
    "dict[str,str]": "object",
}


def spec_to_property(spec: SettingSpec, order: int) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": _TYPES[spec.kind], "default": spec.default}
    if spec.kind == "list[str]":
        prop["items"] = {"type": "string"}
    elif spec.kind == "dict[str,str]":
        prop["additionalProperties"] = {"type": "string"}
    if spec.enum:
        prop["enum"] = list(spec.enum)
    if spec.minimum is not None:
        prop["minimum"] = _num(spec.minimum)
    if spec.maximum is not None:
        prop["maximum"] = _num(spec.maximum)
    prop["markdownDescription"] = spec.description
    prop["scope"] = spec.vscode_scope
    prop["order"] = order
    return prop


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def configuration() -> dict[str, Any]:
    props: dict[str, Any] = {}
    for i, spec in enumerate(SPECS):
        props["hone." + spec.key] = spec_to_property(spec, i)
    for j, (key, prop) in enumerate(CLIENT_SETTINGS.items()):
        props[key] = {**prop, "order": len(SPECS) + j}
    return {"title": "hone", "properties": props}


def render(package: dict[str, Any]) -> str:
    package = dict(package)
    contributes = dict(package.get("contributes", {}))
    contributes["configuration"] = configuration()
    package["contributes"] = contributes
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if package.json is stale")
    parser.add_argument("--package-json", type=Path, default=CLIENT / "package.json")
    args = parser.parse_args(argv)
    path: Path = args.package_json
    current = path.read_text(encoding="utf-8")
    wanted = render(json.loads(current))
    if current == wanted:
        return 0
    if args.check:
        print(
            f"{path}: contributes.configuration differs from hone.core.settings.SPECS; "
            "run `python3 vscode-client/scripts/gen-config.py` (or `npm run gen-config`)",
            file=sys.stderr,
        )
        return 1
    path.write_text(wanted, encoding="utf-8")
    print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
