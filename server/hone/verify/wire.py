"""The data-only value format between a verification worker and the server (stdlib only).

A worker (inside the sandbox) *encodes* return values, argument states and inputs as JSON with a
tagged encoding; the server only ever ``json.loads`` it and compares the trees
(:func:`same_encoded`): nothing a worker sends is unpickled, imported or executed here.

Encoding (``enc``):

* ``int`` / ``str`` / ``bool`` / ``None`` are plain JSON values (exact types only);
* ``{"f": repr}`` a float (exact round trip, ``nan``/``inf`` included), ``{"c": [re, im]}``;
* ``{"b": base64}`` bytes, ``{"ba": base64}`` bytearray;
* ``{"l": [...]}``, ``{"t": [...]}``, ``{"d": [[k, v], ...]}`` (insertion order kept),
  ``{"s": [...]}``, ``{"fs": [...]}``, with ``"cls"`` naming a subclass (``collections.Counter``);
* ``{"it": [...]}`` an iterator argument (rebuilt as ``iter(list)``), ``{"g": [...]}`` a generator
  result drained;
* ``{"o": qualname, "m": module, "a": {field: enc}}`` any other object, by its fields
  (dataclass fields, ``__dict__`` or ``__slots__``); ``{"enum": qualname, "m": module, "n": name}``;
* ``{"x": type name}`` where depth or size ran out, or the object has no readable state;
* ``{"e": type name, "msg": text}`` an exception (only ever as an outcome).

The same module also decodes inputs inside the worker (:func:`decode`), where rebuilding the
program's own objects from their fields is intended.  The worker loads this file by path, so it
must stay standalone.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import math
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

MAX_DEPTH = 40
MAX_NODES = 2_000_000
MAX_STR = 1 << 22
FLOAT_ULPS = 4

_PLAIN_CONTAINERS: dict[type, str] = {
    list: "l",
    tuple: "t",
    set: "s",
    frozenset: "fs",
    dict: "d",
}


class Budget:
    def __init__(self, nodes: int = MAX_NODES) -> None:
        self.left = nodes


def encode(value: Any, depth: int = 0, budget: Budget | None = None) -> Any:
    """A JSON-able tagged tree for ``value`` (runs in the worker; never raises)."""
    b = budget if budget is not None else Budget()
    b.left -= 1
    if b.left < 0 or depth > MAX_DEPTH:
        return {"x": _type_name(value)}
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        if t is str and len(value) > MAX_STR:
            return {"x": "str"}
        return value
    if t is float:
        return {"f": repr(value)}
    if t is complex:
        return {"c": [repr(value.real), repr(value.imag)]}
    if t is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if t is bytearray:
        return {"ba": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, enum.Enum):
        return {"enum": t.__qualname__, "m": t.__module__, "n": value.name}
    if isinstance(value, BaseException):
        return {"e": t.__name__, "msg": _safe_str(value)}
    if isinstance(value, types.GeneratorType):
        return {"g": [encode(x, depth + 1, b) for x in _drain(value)]}
    for base, tag in _PLAIN_CONTAINERS.items():
        if isinstance(value, base):
            value_: Any = value
            try:
                if base is dict:
                    body: Any = [
                        [encode(k, depth + 1, b), encode(v, depth + 1, b)]
                        for k, v in value_.items()
                    ]
                else:
                    body = [encode(x, depth + 1, b) for x in value_]
            except Exception:
                return {"x": _type_name(value)}
            out: dict[str, Any] = {tag: body}
            if t is not base:
                out["cls"] = _type_name(value)
            return out
    if isinstance(value, int | float | str | bytes):  # subclasses (IntFlag handled as Enum)
        inner = encode(t.__mro__[t.__mro__.index(_builtin_base(t))](value), depth + 1, b)
        return {"sub": inner, "cls": _type_name(value)}
    return _encode_object(value, depth, b)


def _builtin_base(t: type) -> type:
    for base in (bool, int, float, str, bytes):
        if issubclass(t, base):
            return base
    return object


def _encode_object(value: Any, depth: int, b: Budget) -> Any:
    t = type(value)
    fields: dict[str, Any] = {}
    try:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = [f.name for f in dataclasses.fields(value)]
            extra = getattr(value, "__dict__", {})
            names += [n for n in extra if n not in names]
        elif hasattr(value, "__dict__") and isinstance(vars(value), dict):
            names = list(vars(value))
        else:
            names = [s for c in t.__mro__ for s in _slots(c)]
        for name in names:
            try:
                fields[name] = encode(getattr(value, name), depth + 1, b)
            except AttributeError:
                continue
    except Exception:
        return {"x": _type_name(value)}
    if not fields and not names:
        return {"x": _type_name(value)}
    return {"o": t.__qualname__, "m": t.__module__, "a": fields}


def _slots(cls: type) -> list[str]:
    slots = cls.__dict__.get("__slots__", ())
    if isinstance(slots, str):
        slots = (slots,)
    return [s for s in slots if s not in ("__dict__", "__weakref__")]


def _drain(it: Iterator[Any], limit: int = 200_000) -> list[Any]:
    out = []
    for i, x in enumerate(it):
        if i >= limit:
            break
        out.append(x)
    return out


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}"


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:200]
    except Exception:
        return ""


# -- decoding (worker side: rebuilds real objects, including the program's own classes) ----------


Resolver = Callable[[str, str], Any]  # (module, qualname) -> class


def decode(data: Any, resolve: Resolver) -> Any:
    if data is None or isinstance(data, bool | int | str):
        return data
    if isinstance(data, list):  # not produced by encode; tolerate
        return [decode(x, resolve) for x in data]
    if "f" in data:
        return float(data["f"])
    if "c" in data:
        return complex(float(data["c"][0]), float(data["c"][1]))
    if "b" in data:
        return base64.b64decode(data["b"])
    if "ba" in data:
        return bytearray(base64.b64decode(data["ba"]))
    if "it" in data:
        return iter([decode(x, resolve) for x in data["it"]])
    if "g" in data:
        return (x for x in [decode(y, resolve) for y in data["g"]])
    for tag, base in (("l", list), ("t", tuple), ("s", set), ("fs", frozenset), ("d", dict)):
        if tag in data:
            if base is dict:
                items = [(decode(k, resolve), decode(v, resolve)) for k, v in data["d"]]
                built: Any = dict(items)
            else:
                built = base(decode(x, resolve) for x in data[tag])
            cls = data.get("cls")
            if cls:
                built = _rebuild_subclass(cls, built, resolve)
            return built
    if "sub" in data:
        return _rebuild_subclass(data["cls"], decode(data["sub"], resolve), resolve)
    if "enum" in data:
        return getattr(resolve(data["m"], data["enum"]), data["n"])
    if "o" in data:
        cls = resolve(data["m"], data["o"])
        obj = cls.__new__(cls)
        for name, v in data["a"].items():
            object.__setattr__(obj, name, decode(v, resolve))
        return obj
    raise ValueError(f"cannot rebuild {data.get('x') or data.get('e') or 'value'}")


def _rebuild_subclass(name: str, value: Any, resolve: Resolver) -> Any:
    module, _, qual = name.rpartition(".")
    cls = resolve(module, qual)
    if isinstance(value, dict) and hasattr(cls, "default_factory"):
        out = cls()
        out.update(value)
        return out
    return cls(value)


def import_resolver(modules: dict[str, Any]) -> Resolver:
    """Classes looked up in the given modules first (the module under test), then by import."""

    def resolve(module: str, qualname: str) -> Any:
        mod = modules.get(module)
        if mod is None:
            __import__(module)
            mod = sys.modules[module]
        obj: Any = mod
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj

    return resolve


# -- comparing (server side: data only) -------------------------------------------------------


def loads(text: str | bytes) -> Any:
    """``json.loads`` that turns a hostile nesting depth into ``ValueError``."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def same_encoded(a: Any, b: Any, _depth: int = 0) -> bool:
    """``same_value`` on encoded trees: exact types, floats within a few ULPs (NaN equal to NaN),
    dict key order included, sets as sets, unreadable values never equal."""
    if _depth > MAX_DEPTH + 5:
        return False
    if type(a) is not type(b):
        return False
    if not isinstance(a, dict):
        if isinstance(a, list):
            return len(a) == len(b) and all(
                same_encoded(x, y, _depth + 1) for x, y in zip(a, b, strict=True)
            )
        return bool(a == b)
    if a.keys() != b.keys() or "x" in a:
        return False
    if "e" in a:  # an exception: its type is the behaviour, its message is not
        return bool(a["e"] == b["e"])
    if "f" in a:
        return _same_float(a["f"], b["f"])
    if "c" in a:
        return _same_float(a["c"][0], b["c"][0]) and _same_float(a["c"][1], b["c"][1])
    if a.get("cls") != b.get("cls"):
        return False
    for tag in ("s", "fs"):
        if tag in a:
            return _canonical_set(a[tag]) == _canonical_set(b[tag])
    for key in a:
        if key in ("cls",):
            continue
        va, vb = a[key], b[key]
        if isinstance(va, dict) and key == "a":
            if list(va) != list(vb):
                return False
            if not all(same_encoded(va[k], vb[k], _depth + 1) for k in va):
                return False
        elif not same_encoded(va, vb, _depth + 1):
            return False
    return True


def _same_float(ra: Any, rb: Any) -> bool:
    try:
        x, y = float(ra), float(rb)
    except (TypeError, ValueError):
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    # a few units in the last place: forgives libm-level noise, not a changed summation order
    return x == y or abs(x - y) <= FLOAT_ULPS * math.ulp(max(abs(x), abs(y)))


def _canonical_set(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return sorted(json.dumps(x, sort_keys=True) for x in items)


def has_opaque(data: Any) -> bool:
    """Whether an encoded value contains something that could not be read (never comparable)."""
    stack = [data]
    while stack:
        d = stack.pop()
        if isinstance(d, list):
            stack.extend(d)
        elif isinstance(d, dict):
            if "x" in d:
                return True
            stack.extend(v for k, v in d.items() if k not in ("cls", "m", "o", "enum", "n"))
    return False


def describe_shape(data: Any, depth: int = 0) -> str:
    """A structural description of an encoded input without its values ("list of 3 int")."""
    if depth > 3:
        return "…"
    if data is None:
        return "None"
    if isinstance(data, bool):
        return "bool"
    if isinstance(data, int):
        return "int"
    if isinstance(data, str):
        return "empty str" if not data else "str"
    if not isinstance(data, dict):
        return "value"
    for tag, name in (
        ("l", "list"),
        ("t", "tuple"),
        ("s", "set"),
        ("fs", "frozenset"),
        ("it", "iterator"),
        ("g", "generator"),
    ):
        if tag in data:
            items = data[tag]
            if not items:
                return f"empty {name}"
            inner = describe_shape(items[0], depth + 1)
            return f"{name} of {len(items)} {inner}"
    if "d" in data:
        return "empty dict" if not data["d"] else f"dict of {len(data['d'])}"
    if "f" in data:
        return "float"
    if "o" in data:
        return str(data["o"])
    return "value"


def size_of(data: Any) -> int:
    """The size an input is timed at: the longest sequence (or string) in it."""
    best = 0
    stack = [(data, 0)]
    while stack:
        d, depth = stack.pop()
        if isinstance(d, str):
            best = max(best, len(d))
        elif isinstance(d, dict) and depth < 3:
            for tag in ("l", "t", "s", "fs", "it", "d"):
                if tag in d and isinstance(d[tag], list):
                    best = max(best, len(d[tag]))
                    stack.extend((x, depth + 1) for x in d[tag][:50])
            if "a" in d and isinstance(d["a"], dict):
                stack.extend((x, depth + 1) for x in d["a"].values())
            if "b" in d and isinstance(d["b"], str):
                best = max(best, len(d["b"]) * 3 // 4)
        elif isinstance(d, list) and depth < 3:
            stack.extend((x, depth + 1) for x in d)
    return best
