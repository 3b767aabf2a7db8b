"""``hone trust [PATH]``, ``hone trust --list``, ``hone untrust PATH``: the user's consent.

Trusting a folder lets hone run its code in the sandbox (verification of rewrites and unsafe
fixes, "Run with timing") in every editor session; ``--venv`` also confirms the folder's
``.venv`` interpreter for runs.  The record lives in hone's user data folder (see
:mod:`hone.core.trust`), never in the workspace.  Exit status: 0, or 2 for a bad path.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if parser.prog.split()[-1] == "untrust":
        parser.add_argument("path", metavar="PATH", help="a folder trusted before")
        return
    parser.add_argument(
        "path", metavar="PATH", nargs="?", default=".", help="folder to trust (default: .)"
    )
    parser.add_argument("--list", action="store_true", help="list the trusted folders")
    parser.add_argument(
        "--venv",
        action="store_true",
        help="also use the folder's .venv/bin/python for runs (it runs the workspace's program)",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hone.core.trust import TrustStore, TrustStoreError, real

    store = TrustStore()
    if args.command == "untrust":
        removed = store.untrust(args.path)
        if not removed:
            print(f"hone: {args.path} was not trusted (`hone trust --list`)", file=sys.stderr)
            return 2
        for entry in removed:
            print(f"no longer trusted: {entry.path}")
        return 0
    if args.list:
        entries = store.entries()
        if not entries:
            print(f"no trusted folders ({store.path})")
        for entry in entries:
            extra = f" (real path {entry.realpath})" if entry.realpath != entry.path else ""
            python = store.confirmed_venv(entry.realpath)
            venv = f"; runs use {python}" if python else ""
            print(f"{entry.path}{extra}{venv}")
        return 0
    try:
        entry = store.trust(args.path)
        print(f"trusted: {entry.path}")
        print("hone may now run this folder's code in its sandbox (verification, Run with timing).")
        if args.venv:
            from hone.runner.interpreter import venv_python

            found = venv_python(Path(entry.path) / ".venv")
            if found is None:
                print(f"hone: no .venv interpreter in {entry.path}", file=sys.stderr)
                return 2
            store.confirm_venv(entry.path, found)
            print(f"runs use {real(found)}")
    except TrustStoreError as exc:
        print(f"hone: {exc}", file=sys.stderr)
        return 2
    return 0
