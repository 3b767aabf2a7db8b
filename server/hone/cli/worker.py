"""Checking (and fixing) one file: the unit of work ``hone check`` runs serially or in a pool.

Everything here is picklable and self-contained, so the same function runs in the parent (small
inputs) or in ``ProcessPoolExecutor`` workers.  A file that cannot be checked never raises out of
:func:`check_file`: the problem comes back in the :class:`FileResult`.

Bad input:
- unreadable (permission, vanished, I/O error): ``FileResult.error``, the run exits 2;
- binary (NUL bytes), undecodable (not UTF-8 / not its PEP 263 coding cookie): a ``HONE000``
  finding at 1:1 (Python could not import the file either), counted like any finding;
- larger than ``analysis.maxFileSizeKb``: an info ``HONE001`` finding, not read at all, and not
  counted for the exit code.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import tempfile
import tokenize
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hone.analysis.engine import Analyzer
from hone.analysis.fixes import fix_all, fixable
from hone.cli.cache import CachedResult, encode_result, result_key, worker_lookup
from hone.core.codes import SKIPPED_CODE, SYNTAX_CODE
from hone.core.finding import Category, Finding, Fix, Severity, Span
from hone.core.settings import Settings
from hone.core.text import apply_edits, split_lines


@dataclass(frozen=True, slots=True)
class FileTask:
    path: str  # absolute
    settings: Mapping[str, Any]  # Settings.values
    namespace: str | None = None  # cache namespace; None: no cache
    db_path: str | None = None
    fix: bool = False
    unsafe: bool = False
    show_fixes: bool = False


@dataclass(slots=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...] = ()
    previews: tuple[str, ...] = ()  # per finding with show_fixes ("" when it has no fix)
    error: str | None = None  # the file could not be checked (exit code 2)
    detail: str | None = None  # traceback of an internal error
    rule_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # warnings, e.g. a fix that was not written
    from_cache: bool = False
    analysed: bool = False
    fixed: int = 0  # fixes applied and written
    written: bool = False
    cache_rows: list[tuple[str, str]] = field(default_factory=list)
    cache_hit: str | None = None  # key of the row this result came from (refreshed on use)


class DecodeProblem(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line  # 0-based line of the offending byte


@dataclass(frozen=True, slots=True)
class Source:
    text: str
    encoding: str  # codec to write back with ("utf-8-sig" keeps a BOM)


def decode_source(data: bytes) -> Source:
    """Decode Python source like the interpreter does (BOM, PEP 263 cookie, default UTF-8)."""
    if b"\0" in data:
        raise DecodeProblem("binary file (contains NUL bytes); not analysed")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise _not_valid("UTF-8", data, bad) from None
        raise DecodeProblem(f"cannot decode: {exc.msg}; not analysed") from None
    try:
        return Source(data.decode(encoding), encoding)
    except UnicodeDecodeError as exc:
        raise _not_valid(encoding, data, exc) from None
    except LookupError as exc:  # pragma: no cover - detect_encoding already checks the codec
        raise DecodeProblem(f"cannot decode: {exc}") from None


def _not_valid(encoding: str, data: bytes, exc: UnicodeDecodeError) -> DecodeProblem:
    line = data.count(b"\n", 0, exc.start) + 1
    name = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig") else encoding
    return DecodeProblem(
        f"not valid {name}: byte 0x{data[exc.start]:02x} on line {line} "
        "(declare the encoding with a `# -*- coding: ... -*-` comment); not analysed",
        line - 1,
    )


def _file_finding(code: str, message: str, severity: Severity, line: int = 0) -> Finding:
    return Finding(code, message, Span.of(line, 0, line, 0), severity, Category.SYNTAX)


def fix_preview(text: str, fix: Fix) -> str:
    """The lines a fix changes, as ``- old`` / ``+ new`` lines (unchanged lines trimmed)."""
    if not fix.edits:
        return ""
    lines = split_lines(text)
    first = min(e.span.start.line for e in fix.edits)
    last = max(e.span.end.line for e in fix.edits)
    old = "".join(lines[first : last + 1])
    try:
        new = apply_edits(old, [e.shifted(-first) for e in fix.edits])
    except ValueError:
        return ""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    while old_lines and new_lines and old_lines[0] == new_lines[0]:
        old_lines.pop(0)
        new_lines.pop(0)
    while old_lines and new_lines and old_lines[-1] == new_lines[-1]:
        old_lines.pop()
        new_lines.pop()
    return "\n".join([*("- " + ln for ln in old_lines), *("+ " + ln for ln in new_lines)])


def _only_crlf(text: str) -> bool:
    return "\r\n" in text and text.count("\n") == text.count("\r\n")


def write_atomic(path: Path, data: bytes, expected: bytes) -> str | None:
    """Replace ``path``'s content with ``data`` atomically; returns a problem or None.

    Refuses when the file changed since it was read (an editor saved meanwhile).  Writes through
    a symlink to its target, and keeps the file's mode (and owner, when allowed).
    """
    target = path.resolve() if path.is_symlink() else path
    try:
        if target.read_bytes() != expected:
            return "the file changed on disk during the check; fixes not written"
        st = target.stat()
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".hone")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, st.st_mode & 0o7777)
            with contextlib.suppress(OSError):
                os.chown(tmp, st.st_uid, st.st_gid)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        return f"cannot write fixes: {exc}"
    return None


def check_file(task: FileTask) -> FileResult:
    try:
        return _check_file(task)
    except Exception as exc:  # a bug must cost one file, not the run
        return FileResult(
            task.path,
            error=f"internal error: {type(exc).__name__}: {exc}",
            detail=traceback.format_exc(),
        )


def check_batch(tasks: Sequence[FileTask]) -> list[FileResult]:
    return [check_file(t) for t in tasks]


def _check_file(task: FileTask) -> FileResult:
    path = Path(task.path)
    settings = Settings(dict(task.settings))
    result = FileResult(task.path)
    limit_kb = settings.int("analysis.maxFileSizeKb")
    try:
        size = path.stat().st_size
        if size > limit_kb * 1024:
            msg = (
                f"hone skipped this file: {size // 1024} KB is above analysis.maxFileSizeKb "
                f"({limit_kb} KB)"
            )
            result.findings = (_file_finding(SKIPPED_CODE, msg, Severity.INFO),)
            return result
        data = path.read_bytes()
    except OSError as exc:
        result.error = f"cannot read: {exc.strerror or exc}"
        return result

    try:
        source = decode_source(data)
    except DecodeProblem as exc:
        result.findings = (_file_finding(SYNTAX_CODE, str(exc), Severity.ERROR, exc.line),)
        return result

    key = result_key(task.namespace, data) if task.namespace else None
    cached = worker_lookup(task.db_path, key) if key and task.db_path else None
    text = source.text
    if cached is not None and not (task.fix and fixable(cached.findings, unsafe=task.unsafe)):
        result.findings, result.rule_errors = cached.findings, cached.rule_errors
        result.from_cache, result.cache_hit = True, key
    elif task.fix:
        text = _fix(task, path, data, source, settings, result)
    else:
        analysis = Analyzer().analyse(text, settings)
        result.analysed = True
        result.findings, result.rule_errors = analysis.findings, analysis.rule_errors
        _remember(task, key, result)

    if task.show_fixes:
        result.previews = tuple(fix_preview(text, f.fix) if f.fix else "" for f in result.findings)
    return result


def _remember(task: FileTask, key: str | None, result: FileResult) -> None:
    if key is None or result.rule_errors:  # a crashed rule is retried next time
        return
    payload = encode_result(CachedResult(result.findings, result.rule_errors))
    if payload is not None:
        result.cache_rows.append((key, payload))


def _fix(
    task: FileTask, path: Path, data: bytes, source: Source, settings: Settings, result: FileResult
) -> str:
    """Fix-all, write if changed; returns the text the result's findings refer to."""
    crlf = _only_crlf(source.text)
    # Fixes insert "\n" line breaks: fix a CRLF file as LF and convert back, so endings are kept.
    work = source.text.replace("\r\n", "\n") if crlf else source.text
    analyzer = Analyzer()
    fixed = fix_all(work, settings, unsafe=task.unsafe, analyzer=analyzer)
    result.analysed = True
    result.findings = fixed.remaining
    result.rule_errors = analyzer.last_good.rule_errors if analyzer.last_good else ()
    new_text = fixed.text.replace("\n", "\r\n") if crlf else fixed.text
    if new_text == source.text:
        _remember(task, result_key(task.namespace, data) if task.namespace else None, result)
        return source.text
    try:
        ast.parse(new_text)
        new_data = new_text.encode(source.encoding)
    except (SyntaxError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        # fix_all never returns unparsable code; this guards the write itself all the same
        result.notes = (f"fixes not written: {exc}",)
        return _recheck(task, data, source, settings, result)
    problem = write_atomic(path, new_data, data)
    if problem is not None:
        result.notes = (problem,)
        return _recheck(task, data, source, settings, result)
    result.fixed, result.written = fixed.applied, True
    _remember(task, result_key(task.namespace, new_data) if task.namespace else None, result)
    return new_text


def _recheck(
    task: FileTask, data: bytes, source: Source, settings: Settings, result: FileResult
) -> str:
    """Nothing was written: report the findings of the file as it is on disk."""
    analysis = Analyzer().analyse(source.text, settings)
    result.findings, result.rule_errors = analysis.findings, analysis.rule_errors
    _remember(task, result_key(task.namespace, data) if task.namespace else None, result)
    return source.text
