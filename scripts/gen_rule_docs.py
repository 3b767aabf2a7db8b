#!/usr/bin/env python3
"""Regenerate docs/rules/ (one page per rule code, and an index) from the rule catalog.

python scripts/gen_rule_docs.py          # rewrite docs/rules/ in place
python scripts/gen_rule_docs.py --check  # exit 1 if docs/rules/ is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from hone.rule_docs import DOCS_DIR, pages  # noqa: E402


def stale(folder: Path) -> list[str]:
    """Files to write or delete so that ``folder`` holds exactly ``pages()``."""
    want = pages()
    out = [
        n
        for n, text in want.items()
        if not (folder / n).is_file() or (folder / n).read_text(encoding="utf-8") != text
    ]
    out += [p.name for p in folder.glob("*.md") if p.name not in want] if folder.is_dir() else []
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args()
    folder = ROOT / DOCS_DIR
    changed = stale(folder)
    if args.check:
        if changed:
            print(
                f"{DOCS_DIR} is out of date ({', '.join(changed)}): run python scripts/gen_rule_docs.py"
            )
            return 1
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    want = pages()
    for name in changed:
        if name in want:
            (folder / name).write_text(want[name], encoding="utf-8")
        else:
            (folder / name).unlink()
    if changed:
        print(f"updated {DOCS_DIR}: {', '.join(changed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
