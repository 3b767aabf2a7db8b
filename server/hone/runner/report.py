"""The result of a timed run: dataclasses, JSON round trip, the one-line summary and a text report.

Lines are 1-based here (as Python reports them); the LSP layer converts to 0-based positions.
Times are seconds; a *share* is a fraction (0..1) of the sampled wall time of the program.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

REPORT_VERSION = 1


@dataclass(frozen=True, slots=True)
class LineTiming:
    file: str
    line: int
    self_s: float
    cum_s: float
    share: float  # self_s / sampled time
    qualname: str = ""  # the function the line belongs to ("<module>" for top-level code)


@dataclass(frozen=True, slots=True)
class FunctionTiming:
    qualname: str  # "parse_rows", "Parser.feed", "outer.inner" (hone's function-index style)
    file: str
    line: int  # first line of the definition (its first decorator, if any)
    self_s: float  # time with this function innermost among user frames (library calls folded)
    cum_s: float  # time with this function anywhere on the stack
    calls: int | None  # exact call count when the file was instrumented, else None
    share: float  # self_s / sampled time
    cum_share: float  # cum_s / sampled time
    samples: tuple[int, ...] = ()  # indices into the samples file's "entries"
    lines: tuple[LineTiming, ...] = ()  # per-line times, for the hottest functions only

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class FrameInfo:
    file: str
    line: int
    function: str


@dataclass(frozen=True, slots=True)
class ExceptionInfo:
    type: str
    message: str
    traceback_text: str
    file: str | None  # deepest frame in the user's own code
    line: int | None
    file_line: int | None = None  # deepest frame in the file that was run (for its diagnostic)
    frames: tuple[FrameInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int
    function: str


@dataclass(slots=True)
class TimingReport:
    path: str
    function: str | None = None
    args: tuple[str, ...] = ()
    python: str = ""  # the interpreter that ran it
    python_version: str = ""
    wall_s: float = 0.0  # the program's own run time (interpreter start-up excluded when known)
    process_wall_s: float = 0.0  # the child process as the parent saw it
    cpu_s: float = 0.0  # user + system CPU of the program (and the children it waited for)
    peak_rss_bytes: int = 0
    exit_code: int | None = None  # negative: killed by that signal
    timed_out: bool = False
    cancelled: bool = False
    stdout: str = ""
    stderr: str = ""
    truncated_bytes: int = 0  # output dropped past the cap
    functions: list[FunctionTiming] = field(default_factory=list)
    hot_lines: list[LineTiming] = field(default_factory=list)
    exception: ExceptionInfo | None = None
    interrupted_at: Location | None = None  # where a timed-out/cancelled program was
    samples_path: str | None = (
        None  # pickle of recorded call arguments (see FunctionTiming.samples)
    )
    error: str | None = None  # why nothing ran (syntax error, bad interpreter, ...)
    error_line: int | None = None
    notes: list[str] = field(default_factory=list)
    profile: str = "none"  # "complete" | "partial" | "none": how much profile data there is
    sampled_s: float = 0.0
    sample_count: int = 0
    sample_interval_s: float = 0.0
    instrumented: bool = False  # argument samples were recorded
    call_counts: bool = False  # FunctionTiming.calls are exact counts
    sampler: str = ""  # "signal" or "thread": how the samples were taken
    return_repr: str | None = None
    version: int = REPORT_VERSION

    # -- queries --------------------------------------------------------------------------------
    @property
    def ran(self) -> bool:
        return self.error is None or self.exit_code is not None

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.exception is None
            and not self.timed_out
            and not self.cancelled
            and self.exit_code == 0
        )

    def hottest(self) -> FunctionTiming | None:
        """The function with the most self time (where the time actually went)."""
        best = max(self.functions, key=lambda f: f.self_s, default=None)
        return best if best is not None and best.self_s > 0 else None

    def functions_in(self, file: str) -> list[FunctionTiming]:
        target = os.path.abspath(file)
        return [f for f in self.functions if os.path.abspath(f.file) == target]

    # -- text ------------------------------------------------------------------------------------
    def summary(self) -> str:
        """``ran in 1.23 s, CPU 1.20 s, peak 45 MB — hottest: parse_rows 0.81 s, 66 %``."""
        if self.error and self.exit_code is None:
            return f"not run: {self.error}"
        if self.timed_out:
            head = f"timed out after {fmt_seconds(self.wall_s)}"
        elif self.cancelled:
            head = f"cancelled after {fmt_seconds(self.wall_s)}"
        else:
            head = f"ran in {fmt_seconds(self.wall_s)}"
        text = f"{head}, CPU {fmt_seconds(self.cpu_s)}, peak {fmt_bytes(self.peak_rss_bytes)}"
        hot = self.hottest()
        if hot is not None:
            text += f" — hottest: {hot.qualname} {fmt_seconds(hot.self_s)}, {fmt_share(hot.share)}"
        if self.exception is not None:
            where = self.exception.file_line or self.exception.line
            at = f" at line {where}" if where else ""
            message = _one_line(self.exception.message, 120)
            text += f" — {self.exception.type}{at}" + (f": {message}" if message else "")
        elif self.error:
            text += f" — {self.error}"
        elif not (self.timed_out or self.cancelled) and self.exit_code not in (0, None):
            text += f" — exit code {self.exit_code}"
        if self.truncated_bytes:
            text += f" — output truncated ({fmt_bytes(self.truncated_bytes)} dropped)"
        return text

    def render_text(self, source: str | None = None, *, max_functions: int = 15) -> str:
        """The full report for a terminal or a log; ``source`` is the run file's text."""
        out = [self.summary()]
        exe = (
            f"{self.python} (Python {self.python_version})" if self.python_version else self.python
        )
        if self.timed_out or self.cancelled:
            status = "killed at the time limit" if self.timed_out else "cancelled"
        elif self.exit_code is not None and self.exit_code < 0:
            status = f"killed by signal {-self.exit_code}"
        elif self.exit_code is not None:
            status = f"exit code {self.exit_code}"
        else:
            status = "not run"
        out.append(f"{status} · interpreter {exe}" if exe else status)
        out.extend(f"note: {n}" for n in self.notes)
        if self.functions:
            how = "calls counted exactly" if self.call_counts else "no call counts"
            out.append("")
            apart = self.sampled_s / self.sample_count * 1000 if self.sample_count else 0.0
            out.append(
                f"Functions ({self.profile} profile, {self.sample_count} samples "
                f"~{apart:.1f} ms apart, {how})"
            )
            out.append(f"  {'self':>9} {'%':>4}  {'total':>9} {'%':>4}  {'calls':>9}  function")
            for f in self.functions[:max_functions]:
                calls = f"{f.calls:,}" if f.calls is not None else "-"
                out.append(
                    f"  {fmt_seconds(f.self_s):>9} {_pct(f.share):>4}  {fmt_seconds(f.cum_s):>9} "
                    f"{_pct(f.cum_share):>4}  {calls:>9}  {f.qualname} "
                    f"({os.path.basename(f.file)}:{f.line})"
                )
            if len(self.functions) > max_functions:
                out.append(f"  ... {len(self.functions) - max_functions} more")
        if self.hot_lines:
            out.append("")
            out.append("Hot lines (self time)")
            lines = source.splitlines() if source is not None else None
            for ln in self.hot_lines:
                text = ""
                same_file = os.path.abspath(ln.file) == os.path.abspath(self.path)
                if lines is not None and same_file and 0 < ln.line <= len(lines):
                    text = "  " + _one_line(lines[ln.line - 1].strip(), 70)
                out.append(
                    f"  {fmt_seconds(ln.self_s):>9} {_pct(ln.share):>4}  "
                    f"{os.path.basename(ln.file)}:{ln.line}{text}"
                )
        if self.interrupted_at is not None:
            where = self.interrupted_at
            out.append("")
            out.append(
                f"Stopped in {where.function} at {os.path.basename(where.file)}:{where.line}"
            )
        if self.exception is not None:
            out.append("")
            out.append(self.exception.traceback_text.rstrip())
        if self.return_repr is not None:
            out.append("")
            out.append(f"{self.function}() returned {self.return_repr}")
        for name, text in (("stdout", self.stdout), ("stderr", self.stderr)):
            if text:
                out.append("")
                out.append(f"--- {name} ---")
                out.append(text.rstrip("\n"))
        return "\n".join(out) + "\n"

    # -- JSON ------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimingReport:
        d = dict(data)
        d["args"] = tuple(d.get("args") or ())
        d["functions"] = [_function_from(f) for f in d.get("functions") or []]
        d["hot_lines"] = [LineTiming(**ln) for ln in d.get("hot_lines") or []]
        exc = d.get("exception")
        if exc:
            exc = dict(exc)
            exc["frames"] = tuple(FrameInfo(**fr) for fr in exc.get("frames") or [])
            d["exception"] = ExceptionInfo(**exc)
        where = d.get("interrupted_at")
        d["interrupted_at"] = Location(**where) if where else None
        d["notes"] = list(d.get("notes") or [])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> TimingReport:
        return cls.from_dict(json.loads(text))


def _function_from(data: Mapping[str, Any]) -> FunctionTiming:
    d = dict(data)
    d["samples"] = tuple(d.get("samples") or ())
    d["lines"] = tuple(LineTiming(**ln) for ln in d.get("lines") or ())
    return FunctionTiming(**d)


# -- building a report from the child's raw JSON ---------------------------------------------------
HOT_LINES = 10
FUNCTIONS_WITH_LINES = 10


def apply_profile(report: TimingReport, raw: Mapping[str, Any], *, complete: bool) -> None:
    """Fill ``report``'s measurements from the child's ``report.json`` / ``snapshot.json``."""
    report.profile = "complete" if complete else "partial"
    report.wall_s = float(raw.get("wall_s") or 0.0)
    report.cpu_s = float(raw.get("cpu_s") or 0.0)
    # The child's own figure (VmHWM of its image) wins: wait4's ru_maxrss, the fallback, carries
    # the RSS of the process that started it (Linux keeps ru_maxrss across fork+exec).
    own_peak = int(raw.get("peak_rss_bytes") or 0)
    if own_peak:
        report.peak_rss_bytes = own_peak
    report.sampled_s = float(raw.get("sampled_s") or 0.0)
    report.sample_count = int(raw.get("samples") or 0)
    report.sample_interval_s = float(raw.get("interval_s") or 0.0)
    report.instrumented = bool(raw.get("instrumented"))
    report.call_counts = bool(raw.get("call_counts"))
    report.sampler = str(raw.get("sampler") or "")
    report.python_version = str(raw.get("python") or "")
    if raw.get("return_repr") is not None:
        report.return_repr = str(raw["return_repr"])
    total = report.sampled_s if report.sampled_s > 0 else 0.0

    def share(x: float) -> float:
        return x / total if total else 0.0

    lines_by_fn: dict[tuple[str, str, int], list[LineTiming]] = {}
    all_lines: list[LineTiming] = []
    for ln in raw.get("lines") or []:
        timing = LineTiming(
            file=str(ln["file"]),
            line=int(ln["line"]),
            self_s=float(ln["self_s"]),
            cum_s=float(ln["cum_s"]),
            share=share(float(ln["self_s"])),
            qualname=str(ln.get("qualname") or ""),
        )
        all_lines.append(timing)
        key = (timing.file, timing.qualname, int(ln.get("function_line") or 0))
        lines_by_fn.setdefault(key, []).append(timing)
    report.hot_lines = sorted((ln for ln in all_lines if ln.self_s > 0), key=lambda ln: -ln.self_s)[
        :HOT_LINES
    ]

    functions = []
    for i, f in enumerate(raw.get("functions") or []):
        key = (str(f["file"]), str(f["qualname"]), int(f["line"]))
        lines = lines_by_fn.get(key, []) if i < FUNCTIONS_WITH_LINES else []
        calls = f.get("calls")
        functions.append(
            FunctionTiming(
                qualname=key[1],
                file=key[0],
                line=key[2],
                self_s=float(f["self_s"]),
                cum_s=float(f["cum_s"]),
                calls=int(calls) if calls is not None else None,
                share=share(float(f["self_s"])),
                cum_share=share(float(f["cum_s"])),
                samples=tuple(int(x) for x in f.get("samples") or ()),
                lines=tuple(sorted(lines, key=lambda ln: ln.line)),
            )
        )
    functions.sort(key=lambda f: (-f.cum_s, -f.self_s, -(f.calls or 0), f.file, f.line))
    report.functions = functions
    if raw.get("samples_path"):
        report.samples_path = str(raw["samples_path"])
    for note in raw.get("notes") or []:
        report.notes.append(str(note))
    exc = raw.get("exception")
    if exc:
        report.exception = ExceptionInfo(
            type=str(exc.get("type") or "Exception"),
            message=str(exc.get("message") or ""),
            traceback_text=str(exc.get("traceback") or ""),
            file=exc.get("file"),
            line=exc.get("line"),
            file_line=exc.get("file_line"),
            frames=tuple(
                FrameInfo(str(fr["file"]), int(fr["line"]), str(fr["function"]))
                for fr in exc.get("frames") or []
            ),
        )
    where = raw.get("interrupted_at")
    if where:
        report.interrupted_at = Location(
            str(where["file"]), int(where["line"]), str(where["function"])
        )
    if raw.get("error"):
        report.error = str(raw["error"])


# -- formatting ------------------------------------------------------------------------------------
def fmt_seconds(seconds: float) -> str:
    if 0 < seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: int) -> str:
    mb = n / (1 << 20)
    if mb >= 10:
        return f"{mb:.0f} MB"
    if mb >= 0.1:
        return f"{mb:.1f} MB"
    return f"{n / 1024:.0f} KB"


def fmt_share(share: float) -> str:
    return f"{share * 100:.0f} %"


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _one_line(text: str, limit: int) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def load_samples(path: str) -> list[dict[str, Any]]:
    """The recorded call samples: ``[{qualname, file, line, module, payload}]``.

    ``payload`` is a pickle of ``(args, kwargs)``; unpickle it only in a sandbox that can import
    the user's module (it may reference the program's own classes).
    """
    import pickle

    with open(path, "rb") as fh:
        data = pickle.load(fh)
    entries = data.get("entries") if isinstance(data, dict) else None
    return list(entries) if isinstance(entries, Sequence) else []
