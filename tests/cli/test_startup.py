"""What ``hone serve`` imports before it can answer: nothing heavy (issue: initialize within
10 % of a bare pygls server)."""

from __future__ import annotations

import subprocess
import sys

# Runs ``hone serve`` with stdin at EOF (the server starts, then exits) and lists the modules
# loaded by then.  sys.modules, not ``-X importtime``: that misses importlib.import_module.
_LIST_MODULES = """
import atexit, runpy, sys
atexit.register(lambda: print("MODULES", *sorted(sys.modules), file=sys.stderr))
sys.argv = ["hone", *sys.argv[1:]]
runpy.run_module("hone", run_name="__main__")
"""


def _imported_by(*argv: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def test_serve_imports_nothing_heavy_before_its_first_message() -> None:
    modules = _imported_by("serve")
    assert "hone.lsp.server" in modules  # the premise: the server did start
    heavy = ("libcst", "openai", "httpx", "hone.analysis", "hone.rules", "hone.llm", "hone.runner")
    heavy += ("hone.verify", "hone.cli.check", "hone.cli.run", "hone.cli.rules")
    found = sorted(m for m in modules if m.startswith(heavy))
    assert found == []


def test_other_subcommands_still_get_their_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hone", "check", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--format" in out
    listing = subprocess.run(
        [sys.executable, "-m", "hone", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert all(name in listing for name in ("serve", "check", "rules", "run"))
