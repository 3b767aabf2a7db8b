"""The data-only value format: what a worker sends is only ever parsed and compared."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections import Counter, OrderedDict, defaultdict

import pytest

from hone.verify import wire


@dataclasses.dataclass
class Point:
    x: int
    y: float


class Plain:
    def __init__(self) -> None:
        self.items = [1, 2]
        self.name = "n"


class Color(enum.Enum):
    RED = 1


def roundtrip(value: object) -> object:
    data = json.loads(json.dumps(wire.encode(value), allow_nan=False))
    resolve = wire.import_resolver({__name__: __import__(__name__, fromlist=["x"])})
    return wire.decode(data, resolve)


@pytest.mark.parametrize(
    "value",
    [
        0,
        -(2**100),
        1.5,
        float("inf"),
        "ü😀",
        b"\x00\xff",
        bytearray(b"ab"),
        None,
        True,
        [1, (2, 3)],
        {"a": [1], 2: {3}},
        frozenset({1, 2}),
        1 + 2j,
        Counter("aab"),
        OrderedDict(a=1),
        Point(1, 2.5),
        Color.RED,
    ],
)
def test_values_round_trip_inside_a_worker(value: object) -> None:
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


def test_objects_by_fields_and_defaultdict() -> None:
    back = roundtrip(Plain())
    assert isinstance(back, Plain) and vars(back) == {"items": [1, 2], "name": "n"}
    d: defaultdict[str, list[int]] = defaultdict(list, {"a": [1]})
    back_d = roundtrip(d)
    assert type(back_d) is defaultdict and back_d == d


def test_unreadable_state_is_opaque_never_equal() -> None:
    enc = wire.encode(lambda: 0)
    assert wire.has_opaque(enc)
    assert not wire.same_encoded(enc, enc)
    deep: list[object] = []
    cur = deep
    for _ in range(100):
        cur.append([])
        cur = cur[0]  # type: ignore[assignment]
    assert wire.has_opaque(wire.encode(deep))  # bounded depth


def test_the_server_side_only_parses() -> None:
    with pytest.raises(ValueError):
        wire.loads("[" * 200_000 + "]" * 200_000)  # hostile nesting: an error, not a crash
    hostile = {"o": "os.system", "m": "os", "a": {"cmd": "id"}}
    # comparing is all the server does with it: nothing is imported or called
    assert wire.same_encoded(hostile, dict(hostile))
    assert wire.describe_shape(hostile) == "os.system"
    assert wire.describe_shape({"l": [{"l": []}]}) == "list of 1 empty list"
    assert wire.size_of({"l": [1] * 50}) == 50
