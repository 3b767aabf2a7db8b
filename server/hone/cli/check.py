"""``hone check PATH...``: the rule engine over files and folders, for people and for CI.

Exit status: 0 no findings, 1 findings (``HONE001`` "file skipped" notes do not count; a
binary or undecodable file is a ``HONE000`` finding), 2 usage error, missing path, a file that
could not be read, or an internal error (a crashed rule included).  ``--exit-zero`` turns 1 into 0
but never hides a 2.

Heavy modules (libcst, the engine) are imported inside :func:`run` so ``hone serve`` stays light.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hone.cli.cache import ResultCache
    from hone.cli.discovery import SettingsResolver
    from hone.cli.worker import FileResult, FileTask

# Fewer files to analyse than this are checked in-process: a pool costs more than it saves.
PARALLEL_MIN_FILES = 8

_SHOWN_KEYS = ("rules.", "analysis.", "exclude")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


EPILOG = """\
exit status:
  0  no findings (HONE001 "file skipped" notes do not count)
  1  findings (a binary or undecodable file is a HONE000 finding); 0 with --exit-zero
  2  usage error, missing path, unreadable file, or internal error (also with --exit-zero)

settings: [tool.hone] in the nearest pyproject.toml of each file; --select/--ignore/
--exclude/--max-file-size-kb replace the same setting from there.

output: positions are 1-based, columns count Unicode code points.  --format json writes
{"schema": "hone-check/1", "findings": [{path, line, column, end_line, end_column, code,
name, message, severity, category, function, fix: {title, safety, edits}}], "errors",
"summary"}; --format sarif writes SARIF 2.1.0 (columnKind unicodeCodePoints) for code
scanning.  Results are cached by file content (see --show-settings for where).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files and folders (default: .)"
    )
    parser.add_argument(
        "--format", choices=("text", "json", "sarif"), default="text", help="output format"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    fixes = parser.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    fixes.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="apply unsafe fixes too (implies --fix; see `hone rules --explain CODE`)",
    )
    fixes.add_argument(
        "--show-fixes", action="store_true", help="show each fix's changed lines (text output)"
    )
    sel = parser.add_argument_group("rule selection (over [tool.hone] in pyproject.toml)")
    sel.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="comma-separated rule codes or prefixes to enable, e.g. HONE1,HONE201",
    )
    sel.add_argument(
        "--ignore", action="append", metavar="CODES", help="rule codes or prefixes to disable"
    )
    files = parser.add_argument_group("files")
    files.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        help="exclude glob, replacing the `exclude` setting (repeatable)",
    )
    files.add_argument(
        "--extend-exclude",
        action="append",
        metavar="PATTERN",
        help="exclude glob added to the `exclude` setting (repeatable)",
    )
    files.add_argument(
        "--max-file-size-kb",
        type=_positive_int,
        metavar="KB",
        help="skip larger files (analysis.maxFileSizeKb)",
    )
    run = parser.add_argument_group("running")
    run.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=0,
        metavar="N",
        help="worker processes (default: one per core)",
    )
    run.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    run.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache folder (default: $HONE_CACHE_DIR or the user cache dir)",
    )
    run.add_argument("--clear-cache", action="store_true", help="empty the cache first")
    run.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    run.add_argument(
        "--show-settings",
        action="store_true",
        help="print the effective settings and cache location, then exit",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="only the finding lines")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="cache and worker statistics on stderr"
    )


def _codes(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def _err(message: str) -> None:
    print(f"hone: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        with _cli_logging(getattr(args, "verbose", False)):
            return _run(args)
    except BrokenPipeError:  # `hone check | head`: stop quietly
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        _err(f"internal error: {type(exc).__name__}: {exc}")
        if getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        return 2


@contextlib.contextmanager
def _cli_logging(verbose: bool) -> Iterator[None]:
    """The engine logs rule crashes with tracebacks; the CLI reports them itself (one line per
    file), so the log shows only with ``-v``.  Restored afterwards (``run`` may be called
    in-process, e.g. by tests)."""
    import logging

    logger = logging.getLogger("hone")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    handler: logging.Handler = logging.StreamHandler() if verbose else logging.NullHandler()
    handler.setFormatter(logging.Formatter("hone: %(levelname)s: %(name)s: %(message)s"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO if verbose else logging.CRITICAL)
    logger.propagate = False
    try:
        yield
    finally:
        logger.handlers, logger.propagate = saved[0], saved[2]
        logger.setLevel(saved[1])


def _run(args: argparse.Namespace) -> int:
    from hone.cli.cache import ResultCache
    from hone.cli.discovery import SettingsResolver, discover
    from hone.core.paths import default_cache_dir
    from hone.docs_catalog import catalog

    cwd = Path.cwd()
    cli_layer: dict[str, Any] = {}
    select, ignore = _codes(args.select), _codes(args.ignore)
    if select is not None:
        cli_layer["rules.select"] = select
    if ignore is not None:
        cli_layer["rules.ignore"] = ignore
    if args.max_file_size_kb is not None:
        if args.max_file_size_kb < 1:
            _err("error: --max-file-size-kb must be at least 1")
            return 2
        cli_layer["analysis.maxFileSizeKb"] = args.max_file_size_kb
    ids = [e.id for e in catalog()]
    for option, codes in (("--select", select), ("--ignore", ignore)):
        for code in codes or ():
            if not any(i.startswith(code) for i in ids):
                _err(f"warning: {option} {code} matches no rule (see `hone rules`)")
    unsafe = bool(args.unsafe_fixes)
    fix = bool(args.fix) or unsafe
    resolver = SettingsResolver(cli_layer)
    cache_dir = Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    jobs = args.jobs or os.cpu_count() or 1

    if args.show_settings:
        return _show_settings(args, resolver, cwd, cache_dir, jobs)

    found = discover(
        args.paths,
        resolver,
        exclude_override=args.exclude,
        extend_exclude=args.extend_exclude or (),
        cwd=cwd,
    )
    if found.missing:
        for p in found.missing:
            _err(f"error: no such file or folder: {p}")
        return 2

    cache: ResultCache | None = None
    if not args.no_cache:
        cache = ResultCache(cache_dir)
        if args.clear_cache:
            cache.clear()
        if cache.error:
            _err(f"warning: {cache.error}")
            cache = None

    show = args.show_fixes and args.format == "text"
    tasks = _tasks(found.files, resolver, cache, fix=fix, unsafe=unsafe, show=show)
    for problem in resolver.problems:
        print(f"{problem}", file=sys.stderr)
    if not tasks:
        _err("warning: no Python files found in " + " ".join(args.paths))

    results, parallel = _execute(tasks, cache, jobs)
    results.sort(key=lambda r: r.path)
    if cache is not None:
        hits = sum(1 for r in results if r.from_cache)
        misses = sum(1 for r in results if r.analysed)
        cache.put_many(
            (row for r in results for row in r.cache_rows),
            used=[r.cache_hit for r in results if r.cache_hit],
            hits=hits,
            misses=misses,
        )
        if cache.error:
            _err(f"warning: {cache.error}")
        cache.close()
    return _report(args, results, cwd, fix=fix, unsafe=unsafe, parallel=parallel, jobs=jobs)


def _tasks(
    files: Iterable[Path],
    resolver: SettingsResolver,
    cache: ResultCache | None,
    *,
    fix: bool,
    unsafe: bool,
    show: bool,
) -> list[FileTask]:
    from hone.cli.cache import code_fingerprint, namespace
    from hone.cli.worker import FileTask

    fingerprint = code_fingerprint() if cache is not None else ""
    namespaces: dict[int, str] = {}
    tasks: list[FileTask] = []
    for path in files:
        resolved = resolver.for_path(path)
        ns = None
        if cache is not None:
            ns = namespaces.get(id(resolved))
            if ns is None:
                ns = namespaces[id(resolved)] = namespace(resolved.settings, fingerprint)
        tasks.append(
            FileTask(
                str(path),
                dict(resolved.settings.values),
                namespace=ns,
                db_path=str(cache.path) if cache is not None else None,
                fix=fix,
                unsafe=unsafe,
                show_fixes=show,
            )
        )
    return tasks


def _is_cheap(task: FileTask, cache: ResultCache | None) -> bool:
    """True when the file will not need analysing (cached, too large, unreadable)."""
    from hone.cli.cache import result_key

    if cache is None or task.namespace is None:
        return False
    try:
        path = Path(task.path)
        if path.stat().st_size > int(task.settings["analysis.maxFileSizeKb"]) * 1024:
            return True
        data = path.read_bytes()
    except OSError:
        return True
    cached = cache.get(result_key(task.namespace, data))
    if cached is None:
        return False
    from hone.analysis.fixes import fixable

    return not (task.fix and fixable(cached.findings, unsafe=task.unsafe))


def _execute(
    tasks: list[FileTask], cache: ResultCache | None, jobs: int
) -> tuple[list[FileResult], bool]:
    """Cheap files in-process; the rest in a process pool when there are enough of them."""
    from hone.cli.worker import check_batch

    cheap = [t for t in tasks if _is_cheap(t, cache)]
    cheap_paths = {t.path for t in cheap}
    heavy = [t for t in tasks if t.path not in cheap_paths]
    results = check_batch(cheap)
    if jobs <= 1 or len(heavy) < PARALLEL_MIN_FILES:
        results.extend(check_batch(heavy))
        return results, False
    results.extend(_parallel(heavy, jobs))
    return results, True


def _parallel(tasks: list[FileTask], jobs: int) -> list[FileResult]:
    import multiprocessing as mp
    from concurrent.futures import Future, ProcessPoolExecutor, as_completed

    from hone.cli.worker import FileResult, check_batch

    # Several files per task amortise pickling; enough tasks per worker balance the load.
    size = max(1, min(16, len(tasks) // (jobs * 4)))
    batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    results: list[FileResult] = []
    # fork where available: workers inherit the imported engine and rules instead of paying
    # libcst's import again (the CLI's parent process runs no threads)
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), mp_context=ctx) as pool:
        futures: dict[Future[list[FileResult]], list[FileTask]] = {
            pool.submit(check_batch, batch): batch for batch in batches
        }
        for future in as_completed(futures):
            try:
                results.extend(future.result())
            except Exception as exc:  # e.g. BrokenProcessPool: a worker died (crash, OOM)
                for t in futures[future]:
                    results.append(
                        FileResult(t.path, error=f"internal error: worker process failed: {exc!r}")
                    )
    return results


def _report(
    args: argparse.Namespace,
    results: list[FileResult],
    cwd: Path,
    *,
    fix: bool,
    unsafe: bool,
    parallel: bool,
    jobs: int,
) -> int:
    from hone.cli.output import (
        _fixed_line,
        counts,
        display_path,
        failing,
        render_json,
        render_sarif,
        render_text,
    )
    from hone.docs_catalog import catalog

    internal = False
    for r in results:
        shown = display_path(r.path, cwd)
        if r.error:
            internal = True
            _err(f"error: {shown}: {r.error}")
            if r.detail and args.verbose:
                print(r.detail, file=sys.stderr)
        for problem in _group_rule_errors(r.rule_errors):
            internal = True
            _err(f"error: {shown}: {problem}")
        for note in r.notes:
            _err(f"warning: {shown}: {note}")

    if args.format == "json":
        report = render_json(results, cwd=cwd)
    elif args.format == "sarif":
        report = render_sarif(results, cwd=cwd, entries=catalog())
    else:
        report = render_text(
            results,
            cwd=cwd,
            show_fixes=args.show_fixes,
            fix_mode=fix,
            unsafe=unsafe,
            quiet=args.quiet,
        )
    if args.output:
        try:
            Path(args.output).write_text(report, encoding="utf-8")
        except OSError as exc:
            _err(f"error: cannot write {args.output}: {exc}")
            return 2
    else:
        sys.stdout.write(report)
        sys.stdout.flush()
    if fix and args.format != "text" and not args.quiet:
        _err(_fixed_line(counts(results)))
    if args.verbose:
        hits = sum(1 for r in results if r.from_cache)
        analysed = sum(1 for r in results if r.analysed)
        mode = f"parallel, {jobs} jobs" if parallel else "serial"
        _err(f"{len(results)} files: {hits} from cache, {analysed} analysed ({mode})")

    if internal:
        return 2
    return 1 if failing(results) and not args.exit_zero else 0


def _group_rule_errors(errors: Sequence[str]) -> list[str]:
    """``"HONE101: RecursionError(...)"`` lines -> one line per distinct exception."""
    by_exc: dict[str, list[str]] = {}
    for e in errors:
        code, sep, exc = e.partition(": ")
        if not sep:
            code, exc = "?", e
        by_exc.setdefault(exc, []).append(code)
    return [
        f"rule failed: {codes[0]}: {exc}"
        if len(codes) == 1
        else f"{len(codes)} rules failed ({', '.join(codes)}): {exc}"
        for exc, codes in by_exc.items()
    ]


def _show_settings(
    args: argparse.Namespace, resolver: SettingsResolver, cwd: Path, cache_dir: Path, jobs: int
) -> int:
    import json

    from hone import __version__
    from hone.cli.cache import DB_NAME

    target = (cwd / args.paths[0]).absolute()
    resolved = resolver.for_path(target)
    print(f"hone {__version__}")
    print(f"settings for: {target}")
    print(f"pyproject.toml: {resolved.pyproject or '(none found)'}")
    for key in sorted(resolved.settings.values):
        if key.startswith(_SHOWN_KEYS):
            print(f"  {key} = {json.dumps(resolved.settings.values[key])}")
    state = "disabled (--no-cache)" if args.no_cache else "enabled"
    print(f"cache: {cache_dir / DB_NAME} ({state})")
    print(f"jobs: {jobs}")
    for problem in resolver.problems:
        print(f"{problem}", file=sys.stderr)
    return 0
