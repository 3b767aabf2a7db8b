"""TimingFeature pieces that need no server process: argument parsing, client detection."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from hone.lsp.features.timing import TimingFeature, _parse_run_arguments


def _feature(experimental: Any) -> TimingFeature:
    caps = lsp.ClientCapabilities(experimental=experimental)
    server = SimpleNamespace(protocol=SimpleNamespace(client_capabilities=caps))
    return TimingFeature(SimpleNamespace(server=server))  # type: ignore[arg-type]


def test_clients_that_draw_reports_get_no_summary_message() -> None:
    assert _feature({"honeTimingReport": True})._client_shows_reports()
    assert not _feature(None)._client_shows_reports()
    assert not _feature({"somethingElse": True})._client_shows_reports()


def test_run_arguments_object_and_positional_forms() -> None:
    uri = "file:///w/p.py"
    assert _parse_run_arguments([{"uri": uri}]) == (uri, None, ())
    assert _parse_run_arguments([{"uri": uri, "function": "C.m", "args": ["-v"]}]) == (
        uri,
        "C.m",
        ("-v",),
    )
    assert _parse_run_arguments([uri, None, ["a", "b"]]) == (uri, None, ("a", "b"))
    assert _parse_run_arguments([uri, "main"]) == (uri, "main", ())
    for bad in ([], [None], [{"uri": uri}, 1], [{"uri": ""}], [uri, "a b"], [uri, None, [1]]):
        with pytest.raises(JsonRpcInvalidParams):
            _parse_run_arguments(bad)
