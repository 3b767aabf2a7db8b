#!/usr/bin/env python3
"""Regenerate the README sections that come from the code.

    python scripts/gen_readme.py          # rewrite README.md in place
    python scripts/gen_readme.py --check  # exit 1 if README.md is out of date (what CI asserts)

Sections: ``rules`` (the rule catalog, from :mod:`hone.docs_catalog`) and, when the settings
renderer in ``hone.docs_gen`` exists, ``config`` (the settings reference).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from hone.docs_catalog import readme_section, replace_readme_section, rules_markdown  # noqa: E402

# Names the settings-reference renderer may have in hone.docs_gen (owned by the LSP engineer).
_CONFIG_RENDERERS = ("config_markdown", "render_config_markdown", "settings_markdown")


def config_renderer() -> Callable[[], str] | None:
    try:
        module = importlib.import_module("hone.docs_gen")
    except ModuleNotFoundError:
        return None
    for name in _CONFIG_RENDERERS:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def sections() -> dict[str, str]:
    out = {"rules": rules_markdown()}
    render_config = config_renderer()
    if render_config is not None:
        out["config"] = render_config()
    return out


def generate(text: str) -> str:
    for name, body in sections().items():
        if readme_section(text, name) is None:
            text = text.rstrip("\n") + f"\n\n<!-- section:{name} -->\n<!-- /section:{name} -->\n"
        text = replace_readme_section(text, name, body)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args()
    text = args.readme.read_text(encoding="utf-8")
    new = generate(text)
    if args.check:
        if new != text:
            print(f"{args.readme} is out of date: run python scripts/gen_readme.py")
            return 1
        return 0
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
        print(f"updated {args.readme}: " + ", ".join(sections()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
