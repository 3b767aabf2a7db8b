"""``hone rules``: list the rule catalog, or ``--explain CODE`` one rule's documentation.

Exit status: 0, or 2 for an unknown code.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--explain", metavar="CODE", help="print the documentation of a rule (code or name)"
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )


def run(args: argparse.Namespace) -> int:
    from hone.docs_catalog import catalog, explain_markdown, find_entry, fix_label, rules_markdown

    if args.explain is not None:
        entry = find_entry(args.explain)
        if entry is None:
            print(
                f"hone: unknown rule {args.explain!r}; `hone rules` lists the codes",
                file=sys.stderr,
            )
            return 2
        if args.format == "json":
            print(json.dumps(_entry_json(entry), indent=2))
        else:
            sys.stdout.write(explain_markdown(entry))
        return 0

    entries = catalog()
    if args.format == "json":
        print(json.dumps([_entry_json(e) for e in entries], indent=2))
    elif args.format == "markdown":
        sys.stdout.write(rules_markdown())
    else:
        width = max((len(e.name) for e in entries), default=0)
        for e in entries:
            fix = "" if e.fix_safety is None else f"  [fix: {fix_label(e)}]"
            print(f"{e.id}  {e.name:<{width}}  {e.message}{fix}")
        print("\n`hone rules --explain CODE` shows why, an example and the fix.")
    return 0


def _entry_json(e: object) -> dict[str, object]:
    from hone.docs_catalog import CatalogEntry, fix_label

    assert isinstance(e, CatalogEntry)
    doc = e.doc
    return {
        "code": e.id,
        "name": e.name,
        "message": e.message,
        "severity": e.severity.value,
        "category": e.category.value,
        "fix": fix_label(e),
        "engine": e.engine,
        "summary": e.summary or None,
        "doc": None
        if doc is None
        else {
            "why": doc.why,
            "before": doc.before,
            "after": doc.after,
            "not_applicable": doc.not_applicable,
            "unsafe_because": doc.unsafe_because,
        },
    }
