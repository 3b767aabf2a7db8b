"""Run with timing, in the editor: commands, code lenses, findings and the report notification.

``workspace/executeCommand``:

* ``hone.runWithTiming`` -- arguments ``[{"uri": URI, "function"?: NAME, "args"?: [STR...]}]``
  (or positionally ``[URI, NAME?, ARGS?]``).  Only a document open in the editor and inside a
  workspace folder (after resolving ``..`` and links) can be run; a refusal never quotes the
  file's text.  Runs the document's *current* text (unsaved edits
  included) in the sandbox of :mod:`hone.runner`, with the workspace folder as working directory
  and on ``sys.path``, and the interpreter of :func:`hone.runner.choose_interpreter`.  One run at
  a time: a second request while one is in progress is refused with a message.  The reply is
  ``{"summary", "ok", "exitCode", "timedOut", "cancelled", "report"}``; a run that could not
  start (bad arguments, ``run.enabled`` off, syntax error, bad interpreter) is an error reply.
* ``hone.cancelRun`` -- arguments ``[]``, ``[{"uri": URI}]`` or ``[URI]``: stops the run
  (the partial report is still delivered, marked cancelled).  ``$/progress`` (when the client
  supports it) shows the elapsed time and its cancel button does the same.
* ``hone.showTimingReport`` -- what the timing lenses run: the report in the log.

After a run, until the document is edited: a lens above each function with its self/total time,
share and call count; the hottest lines as hint findings (``TIME001``); an uncaught exception as
an error finding at the raising line with the traceback (``TIME002``); for a run stopped at the
time limit, a warning where it was stopped (``TIME003``).  All under the source key ``timing``.

The notification ``hone/timingReport`` carries ``{"uri", "version", "summary", "stale",
"functions", "hot_lines", "report"}``: ``functions``/``hot_lines`` are this document's, with
0-based LSP lines, ready to draw; ``report`` is the whole :class:`~hone.runner.TimingReport`
(1-based lines, as Python counts them).  ``stale`` is true (and the lists empty) when the
document changed while the program ran.  The summary also goes to ``window/showMessage`` unless
the client declares that it shows reports itself (``capabilities.experimental.honeTimingReport``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from hone.core.finding import Category, Finding, Severity, Span
from hone.core.paths import uri_to_path
from hone.lsp.feature import CommandHandler, Feature
from hone.lsp.progress import Progress
from hone.lsp.session import Session
from hone.lsp.state import DocumentState

if TYPE_CHECKING:
    from hone.core.functions import FunctionInfo
    from hone.runner.report import FunctionTiming, TimingReport

# Told about every report that matches its document's current text (e.g. profile-guided LLM).
TimingListener = Callable[[DocumentState, "TimingReport"], Coroutine[Any, Any, None]]

log = logging.getLogger(__name__)

SOURCE = "timing"
RUN_COMMAND = "hone.runWithTiming"
CANCEL_COMMAND = "hone.cancelRun"
SHOW_COMMAND = "hone.showTimingReport"
HOT_LINE_CODE = "TIME001"
CRASH_CODE = "TIME002"
STOPPED_CODE = "TIME003"
REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed
MIN_HOT_SHARE = 0.01  # lines below 1 % of the run are not worth a hint
PROGRESS_EVERY_S = 0.5
_MAIN_GUARD = re.compile(
    r"""^if\s+(?:__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)\s*:"""
)


class RunRefused(JsonRpcException):
    """A run that cannot start: the message says why (shown to the user by the client)."""

    CODE = REQUEST_FAILED


@dataclass(slots=True)
class _Shown:
    """The last report of a document, valid while the document stays at ``version``."""

    version: int
    report: TimingReport
    functions: dict[tuple[str, int], FunctionTiming] = field(default_factory=dict)


@dataclass(slots=True)
class _ActiveRun:
    uri: str
    name: str
    cancel: asyncio.Event
    started: float


def _inside(path: Path, folder: Path) -> bool:
    """``path`` lies in ``folder`` once symbolic links and ".." are resolved."""
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return real == root or root in real.parents


_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def _error_summary(report: TimingReport) -> str:
    """Why a program did not run, without echoing its text: a syntax error's message can quote
    the offending source, so only its kind and line are said; hone's own reasons (no such
    function, bad interpreter) are kept to one short line."""
    error = (report.error or "").strip()
    kind = error.split(":", 1)[0]
    if kind in _SYNTAX_ERRORS:
        return f"{kind} at line {report.error_line}" if report.error_line else kind
    first = error.splitlines()[0] if error else "unknown error"
    return first if len(first) <= 200 else first[:199] + "…"


def _parse_run_arguments(args: Sequence[Any]) -> tuple[str, str | None, tuple[str, ...]]:
    """``[{"uri", "function"?, "args"?}]`` or ``[uri, function?, args?]`` -> validated values."""
    if not args:
        raise JsonRpcInvalidParams(f"{RUN_COMMAND} needs the document URI as its argument")
    first = args[0]
    if isinstance(first, Mapping):
        if len(args) > 1:
            raise JsonRpcInvalidParams(f"{RUN_COMMAND} takes one object argument")
        uri, function, prog_args = first.get("uri"), first.get("function"), first.get("args")
        unknown = set(first) - {"uri", "function", "args"}
        if unknown:
            raise JsonRpcInvalidParams(f"{RUN_COMMAND}: unknown keys {sorted(unknown)}")
    else:
        if len(args) > 3:
            raise JsonRpcInvalidParams(f"{RUN_COMMAND} takes at most 3 arguments")
        uri = first
        function = args[1] if len(args) > 1 else None
        prog_args = args[2] if len(args) > 2 else None
    if not isinstance(uri, str) or not uri:
        raise JsonRpcInvalidParams(f"{RUN_COMMAND}: 'uri' must be a document URI string")
    if function is not None and (
        not isinstance(function, str)
        or not function
        or not all(p.isidentifier() for p in function.split("."))
    ):
        raise JsonRpcInvalidParams(f"{RUN_COMMAND}: 'function' must be a function name")
    if prog_args is None:
        prog_args = []
    if not isinstance(prog_args, list) or not all(isinstance(a, str) for a in prog_args):
        raise JsonRpcInvalidParams(f"{RUN_COMMAND}: 'args' must be a list of strings")
    return uri, function, tuple(prog_args)


def _uri_argument(args: Sequence[Any]) -> str | None:
    if not args:
        return None
    first = args[0]
    if isinstance(first, Mapping):
        first = first.get("uri")
    if first is None:
        return None
    if not isinstance(first, str):
        raise JsonRpcInvalidParams("expected a document URI")
    return first


def _line_span(text_line: str, line: int) -> Span:
    """The code on a line (indentation and line ending excluded)."""
    content = text_line.rstrip("\r\n")
    start = len(content) - len(content.lstrip())
    return Span.of(line, start, line, max(len(content), start))


class TimingFeature(Feature):
    name = "timing"

    def __init__(self, session: Session) -> None:
        self.session = session
        self._listeners: list[TimingListener] = []
        self._active: _ActiveRun | None = None
        self._shown: dict[str, _Shown] = {}
        self._samples: dict[str, str] = {}  # uri -> folder of the last run's argument samples
        self._last: dict[str, TimingReport] = {}  # uri -> last report (kept across edits)

    # -- API for other features (rewrite verification) ------------------------------------------
    def last_report(self, uri: str) -> TimingReport | None:
        """The latest report of a document, until it is closed or run again, edits or not (its
        ``samples_path`` holds the recorded calls; line numbers may be stale after an edit)."""
        return self._last.get(uri)

    def subscribe(self, listener: TimingListener) -> None:
        """Have ``listener(doc, report)`` called after each run whose report matches the text."""
        self._listeners.append(listener)

    # -- contract -------------------------------------------------------------------------------
    def commands(self) -> Mapping[str, CommandHandler]:
        return {
            RUN_COMMAND: self._run_command,
            CANCEL_COMMAND: self._cancel_command,
            SHOW_COMMAND: self._show_command,
        }

    async def on_change(self, doc: DocumentState) -> None:
        # the line numbers of the report no longer match the text: drop what it drew
        if self._shown.pop(doc.uri, None) is not None:
            self.session.set_findings(doc.uri, SOURCE, ())

    async def on_close(self, uri: str) -> None:
        self._shown.pop(uri, None)
        self._last.pop(uri, None)
        self._drop_samples(uri)

    async def on_shutdown(self) -> None:
        active = self._active
        if active is not None:
            active.cancel.set()
        for uri in list(self._samples):
            self._drop_samples(uri)

    def code_lenses(self, doc: DocumentState) -> Sequence[lsp.CodeLens]:
        if doc.path is None:
            return ()
        functions = _functions_of(doc)
        lenses: list[lsp.CodeLens] = []
        shown = self._shown.get(doc.uri)
        if shown is not None and shown.version != doc.version:
            shown = None
        for i, line in enumerate(doc.lines.lines):
            if line.startswith("if") and _MAIN_GUARD.match(line):
                lenses.append(self._run_lens(doc, i, None))
        for info in functions:
            if "." not in info.qualname and info.required_args == 0:
                lenses.append(self._run_lens(doc, info.start_line, info.qualname))
            if shown is not None:
                timing = shown.functions.get((info.qualname, info.start_line + 1))
                if timing is not None:
                    lenses.append(self._timing_lens(doc, info, timing))
        if shown is not None:
            module = shown.functions.get(("<module>", 1))
            if module is not None and module.self_s > 0:
                lenses.append(self._timing_lens(doc, None, module))
        return lenses

    # -- lenses ---------------------------------------------------------------------------------
    def _lens_range(self, line: int) -> lsp.Range:
        pos = lsp.Position(line=line, character=0)
        return lsp.Range(start=pos, end=pos)

    def _run_lens(self, doc: DocumentState, line: int, function: str | None) -> lsp.CodeLens:
        arg: dict[str, Any] = {"uri": doc.uri}
        if function is not None:
            arg["function"] = function
        title = "▶ Run with timing" if function is None else f"▶ Run {function}() with timing"
        return lsp.CodeLens(
            range=self._lens_range(line),
            command=lsp.Command(title=title, command=RUN_COMMAND, arguments=[arg]),
        )

    def _timing_lens(
        self, doc: DocumentState, info: FunctionInfo | None, timing: FunctionTiming
    ) -> lsp.CodeLens:
        from hone.runner.report import fmt_seconds, fmt_share

        parts = [f"⏱ {fmt_seconds(timing.self_s)} self ({fmt_share(timing.share)})"]
        parts.append(f"{fmt_seconds(timing.cum_s)} total ({fmt_share(timing.cum_share)})")
        if timing.calls is not None:
            parts.append(f"{timing.calls:,} call{'s' if timing.calls != 1 else ''}")
        title = " · ".join(parts)
        if info is None:
            title = f"top-level code: {title}"
        line = info.start_line if info is not None else 0
        return lsp.CodeLens(
            range=self._lens_range(line),
            command=lsp.Command(
                title=title,
                command=SHOW_COMMAND,
                arguments=[{"uri": doc.uri, "function": timing.qualname}],
            ),
        )

    # -- commands -------------------------------------------------------------------------------
    async def _cancel_command(self, args: Sequence[Any]) -> Any:
        uri = _uri_argument(args)
        active = self._active
        if active is None or (uri is not None and uri != active.uri):
            return {"cancelled": False, "message": "no run in progress"}
        active.cancel.set()
        return {"cancelled": True, "message": f"stopping the run of {active.name}"}

    async def _show_command(self, args: Sequence[Any]) -> Any:
        """Log the report (what the timing lenses run), starting with the lens's function."""
        from hone.runner.report import fmt_seconds

        uri = _uri_argument(args)
        shown = self._shown.get(uri or "")
        if shown is None:
            return {"message": "no timing report for this document"}
        doc = self.session.get_document(uri or "")
        text = doc.text if doc is not None and doc.version == shown.version else None
        wanted = args[0].get("function") if args and isinstance(args[0], Mapping) else None
        for f in shown.functions.values():
            if f.qualname == wanted and f.lines:
                per_line = ", ".join(f"line {ln.line}: {fmt_seconds(ln.self_s)}" for ln in f.lines)
                self.session.log(f"hone: {f.qualname}: {per_line}", lsp.MessageType.Info)
        self.session.log(shown.report.render_text(text), lsp.MessageType.Info)
        return {"summary": shown.report.summary()}

    async def _run_command(self, args: Sequence[Any]) -> Any:
        uri, function, prog_args = _parse_run_arguments(args)
        if self._active is not None:
            active = self._active
            raise RunRefused(
                f"a run is already in progress ({active.name}, "
                f"{time.monotonic() - active.started:.0f} s); cancel it first ({CANCEL_COMMAND})"
            )
        settings = self.session.settings_for(uri)
        path = uri_to_path(uri)
        if path is None:
            raise RunRefused("only files on disk can be run (save the document first)")
        doc = self.session.get_document(uri)
        if doc is None:
            raise RunRefused("only a document open in the editor can be run")
        folder = uri_to_path(doc.folder) if doc.folder else None
        path = Path(os.path.normpath(path))  # no ".." left: what is checked is what runs
        if folder is None or not _inside(path, folder):
            raise RunRefused("only a document inside a workspace folder can be run")
        refusal = self.session.trust_refusal("Run with timing", uri, settings)
        if refusal is not None:  # before run.enabled: the refusal says how to allow runs
            raise RunRefused(refusal)
        if not settings.bool("run.enabled"):
            raise RunRefused("Run with timing is turned off (setting run.enabled)")
        text, version = doc.text, doc.version
        cancel = asyncio.Event()
        self._active = _ActiveRun(uri, path.name, cancel, time.monotonic())
        try:
            report = await self._execute(uri, path, text, function, prog_args, cancel)
        finally:
            self._active = None
        return self._deliver(uri, path, text, version, report)

    async def _execute(
        self,
        uri: str,
        path: Path,
        text: str,
        function: str | None,
        prog_args: tuple[str, ...],
        cancel: asyncio.Event,
    ) -> TimingReport:
        from hone.runner import (
            InterpreterError,
            RunRequest,
            choose_interpreter,
            run_with_timing,
        )

        settings = self.session.settings_for(uri)
        doc = self.session.get_document(uri)
        folder_uri = doc.folder if doc is not None else self.session.config.folder_for(uri)
        folder = uri_to_path(folder_uri) if folder_uri else None
        try:
            interpreter = choose_interpreter(
                folder,
                settings.str("run.python"),
                confirmed_venv=self.session.confirmed_venv(uri, settings),
            )
        except InterpreterError as exc:
            raise RunRefused(str(exc)) from None
        cwd = str(folder) if folder is not None else str(path.parent)
        api_key_env = settings.str("llm.apiKeyEnv").strip()
        request = RunRequest(
            path=str(path),
            source_text=text,
            function=function,
            args=prog_args,
            cwd=cwd,
            python=interpreter.path,
            timeout_s=settings.float("run.timeoutSeconds"),
            memory_mb=settings.int("run.memoryMb"),
            max_output_bytes=settings.int("run.maxOutputKb") * 1024,
            sampler=settings.str("run.sampler"),
            extra_sys_path=(cwd,) if cwd != str(path.parent) else (),
            user_roots=(cwd,),
            env_remove=(api_key_env,) if api_key_env else (),
            network=settings.bool("run.network"),
            write_workspace=settings.bool("run.writeWorkspace"),
        )
        what = f"{path.name}" + (f" ({function}())" if function else "")
        self.session.log(f"hone: running {what} with {interpreter.describe()}")
        progress = Progress(self.session.server, "run", on_cancel=cancel.set)
        await progress.begin(f"hone: running {what} with timing", "starting")
        last_tick = 0.0

        def tick(elapsed: float) -> None:
            nonlocal last_tick
            if elapsed - last_tick >= PROGRESS_EVERY_S:
                last_tick = elapsed
                progress.report(f"{elapsed:.1f} s")

        try:
            report = await run_with_timing(request, cancel=cancel, on_progress=tick)
        finally:
            progress.end("done")
        if report.error is not None and report.exit_code is None:
            reason = _error_summary(report)
            self.session.log(f"hone: {what} was not run: {reason}", lsp.MessageType.Warning)
            raise RunRefused(f"cannot run {what}: {reason}")
        return report

    # -- delivering a report ----------------------------------------------------------------------
    def _deliver(
        self, uri: str, path: Path, text: str, version: int, report: TimingReport
    ) -> dict[str, Any]:
        self._drop_samples(uri)
        if report.samples_path:
            self._samples[uri] = os.path.dirname(report.samples_path)
        self._last[uri] = report
        summary = report.summary()
        self.session.log(f"hone: {path.name}: {report.render_text(text)}")
        doc = self.session.get_document(uri)
        stale = doc is None or doc.version != version
        functions: list[dict[str, Any]] = []
        hot_lines: list[dict[str, Any]] = []
        if not stale and doc is not None:
            shown = _Shown(version, report)
            for f in report.functions_in(str(path)):
                shown.functions[(f.qualname, f.line)] = f
                functions.append(
                    {
                        "qualname": f.qualname,
                        "line": f.line - 1,
                        "self_s": f.self_s,
                        "cum_s": f.cum_s,
                        "share": f.share,
                        "cum_share": f.cum_share,
                        "calls": f.calls,
                    }
                )
            target = os.path.abspath(path)
            for ln in report.hot_lines:
                if os.path.abspath(ln.file) == target and ln.line >= 1:
                    hot_lines.append(
                        {
                            "line": ln.line - 1,
                            "self_s": ln.self_s,
                            "cum_s": ln.cum_s,
                            "share": ln.share,
                            "qualname": ln.qualname,
                        }
                    )
            self._shown[uri] = shown
            self.session.set_findings(uri, SOURCE, self._findings(doc, report))
            self._refresh_lenses()
            # profile-guided: e.g. the LLM looks at the functions that took the time first
            for listener in self._listeners:
                self.session.spawn(listener(doc, report), "timing-report")
        self.session.notify(
            "hone/timingReport",
            {
                "uri": uri,
                "version": version,
                "summary": summary,
                "stale": stale,
                "functions": functions,
                "hot_lines": hot_lines,
                "report": report.to_dict(),
            },
        )
        if not self._client_shows_reports():
            kind = lsp.MessageType.Info if report.ok else lsp.MessageType.Warning
            self.session.show_message(f"hone: {summary}", kind)
        return {
            "summary": summary,
            "ok": report.ok,
            "exitCode": report.exit_code,
            "timedOut": report.timed_out,
            "cancelled": report.cancelled,
            "report": report.to_dict(),
        }

    def _findings(self, doc: DocumentState, report: TimingReport) -> list[Finding]:
        from hone.runner.report import fmt_seconds, fmt_share

        out: list[Finding] = []
        lines = doc.lines
        count = len(lines.lines)
        target = os.path.abspath(report.path)

        def span_of(line1: int) -> Span | None:
            line = line1 - 1
            if not 0 <= line < count:
                return None
            return _line_span(lines.line(line), line)

        for ln in report.hot_lines:
            if os.path.abspath(ln.file) != target or ln.share < MIN_HOT_SHARE:
                continue
            span = span_of(ln.line)
            if span is None:
                continue
            in_fn = f" in {ln.qualname}" if ln.qualname and ln.qualname != "<module>" else ""
            out.append(
                Finding(
                    HOT_LINE_CODE,
                    f"⏱ {fmt_seconds(ln.self_s)} ({fmt_share(ln.share)} of the run) "
                    f"spent on this line{in_fn}",
                    span,
                    Severity.HINT,
                    Category.PERFORMANCE,
                    function=ln.qualname or None,
                    extra={"self_s": ln.self_s, "share": ln.share},
                )
            )
        exc = report.exception
        if exc is not None:
            line1 = exc.file_line or (exc.line if exc.file and _same(exc.file, target) else None)
            span = span_of(line1) if line1 else None
            if span is not None:
                message = f"{exc.type}: {exc.message}" if exc.message else exc.type
                out.append(
                    Finding(
                        CRASH_CODE,
                        f"{message}\n\n{exc.traceback_text.rstrip()[-4000:]}",
                        span,
                        Severity.ERROR,
                        Category.RUNTIME,
                        extra={"exception": exc.type},
                    )
                )
        stop = report.interrupted_at
        if stop is not None and _same(stop.file, target):
            span = span_of(stop.line)
            if span is not None:
                why = "at the time limit" if report.timed_out else "when the run was cancelled"
                out.append(
                    Finding(
                        STOPPED_CODE,
                        f"the program was stopped here {why} (after {fmt_seconds(report.wall_s)})",
                        span,
                        Severity.WARNING,
                        Category.RUNTIME,
                        function=stop.function,
                    )
                )
        return out

    # -- plumbing -------------------------------------------------------------------------------
    def _client_caps(self) -> lsp.ClientCapabilities | None:
        try:
            caps = self.session.server.protocol.client_capabilities
        except AttributeError:
            return None
        return caps if isinstance(caps, lsp.ClientCapabilities) else None

    def _client_shows_reports(self) -> bool:
        caps = self._client_caps()
        experimental = caps.experimental if caps is not None else None
        return isinstance(experimental, Mapping) and bool(experimental.get("honeTimingReport"))

    def _refresh_lenses(self) -> None:
        caps = self._client_caps()
        lens = caps.workspace.code_lens if caps and caps.workspace else None
        if lens is None or not lens.refresh_support:
            return

        async def refresh() -> None:
            try:
                await self.session.server.workspace_code_lens_refresh_async(None)
            except Exception as exc:
                log.info("workspace/codeLens/refresh failed: %r", exc)

        self.session.spawn(refresh(), "codeLens-refresh")

    def _drop_samples(self, uri: str) -> None:
        folder = self._samples.pop(uri, None)
        if folder:
            import shutil  # lazily: start-up imports stay light

            shutil.rmtree(folder, ignore_errors=True)


def _functions_of(doc: DocumentState) -> Sequence[FunctionInfo]:
    """The function index of the current text: the rule analysis's when it is current, else a
    quick stdlib parse (lenses must not wait for, or lag behind, the rule engine)."""
    functions = doc.current_functions
    if functions is not None:
        return functions
    import ast

    from hone.core.functions import index_functions

    try:
        tree = ast.parse(doc.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    return index_functions(tree, doc.lines.lines)


def _same(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)
