"""Verified, measured rewrites in the editor.

Every rewrite hone offers that is not provably safe -- an LLM suggestion, or a rule fix marked
unsafe -- is verified in the background (:mod:`hone.verify`): same behaviour on sample inputs, and
faster.  The verdict then shapes what the user is offered:

* verified: the action's title says so, with the measured speedup ("verified on 24 inputs,
  3.1× faster"); the explanation says which inputs were used;
* unverifiable (no inputs, I/O, nondeterminism): offered, titled "unverified: <why>";
* rejected (behaved differently) or measurably slower: the fix is withdrawn and the finding
  says why ("hone rejected a suggested rewrite: result differed for input #3 (...)").

The sources that carry rewrites ask for it: the LLM feature passes its findings through
:meth:`VerificationFeature.review_findings` before it sets them, and the session does the same
with rule findings (``Session.review_rule_findings``).  Unknown rewrites are queued (bounded
concurrency, never on the keystroke path) and, when a verdict lands, the source's findings are
reviewed again and handed back to the session.  LLM suggestions are verified as they arrive (they
arrive on save); unsafe rule fixes only once the document is saved, so typing never starts
sandboxes.  Arguments recorded by the last "run with timing" of the document are replayed first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from hone.core.finding import Edit, Finding, Fix, Safety
from hone.lsp.feature import Feature
from hone.lsp.session import Session
from hone.lsp.state import DocumentState

if TYPE_CHECKING:
    from hone.core.functions import FunctionInfo
    from hone.lsp.features.timing import TimingFeature
    from hone.verify.service import VerificationService
    from hone.verify.verifier import Verdict, VerifyRequest

log = logging.getLogger(__name__)

MAX_QUEUED_PER_DOCUMENT = 16  # a file full of unsafe fixes must not start a sandbox storm


class VerificationFeature(Feature):
    name = "verify"

    def __init__(self, session: Session, timing: TimingFeature | None) -> None:
        self.session = session
        self.timing = timing  # its last run's recorded calls are replayed first
        self._service: VerificationService | None = None
        self._verdicts: dict[str, Verdict] = {}
        self._queued: dict[str, str] = {}  # key -> uri
        self._raw: dict[tuple[str, str], tuple[Finding, ...]] = {}
        self._saved: dict[str, int] = {}  # uri -> version last saved

    @property
    def service(self) -> VerificationService:
        if self._service is None:
            from hone.verify.service import VerificationService

            self._service = VerificationService(max_concurrency=1)
        return self._service

    # -- the step sources ask for --------------------------------------------------------------
    def review_findings(
        self, doc: DocumentState, source: str, findings: Sequence[Finding]
    ) -> Sequence[Finding]:
        """``findings`` with the verdicts known so far applied; unknown rewrites are queued and,
        once judged, ``source``'s findings are reviewed again and set on the session."""
        # Verification loads the user's module, i.e. runs its top-level code: it is allowed
        # exactly where running code is (run.enabled, which VS Code turns off in untrusted
        # workspaces).
        if not doc.settings.bool("verify.enabled") or not doc.settings.bool("run.enabled"):
            return findings
        if self.session.trust_refusal("verification", doc.uri, doc.settings) is not None:
            return findings  # an untrusted folder: nothing of it runs
        self._raw[(doc.uri, source)] = tuple(findings)
        functions = doc.current_functions
        if functions is None:
            return findings
        recorded = self._recorded(doc.uri)
        out: list[Finding] = []
        for finding in findings:
            fix = finding.fix
            if fix is None or fix.safety is Safety.SAFE or not finding.function:
                out.append(finding)
                continue
            if fix.safety is Safety.UNSAFE and not doc.settings.bool("verify.unsafeRuleFixes"):
                out.append(finding)
                continue
            fn = next((f for f in functions if f.qualname == finding.function), None)
            rewritten = _rewrite_function(fn, fix.edits) if fn is not None else None
            if fn is None or rewritten is None:
                out.append(finding)  # the fix reaches outside its function: nothing to compare
                continue
            key = _key(fn, rewritten, recorded)
            verdict = self._verdicts.get(key)
            if verdict is not None:
                out.append(_decorate(finding, fix, verdict))
                continue
            may_start = fix.safety is Safety.SUGGESTION or self._saved.get(doc.uri) == doc.version
            if may_start:
                self._queue(doc, source, key, fn, fix)
            out.append(finding)
        return out

    async def on_save(self, doc: DocumentState) -> None:
        self._saved[doc.uri] = doc.version
        raw = self._raw.get((doc.uri, "rules"))
        if (
            raw is not None
            and doc.settings.bool("verify.enabled")
            and doc.settings.bool("run.enabled")
            and self.session.trust_refusal("verification", doc.uri, doc.settings) is None
        ):
            await self.session.wait_for_analysis(doc.uri)
            self._republish(doc.uri, "rules")

    async def on_close(self, uri: str) -> None:
        self._saved.pop(uri, None)
        for key in [k for k in self._raw if k[0] == uri]:
            del self._raw[key]

    # -- work ---------------------------------------------------------------------------------
    def _recorded(self, uri: str) -> tuple[str, ...]:
        report = self.timing.last_report(uri) if self.timing is not None else None
        path = report.samples_path if report is not None else None
        return (path,) if path else ()

    def _queue(self, doc: DocumentState, source: str, key: str, fn: FunctionInfo, fix: Fix) -> None:
        if key in self._queued:
            return
        if sum(1 for u in self._queued.values() if u == doc.uri) >= MAX_QUEUED_PER_DOCUMENT:
            return
        request = self._request(doc, fn, fix)
        if request is None:
            return
        self._queued[key] = doc.uri
        self.session.spawn(
            self._verify(doc.uri, source, key, request), name=f"verify {fn.qualname}"
        )

    def _request(self, doc: DocumentState, fn: FunctionInfo, fix: Fix) -> VerifyRequest | None:
        from hone.core.text import apply_edits
        from hone.runner.interpreter import InterpreterError, choose_interpreter
        from hone.verify.verifier import VerifyRequest

        if doc.path is None:
            return None
        try:
            rewritten = apply_edits(doc.text, fix.edits)
        except ValueError:
            return None
        folder = _folder_path(doc)
        try:
            python = choose_interpreter(
                folder,
                doc.settings.str("run.python"),
                confirmed_venv=self.session.confirmed_venv(doc.uri, doc.settings),
            ).path
        except InterpreterError as exc:
            log.info("verification uses hone's interpreter: %s", exc)
            import sys

            python = sys.executable
        return VerifyRequest(
            path=str(doc.path),
            original_source=doc.text,
            rewrite_source=rewritten,
            qualname=fn.qualname,
            recorded=self._recorded(doc.uri),
            python=python,
            cwd=folder or str(doc.path.parent),
            timeout_s=doc.settings.float("verify.timeoutSeconds"),
            memory_mb=doc.settings.int("run.memoryMb"),
            env_remove=(doc.settings.str("llm.apiKeyEnv"), "OPENAI_API_KEY"),
        )

    async def _verify(self, uri: str, source: str, key: str, request: VerifyRequest) -> None:
        try:
            verdict = await self.service.verify(request)
        finally:
            self._queued.pop(key, None)
        self._verdicts[key] = verdict
        self.session.log(
            f"hone: verified a rewrite of {request.qualname}: {verdict.title_suffix()} "
            f"({verdict.explanation()}, {verdict.elapsed_s:.1f} s)"
        )
        self._republish(uri, source)

    def _republish(self, uri: str, source: str) -> None:
        raw = self._raw.get((uri, source))
        doc = self.session.get_document(uri)
        if raw is not None and doc is not None:
            self.session.set_findings(uri, source, self.review_findings(doc, source, raw))


# -- helpers --------------------------------------------------------------------------------------


def _folder_path(doc: DocumentState) -> str | None:
    if not doc.folder:
        return None
    from hone.core.paths import uri_to_path_text as uri_to_path

    return uri_to_path(doc.folder)


def _rewrite_function(fn: FunctionInfo, edits: Sequence[Edit]) -> str | None:
    """The function's text with ``edits`` applied, or None if an edit reaches outside it."""
    from hone.core.text import apply_edits

    for e in edits:
        if not (fn.span.start <= e.span.start and e.span.end <= fn.span.end):
            return None
    first = fn.span.start.line
    local = [e.shifted(-first) for e in edits]
    try:
        return apply_edits(fn.text, local)
    except ValueError:
        return None


def _key(fn: FunctionInfo, rewritten: str, recorded: Sequence[str]) -> str:
    import hashlib

    h = hashlib.sha256()
    for part in (fn.qualname, fn.text, rewritten, *recorded):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _decorate(finding: Finding, fix: Fix, verdict: Verdict) -> Finding:
    extra = {**finding.extra, "verification": verdict.to_json()}
    explanation = "\n\n".join(p for p in (finding.explanation, verdict.explanation()) if p)
    if verdict.offer:
        title = f"{fix.title} — {verdict.title_suffix()}"
        return replace(finding, fix=replace(fix, title=title), explanation=explanation, extra=extra)
    what = "a suggested rewrite" if fix.safety is Safety.SUGGESTION else "its fix"
    why = verdict.reason if verdict.status == "rejected" else "it ran slower than the original"
    if verdict.status != "rejected" and verdict.speedup:
        why += f" ({verdict.speedup:.2f}x)"
    return replace(
        finding,
        message=f"{finding.message} (hone rejected {what}: {why})",
        fix=None,
        explanation=explanation,
        extra=extra,
    )
