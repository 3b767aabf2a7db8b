"""The script that runs INSIDE the sandboxed child: ``python bootstrap.py CONFIG.json``.

It sets the program up the way ``python FILE`` would (``__main__`` module with the right
``__file__``, ``sys.argv``, ``sys.path[0]``, working directory) -- or imports it and calls one
function -- runs it under :mod:`profiler`, and always writes a JSON report for the parent:

* ``report.json`` when the program ends (normally, ``sys.exit``, uncaught exception);
* the same, marked ``interrupted``, when the parent sends SIGUSR1 (timeout or cancel) -- with the
  line the program was stuck on;
* ``snapshot.json`` about once a second from the sampler, so even a SIGKILL (a C call that
  never returns to the interpreter, the OOM killer) leaves a partial report.

Like :mod:`profiler` it uses only the standard library and Python 3.8 syntax, because the
workspace's interpreter runs it.  It runs inside :mod:`hone.sandbox` (namespaces, rlimits, death
with the server); the limits it lowers further here are the user's settings for their program
(memory, CPU), which it relaxes again to write its report.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from types import FrameType, ModuleType, TracebackType

TYPE_CHECKING = False  # ``typing`` costs the child milliseconds of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_BOOTSTRAP = os.path.abspath(__file__)
_PROFILER_FILE = os.path.join(_HERE, "profiler.py")
# bound now: the program may monkeypatch these (a test suite mocking open, say) while the
# sampler writes snapshots from inside it
_dumps = json.dumps
_replace = os.replace
_open = open

INTERRUPT_SIGNAL = signal.SIGUSR1


def _load_profiler() -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("_hone_profiler", _PROFILER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_hone_profiler"] = module
    spec.loader.exec_module(module)
    return module


def _write_json(path: str, data: dict[str, Any]) -> None:
    tmp = path + ".tmp"
    with _open(tmp, "w", encoding="utf-8") as fh:
        fh.write(_dumps(data))
    _replace(tmp, path)


def _set_limits(cfg: dict[str, Any]) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: only the parent's wall-time limit applies
        return
    inf = resource.RLIM_INFINITY

    def lower(limit: int, value: int) -> None:
        try:
            _soft, hard = resource.getrlimit(limit)
            resource.setrlimit(limit, (value if hard == inf else min(value, hard), hard))
        except (ValueError, OSError):
            pass

    if cfg.get("memory_bytes"):
        lower(resource.RLIMIT_AS, int(cfg["memory_bytes"]))
    if cfg.get("cpu_seconds"):  # a backstop in case the parent dies: SIGXCPU ends the run
        lower(resource.RLIMIT_CPU, int(cfg["cpu_seconds"]))


def _relax_memory_limit() -> None:
    """After the program: the report itself must not fail for lack of memory."""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    except Exception:
        pass


def _usage() -> tuple[float, float]:
    """(CPU seconds of this process and its waited-for children, peak RSS bytes)."""
    try:
        import resource
    except ImportError:
        return time.process_time(), 0
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    scale = 1 if sys.platform == "darwin" else 1024
    # Linux carries ru_maxrss across fork+exec: a child of a 400 MB editor server would report
    # 400 MB.  VmHWM is the peak of this process image only.
    own = _vm_hwm_bytes()
    if own is None:
        own = me.ru_maxrss * scale
    return cpu, max(own, kids.ru_maxrss * scale)


def _vm_hwm_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class Run:
    def __init__(self, cfg: dict[str, Any], prof: ModuleType) -> None:
        self.cfg = cfg
        self.prof = prof
        self.path: str = cfg["path"]
        roots = list(cfg.get("user_roots") or [])
        self.user = prof.UserCode(self.path, roots, exclude=[_HERE])
        self.registry = prof.Registry(counts=bool(cfg.get("call_counts", True)))
        self.recorder = prof.ArgRecorder(
            self.registry,
            int(cfg.get("max_sample_bytes", 65536)),
            int(cfg.get("max_samples_total_bytes", 4 << 20)),
            int(cfg.get("samples_per_function", 3)),
        )
        self.hooks = self.registry.hooks(self.recorder)
        # replaced by the running sampler when the program starts
        self.sampler = prof.Sampler(self.user, interval=float(cfg.get("interval_s", 0.001)))
        self.finder: Any = None
        self.module_name = "__main__"
        self.t0 = 0.0
        self.cpu0 = 0.0
        self.t1: float | None = None
        self.cpu1: float | None = None
        self.finished = False
        self.return_repr: str | None = None
        self.pid = os.getpid()

    # -- reporting ---------------------------------------------------------------------------
    def aggregate(self, phase: str) -> dict[str, Any]:
        s = self.sampler
        now = time.perf_counter()
        cpu, peak = _usage()
        calls = self.registry.calls()
        keys = set(s.fn_cum) | set(s.fn_self) | {k for k, n in calls.items() if n is None or n}
        functions = [
            {
                "file": k[0],
                "qualname": k[1],
                "line": k[2],
                "self_s": s.fn_self.get(k, 0.0),
                "cum_s": s.fn_cum.get(k, 0.0),
                "calls": calls.get(k),
            }
            for k in keys
        ]
        functions.sort(key=lambda f: (-f["cum_s"], -f["self_s"], f["file"], f["line"]))
        lines = sorted(s.line_cum.items(), key=lambda kv: -kv[1])[:500]
        return {
            "version": 1,
            "phase": phase,
            "wall_s": (self.t1 if self.t1 is not None else now) - self.t0 if self.t0 else 0.0,
            "cpu_s": (self.cpu1 if self.cpu1 is not None else cpu) - self.cpu0,
            "peak_rss_bytes": peak,
            "sampled_s": s.total,
            "other_s": s.other,
            "samples": s.samples,
            "interval_s": s.interval,
            "functions": functions[:2000],
            "lines": [
                {
                    "file": key[0],
                    "qualname": key[1],
                    "function_line": key[2],
                    "line": ln,
                    "self_s": s.line_self.get((key, ln), 0.0),
                    "cum_s": cum,
                }
                for (key, ln), cum in lines
            ],
            "instrumented": bool(self.cfg.get("instrument", True)),
            "call_counts": bool(self.cfg.get("instrument", True)) and self.registry.counts,
            "sampler": getattr(s, "mode", "thread"),
            "python": sys.version.split()[0],
            "executable": sys.executable,
        }

    def _snapshot(self) -> None:
        if not self.finished and os.getpid() == self.pid:
            _write_json(self.cfg["snapshot_path"], self.aggregate("snapshot"))

    def write_samples(self, report: dict[str, Any]) -> None:
        if not self.recorder.entries:
            return
        names = {self.path: self.module_name}
        if self.finder is not None:
            names.update(self.finder.module_files)
        try:
            index = self.recorder.dump(self.cfg["samples_path"], names)
        except Exception as exc:  # e.g. disk full: the timings still matter more
            report.setdefault("notes", []).append(f"argument samples not saved: {exc}")
            return
        report["samples_path"] = self.cfg["samples_path"]
        by_key = {(f["file"], f["qualname"], f["line"]): f for f in report["functions"]}
        for key, idx in index.items():
            if key in by_key:
                by_key[key]["samples"] = idx

    def finish(self, phase: str, **extra: Any) -> None:
        if self.finished or os.getpid() != self.pid:
            return  # done already, or a child the program forked that ran to the end
        self.finished = True
        self.sampler.stop()
        _relax_memory_limit()
        report = self.aggregate(phase)
        report.update(extra)
        if self.return_repr is not None:
            report["return_repr"] = self.return_repr
        self.write_samples(report)
        _write_json(self.cfg["report_path"], report)

    def fail(self, message: str, line: int | None = None) -> int:
        """Nothing ran (syntax error, bad function name): say why."""
        self.finished = True
        _write_json(
            self.cfg["report_path"],
            {"version": 1, "phase": "error", "error": message, "error_line": line},
        )
        return 1

    # -- signal: timeout or cancel -------------------------------------------------------------
    def on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self.finished or os.getpid() != self.pid:
            return  # the report is written; the parent kills the process group next
        self.t1 = time.perf_counter()
        self.cpu1 = _usage()[0]
        where = None
        while frame is not None:
            if self.user.is_user_file(frame.f_code.co_filename):
                where = {
                    "file": frame.f_code.co_filename,
                    "line": frame.f_lineno,
                    "function": self.prof.normalize_qualname(
                        getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
                    ),
                }
                break
            frame = frame.f_back
        try:
            self.finish("interrupted", interrupted_at=where)
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(128 + signum)

    # -- the program ---------------------------------------------------------------------------
    def main(self) -> int:
        cfg = self.cfg
        path = self.path
        with open(cfg["source_file"], encoding="utf-8", newline="") as fh:
            source = fh.read()

        import linecache

        # tracebacks show the text that ran (the editor's unsaved buffer), not the file on disk
        linecache.cache[path] = (len(source), None, source.splitlines(True), path)
        instrument = bool(cfg.get("instrument", True))
        try:
            if instrument:
                code = self.prof.instrument(
                    source, path, self.registry, int(cfg.get("samples_per_function", 3))
                )
            else:
                code = compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            where = f" (line {exc.lineno})" if exc.lineno else ""
            return self.fail(f"{type(exc).__name__}: {exc.msg}{where}", exc.lineno)
        except (ValueError, RecursionError, MemoryError) as exc:
            return self.fail(f"cannot compile {os.path.basename(path)}: {exc}")

        function = cfg.get("function")
        if function:
            stem = os.path.splitext(os.path.basename(path))[0]
            # its own name (so pickles of its classes name it), unless that would hide a module
            usable = stem.isidentifier() and stem not in sys.modules
            self.module_name = stem if usable else "__hone_target__"
        module = ModuleType(self.module_name)
        module.__file__ = path
        module.__cached__ = None  # type: ignore[attr-defined]
        if instrument:
            module.__dict__.update(self.hooks)
            self.finder = self.prof.InstrumentingFinder(
                self.user, self.registry, self.hooks, int(cfg.get("samples_per_function", 3))
            )
            sys.meta_path.insert(0, self.finder)
        sys.modules[self.module_name] = module
        sys.argv = [path, *cfg.get("args", [])]

        signal.signal(INTERRUPT_SIGNAL, self.on_interrupt)
        exit_code = 0
        exception = None
        error: str | None = None
        self.cpu0 = _usage()[0]
        self.sampler = self.prof.make_sampler(
            str(cfg.get("sampler") or "auto"),
            self.user,
            float(cfg.get("interval_s", 0.001)),
            on_tick=self._snapshot,
            tick_every=float(cfg.get("snapshot_every_s", 1.0)),
            slow_interval=float(cfg.get("slow_interval_s") or 0) or None,
            fast_for=float(cfg.get("fast_sampling_s", 0.1)),
        )
        self.t0 = time.perf_counter()
        try:
            exec(code, module.__dict__)
            if function:
                target, error = _resolve(module, function)
                if target is not None:
                    result = target()
                    if _is_coroutine(result):
                        import asyncio

                        result = asyncio.run(result)
                    self.return_repr = _short_repr(result)
        except SystemExit as exc:
            exit_code = _exit_code(exc)
        except BaseException as exc:
            exit_code = 1
            exception = self.describe(exc)
        self.t1 = time.perf_counter()
        self.cpu1 = _usage()[0]
        if error:  # the function could not be called: nothing the user asked for ran
            self.sampler.stop()
            return self.fail(error)
        self.finish("done", exit_code=exit_code, exception=exception)
        return exit_code

    def describe(self, exc: BaseException) -> dict[str, Any]:
        """Print the traceback as Python would and return it with the raising user line."""
        import traceback

        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename in (_BOOTSTRAP, _PROFILER_FILE):
            tb = tb.tb_next
        with contextlib.suppress(Exception):
            exc.__traceback__ = tb  # the hook prints the exception's own traceback
            sys.excepthook(type(exc), exc, tb)
        try:
            text = "".join(traceback.format_exception(type(exc), exc, tb))
        except Exception:
            text = f"{type(exc).__name__}: <unprintable>"
        frames = _frames(tb)
        raising = next((f for f in reversed(frames) if self.user.is_user_file(f["file"])), None)
        in_file = next((f for f in reversed(frames) if f["file"] == self.path), None)
        try:
            message = str(exc)
        except Exception:
            message = "<unprintable>"
        return {
            "type": type(exc).__qualname__,
            "message": message[:4000],
            "traceback": text[-20000:],
            "frames": frames[-50:],
            "file": raising["file"] if raising else None,
            "line": raising["line"] if raising else None,
            "file_line": in_file["line"] if in_file else None,
        }


def _frames(tb: TracebackType | None) -> list[dict[str, Any]]:
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        out.append(
            {
                "file": code.co_filename,
                "line": tb.tb_lineno,
                "function": getattr(code, "co_qualname", code.co_name),
            }
        )
        tb = tb.tb_next
    return out


def _resolve(module: ModuleType, name: str) -> tuple[Any, str | None]:
    target: Any = module
    for part in name.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None, f"no function {name!r} in {os.path.basename(module.__file__ or '')}"
    if not callable(target):
        return None, f"{name!r} is not a function"
    import inspect

    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return target, None
    required = [
        p.name
        for p in sig.parameters.values()
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if required:
        return None, (
            f"{name}() needs arguments ({', '.join(required)}): only functions that can be called "
            "without arguments can be run"
        )
    return target, None


def _is_coroutine(value: object) -> bool:
    import inspect

    return inspect.iscoroutine(value)


def _short_repr(value: object) -> str:
    import reprlib

    try:
        return reprlib.repr(value)[:500]
    except Exception:
        return "<unrepresentable>"


def _exit_code(exc: SystemExit) -> int:
    """Exit status for ``sys.exit(code)``, printing a non-integer code like the interpreter."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, bool) or not isinstance(code, int):
        with contextlib.suppress(Exception):
            print(code, file=sys.stderr)
        return 1
    return code & 0xFF


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as fh:
        cfg = json.load(fh)
    # Everything hone needs is imported now, while the program's folder is not yet on sys.path:
    # a program's own ``ast.py`` or ``traceback.py`` must not replace the profiler's modules.
    prof = _load_profiler()
    import linecache  # noqa: F401
    import traceback  # noqa: F401

    if cfg.get("instrument", True):
        import pickle  # noqa: F401
    if cfg.get("function"):
        import inspect  # noqa: F401
        import reprlib  # noqa: F401
    # ``python bootstrap.py`` put this file's folder first on sys.path; the program expects its
    # own (unless safe-path mode, PYTHONSAFEPATH / -P, keeps script folders off sys.path)
    if not getattr(sys.flags, "safe_path", False):
        sys.path[0] = os.path.dirname(cfg["path"])
    for extra in reversed(cfg.get("extra_sys_path") or []):
        if extra not in sys.path:
            sys.path.insert(1, extra)
    run = Run(cfg, prof)
    _set_limits(cfg)
    return run.main()


if __name__ == "__main__":
    sys.exit(main())
