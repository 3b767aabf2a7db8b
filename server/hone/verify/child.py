"""Runs INSIDE the verification sandbox: compares an original function with a rewrite.

Standalone on purpose (stdlib only; Hypothesis if importable): it runs under the *workspace's*
interpreter, which may not have hone installed.  Usage::

    python child.py JOB.json

The job names the module source with the original function, the same source with the rewrite
spliced in, the function's qualified name, and where the sample inputs come from.  The child
writes progress lines and the final verdict (JSON) to files named in the job, so the parent can
still tell which phase hung when it has to kill the process group.

Safety: an audit hook forbids writing outside the sandbox's temp folder, network access and
starting processes.  When the *original* function does any of that, the function is
"unverifiable" (it does I/O); when only the rewrite does, the rewrite is rejected.
"""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import random
import signal
import sys
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

# ---------------------------------------------------------------------------------------------
# I/O guard


class SandboxViolation(Exception):
    """Raised by the audit hook when sandboxed code attempts forbidden I/O."""


_GUARD: dict[str, Any] = {"active": False, "tmp": "/nonexistent", "events": [], "allow_read": ()}

_FORBIDDEN_PREFIXES = (
    "socket.",
    "subprocess.",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
    "ctypes.",
    "shutil.",
    "webbrowser.",
    "urllib.Request",
    "http.client.connect",
    "ftplib.",
    "smtplib.",
)
_PATH_EVENTS = {
    "os.remove",
    "os.unlink",
    "os.rename",
    "os.replace",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.truncate",
    "os.symlink",
    "os.link",
    "os.utime",
}


def _inside_tmp(path: Any) -> bool:
    try:
        p = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    tmp = _GUARD["tmp"]
    return p == tmp or p.startswith(tmp + os.sep)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _GUARD["active"]:
        return
    reason = None
    if event == "open":
        path, mode = args[0], args[1]
        writing = isinstance(mode, str) and any(c in mode for c in "wax+")
        if isinstance(args[2], int) and args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writing = True
        if isinstance(path, int):
            return  # fd already open (e.g. our own files)
        if writing and not _inside_tmp(path):
            reason = f"writes the file {os.fsdecode(path)!r}"
        elif not writing and not _inside_tmp(path):
            p = os.path.realpath(os.fsdecode(path))
            if not p.startswith(_GUARD["allow_read"]):
                reason = f"reads the file {p!r}"
    elif event in _PATH_EVENTS:
        if not (args and _inside_tmp(args[0])):
            reason = f"changes the file system ({event})"
    elif event.startswith(_FORBIDDEN_PREFIXES):
        reason = f"uses {event}"
    if reason is not None:
        _GUARD["events"].append(reason)
        raise SandboxViolation(reason)


# ---------------------------------------------------------------------------------------------
# Equality


FLOAT_ULPS = 4


def same_value(a: Any, b: Any, _depth: int = 0) -> bool:
    """Equality for verification: exact types, floats within a few ULPs, NaN equal to NaN,
    containers compared element-wise (dict key order included)."""
    if _depth > 200:
        return bool(a == b)
    if type(a) is not type(b):
        # int/float/bool are distinct results for a caller (1 != 1.0 in repr, JSON, ...)
        return False
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return True
        # a few units in the last place: forgives libm-level noise, but not a changed
        # summation order (which is a wrong rewrite, and shows on long lists)
        return bool(a == b or abs(a - b) <= FLOAT_ULPS * math.ulp(max(abs(a), abs(b))))
    if isinstance(a, complex):
        return same_value(a.real, b.real) and same_value(a.imag, b.imag)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(
            same_value(x, y, _depth + 1) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            return False
        return all(same_value(a[k], b[k], _depth + 1) for k in a)
    if isinstance(a, set | frozenset):
        return bool(a == b)
    if isinstance(a, types.GeneratorType):
        return same_value(_drain(a), _drain(b), _depth + 1)
    try:
        eq = a == b
    except Exception:
        return False
    if isinstance(eq, bool):
        if eq or getattr(type(a), "__eq__", None) is not object.__eq__:
            return eq
        # plain objects without __eq__: compare their state
        try:
            return same_value(vars(a), vars(b), _depth + 1)
        except TypeError:
            return False
    try:  # array-like (numpy): element-wise result
        return bool(eq.all())
    except Exception:
        return False


def _drain(gen: Iterator[Any], limit: int = 100_000) -> list[Any]:
    out = []
    for i, x in enumerate(gen):
        if i >= limit:
            break
        out.append(x)
    return out


def short_repr(value: Any, limit: int = 120) -> str:
    try:
        r = repr(value)
    except Exception:
        r = f"<{type(value).__name__}>"
    return r if len(r) <= limit else r[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Calling with a time limit


class CallTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so user code's ``except Exception`` can't swallow it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise CallTimeout()


_LAST_CALL = [0.0]  # duration of the last successful call(), without copying the arguments

Outcome = tuple[str, Any, Any]  # ("ok", result, args_after) | ("raise", exc_type, args_after)


def call(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], limit_s: float
) -> Outcome:
    a, k = copy.deepcopy(args), copy.deepcopy(kwargs)
    events: list[str] = _GUARD["events"]
    events.clear()
    outcome: Outcome
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    _GUARD["active"] = True
    t0 = time.perf_counter()
    try:
        result = fn(*a, **k)
        _LAST_CALL[0] = time.perf_counter() - t0
        if isinstance(result, types.GeneratorType):
            result = _drain(result)
        outcome = ("ok", result, (a, k))
    except (SandboxViolation, CallTimeout):
        raise
    except Exception as exc:
        outcome = ("raise", type(exc), (a, k))
    finally:
        _GUARD["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
    if events:  # a violation the code caught and swallowed still counts
        raise SandboxViolation(events[0])
    return outcome


def same_outcome(o1: Outcome, o2: Outcome) -> str | None:
    """None when equal, else a short description of the difference."""
    if o1[0] != o2[0]:
        if o1[0] == "ok":
            return f"returned {short_repr(o1[1])} but the rewrite raised {o2[1].__name__}"
        return f"raised {o1[1].__name__} but the rewrite returned {short_repr(o2[1])}"
    if o1[0] == "raise":
        if o1[1] is not o2[1]:
            return f"raised {o1[1].__name__} but the rewrite raised {o2[1].__name__}"
    elif not same_value(o1[1], o2[1]):
        return f"returned {short_repr(o1[1])} but the rewrite returned {short_repr(o2[1])}"
    if not same_value(o1[2], o2[2]):
        return "the arguments were left in a different state (mutation differs)"
    return None


# ---------------------------------------------------------------------------------------------
# Loading the two modules


def load_module(source: str, path: str, name: str) -> dict[str, Any]:
    module = types.ModuleType(name)
    module.__file__ = path
    ns = module.__dict__
    ns["__name__"] = name  # not "__main__": the program's main block must not run
    sys.modules[name] = module  # dataclasses/pickle look modules up by name
    code = compile(source, path, "exec")
    exec(code, ns)
    return ns


def resolve(ns: dict[str, Any], qualname: str) -> Any:
    obj: Any = None
    for i, part in enumerate(qualname.split(".")):
        obj = ns[part] if i == 0 else getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------------------------
# Sample inputs

Input = tuple[tuple[Any, ...], dict[str, Any], str]  # args, kwargs, source label


def recorded_inputs(job: dict[str, Any]) -> list[Input]:
    """Arguments recorded by "run with timing" (``{"version": 1, "entries": [...]}``).

    A payload may pickle instances of the program's own classes under the module name they had
    in the run (``__main__`` for a script): while unpickling, that name points at the module
    loaded here, so the objects are rebuilt from its classes (methods get their ``self``).
    """
    out: list[Input] = []
    qualname = job["qualname"]
    module = sys.modules.get("__hone_original__")
    for path in job.get("recorded", []):
        try:
            with open(path, "rb") as fh:
                data = pickle.load(fh)
        except Exception:
            continue
        entries = data.get("entries", []) if isinstance(data, dict) else []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("qualname") != qualname:
                continue
            name = str(entry.get("module") or "__main__")
            saved = sys.modules.get(name)
            if module is not None:
                sys.modules[name] = module
            try:
                args, kwargs = pickle.loads(entry["payload"])
                out.append((tuple(args), dict(kwargs), "recorded"))
            except Exception:
                continue
            finally:
                if saved is not None:
                    sys.modules[name] = saved
                elif module is not None:
                    sys.modules.pop(name, None)
    return out


def doctest_inputs(fn: Any, ns: dict[str, Any]) -> list[Input]:
    import ast
    import doctest

    doc = getattr(fn, "__doc__", None)
    if not doc:
        return []
    out: list[Input] = []
    name = fn.__name__
    for example in doctest.DocTestParser().get_examples(doc):
        try:
            tree = ast.parse(example.source.strip(), mode="eval")
        except SyntaxError:
            continue
        call_node = tree.body
        if not (
            isinstance(call_node, ast.Call)
            and isinstance(call_node.func, ast.Name)
            and call_node.func.id == name
        ):
            continue
        try:
            args = tuple(
                eval(compile(ast.Expression(a), "<doctest>", "eval"), dict(ns))
                for a in call_node.args
            )
            kwargs = {
                k.arg: eval(compile(ast.Expression(k.value), "<doctest>", "eval"), dict(ns))
                for k in call_node.keywords
                if k.arg
            }
        except Exception:
            continue
        out.append((args, kwargs, "doctest"))
    return out


def generated_inputs(fn: Any, count: int, large: bool, seed: int = 0) -> tuple[list[Input], str]:
    """Inputs drawn from the type hints with Hypothesis (small and, if asked, large sizes)."""
    try:
        import inspect
        import typing

        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st
    except Exception as exc:
        return [], f"Hypothesis unavailable ({exc.__class__.__name__})"
    try:
        sig = inspect.signature(fn)
        hints = typing.get_type_hints(fn)
    except Exception as exc:
        return [], f"cannot read the type hints ({exc.__class__.__name__})"
    params = [
        p
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if any(p.name not in hints for p in params):
        return [], "parameters without type hints"

    def strategy(tp: Any, size: int) -> Any:
        origin = typing.get_origin(tp)
        targs = typing.get_args(tp)
        small_ints = st.integers(min_value=-20, max_value=20)  # forces duplicates
        if tp is int:
            return st.one_of(small_ints, st.integers())
        if tp is float:
            return st.floats(allow_nan=False, allow_infinity=False, width=64)
        if tp is str:
            return st.text(max_size=max(size, 10))
        if tp is bytes:
            return st.binary(max_size=max(size, 10))
        if tp is bool:
            return st.booleans()
        if origin in (list, list) or (
            origin is not None
            and getattr(origin, "__name__", "")
            in ("Sequence", "Iterable", "Collection", "MutableSequence")
        ):
            elem = strategy(targs[0], 8) if targs else small_ints
            return st.lists(elem, min_size=size // 2 if size > 50 else 0, max_size=size)
        if origin is set or origin is frozenset:
            elem = strategy(targs[0], 8) if targs else small_ints
            s = st.sets(elem, max_size=size)
            return s.map(frozenset) if origin is frozenset else s
        if origin is dict or (origin is not None and getattr(origin, "__name__", "") == "Mapping"):
            k = strategy(targs[0], 8) if targs else small_ints
            v = strategy(targs[1], 8) if len(targs) > 1 else small_ints
            return st.dictionaries(k, v, max_size=size)
        if origin is tuple:
            if len(targs) == 2 and targs[1] is Ellipsis:
                return st.lists(strategy(targs[0], 8), max_size=size).map(tuple)
            return st.tuples(*(strategy(a, size) for a in targs))
        if origin is typing.Union or (
            origin is not None and getattr(origin, "__name__", "") == "UnionType"
        ):
            return st.one_of(*(strategy(a, size) for a in targs))
        return st.from_type(tp)

    collected: list[Input] = []
    try:  # small inputs from Hypothesis (large ones below, from a seeded generator)
        strat = st.tuples(*(strategy(hints[p.name], 12) for p in params))

        @settings(
            max_examples=count,
            database=None,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strat)
        def collect(args: tuple[Any, ...]) -> None:
            collected.append((tuple(args), {}, "generated"))

        collect()
    except Exception as exc:
        if not collected:
            return [], f"cannot generate inputs ({exc.__class__.__name__}: {exc})"
    if large:
        # Hypothesis is slow at large sizes; a seeded generator gives realistic big inputs.
        # Small element domains make duplicates certain (wrong dedup/grouping shows there).
        rng = random.Random(seed)
        for size, domain in ((3000, 50), (3000, 1_000_000), (800, 5)):
            try:
                args = tuple(_random_value(hints[p.name], size, domain, rng) for p in params)
            except _Unsupported:
                break
            collected.append((args, {}, "generated"))
    return collected, ""


class _Unsupported(Exception):
    pass


def _random_value(tp: Any, size: int, domain: int, rng: random.Random) -> Any:
    import typing

    origin = typing.get_origin(tp)
    targs = typing.get_args(tp)
    if tp is int:
        return rng.randint(-domain, domain)
    if tp is float:
        return rng.uniform(-domain, domain) * rng.choice((1.0, 1e-3, 1e6))
    if tp is bool:
        return rng.random() < 0.5
    if tp is str:
        alphabet = "abcdefghij ,;\té€"[: max(2, min(16, domain))]
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    if tp is bytes:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 12)))
    name = getattr(origin, "__name__", "")
    if origin is list or name in ("Sequence", "Iterable", "Collection", "MutableSequence"):
        elem = targs[0] if targs else int
        return [_random_value(elem, 8, domain, rng) for _ in range(size)]
    if origin in (set, frozenset):
        elem = targs[0] if targs else int
        values = {_random_value(elem, 8, domain, rng) for _ in range(size)}
        return values if origin is set else frozenset(values)
    if origin is dict or name == "Mapping":
        k = targs[0] if targs else int
        v = targs[1] if len(targs) > 1 else int
        return {
            _random_value(k, 8, domain, rng): _random_value(v, 8, domain, rng) for _ in range(size)
        }
    if origin is tuple:
        if len(targs) == 2 and targs[1] is Ellipsis:
            return tuple(_random_value(targs[0], 8, domain, rng) for _ in range(size))
        return tuple(_random_value(a, 8, domain, rng) for a in targs)
    if origin is typing.Union or name == "UnionType":
        options = [a for a in targs if a is not type(None)] or list(targs)
        return _random_value(rng.choice(options), size, domain, rng)
    raise _Unsupported(repr(tp))


# ---------------------------------------------------------------------------------------------
# Timing


def _time_loops(
    fn: Callable[..., Any], arg_sets: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> float:
    t0 = time.perf_counter()
    for a, k in arg_sets:
        fn(*a, **k)
    return time.perf_counter() - t0


def measure(
    f_orig: Callable[..., Any],
    f_new: Callable[..., Any],
    inp: Input,
    mutates: bool,
    repeats: int,
    budget_s: float,
) -> dict[str, Any]:
    """Alternate original and rewrite; minimum of repeats; ratio with its spread."""
    args, kwargs, _ = inp

    def arg_sets(n: int) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        if mutates:
            return [(copy.deepcopy(args), copy.deepcopy(kwargs)) for _ in range(n)]
        return [(args, kwargs)] * n

    # calibrate: enough loops that one repeat of the original takes >= 20 ms (timer noise)
    # (a mutating function needs a fresh copy of its arguments per call: bound those copies)
    max_loops = 1_000_000 if not mutates else max(1, 20_000_000 // max(_input_size(inp), 1))
    loops = 1
    while True:
        t = _time_loops(f_orig, arg_sets(loops))
        if t >= 0.02 or loops >= max_loops or t * 2 * repeats * 2 > budget_s:
            break
        loops = min(max_loops, loops * (2 if t > 0.002 else 10))
    t_orig: list[float] = []
    t_new: list[float] = []
    deadline = time.perf_counter() + budget_s
    # at least `repeats` rounds; more (within the budget) while the minimum is not yet stable
    while True:
        t_orig.append(_time_loops(f_orig, arg_sets(loops)) / loops)
        t_new.append(_time_loops(f_new, arg_sets(loops)) / loops)
        n = len(t_orig)
        if n >= 3 and time.perf_counter() > deadline:
            break
        if n >= repeats and max(_second_best_gap(t_orig), _second_best_gap(t_new)) <= 0.03:
            break
        if n >= repeats * 6:
            break
    best_o, best_n = min(t_orig), min(t_new)
    pair_ratios = sorted(o / n for o, n in zip(t_orig, t_new, strict=True) if n > 0)
    speedup = best_o / best_n if best_n > 0 else float("inf")
    # Noise only ever adds time, so the minimum is the estimate; how well it reproduces (the gap
    # to the second-best repeat) is the noise the speedup has to clear.
    noise = max(_second_best_gap(t_orig), _second_best_gap(t_new))
    threshold = max(0.05, noise)
    return {
        "speedup": speedup,
        "ratio_low": pair_ratios[0] if pair_ratios else speedup,
        "ratio_high": pair_ratios[-1] if pair_ratios else speedup,
        "noise": noise,
        "faster": speedup > 1 + threshold,
        "slower": speedup < 1 / (1 + threshold),
        "loops": loops,
        "repeats": len(t_orig),
        "original_s": best_o,
        "rewrite_s": best_n,
    }


def _second_best_gap(values: list[float]) -> float:
    s = sorted(values)
    if len(s) < 2 or s[0] <= 0:
        return 0.0
    return (s[1] - s[0]) / s[0]


def _input_size(inp: Input) -> int:
    try:
        return len(pickle.dumps((inp[0], inp[1]), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return len(short_repr((inp[0], inp[1]), 10_000_000))


# ---------------------------------------------------------------------------------------------
# The verification


def verify(job: dict[str, Any], progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    qualname = job["qualname"]
    limit = float(job.get("call_timeout_s", 5.0))
    counts: dict[str, int] = {}
    try:
        _GUARD["active"] = True  # module-level code may not write or connect either
        ns_orig = load_module(job["original_source"], job["path"], "__hone_original__")
        ns_new = load_module(job["rewrite_source"], job["path"], "__hone_rewrite__")
        f_orig = resolve(ns_orig, qualname)
        f_new = resolve(ns_new, qualname)
    except SandboxViolation as exc:
        return {"status": "unverifiable", "reason": f"importing the module {exc}"}
    except Exception as exc:
        return {
            "status": "unverifiable",
            "reason": f"cannot load the module: {type(exc).__name__}: {exc}",
        }
    finally:
        _GUARD["active"] = False

    inputs: list[Input] = recorded_inputs(job)
    inputs += doctest_inputs(f_orig, ns_orig)
    notes: list[str] = []
    if job.get("generate", True):
        generated, why = generated_inputs(
            f_orig, int(job.get("generated_count", 40)), bool(job.get("large", True))
        )
        inputs += generated
        if why:
            notes.append(f"no generated inputs: {why}")
    if not inputs:
        return {
            "status": "unverifiable",
            "reason": "no sample inputs" + (f" ({'; '.join(notes)})" if notes else ""),
            "sources": {},
        }
    for _, _, src in inputs:
        counts[src] = counts.get(src, 0) + 1

    # Phase 1: the original, twice on every input (determinism), before any comparison, so a
    # nondeterministic function is reported as such and not as a rejected rewrite.
    expected: list[Outcome] = []
    cost: list[float] = []
    mutates = False
    for i, (args, kwargs, _source) in enumerate(inputs, start=1):
        progress({"phase": "original", "input": i})
        try:
            _LAST_CALL[0] = 0.0
            o1 = call(f_orig, args, kwargs, limit)
            first = _LAST_CALL[0]
            o2 = call(f_orig, args, kwargs, limit)
            cost.append(min(first, _LAST_CALL[0]))  # min: robust to a GC pause
        except SandboxViolation as exc:
            return {"status": "unverifiable", "reason": f"the function {exc}", "sources": counts}
        except CallTimeout:
            return {
                "status": "unverifiable",
                "reason": f"the original took over {limit:g} s on input #{i}",
                "sources": counts,
            }
        diff = same_outcome(o1, o2)
        if diff is not None:
            diff = diff.replace("the rewrite", "the second run")
            return {
                "status": "unverifiable",
                "reason": "the original is not deterministic "
                f"(two runs on input #{i} differed: it {diff})",
                "sources": counts,
            }
        expected.append(o1)
        mutates = mutates or not same_value((args, kwargs), o1[2])

    # Phase 2: the rewrite must match on every input.
    for i, ((args, kwargs, source), o1) in enumerate(zip(inputs, expected, strict=True), start=1):
        progress({"phase": "rewrite", "input": i})
        try:
            r = call(f_new, args, kwargs, limit)
        except SandboxViolation as exc:
            return {
                "status": "rejected",
                "reason": f"the rewrite {exc} (the original does not)",
                "sources": counts,
                "input": i,
            }
        except CallTimeout:
            return {
                "status": "rejected",
                "reason": f"the rewrite did not finish within {limit:g} s on input #{i}",
                "sources": counts,
                "input": i,
            }
        diff = same_outcome(o1, r)
        if diff is not None:
            shown = short_repr((args, kwargs) if kwargs else args, 80)
            return {
                "status": "rejected",
                "reason": f"result differed for input #{i} ({source} {shown}): the original {diff}",
                "sources": counts,
                "input": i,
            }

    # Phase 3: speed, on the largest recorded input if there is one (real data), else on the
    # input the original found hardest.
    progress({"phase": "timing"})
    recorded = [i for i, inp in enumerate(inputs) if inp[2] == "recorded"]
    if recorded:
        heaviest = inputs[max(recorded, key=lambda i: _input_size(inputs[i]))]
    else:
        heaviest = inputs[max(range(len(inputs)), key=cost.__getitem__)]
    _GUARD["active"] = True
    try:
        timing = measure(
            f_orig,
            f_new,
            heaviest,
            mutates,
            int(job.get("repeats", 7)),
            float(job.get("timing_budget_s", 4.0)),
        )
    except (SandboxViolation, CallTimeout, Exception) as exc:
        return {
            "status": "unverifiable",
            "reason": f"timing failed: {type(exc).__name__}",
            "sources": counts,
            "inputs": len(inputs),
        }
    finally:
        _GUARD["active"] = False
    return {
        "status": "verified",
        "inputs": len(inputs),
        "sources": counts,
        "timing": timing,
        "notes": notes,
    }


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as fh:
        job = json.load(fh)
    tmp = os.path.realpath(job["tmp_dir"])
    _GUARD["tmp"] = tmp
    # reading the interpreter's own files (lazy imports) is not I/O of the user's function
    _GUARD["allow_read"] = tuple(
        os.path.realpath(p)
        for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, *job.get("allow_read", [])}
    )
    signal.signal(signal.SIGALRM, _on_alarm)
    progress_path = job["progress_path"]

    def progress(event: dict[str, Any]) -> None:
        with open(progress_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")

    for extra in job.get("sys_path_tail", []):
        sys.path.append(extra)  # e.g. where hone's Hypothesis lives, after the user's paths
    sys.addaudithook(_audit)
    devnull = open(os.devnull, "w")  # noqa: SIM115  the user's prints go nowhere
    real_stdout = sys.stdout
    sys.stdout = devnull
    try:
        verdict = verify(job, progress)
    except BaseException as exc:  # report, never crash silently
        verdict = {
            "status": "unverifiable",
            "reason": f"verification failed: {type(exc).__name__}: {exc}",
        }
    finally:
        sys.stdout = real_stdout
    _GUARD["active"] = False
    with open(job["result_path"], "w", encoding="utf-8") as fh:
        json.dump(verdict, fh, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
