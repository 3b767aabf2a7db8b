"""The profiler that runs INSIDE the child process (loaded by ``bootstrap.py`` from its file path).

It must work under whatever interpreter runs the user's code (a workspace ``.venv`` may hold any
CPython >= 3.8), so it uses only the standard library, imports nothing from ``hone`` and keeps to
Python 3.8 syntax at run time (annotations are never evaluated thanks to the ``__future__`` import).

Three cheap measurements, chosen because Python 3.11 has no ``sys.monitoring``:

* :class:`Sampler` -- a thread that wakes every ~1 ms, takes the main thread's stack from
  ``sys._current_frames()`` and charges the wall time since its previous sample to the innermost
  *user* frame (self time; library frames are folded into the user frame that called them), to
  every distinct user function on the stack (cumulative time) and to the sampled lines.  Its cost
  does not grow with the number of calls, which is what beats ``cProfile`` on call-heavy code.
* :func:`instrument` -- an AST rewrite of the user's own files that puts one statement at the top
  of every function: ``if __hone_n__[K]() in __hone_w__: __hone_rec__(K)``.  ``__hone_n__[K]``
  is an ``itertools.count().__next__`` (a C call: exact call counts for a few tens of
  nanoseconds); ``__hone_w__`` is the set of call numbers offered to the recorder (the first
  calls, then geometrically spaced ones across the whole run), and ``__hone_rec__`` keeps a
  diverse reservoir of their arguments by shape and size (:class:`ArgRecorder`).  The new
  statement carries the ``def`` line's position, so tracebacks and line numbers do not move.
* :class:`InstrumentingFinder` -- applies the same rewrite to the user's other modules (files in
  the workspace, never site-packages or the standard library) as they are imported.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.machinery
import importlib.util
import itertools
import os
import sys
import threading
import time
from types import CodeType, FrameType, ModuleType

# ``typing`` and ``collections.abc`` cost the child milliseconds of start-up: annotations only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

# names injected into every instrumented module's globals
COUNTERS_NAME = "__hone_n__"
ARMED_NAME = "__hone_a__"
RECORD_NAME = "__hone_rec__"
WINDOW_NAME = "__hone_w__"
RESERVOIR_BUCKETS = 8  # distinct shapes kept per function
RESERVOIR_PER_BUCKET = 2  # per shape: the first seen and the largest seen


def sample_window(first: int) -> frozenset[int]:
    """Call numbers whose arguments are offered to the recorder: every one of the first calls
    (at least 16), then ~2 per doubling, so late calls (often the big ones) are seen too."""
    out = set(range(max(first, 16)))
    x = 16.0
    while x < 2.0**50:
        out.add(int(x))
        x *= 1.5
    return frozenset(out)


_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08


def normalize_qualname(qualname: str) -> str:
    """``outer.<locals>.inner`` -> ``outer.inner`` (the style of hone's function index)."""
    return qualname.replace(".<locals>", "")


class UserCode:
    """Decides which files are the user's own code (cached per file name).

    User code is the run file itself and files under the user roots (the workspace folder and the
    run file's folder), except anything in site-packages/dist-packages, under the interpreter's
    prefixes (a ``.venv`` inside the workspace is one) or belonging to hone itself.
    """

    def __init__(self, run_file: str, roots: Sequence[str], exclude: Sequence[str] = ()) -> None:
        self.run_file = os.path.abspath(run_file)
        self.roots = [_dir_prefix(r) for r in roots if r]
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        self.excluded = [_dir_prefix(p) for p in prefixes if p] + [_dir_prefix(p) for p in exclude]
        self._cache: dict[str, bool] = {}

    def is_user_file(self, filename: str) -> bool:
        hit = self._cache.get(filename)
        if hit is None:
            hit = self._classify(filename)
            self._cache[filename] = hit
        return hit

    def _classify(self, filename: str) -> bool:
        if not filename or filename.startswith("<"):
            return False
        path = os.path.abspath(filename)
        if path == self.run_file:
            return True
        parts = path.split(os.sep)
        if "site-packages" in parts or "dist-packages" in parts:
            return False
        if any(path.startswith(p) for p in self.excluded):
            return False
        return any(path.startswith(r) for r in self.roots)


def _dir_prefix(path: str) -> str:
    return os.path.join(os.path.abspath(path), "")


class Sampler:
    """Wall-clock sampling of the main thread; see the module docstring."""

    def __init__(
        self,
        user: UserCode,
        interval: float = 0.001,
        main_thread_id: int | None = None,
        on_tick: Callable[[], None] | None = None,
        tick_every: float = 1.0,
        slow_interval: float | None = None,
        fast_for: float = 0.1,
    ) -> None:
        self.user = user
        # Every ``interval`` for the first ``fast_for`` seconds (short runs need the detail),
        # then every ``slow_interval``: a long run has samples enough, and each one costs the
        # program a few microseconds on bare metal, up to ~150 us in a small virtual machine.
        self.interval = interval
        self.slow_interval = max(slow_interval or interval, interval)
        self.fast_for = fast_for
        self.main_id = main_thread_id if main_thread_id is not None else threading.get_ident()
        self.on_tick = on_tick
        self.tick_every = tick_every
        # function key: (file, qualname, first line); line key: (function key, line)
        self.fn_self: dict[tuple[str, str, int], float] = {}
        self.fn_cum: dict[tuple[str, str, int], float] = {}
        self.line_self: dict[tuple[tuple[str, str, int], int], float] = {}
        self.line_cum: dict[tuple[tuple[str, str, int], int], float] = {}
        self.total = 0.0  # seconds covered by samples
        self.other = 0.0  # seconds with no user frame on the stack
        self.samples = 0
        self._keys: dict[CodeType, tuple[str, str, int] | None] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started_at = 0.0
        self.mode = "thread"

    def key_of(self, code: CodeType) -> tuple[str, str, int] | None:
        key = self._keys.get(code, False)
        if key is False:
            if self.user.is_user_file(code.co_filename):
                qual = getattr(code, "co_qualname", code.co_name)
                key = (code.co_filename, normalize_qualname(qual), code.co_firstlineno)
            else:
                key = None
            self._keys[code] = key
        return key  # type: ignore[return-value]

    def start(self) -> None:
        self.started_at = time.perf_counter()
        self._thread = threading.Thread(target=self._loop, name="hone-sampler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _loop(self) -> None:
        perf = time.perf_counter
        sleep = time.sleep
        frames = sys._current_frames
        stop = self._stop.is_set
        last = self.started_at
        next_tick = last + self.tick_every
        interval = self.interval
        slow_at = last + self.fast_for
        while not stop():
            sleep(interval)
            now = perf()
            if now >= slow_at:
                interval = self.slow_interval
            frame = frames().get(self.main_id)
            if frame is None:
                break  # the main thread is gone
            self.sample(frame, now - last)
            del frame
            last = now
            if self.on_tick is not None and now >= next_tick:
                next_tick = now + self.tick_every
                with contextlib.suppress(Exception):
                    self.on_tick()

    def sample(self, frame: FrameType | None, dt: float) -> None:
        """Charge ``dt`` seconds to the stack that ends in ``frame``."""
        self.samples += 1
        self.total += dt
        key_of = self.key_of
        fn_cum = self.fn_cum
        line_cum = self.line_cum
        innermost = True
        seen: set[tuple[str, str, int]] = set()
        while frame is not None:
            key = key_of(frame.f_code)
            if key is not None:
                line = (key, frame.f_lineno or key[2])
                if innermost:
                    innermost = False
                    self.fn_self[key] = self.fn_self.get(key, 0.0) + dt
                    self.line_self[line] = self.line_self.get(line, 0.0) + dt
                if key not in seen:  # recursion counts once
                    seen.add(key)
                    fn_cum[key] = fn_cum.get(key, 0.0) + dt
                    line_cum[line] = line_cum.get(line, 0.0) + dt
            frame = frame.f_back
        if innermost:
            self.other += dt


class _PosixTimer:
    """A Linux POSIX timer (``timer_create`` through ctypes) that sends a real-time signal to
    one thread every ``interval`` seconds of wall-clock time."""

    CLOCK_MONOTONIC = 1
    SIGEV_SIGNAL = 0
    SIGEV_THREAD_ID = 4

    def __init__(self, signo: int, interval: float, thread_id: int | None) -> None:
        import ctypes

        class Sigevent(ctypes.Structure):
            _fields_ = [
                ("sigev_value", ctypes.c_void_p),
                ("sigev_signo", ctypes.c_int),
                ("sigev_notify", ctypes.c_int),
                ("thread_id", ctypes.c_int),  # first member of the union: _tid
                ("pad", ctypes.c_int * 16),
            ]

        class Timespec(ctypes.Structure):
            _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]

        class Itimerspec(ctypes.Structure):
            _fields_ = [("it_interval", Timespec), ("it_value", Timespec)]

        libc = ctypes.CDLL(None, use_errno=True)
        if not hasattr(libc, "timer_create"):  # glibc < 2.34 keeps it in librt
            libc = ctypes.CDLL("librt.so.1", use_errno=True)
        self._libc = libc
        self._timer = ctypes.c_void_p()
        event = Sigevent()
        event.sigev_signo = signo
        if thread_id is not None:
            event.sigev_notify = self.SIGEV_THREAD_ID
            event.thread_id = thread_id
        else:
            event.sigev_notify = self.SIGEV_SIGNAL
        if libc.timer_create(self.CLOCK_MONOTONIC, ctypes.byref(event), ctypes.byref(self._timer)):
            raise OSError(ctypes.get_errno(), "timer_create failed")
        self._timespec = Timespec
        self._itimerspec = Itimerspec
        self._off = Itimerspec(Timespec(0, 0), Timespec(0, 0))
        self._ctypes = ctypes
        self._alive = True
        self.interval = interval

    def start(self, interval: float | None = None) -> None:
        """(Re)arm the timer with a period of ``interval`` (default: the one given)."""
        ns = max(int((interval or self.interval) * 1e9), 100_000)
        period = self._timespec(ns // 1_000_000_000, ns % 1_000_000_000)
        spec = self._itimerspec(period, period)
        if self._libc.timer_settime(self._timer, 0, self._ctypes.byref(spec), None):
            raise OSError(self._ctypes.get_errno(), "timer_settime failed")

    def delete(self) -> None:
        if self._alive:
            self._alive = False
            self._libc.timer_settime(self._timer, 0, self._ctypes.byref(self._off), None)
            self._libc.timer_delete(self._timer)


class SignalSampler(Sampler):
    """The same attribution, driven by a real-time signal delivered to the main thread.

    The handler runs in the main thread between bytecodes and receives the current frame, so no
    GIL hand-over to another thread is needed for a sample: its cost stays a few microseconds
    even on a busy machine, where a sampling thread has to wait to be scheduled every time.
    ``SA_RESTART`` is set (``siginterrupt(False)``) so that most system calls of C extensions
    are restarted by the kernel rather than failing with EINTR; a sample that falls inside a
    blocking call is taken right after it, and still charged to the line that made the call.
    Linux only; :func:`make_sampler` falls back to the thread.
    """

    def start(self) -> None:
        import signal

        self.signo = int(signal.SIGRTMIN) + 5
        self._timer = _PosixTimer(self.signo, self.interval, threading.get_native_id())
        self._stopped = False
        self._busy = False
        signal.signal(self.signo, self._handler)
        signal.siginterrupt(self.signo, False)
        self.started_at = self._last = time.perf_counter()
        self._next_tick = self._last + self.tick_every
        self._slow_at = self._last + self.fast_for if self.slow_interval > self.interval else None
        self._timer.start()

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        # Python may run a handler inside another (signals are checked between bytecodes): a
        # nested call returns at once and its time is charged by the next sample instead
        if self._stopped or self._busy:
            return
        self._busy = True
        try:
            now = time.perf_counter()
            self.sample(frame, now - self._last)
            self._last = now
            if self._slow_at is not None and now >= self._slow_at:
                self._slow_at = None
                with contextlib.suppress(OSError):
                    self._timer.start(self.slow_interval)
            if self.on_tick is not None and now >= self._next_tick:
                self._next_tick = now + self.tick_every
                with contextlib.suppress(Exception):
                    self.on_tick()
        finally:
            self._busy = False

    def stop(self, timeout: float = 2.0) -> None:
        # the handler stays installed (a signal already pending must not kill the process)
        self._stopped = True
        self._timer.delete()


def make_sampler(
    mode: str,
    user: UserCode,
    interval: float,
    on_tick: Callable[[], None] | None = None,
    tick_every: float = 1.0,
    slow_interval: float | None = None,
    fast_for: float = 0.1,
) -> Sampler:
    """``mode``: "signal", "thread" or "auto" (the signal where the platform has it)."""
    options: dict[str, Any] = {
        "on_tick": on_tick,
        "tick_every": tick_every,
        "slow_interval": slow_interval,
        "fast_for": fast_for,
    }
    if mode in ("auto", "signal") and sys.platform.startswith("linux"):
        sampler = SignalSampler(user, interval, **options)
        try:
            sampler.start()
        except Exception:
            if mode == "signal":
                raise
        else:
            sampler.mode = "signal"
            return sampler
    thread = Sampler(user, interval, **options)
    thread.start()
    return thread


class _TooBig(Exception):
    pass


class _CappedBuffer:
    """A file-like sink for ``pickle`` that gives up as soon as the size cap is passed."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _TooBig
        self.parts.append(bytes(data))
        return len(data)


def capped_dumps(obj: object, cap: int) -> bytes | None:
    """``pickle.dumps(obj)`` or None when it is not picklable or bigger than ``cap`` bytes."""
    import pickle

    buf = _CappedBuffer(cap)
    try:
        pickle.Pickler(buf, protocol=4).dump(obj)
    except Exception:
        return None
    return b"".join(buf.parts)


class Registry:
    """Instrumented functions: index K -> (file, qualname, first line), and per K either an exact
    call counter (``counts=True``: ``if __hone_n__[K]() < LIMIT: __hone_rec__(K)``) or only an
    "arguments wanted" flag that the recorder clears (``if __hone_a__[K]: __hone_rec__(K)``,
    a few nanoseconds a call instead of a few tens)."""

    def __init__(self, counts: bool = True) -> None:
        self.counts = counts
        self.keys: list[tuple[str, str, int]] = []
        self.counters: list[Any] = []  # itertools.count objects
        self.next_fns: list[Callable[[], int]] = []  # their __next__, what the code calls
        self.armed: list[bool] = []
        self.called: set[int] = set()  # without counts: the functions known to have run

    def add(self, file: str, qualname: str, first_line: int) -> int:
        counter = itertools.count()
        self.keys.append((file, normalize_qualname(qualname), first_line))
        self.counters.append(counter)
        self.next_fns.append(counter.__next__)
        self.armed.append(True)
        return len(self.keys) - 1

    def statement(self, k: int, limit: int) -> str:
        if self.counts:
            return f"if {COUNTERS_NAME}[{k}]() in {WINDOW_NAME}: {RECORD_NAME}({k})"
        return f"if {ARMED_NAME}[{k}]: {RECORD_NAME}({k})"

    def hooks(self, recorder: ArgRecorder) -> dict[str, Any]:
        """The names the instrumented code uses, for a module's globals."""
        return {
            COUNTERS_NAME: self.next_fns,
            ARMED_NAME: self.armed,
            RECORD_NAME: recorder,
            WINDOW_NAME: recorder.window,
        }

    def calls(self) -> dict[tuple[str, str, int], int | None]:
        """Call counts by function; None (count unknown) for functions that ran, without
        ``counts``."""
        out: dict[tuple[str, str, int], int | None] = {}
        if not self.counts:
            for k in self.called:
                out[self.keys[k]] = None
            return out
        for i, counter in enumerate(self.counters):
            key = self.keys[i]
            text = repr(counter)  # "count(5)": reading it must not advance it
            try:
                n = int(text[text.index("(") + 1 : text.rindex(")")])
            except ValueError:
                continue
            out[key] = (out.get(key) or 0) + n
        return out


class ArgRecorder:
    """Keeps a diverse reservoir of each instrumented function's arguments.

    Called as ``__hone_rec__(K)`` from the first statement of the function, so the caller's frame
    holds exactly the arguments as passed (nothing in the body has run yet).  The calls offered
    are the first ones and geometrically spaced later ones (:func:`sample_window`); of those, per
    function, up to ``RESERVOIR_BUCKETS`` shapes (argument types, element types, size class) are
    kept, each with its first and its largest call -- so empty, single, typical and the largest
    inputs survive, not just the first three calls.  Each sample is pickled at once (later
    mutation cannot change it) and individually, so one argument that cannot be unpickled later
    does not spoil the others.
    """

    def __init__(
        self, registry: Registry, max_bytes_each: int, max_bytes_total: int, limit: int = 3
    ) -> None:
        self.registry = registry
        self.max_each = max_bytes_each
        self.max_total = max_bytes_total
        self.limit = limit
        self.window = sample_window(limit)
        self.total = 0
        self._kept: dict[int, tuple[int, bytes]] = {}  # serial -> (k, payload)
        self._serial = 0
        # k -> shape -> [(size, serial), ...] (first seen, then the largest)
        self._buckets: dict[int, dict[Any, list[tuple[int, int]]]] = {}
        self.skipped: dict[int, int] = {}
        self._seen: dict[int, int] = {}
        self._busy = False

    @property
    def entries(self) -> list[tuple[int, bytes]]:
        return [self._kept[i] for i in sorted(self._kept)]

    def __call__(self, k: int) -> None:
        registry = self.registry
        if not registry.counts:  # the flag, not a counter, limits the calls that get here
            registry.called.add(k)
            seen = self._seen[k] = self._seen.get(k, 0) + 1
            if seen >= max(self.limit, 16):
                registry.armed[k] = False
        if self._busy:
            return
        self._busy = True  # pickling may run user code (__reduce__) that is instrumented too
        try:
            frame = sys._getframe(1)
            call = _call_args(frame)
            del frame
            shape, size = _shape(call)
            buckets = self._buckets.setdefault(k, {})
            bucket = buckets.get(shape)
            if bucket is None:
                if len(buckets) >= RESERVOIR_BUCKETS:
                    return
            elif len(bucket) >= RESERVOIR_PER_BUCKET and size <= bucket[-1][0]:
                return  # this shape is represented, and not by a smaller call
            if self.total >= self.max_total:
                return
            payload = capped_dumps(call, self.max_each)
            if payload is None:
                self.skipped[k] = self.skipped.get(k, 0) + 1
                return
            if bucket is not None and any(
                self._kept.get(serial, (k, b""))[1] == payload for _size, serial in bucket
            ):
                return  # the same arguments again add no evidence
            self._serial += 1
            self._kept[self._serial] = (k, payload)
            self.total += len(payload)
            if bucket is None:
                buckets[shape] = [(size, self._serial)]
            elif len(bucket) < RESERVOIR_PER_BUCKET:
                bucket.append((size, self._serial))
            else:  # replace the shape's largest-so-far with this larger call
                old = bucket.pop()
                dropped = self._kept.pop(old[1], None)
                if dropped is not None:
                    self.total -= len(dropped[1])
                bucket.append((size, self._serial))
        except Exception:
            self.skipped[k] = self.skipped.get(k, 0) + 1
        finally:
            self._busy = False

    def dump(
        self, path: str, module_names: dict[str, str]
    ) -> dict[tuple[str, str, int], list[int]]:
        """Write the samples file; returns function key -> indices into its ``entries`` list."""
        entries: list[dict[str, Any]] = []
        index: dict[tuple[str, str, int], list[int]] = {}
        for k, payload in self.entries:  # call order
            file, qual, line = self.registry.keys[k]
            index.setdefault((file, qual, line), []).append(len(entries))
            entries.append(
                {
                    "qualname": qual,
                    "file": file,
                    "line": line,
                    "module": module_names.get(file, ""),
                    "payload": payload,  # pickle of (args tuple, kwargs dict)
                }
            )
        import pickle

        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            pickle.dump({"version": 1, "entries": entries}, fh, protocol=4)
        os.replace(tmp, path)
        return index


def _size_class(n: int) -> int:
    return 0 if n == 0 else 1 if n == 1 else 2 if n < 10 else 3 if n < 1000 else 4


def _shape(call: tuple[tuple[Any, ...], dict[str, Any]]) -> tuple[Any, int]:
    """(shape key, size) of a call: argument types with element types and a size class."""
    args, kwargs = call
    parts: list[Any] = []
    size = 0
    for value in (*args, *kwargs.values()):
        t = type(value)
        if t is int or t is float:
            # numbers: sign and magnitude class, so 0, 1, small, large and negative arguments
            # each keep a sample (edge cases a rewrite must agree on)
            magnitude = abs(value)
            klass = (
                _size_class(int(magnitude)) if magnitude == magnitude and magnitude < 1e18 else 5
            )
            parts.append((t.__name__, value < 0, klass))
            continue
        try:
            n = len(value)
        except Exception:
            parts.append(t.__name__)
            continue
        size += n
        inner = ""
        if n and t in (list, tuple, set, frozenset):
            inner = type(next(iter(value))).__name__
        elif n and t is dict:
            key = next(iter(value))
            inner = type(key).__name__ + ":" + type(value[key]).__name__
        parts.append((t.__name__, inner, _size_class(n)))
    return (tuple(parts), tuple(sorted(kwargs))), size


def _call_args(frame: FrameType) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The (args, kwargs) a function was called with, read from its frame before it ran."""
    code = frame.f_code
    loc = frame.f_locals
    names = code.co_varnames
    n_pos = code.co_argcount
    n_kw = code.co_kwonlyargcount
    args = [loc[n] for n in names[:n_pos] if n in loc]
    kwargs = {n: loc[n] for n in names[n_pos : n_pos + n_kw] if n in loc}
    i = n_pos + n_kw
    if code.co_flags & _CO_VARARGS:
        args.extend(loc.get(names[i], ()))
        i += 1
    if code.co_flags & _CO_VARKEYWORDS:
        kwargs.update(loc.get(names[i], {}))
    return tuple(args), kwargs


class _Instrumenter(ast.NodeTransformer):
    def __init__(self, registry: Registry, filename: str, limit: int) -> None:
        self.registry = registry
        self.filename = filename
        self.limit = limit
        self.scope: list[str] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        qual = ".".join([*self.scope, node.name])
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        k = self.registry.add(self.filename, qual, first)
        self.scope.extend([node.name, "<locals>"])
        self.generic_visit(node)
        del self.scope[-2:]
        stmt = ast.parse(self.registry.statement(k, self.limit)).body[0]
        body = node.body
        at = 1 if len(body) > 1 and _is_docstring(body[0]) else 0
        # the statement borrows the first body line's position: its (tiny) cost shows up in the
        # function's own first line rather than on the ``def``
        line = body[at].lineno
        for sub in ast.walk(stmt):
            if isinstance(sub, (ast.stmt, ast.expr)):
                sub.lineno = sub.end_lineno = line
                sub.col_offset = sub.end_col_offset = 0
        node.body = [*body[:at], stmt, *body[at:]]
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def instrument(source: str, filename: str, registry: Registry, limit: int) -> CodeType:
    """Compile ``source`` with the counting/recording statement added to every function.

    Raises SyntaxError like ``compile`` does; ``from __future__`` imports keep working because the
    compiler reads them from the tree.
    """
    tree = ast.parse(source, filename)
    tree = _Instrumenter(registry, filename, limit).visit(tree)
    return compile(tree, filename, "exec", dont_inherit=True)


class _InstrumentingLoader(importlib.machinery.SourceFileLoader):
    hooks: dict[str, Any] = {}
    registry: Registry
    limit: int

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        try:
            source = importlib.util.decode_source(self.get_data(path))
            return instrument(source, path, self.registry, self.limit)
        except SyntaxError:
            raise
        except Exception:  # never let the profiler break an import: fall back to plain code
            code = super().get_code(fullname)
            assert code is not None
            return code

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__.update(self.hooks)
        super().exec_module(module)


class InstrumentingFinder:  # a meta path finder (no importlib.abc: it imports a lot)
    """Routes imports of the user's own ``.py`` modules through the instrumenting loader."""

    def __init__(self, user: UserCode, registry: Registry, hooks: dict[str, Any], limit: int):
        self.user = user
        loader = type(
            "HoneLoader",
            (_InstrumentingLoader,),
            {"hooks": hooks, "registry": registry, "limit": limit},
        )
        self.loader_cls: type[_InstrumentingLoader] = loader
        self.module_files: dict[str, str] = {}  # file -> module name (for the samples file)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not spec.origin or not spec.has_location:
            return spec
        if not spec.origin.endswith(".py") or not self.user.is_user_file(spec.origin):
            return spec
        if not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        spec.loader = self.loader_cls(fullname, spec.origin)
        self.module_files[spec.origin] = fullname
        return spec
