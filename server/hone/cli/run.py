"""``hone run FILE [--function NAME] [--json] [-- ARGS...]``: "Run with timing" in a terminal.

Runs the file (or one of its functions that needs no arguments) in hone's sandbox and prints
the same report the editor shows: the summary line, per-function self/total times and call
counts, the hottest lines, the traceback of an uncaught exception and the program's output.
Ctrl-C stops the program and still prints what was measured.

Settings come from ``[tool.hone]`` in the nearest ``pyproject.toml`` (``run.timeoutSeconds``,
``run.memoryMb``, ``run.maxOutputKb``, ``run.python``, ``run.enabled``); flags override them.

Exit status: the program's own (0 when it succeeded, 1 for an uncaught exception as with
``python``), 124 when it was stopped at the time limit, 130 when interrupted, 2 when nothing ran
(bad arguments, syntax error, ``run.enabled = false``, interpreter not found).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hone.runner.report import TimingReport

EXIT_NOT_RUN = 2
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130


def _positive(kind: type[float] | type[int]) -> Any:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError("must be positive")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the Python file to run")
    parser.add_argument(
        "program_args",
        nargs="*",
        metavar="ARGS",
        help="arguments for the program (after --, e.g. hone run app.py -- --verbose x)",
    )
    parser.add_argument(
        "-f", "--function", metavar="NAME", help="call this function (no required arguments)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--timeout", type=_positive(float), metavar="S", help="wall-time limit in seconds"
    )
    parser.add_argument("--memory", type=_positive(int), metavar="MB", help="memory limit in MB")
    parser.add_argument(
        "--max-output", type=_positive(int), metavar="KB", help="captured output cap in KB"
    )
    parser.add_argument("--python", metavar="PATH", help="interpreter to run the program with")
    parser.add_argument(
        "--no-network",
        action="store_true",
        help="no network for the program (default: the run.network setting)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="the workspace read-only for the program (default: the run.writeWorkspace setting)",
    )
    parser.add_argument(
        "--samples", metavar="FILE", help="keep the recorded call arguments in FILE (a pickle)"
    )
    parser.add_argument(
        "--sampler",
        choices=("auto", "signal", "thread"),
        default="auto",
        help="how samples are taken: a timer signal to the main thread (Linux) or a thread",
    )
    parser.add_argument(
        "--no-counts",
        action="store_true",
        help="no exact call counts (less overhead on code that makes many tiny calls)",
    )
    parser.add_argument(
        "--no-instrument",
        action="store_true",
        help="sampling only: no call counts or argument samples (least overhead)",
    )


def _settings_for(path: Any) -> tuple[Any, Any, list[str]]:
    """(settings, workspace folder, problems) from the nearest pyproject.toml."""
    from pathlib import Path

    from hone.core.settings import Layer, find_pyproject, merge, pyproject_layer, user_layer

    layers: list[Layer] = []
    problems: list[str] = []
    pyproject = find_pyproject(path)
    workspace = Path.cwd()
    if pyproject is not None:
        # a project's file shapes limits only: it never picks the interpreter or enables runs
        layer, read_problems = pyproject_layer(pyproject)
        problems.extend(str(p) for p in read_problems)
        layers.append(layer)
        workspace = pyproject.parent
    user, user_problems = user_layer()
    problems.extend(str(p) for p in user_problems)
    layers.append(user)
    settings, merge_problems = merge(layers)
    problems.extend(str(p) for p in merge_problems)
    return settings, workspace, problems


def run(args: argparse.Namespace) -> int:
    import asyncio
    import contextlib
    import os
    import shutil
    import signal
    from pathlib import Path

    from hone.runner import InterpreterError, RunRequest, choose_interpreter, run_with_timing

    path = Path(args.file).absolute()
    if not path.is_file():
        print(f"hone run: no such file: {args.file}", file=sys.stderr)
        return EXIT_NOT_RUN
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"hone run: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_NOT_RUN
    settings, workspace, problems = _settings_for(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not settings.bool("run.enabled"):
        print("hone run: disabled by the run.enabled setting (user settings file)", file=sys.stderr)
        return EXIT_NOT_RUN
    try:
        interpreter = choose_interpreter(workspace, args.python or settings.str("run.python"))
    except InterpreterError as exc:
        print(f"hone run: {exc}", file=sys.stderr)
        return EXIT_NOT_RUN
    max_output_kb = args.max_output or settings.int("run.maxOutputKb")
    request = RunRequest(
        path=str(path),
        source_text=source,
        function=args.function,
        args=tuple(args.program_args),
        cwd=os.getcwd(),
        python=interpreter.path,
        timeout_s=args.timeout or settings.float("run.timeoutSeconds"),
        memory_mb=args.memory or settings.int("run.memoryMb"),
        max_output_bytes=max_output_kb * 1024,
        user_roots=(str(workspace),),
        # the user's own settings (a project's pyproject.toml can never widen these)
        network=settings.bool("run.network") and not args.no_network,
        write_workspace=settings.bool("run.writeWorkspace") and not args.read_only,
        instrument=not args.no_instrument,
        call_counts=not (args.no_counts or args.no_instrument),
        sampler=args.sampler,
    )
    show_progress = sys.stderr.isatty() and not args.json

    def on_progress(elapsed: float) -> None:
        if show_progress:
            sys.stderr.write(f"\rhone: running {path.name}... {elapsed:.1f} s (Ctrl-C stops)")
            sys.stderr.flush()

    async def go() -> TimingReport:
        cancel = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, cancel.set)
        try:
            return await run_with_timing(request, cancel=cancel, on_progress=on_progress)
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)

    report = asyncio.run(go())
    if show_progress:
        sys.stderr.write("\r\x1b[K")
    if interpreter.source != "hone's own interpreter":
        report.notes.insert(0, f"interpreter: {interpreter.describe()}")
    samples = report.samples_path
    if samples:
        if args.samples:
            try:
                shutil.copyfile(samples, args.samples)
                report.samples_path = os.path.abspath(args.samples)
            except OSError as exc:
                print(f"hone run: cannot write {args.samples}: {exc}", file=sys.stderr)
                report.samples_path = None
        else:
            report.samples_path = None
        shutil.rmtree(os.path.dirname(samples), ignore_errors=True)
    if args.json:
        sys.stdout.write(report.to_json(indent=2) + "\n")
    else:
        sys.stdout.write(report.render_text(source))
    if report.error is not None and report.exit_code is None:
        return EXIT_NOT_RUN
    if report.timed_out:
        return EXIT_TIMEOUT
    if report.cancelled:
        return EXIT_INTERRUPTED
    if report.exit_code is None or report.exit_code < 0:
        return 1
    return report.exit_code
