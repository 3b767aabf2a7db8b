"""The verification feature without a server: when it may run user code at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hone.analysis.engine import analyse_text
from hone.core.finding import Safety
from hone.core.settings import merge
from hone.lsp.features.verification import VerificationFeature
from hone.lsp.state import DocumentState

SRC = "def smallest(xs: list[int]) -> int:\n    return sorted(xs)[0]\n"


class _Session:
    """Records what the feature would start; nothing else is needed for review_findings."""

    def __init__(self, trusted: bool = True) -> None:
        self.spawned: list[Any] = []
        self.trusted = trusted

    def trust_refusal(self, action: str, uri: str, settings: Any = None) -> str | None:
        return None if self.trusted else f"{action}: this folder is not trusted"

    def confirmed_venv(self, uri: str, settings: Any = None) -> str:
        return ""

    def spawn(self, coro: Any, name: str | None = None) -> None:
        coro.close()
        self.spawned.append(name)


def _doc(tmp_path: Path, **settings: Any) -> DocumentState:
    path = tmp_path / "m.py"
    path.write_text(SRC)
    values, problems = merge([("test", settings)])
    assert not problems
    doc = DocumentState(path.as_uri(), path, 1, SRC, "python", None, values)
    doc.analysis = analyse_text(SRC, values)
    doc.analysis_version = 1
    return doc


def test_unsafe_rule_fix_is_verified_after_a_save_only_when_running_code_is_allowed(
    tmp_path: Path,
) -> None:
    for run_enabled, trusted, expected in ((True, True, 1), (False, True, 0), (True, False, 0)):
        server = _Session(trusted)
        feature = VerificationFeature(server, timing=None)  # type: ignore[arg-type]
        doc = _doc(tmp_path, run={"enabled": run_enabled})
        findings = [f for f in doc.analysis.findings if f.code == "HONE201"]  # type: ignore[union-attr]
        assert findings and findings[0].fix and findings[0].fix.safety is Safety.UNSAFE
        assert feature.review_findings(doc, "rules", findings) == findings  # not saved yet
        assert server.spawned == []
        feature._saved[doc.uri] = doc.version  # as on_save records it
        feature.review_findings(doc, "rules", findings)
        assert len(server.spawned) == expected, (run_enabled, trusted, server.spawned)
