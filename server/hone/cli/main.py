"""The ``hone`` command: dispatches to one module per subcommand, importing each lazily.

Lazy imports keep ``hone serve`` start-up light (libcst/openai are not imported until needed).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hone import __version__

# subcommand -> module under hone.cli that defines ``add_arguments(parser)`` and ``run(args) -> int``
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("hone.cli.serve", "Start the language server (stdio by default)."),
    "check": ("hone.cli.check", "Check files and folders for slow code."),
    "rules": ("hone.cli.rules", "List the rule catalog or explain one rule."),
    "run": ("hone.cli.run", "Run a file or function in a sandbox and show where the time went."),
    "llm": ("hone.cli.llm", "Check an LLM endpoint (`hone llm check`)."),
    "trust": ("hone.cli.trust", "Trust a folder: let hone run its code (or --list them)."),
    "untrust": ("hone.cli.trust", "Stop trusting a folder."),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``hone`` parser.  Every subcommand is listed, but only ``command``'s module is
    imported to add its options (all of them when ``command`` is None): ``hone serve`` must
    not pay for importing the checker and the runner before its first response."""
    parser = argparse.ArgumentParser(
        prog="hone", description="Make Python code faster and more correct."
    )
    parser.add_argument("--version", action="version", version=f"hone {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module_name)
        if command in (None, name):
            importlib.import_module(module_name).add_arguments(p)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand argparse will pick: the first argument, when it names one."""
    return argv[0] if argv and argv[0] in SUBCOMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    module = importlib.import_module(args._module)
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
