"""The verification feature without a server: when it may run code, and what it shows meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hone.analysis.engine import analyse_text
from hone.core.finding import Edit, Finding, Fix, Safety, Severity, Span
from hone.core.settings import merge
from hone.lsp.features.verification import UNISOLATED_KEY, VerificationFeature
from hone.lsp.state import DocumentState
from hone.verify.offer import CHECKING
from hone.verify.verifier import Verdict

SRC = "def smallest(xs: list[int]) -> int:\n    return sorted(xs)[0]\n"
FOLDER = "file:///ws"


class _Session:
    """Records what the feature would start; nothing else is needed for review_findings."""

    def __init__(self, trusted: bool = True) -> None:
        self.spawned: list[Any] = []
        self.trusted = trusted
        self.shown: list[str] = []

    def show_message(self, text: str, kind: Any = None) -> None:
        self.shown.append(text)

    def trust_refusal(self, action: str, uri: str, settings: Any = None) -> str | None:
        return None if self.trusted else f"{action}: this folder is not trusted"

    def confirmed_venv(self, uri: str, settings: Any = None) -> str:
        return ""

    def spawn(self, coro: Any, name: str | None = None) -> None:
        coro.close()
        self.spawned.append(name)

    def is_trusted(self, folder_uri: str | None) -> bool:
        return self.trusted and folder_uri == FOLDER


def _doc(tmp_path: Path, **settings: Any) -> DocumentState:
    path = tmp_path / "m.py"
    path.write_text(SRC)
    values, problems = merge([("test", settings)])
    assert not problems
    doc = DocumentState(path.as_uri(), path, 1, SRC, "python", FOLDER, values)
    doc.analysis = analyse_text(SRC, values)
    doc.analysis_version = 1
    return doc


def _feature(session: _Session, sandbox: bool = True) -> VerificationFeature:
    feature = VerificationFeature(session, timing=None)  # type: ignore[arg-type]
    feature._sandbox = (sandbox, "" if sandbox else "bubblewrap cannot create namespaces")
    return feature


def _suggestion() -> Finding:
    fix = Fix(
        "Apply optimized rewrite (model estimates ~3× faster)",
        (Edit(Span.of(1, 0, 1, 24), "    return min(xs)"),),
        Safety.SUGGESTION,
    )
    return Finding(
        "LLM100", "sorting to take the minimum", Span.of(1, 4, 1, 24), Severity.INFO,
        source="hone (llm)", fix=fix, function="smallest",
    )  # fmt: skip


def test_unsafe_rule_fix_is_checked_after_a_save_only_where_code_may_run(tmp_path: Path) -> None:
    for run_enabled, trusted, expected in (
        (True, True, 1),
        (False, True, 0),
        (True, False, 0),
    ):
        session = _Session(trusted)
        feature = _feature(session)
        doc = _doc(tmp_path, run={"enabled": run_enabled})
        findings = [f for f in doc.analysis.findings if f.code == "HONE201"]  # type: ignore[union-attr]
        assert findings and findings[0].fix and findings[0].fix.safety is Safety.UNSAFE
        assert feature.review_findings(doc, "rules", findings) == findings  # not saved yet
        assert session.spawned == []
        feature._saved[doc.uri] = doc.version  # as on_save records it
        shown = feature.review_findings(doc, "rules", findings)
        assert len(session.spawned) == expected, (run_enabled, trusted, session.spawned)
        if expected:  # withheld while it is checked
            assert shown[0].fix is None and shown[0].message.endswith(CHECKING)


def test_a_suggestion_offers_nothing_until_its_verdict(tmp_path: Path) -> None:
    session = _Session()
    feature = _feature(session)
    doc = _doc(tmp_path)
    [shown] = feature.review_findings(doc, "llm", [_suggestion()])
    assert shown.fix is None and shown.message.endswith(CHECKING)
    assert session.spawned == ["verify smallest"]
    [shown] = feature.review_findings(doc, "llm", [_suggestion()])  # asked again: no new check
    assert shown.fix is None and session.spawned == ["verify smallest"]
    key = next(iter(feature._queued))
    feature._verdicts[key] = Verdict("verified", inputs=40, speedup=4.2, faster=True, size=3000)
    [shown] = feature.review_findings(doc, "llm", [_suggestion()])
    assert shown.fix is not None
    assert (
        shown.fix.title == "Apply optimized rewrite — verified on 40 inputs, 4.2× faster at n=3,000"
    )
    feature._verdicts[key] = Verdict("verified", inputs=40, speedup=1.0, size=3000)
    [shown] = feature.review_findings(doc, "llm", [_suggestion()])
    assert shown.fix is None and "no measurable speedup" in shown.message


def test_untrusted_or_unsandboxed_suggestions_are_never_run_nor_offered(tmp_path: Path) -> None:
    for session, sandbox, why in (
        (_Session(trusted=False), True, "the folder is not trusted"),
        (_Session(), False, "no OS sandbox here"),
    ):
        feature = _feature(session, sandbox)
        [shown] = feature.review_findings(_doc(tmp_path), "llm", [_suggestion()])
        assert shown.fix is None and why in shown.message
        assert session.spawned == []
        assert shown.explanation and "```diff" in shown.explanation
        # only a missing sandbox may be overridden, by the user, on this suggestion
        assert (UNISOLATED_KEY in shown.extra) is (not sandbox)
        feature.review_findings(_doc(tmp_path), "llm", [_suggestion()])
        assert len(session.shown) == (0 if sandbox else 1)  # said once
        # the user-level opt-in offers it, labelled, without the model's own estimate
        doc = _doc(tmp_path, llm={"offerUnverified": True})
        [shown] = feature.review_findings(doc, "llm", [_suggestion()])
        assert shown.fix is not None and shown.fix.title == "Unverified: Apply optimized rewrite"
        assert session.spawned == []
