"""Code actions built from findings: quick fixes, "ignore on this line", and fix-all.

Actions are only computed against a *current* analysis (the request waits briefly for it), so
every edit refers to the text the client has.  When the client can resolve actions lazily the
edit is attached in ``codeAction/resolve``, after the server has checked that the document is
still at the version the action was offered for; otherwise the edit is sent at once, versioned
(``documentChanges``) when the client supports it so that a stale edit is refused.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from hone.core.codes import ENGINE_CODES as _NOT_IGNORABLE
from hone.core.codes import IGNORE_COMMENT_RE as IGNORE_RE
from hone.core.finding import Edit, Finding, Safety, Span
from hone.core.settings import Settings
from hone.core.text import Encoding, TextDocumentLines, line_content
from hone.lsp.convert import (
    FIX_ALL_KIND,
    code_action,
    diff_edits,
    edits_data,
    edits_to_lsp,
    fix_text_edits,
    fix_title,
    from_lsp_range,
    kind_matches,
    requested_kinds,
    spans_touch,
    text_edits_from_data,
    to_diagnostic,
    workspace_edit,
)
from hone.lsp.feature import Feature
from hone.lsp.session import Session

if TYPE_CHECKING:
    from hone.lsp.state import DocumentState

_RULE_CODE = re.compile(r"HONE\d{3}")
ANALYSIS_WAIT_S = 2.0
FIX_ALL_TITLE = "Fix all safe hone issues"


@dataclass(frozen=True, slots=True)
class LineComments:
    """Where a ``# hone: ignore[...]`` comment can go, from the tokenizer (per text version)."""

    commentable: frozenset[int] = frozenset()  # 0-based lines that end outside strings/``\\``
    comments: dict[int, tuple[int, str]] = field(default_factory=dict)  # line -> (col, text)


def scan_comments(text: str) -> LineComments:
    # tokenize counts lines at "\n" only; with a lone "\r" its rows would not be LSP lines
    if "\r" in text.replace("\r\n", ""):
        return LineComments()
    commentable: set[int] = set()
    comments: dict[int, tuple[int, str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.NL):
                commentable.add(tok.start[0] - 1)
            elif tok.type == tokenize.COMMENT:
                comments[tok.start[0] - 1] = (tok.start[1], tok.string)
                commentable.add(tok.start[0] - 1)
    except (tokenize.TokenError, SyntaxError):
        pass  # keep what was found before the error
    return LineComments(frozenset(commentable), comments)


def ignore_edit(code: str, line: int, lines: TextDocumentLines, info: LineComments) -> Edit | None:
    """The edit adding ``code`` to line ``line``'s ``# hone: ignore[...]`` (None: not possible)."""
    if line not in info.commentable:
        return None
    content = line_content(lines.line(line))
    if line in info.comments:
        col, comment = info.comments[line]
        m = IGNORE_RE.search(comment)
        if m is not None:
            codes = m.group("codes")
            if codes is None:
                return None  # a bare ``# hone: ignore`` already silences everything
            present = {c.strip().upper() for c in codes.split(",") if c.strip()}
            if code.upper() in present:
                return None
            at = col + m.end() - 1  # the closing bracket
            new = f", {code}" if codes.strip() else code
            return Edit(Span.of(line, at, line, at), new)
    end = len(content)
    start = len(content.rstrip())
    return Edit(Span.of(line, start, line, end), f"  # hone: ignore[{code}]")


def _fix_all_job(
    doc: DocumentState, text: str, settings: Settings, enc: Encoding
) -> list[lsp.TextEdit]:
    """Runs in the worker thread (which owns ``doc.analyzer``)."""
    from hone.analysis.fixes import fix_all

    analyzer = doc.analyzer
    last_good = analyzer.last_good
    try:
        result = fix_all(text, settings, analyzer=analyzer)
    finally:
        analyzer.last_good = last_good  # fix-all's intermediate texts are not the document's
    return diff_edits(text, result.text, TextDocumentLines(text), enc)


class CodeActionsFeature(Feature):
    name = "code-actions"

    def __init__(self, session: Session) -> None:
        self.session = session
        self._comments: dict[str, tuple[int, LineComments]] = {}

    async def on_close(self, uri: str) -> None:
        self._comments.pop(uri, None)

    async def code_actions(
        self, doc: DocumentState, params: lsp.CodeActionParams
    ) -> list[lsp.CodeAction]:
        only = requested_kinds(params.context.only)
        want_fixes = kind_matches(lsp.CodeActionKind.QuickFix.value, only)
        want_fix_all = kind_matches(FIX_ALL_KIND, only)
        if not (want_fixes or want_fix_all):
            return []
        current = await self.session.wait_for_analysis(doc.uri, ANALYSIS_WAIT_S)
        if current is not doc or not doc.analysis_is_current:
            return []
        version = doc.version
        actions: list[lsp.CodeAction] = []
        if want_fixes:
            actions.extend(
                await self._quick_fixes(
                    doc, from_lsp_range(params.range, doc.lines, self.session.client.encoding)
                )
            )
        if want_fix_all and doc.version == version:
            action = await self._fix_all_action(doc)
            if action is not None:
                actions.append(action)
        return actions if doc.version == version else []

    async def _quick_fixes(self, doc: DocumentState, span: Span) -> list[lsp.CodeAction]:
        client = self.session.client
        lines, enc = doc.lines, client.encoding
        fixes: list[lsp.CodeAction] = []
        ignores: list[lsp.CodeAction] = []
        ignored: set[tuple[int, str]] = set()
        for source, finding in self.session.get_findings(doc.uri):
            if not spans_touch(finding.span, span):
                continue
            diagnostic = to_diagnostic(
                finding, lines, client, uri=doc.uri, version=doc.version, source_key=source
            )
            if finding.fix is not None:
                edits = fix_text_edits(finding.fix, lines, enc)
                if edits:
                    fixes.append(
                        self._action(
                            doc,
                            fix_title(finding.fix),
                            lsp.CodeActionKind.QuickFix.value,
                            edits,
                            diagnostic,
                            preferred=finding.fix.safety is Safety.SAFE,
                        )
                    )
            key = (finding.span.start.line, finding.code)
            if self._ignorable(finding) and key not in ignored:
                ignored.add(key)
                edit = ignore_edit(finding.code, key[0], lines, await self._line_comments(doc))
                if edit is not None:
                    ignores.append(
                        self._action(
                            doc,
                            f"Ignore {finding.code} on this line",
                            lsp.CodeActionKind.QuickFix.value,
                            edits_to_lsp([edit], lines, enc),
                            diagnostic,
                        )
                    )
        return fixes + ignores

    @staticmethod
    def _ignorable(finding: Finding) -> bool:
        return bool(_RULE_CODE.fullmatch(finding.code)) and finding.code not in _NOT_IGNORABLE

    def _lazy(self) -> bool:
        client = self.session.client
        return client.resolve_edit and client.code_action_data

    def _action(
        self,
        doc: DocumentState,
        title: str,
        kind: str,
        edits: list[lsp.TextEdit],
        diagnostic: lsp.Diagnostic | None,
        *,
        preferred: bool = False,
    ) -> lsp.CodeAction:
        client = self.session.client
        lazy = self._lazy()
        data = None
        if lazy:
            data = {
                "feature": self.name,
                "uri": doc.uri,
                "version": doc.version,
                "kind": "edits",
                "edits": edits_data(edits),
            }
        return code_action(
            title,
            kind,
            client,
            diagnostics=[diagnostic] if diagnostic is not None else None,
            preferred=preferred,
            edit=None if lazy else workspace_edit(doc.uri, doc.version, edits, client),
            data=data,
        )

    async def _fix_all_action(self, doc: DocumentState) -> lsp.CodeAction | None:
        safe = [
            f
            for source, f in self.session.get_findings(doc.uri)
            if source == "rules" and f.fix is not None and f.fix.safety is Safety.SAFE
        ]
        if not safe:
            return None
        client = self.session.client
        if self._lazy():
            return code_action(
                FIX_ALL_TITLE,
                FIX_ALL_KIND,
                client,
                data={
                    "feature": self.name,
                    "uri": doc.uri,
                    "version": doc.version,
                    "kind": "fixAll",
                },
            )
        edits = await self._fix_all_edits(doc)
        if not edits:
            return None
        return code_action(
            FIX_ALL_TITLE,
            FIX_ALL_KIND,
            client,
            edit=workspace_edit(doc.uri, doc.version, edits, client),
        )

    async def _fix_all_edits(self, doc: DocumentState) -> list[lsp.TextEdit]:
        return await self.session.run_in_worker(
            _fix_all_job, doc, doc.text, doc.settings, self.session.client.encoding
        )

    async def _line_comments(self, doc: DocumentState) -> LineComments:
        cached = self._comments.get(doc.uri)
        if cached is not None and cached[0] == doc.version:
            return cached[1]
        version = doc.version
        info = await self.session.run_in_worker(scan_comments, doc.text)
        self._comments[doc.uri] = (version, info)
        return info

    async def resolve_code_action(
        self, doc: DocumentState, action: lsp.CodeAction
    ) -> lsp.CodeAction | None:
        data = action.data
        assert isinstance(data, dict)  # checked by the server before routing here
        version = doc.version
        if data.get("kind") == "fixAll":
            edits: list[lsp.TextEdit] | None = await self._fix_all_edits(doc)
        else:
            edits = text_edits_from_data(data)
        if edits is None or doc.version != version:
            return None
        action.edit = workspace_edit(doc.uri, version, edits, self.session.client)
        return action
