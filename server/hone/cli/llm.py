"""``hone llm check``: test an OpenAI-compatible endpoint before pointing hone at it.

The endpoint, model and key variable come from the command line only (or a preset): nothing in
the current folder chooses where a request goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hone.llm.check import PRESETS

    sub = parser.add_subparsers(dest="llm_command", metavar="ACTION")
    check = sub.add_parser(
        "check",
        help="is the endpoint reachable, which structured output works, how fast",
        description="Check an OpenAI-compatible endpoint: reachability, model list, which "
        "structured-output mode works (json_schema / json_object / none), latency.",
    )
    check.add_argument("--preset", choices=sorted(PRESETS), help="fill in a known endpoint")
    check.add_argument("--base-url", help="e.g. http://localhost:11434/v1")
    check.add_argument("--model", help="model name sent to the endpoint")
    check.add_argument(
        "--api-key-env", help="environment variable holding the key (default OPENAI_API_KEY)"
    )
    check.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    check.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from hone.llm.check import PRESETS, check_endpoint
    from hone.llm.provider import LLMConfig

    if getattr(args, "llm_command", None) != "check":
        print("usage: hone llm check [--preset NAME | --base-url URL] [--model M]", file=sys.stderr)
        return 2
    base, model, key_env = PRESETS.get(args.preset or "", ("", "gpt-4o-mini", "OPENAI_API_KEY"))
    config = LLMConfig(
        base_url=args.base_url or base,
        model=args.model or model,
        api_key_env=args.api_key_env or key_env or "OPENAI_API_KEY",
        timeout_seconds=args.timeout,
        max_concurrency=1,
    )
    if not config.configured:
        print("hone: give --base-url or --preset (openai, ollama, llama.cpp)", file=sys.stderr)
        return 2
    report = asyncio.run(check_endpoint(config))
    if args.json:
        data = asdict(report)
        data["best_mode"] = report.best_mode
        print(json.dumps(data, indent=2))
    else:
        print("\n".join(report.lines()))
    return 0 if report.reachable and report.best_mode else 1
