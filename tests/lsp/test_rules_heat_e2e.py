"""After "Run with timing", rule findings on the lines where the run spent its time rise to
warnings and say how much of the run they took; an edit re-analyses the text without them."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from tests.lsp.conftest import HoneTestClient
from tests.lsp.test_timing_e2e import PROGRAM, capture, execute, lenses

__all__ = ["capture"]  # its autouse fixture answers workspace/codeLens/refresh


async def test_a_run_raises_the_findings_on_its_hot_lines(
    client: HoneTestClient, workspace: Path
) -> None:
    uri = await client.open(workspace / "prog.py", PROGRAM)
    before = await client.diagnostics_of(uri)
    (loop,) = [d for d in before if d.code == "HONE101"]
    assert loop.severity is lsp.DiagnosticSeverity.Information
    assert "of the run" not in loop.message

    run_lens = next(x for x in await lenses(client, uri) if x.range.start.line == 26)
    assert run_lens.command is not None
    await execute(client, run_lens.command.command, *run_lens.command.arguments or [])

    def raised(diags: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
        return [d for d in diags if d.code == "HONE101" and "of the run" in d.message]

    diags = await client.wait_diagnostics(uri, lambda ds: bool(raised(ds)), timeout=120)
    (hot,) = raised(diags)
    assert hot.severity is lsp.DiagnosticSeverity.Warning
    assert hot.range.start.line == loop.range.start.line

    await client.replace(uri, PROGRAM.replace("tiny(x)", "tiny(y)").replace("x + 1", "y + 1"))
    after = await client.diagnostics_of(uri)
    assert [d.message for d in after if d.code == "HONE101"] == [loop.message]
