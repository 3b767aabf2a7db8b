"""Verified, measured rewrites in the editor: the offer policy (:mod:`hone.verify.offer`).

A rewrite that is not provably safe -- an LLM suggestion, or a rule fix marked unsafe -- becomes
an applicable action only after its verdict, and only when it is verified and measurably faster:

* while a check runs the finding says "checking a suggested rewrite…" and carries no fix (so a
  code-action request in that window never returns one);
* verified and faster: the action's title carries the evidence ("verified on 43 inputs, 8.7×
  faster at n=10,000"; "best of 4 candidates, …" when the model sent several);
* unverifiable: no fix, unless the user opted in with ``llm.offerUnverified`` ("Unverified: …");
  the hover shows the diff and what would make it verifiable;
* rejected, slower, no measurable speedup, timing failed, refused by the gate: no fix; the
  message says why.

The sources that carry rewrites ask for this step: the LLM feature passes its findings through
:meth:`VerificationFeature.review_findings` before it sets them, and the session does the same
with rule findings.  Checks run only where running code is allowed: a trusted folder with an OS
sandbox.  LLM suggestions are checked as they arrive; unsafe rule fixes once the document is
saved (typing never starts a sandbox) -- until then, or where no check may run, an unsafe rule
fix is shown as the rules made it (labelled unsafe), while an LLM suggestion is never offered
unchecked without the opt-in.

Where only the OS sandbox is missing (a trusted folder, running allowed), hone says so once and
each suggestion gets a "Verify and measure (runs code without isolation)" action: the user's
explicit consent, for that suggestion only, to run the check as themselves.  Its verdict says
so ("verified on 12 inputs without isolation, …") and is never cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from hone.core.finding import Category, Edit, Finding, Fix, Safety
from hone.lsp.convert import (
    from_lsp_range,
    kind_matches,
    requested_kinds,
    spans_touch,
    to_diagnostic,
)
from hone.lsp.feature import CommandHandler, Feature
from hone.lsp.session import Session
from hone.lsp.state import DocumentState

if TYPE_CHECKING:
    from hone.core.functions import FunctionInfo
    from hone.lsp.features.timing import TimingFeature
    from hone.verify.service import VerificationService
    from hone.verify.verifier import Verdict, VerifyRequest

log = logging.getLogger(__name__)

MAX_QUEUED_PER_DOCUMENT = 16  # a file full of unsafe fixes must not start a sandbox storm

UNISOLATED_COMMAND = "hone.verifyWithoutIsolation"
UNISOLATED_TITLE = "Verify and measure (runs code without isolation)"
UNISOLATED_KEY = "verify_unisolated"  # Finding.extra: the consent token of its rewrites

# (document, source, finding, the rejected rewrite's function text, the verifier's structural
# reason): a suggestion none of whose candidates may be offered, for one repair request
RejectionListener = Callable[[DocumentState, str, Finding, str, str], None]


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
        self._sandbox: tuple[bool, str] | None = None
        self._consented: set[str] = set()  # consent tokens: check these without isolation
        self._rejection_listeners: list[RejectionListener] = []
        self._told_rejected: set[str] = set()  # verdict keys already reported
        self._told_no_sandbox = False

    @property
    def service(self) -> VerificationService:
        if self._service is None:
            from hone.verify.service import VerificationService

            self._service = VerificationService(max_concurrency=1)
        return self._service

    def subscribe_rejections(self, listener: RejectionListener) -> None:
        """Be told when every candidate of a suggestion was judged and none may be offered, with
        a structural reason (never a value from the sandbox): the LLM feature asks for one
        repair."""
        self._rejection_listeners.append(listener)

    # -- the step sources ask for --------------------------------------------------------------
    def review_findings(
        self, doc: DocumentState, source: str, findings: Sequence[Finding]
    ) -> Sequence[Finding]:
        """``findings`` as they may be shown now (see the module docstring); unknown rewrites are
        queued and, once judged, ``source``'s findings are reviewed again and set on the
        session."""
        from hone.verify.offer import candidates_of, present

        self._raw[(doc.uri, source)] = tuple(findings)
        functions = doc.current_functions
        blocked = self._blocked(doc)
        offer_unverified = doc.settings.bool("llm.offerUnverified")
        recorded = self._recorded(doc.uri)
        out: list[Finding] = []
        for finding in findings:
            fix = finding.fix
            if fix is None or fix.safety is Safety.SAFE:
                out.append(finding)
                continue
            suggestion = fix.safety is Safety.SUGGESTION
            if not suggestion and not doc.settings.bool("verify.unsafeRuleFixes"):
                out.append(finding)
                continue
            fn = None
            if functions is not None and finding.function:
                fn = next((f for f in functions if f.qualname == finding.function), None)
            fixes = candidates_of(finding)
            rewrites = [_rewrite_function(fn, c.edits) if fn is not None else None for c in fixes]
            diffs = [_diff(fn, r) for r in rewrites]
            why_not, only_sandbox = blocked
            token = ""
            if fn is None or any(r is None for r in rewrites):
                if not why_not:
                    why_not, only_sandbox = "the rewrite changes code outside its function", False
            else:
                token = _consent_token(doc.uri, fn, [r or "" for r in rewrites])
            isolated = True
            if why_not and only_sandbox and suggestion and token in self._consented:
                why_not, isolated = "", False  # the user chose to check this one as themselves
            if why_not:
                if suggestion:
                    shown = present(
                        finding,
                        [],
                        offer_unverified=offer_unverified,
                        diffs=diffs,
                        not_checked=why_not,
                    )
                    if only_sandbox and token:
                        shown = replace(shown, extra={**shown.extra, UNISOLATED_KEY: token})
                        self._tell_no_sandbox(why_not)
                    out.append(shown)
                else:
                    out.append(finding)  # the rules' own unsafe fix, labelled as such
                continue
            assert fn is not None
            keys = [_key(fn, r or "", recorded) for r in rewrites]
            verdicts = [self._verdicts.get(k) for k in keys]
            may_start = suggestion or self._saved.get(doc.uri) == doc.version
            if not may_start and any(v is None for v in verdicts):
                out.append(finding)  # an unsafe rule fix before the save that checks it
                continue
            for key, candidate, verdict in zip(keys, fixes, verdicts, strict=True):
                if verdict is None:
                    self._queue(doc, source, key, fn, candidate, finding, isolated)
            if suggestion:
                self._report_rejection(doc, source, finding, keys, rewrites, verdicts)
            out.append(present(finding, verdicts, offer_unverified=offer_unverified, diffs=diffs))
        return out

    def _report_rejection(
        self,
        doc: DocumentState,
        source: str,
        finding: Finding,
        keys: Sequence[str],
        rewrites: Sequence[str | None],
        verdicts: Sequence[Verdict | None],
    ) -> None:
        if not self._rejection_listeners or any(v is None or v.offer for v in verdicts):
            return
        for key, rewritten, verdict in zip(keys, rewrites, verdicts, strict=True):
            assert verdict is not None
            hint = verdict.repair_hint()
            if not hint or rewritten is None or key in self._told_rejected:
                continue
            self._told_rejected.add(key)
            for listener in self._rejection_listeners:
                try:
                    listener(doc, source, finding, rewritten, hint)
                except Exception:  # one listener's bug must not stop the review
                    log.exception("a rejection listener failed")
            return  # one repair per finding: the first rejected candidate with a reason

    async def on_save(self, doc: DocumentState) -> None:
        self._saved[doc.uri] = doc.version
        raw = self._raw.get((doc.uri, "rules"))
        if raw is not None and not self._blocked(doc)[0]:
            await self.session.wait_for_analysis(doc.uri)
            self._republish(doc.uri, "rules")

    async def on_close(self, uri: str) -> None:
        self._saved.pop(uri, None)
        for key in [k for k in self._raw if k[0] == uri]:
            del self._raw[key]

    # -- where checks may run ------------------------------------------------------------------
    def _blocked(self, doc: DocumentState) -> tuple[str, bool]:
        """Why no check may run for ``doc`` ("" when one may), and whether the OS sandbox is
        the only thing missing (then the user may choose a check without isolation)."""
        if not doc.settings.bool("verify.enabled"):
            return "verification is turned off (verify.enabled)", False
        if not doc.settings.bool("run.enabled"):
            return "running code is turned off (run.enabled)", False
        if not self.session.is_trusted(doc.folder):
            return "the folder is not trusted", False
        if self._sandbox is None:
            from hone.verify.procs import sandbox_available

            self._sandbox = sandbox_available()
        ok, reason = self._sandbox
        return ("", False) if ok else (f"no OS sandbox here ({reason})", True)

    def _tell_no_sandbox(self, why: str) -> None:
        if self._told_no_sandbox:
            return
        self._told_no_sandbox = True
        self.session.show_message(
            f"hone: {why}: suggested rewrites are not checked automatically. To check one "
            f'anyway, choose "{UNISOLATED_TITLE}" on it.',
            lsp.MessageType.Warning,
        )

    # -- the explicit check without isolation ----------------------------------------------------
    def code_actions(
        self, doc: DocumentState, params: lsp.CodeActionParams
    ) -> list[lsp.CodeAction]:
        if not kind_matches(
            lsp.CodeActionKind.QuickFix.value, requested_kinds(params.context.only)
        ):
            return []
        client = self.session.client
        span = from_lsp_range(params.range, doc.lines, client.encoding)
        actions = []
        for source, finding in self.session.get_findings(doc.uri):
            token = finding.extra.get(UNISOLATED_KEY) if finding.extra else None
            if not isinstance(token, str) or not spans_touch(finding.span, span):
                continue
            diagnostic = to_diagnostic(
                finding, doc.lines, client, uri=doc.uri, version=doc.version, source_key=source
            )
            actions.append(
                lsp.CodeAction(
                    title=UNISOLATED_TITLE,
                    kind=lsp.CodeActionKind.QuickFix.value,
                    diagnostics=[diagnostic],
                    command=lsp.Command(
                        title=UNISOLATED_TITLE,
                        command=UNISOLATED_COMMAND,
                        arguments=[doc.uri, token],
                    ),
                )
            )
        return actions

    def commands(self) -> Mapping[str, CommandHandler]:
        return {UNISOLATED_COMMAND: self._unisolated_command}

    async def _unisolated_command(self, args: Sequence[Any]) -> dict[str, Any]:
        uri, token = (args[0], args[1]) if len(args) == 2 else (None, None)
        if not isinstance(uri, str) or not isinstance(token, str):
            return {"started": False, "message": "expected the arguments [uri, token]"}
        doc = self.session.get_document(uri)
        sources = [src for (u, src), raw in self._raw.items() if u == uri]
        offered = doc is not None and any(
            f.extra.get(UNISOLATED_KEY) == token
            for _src, f in self.session.get_findings(uri)
            if f.extra
        )
        if doc is None or not offered:
            return {"started": False, "message": "that suggestion is no longer shown"}
        why, only_sandbox = self._blocked(doc)
        if why and not only_sandbox:
            return {"started": False, "message": why}
        self._consented.add(token)
        self.session.log(f"hone: checking a suggested rewrite without isolation ({uri})")
        for source in sources:
            self._republish(uri, source)
        return {"started": True}

    # -- work ---------------------------------------------------------------------------------
    def _recorded(self, uri: str) -> tuple[str, ...]:
        report = self.timing.last_report(uri) if self.timing is not None else None
        path = report.samples_path if report is not None else None
        return (path,) if path else ()

    def _queue(
        self,
        doc: DocumentState,
        source: str,
        key: str,
        fn: FunctionInfo,
        fix: Fix,
        finding: Finding,
        isolated: bool = True,
    ) -> None:
        if key in self._queued:
            return
        if sum(1 for u in self._queued.values() if u == doc.uri) >= MAX_QUEUED_PER_DOCUMENT:
            return
        self._queued[key] = doc.uri
        examples = finding.extra.get("example_calls", ()) if finding.extra else ()
        # a suggested fix of a bug is judged by where it differs (its calls show the bug)
        bug = finding.category is Category.BUG and fix.safety is Safety.SUGGESTION
        self.session.spawn(
            self._verify(doc, source, key, fn, fix, tuple(examples or ()), isolated, bug),
            name=f"verify {fn.qualname}",
        )

    async def _verify(
        self,
        doc: DocumentState,
        source: str,
        key: str,
        fn: FunctionInfo,
        fix: Fix,
        examples: tuple[object, ...],
        isolated: bool = True,
        bug: bool = False,
    ) -> None:
        from hone.verify.verifier import Verdict

        try:
            request = await asyncio.to_thread(self._request, doc, fn, fix, examples, isolated, bug)
            if request is None:
                verdict = Verdict("unverifiable", "the rewrite could not be applied")
            else:
                verdict = await self.service.verify(request)
        finally:
            self._queued.pop(key, None)
        self._verdicts[key] = verdict
        self.session.log(
            f"hone: checked a rewrite of {fn.qualname}: {verdict.title_suffix()} "
            f"({verdict.explanation()}, {verdict.elapsed_s:.1f} s)"
        )
        self._republish(doc.uri, source)

    def _request(
        self,
        doc: DocumentState,
        fn: FunctionInfo,
        fix: Fix,
        examples: tuple[object, ...],
        isolated: bool = True,
        bug: bool = False,
    ) -> VerifyRequest | None:
        """The request with its static evidence (reads the workspace: off the event loop)."""
        import sys

        from hone.core.text import apply_edits
        from hone.runner.interpreter import InterpreterError, choose_interpreter
        from hone.verify.examples import parse_examples
        from hone.verify.plan import gather_evidence
        from hone.verify.verifier import BUG_EXAMPLE_SRC, VerifyRequest

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
            python = sys.executable
        evidence = gather_evidence(
            root=folder,
            path=str(doc.path),
            qualname=fn.qualname,
            function_source=fn.text,
            example_calls=() if bug else examples,
            trusted=self.session.is_trusted(doc.folder),
        )
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
            hints=evidence.hints,
            examples=evidence.examples,
            tests=evidence.tests,
            tests_root=folder,
            isolated=isolated,
            bug_fix=bug,
            bug_examples=parse_examples(examples, src=BUG_EXAMPLE_SRC) if bug else (),
        )

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


def _diff(fn: FunctionInfo | None, rewritten: str | None) -> str:
    if fn is None or rewritten is None:
        return ""
    from hone.verify.offer import function_diff

    return function_diff(fn.text, rewritten, fn.qualname)


def _consent_token(uri: str, fn: FunctionInfo, rewrites: Sequence[str]) -> str:
    """Names one suggestion (its document, function and rewrites) for the user's consent."""
    h = hashlib.sha256()
    for part in (uri, fn.qualname, fn.text, *rewrites):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def _key(fn: FunctionInfo, rewritten: str, recorded: Sequence[str]) -> str:
    h = hashlib.sha256()
    for part in (fn.qualname, fn.text, rewritten, *recorded):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
