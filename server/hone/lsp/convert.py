"""The ONE place where hone's results become LSP objects.

Findings become ``Diagnostic``s and fixes become ``WorkspaceEdit``s here, in the position
encoding negotiated with the client, honouring what the client declared it supports (a field the
client did not declare is never sent).  Everything is computed from code-point positions against
a :class:`~hone.core.text.TextDocumentLines` of the exact text the finding refers to.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as lsp

from hone.core.finding import Edit, Finding, Fix, Position, Safety, Severity, Span
from hone.core.text import Encoding, TextDocumentLines, split_lines
from hone.rule_docs import doc_url

FIX_ALL_KIND = "source.fixAll.hone"

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}
_TAGS = {"unnecessary": lsp.DiagnosticTag.Unnecessary, "deprecated": lsp.DiagnosticTag.Deprecated}


def _get(obj: Any, path: str, default: Any = None) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return default
    return obj


@dataclass(frozen=True, slots=True)
class ClientFeatures:
    """What the client declared in ``initialize``, flattened to what hone needs to know."""

    encoding: Encoding = Encoding.UTF16
    pull_diagnostics: bool = False
    diagnostic_data: bool = False
    related_information: bool = False
    code_description: bool = False
    diagnostic_tags: frozenset[int] = frozenset()
    code_action_literals: bool = False
    code_action_data: bool = False
    is_preferred: bool = False
    resolve_edit: bool = False
    document_changes: bool = False
    configuration: bool = False
    watched_files_dynamic: bool = False
    did_change_configuration_dynamic: bool = False
    diagnostic_refresh: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_capabilities(cls, caps: lsp.ClientCapabilities | None) -> ClientFeatures:
        caps = caps or lsp.ClientCapabilities()
        encodings = [str(e) for e in (_get(caps, "general.position_encodings") or [])]
        if Encoding.UTF8.value in encodings:
            encoding = Encoding.UTF8  # cheapest for clients that store UTF-8 (Neovim, Helix)
        elif Encoding.UTF32.value in encodings and Encoding.UTF16.value not in encodings:
            encoding = Encoding.UTF32
        else:
            encoding = Encoding.UTF16  # the default every client must support
        refresh = bool(_get(caps, "workspace.diagnostics.refresh_support", False))
        tag_set = _get(caps, "text_document.publish_diagnostics.tag_support.value_set") or []
        resolve_props = _get(caps, "text_document.code_action.resolve_support.properties") or []
        return cls(
            encoding=encoding,
            # Pull only when the server can also ask for a re-pull (LLM findings arrive later).
            pull_diagnostics=_get(caps, "text_document.diagnostic") is not None and refresh,
            diagnostic_data=bool(_get(caps, "text_document.publish_diagnostics.data_support")),
            related_information=bool(
                _get(caps, "text_document.publish_diagnostics.related_information")
            ),
            code_description=bool(
                _get(caps, "text_document.publish_diagnostics.code_description_support")
            ),
            diagnostic_tags=frozenset(int(t) for t in tag_set),
            code_action_literals=_get(caps, "text_document.code_action.code_action_literal_support")
            is not None,
            code_action_data=bool(_get(caps, "text_document.code_action.data_support")),
            is_preferred=bool(_get(caps, "text_document.code_action.is_preferred_support")),
            resolve_edit="edit" in resolve_props,
            document_changes=bool(_get(caps, "workspace.workspace_edit.document_changes")),
            configuration=bool(_get(caps, "workspace.configuration")),
            watched_files_dynamic=bool(
                _get(caps, "workspace.did_change_watched_files.dynamic_registration")
            ),
            did_change_configuration_dynamic=bool(
                _get(caps, "workspace.did_change_configuration.dynamic_registration")
            ),
            diagnostic_refresh=refresh,
        )

    @property
    def position_encoding_kind(self) -> lsp.PositionEncodingKind:
        return lsp.PositionEncodingKind(self.encoding.value)


# -- positions ------------------------------------------------------------------------------


def to_lsp_position(pos: Position, lines: TextDocumentLines, enc: Encoding) -> lsp.Position:
    line, character = lines.to_client(pos, enc)
    return lsp.Position(line=line, character=character)


def to_lsp_range(span: Span, lines: TextDocumentLines, enc: Encoding) -> lsp.Range:
    return lsp.Range(
        start=to_lsp_position(span.start, lines, enc), end=to_lsp_position(span.end, lines, enc)
    )


def from_lsp_range(rng: lsp.Range, lines: TextDocumentLines, enc: Encoding) -> Span:
    """Client range -> code-point span (clamped to the document)."""
    start = lines.from_client(rng.start.line, rng.start.character, enc)
    end = lines.from_client(rng.end.line, rng.end.character, enc)
    return Span(start, end) if start <= end else Span(end, start)


def _advance(pos: Position, text: str) -> Position:
    """The position just after ``text`` when it is inserted at ``pos``."""
    parts = split_lines(text)
    if len(parts) == 1:
        return Position(pos.line, pos.character + len(text))
    return Position(pos.line + len(parts) - 1, len(parts[-1]))


# -- diagnostics ----------------------------------------------------------------------------


def to_diagnostic(
    finding: Finding,
    lines: TextDocumentLines,
    client: ClientFeatures,
    *,
    uri: str,
    version: int | None,
    source_key: str,
) -> lsp.Diagnostic:
    """A finding as the client should see it; ``lines`` is the text the finding refers to."""
    rng = to_lsp_range(finding.span, lines, client.encoding)
    data: dict[str, Any] | None = None
    if client.diagnostic_data:
        data = {"version": version, "source": source_key}
        if finding.fix is not None:
            data["fix"] = fix_data(finding.fix, fix_text_edits(finding.fix, lines, client.encoding))
    related = None
    if finding.explanation and client.related_information:
        related = [
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=uri, range=rng), message=finding.explanation
            )
        ]
    tags = [
        _TAGS[t]
        for t in finding.extra.get("tags", ())
        if t in _TAGS and int(_TAGS[t]) in client.diagnostic_tags
    ]
    # a rule code links to its page (where the editor shows such links)
    url = finding.extra.get("url") or doc_url(finding.code)
    return lsp.Diagnostic(
        range=rng,
        message=finding.message,
        severity=_SEVERITY.get(finding.severity, lsp.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=lsp.CodeDescription(href=url)
        if isinstance(url, str) and client.code_description
        else None,
        source=finding.source,
        tags=tags or None,
        related_information=related,
        data=data,
    )


def to_diagnostics(
    findings_by_source: Iterable[tuple[str, Sequence[Finding]]],
    lines: TextDocumentLines,
    client: ClientFeatures,
    *,
    uri: str,
    version: int | None,
) -> list[lsp.Diagnostic]:
    out = [
        to_diagnostic(f, lines, client, uri=uri, version=version, source_key=key)
        for key, findings in findings_by_source
        for f in findings
    ]
    out.sort(key=lambda d: (d.range.start.line, d.range.start.character))
    return out


# -- edits ----------------------------------------------------------------------------------


def minimal_text_edit(
    text: str, start: int, end: int, new_text: str, start_pos: Position, enc: Encoding
) -> tuple[Position, Position, str] | None:
    """Shrink the replacement of ``text[start:end]`` by ``new_text`` to the part that changes.

    Returns code-point positions and the new text, or None when nothing changes.  The cut never
    falls between ``\\r`` and ``\\n`` (not a representable LSP position).
    """
    old = text[start:end]
    if old == new_text:
        return None
    limit = min(len(old), len(new_text))
    prefix = 0
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new_text[-1 - suffix]:
        suffix += 1
    a, b = start + prefix, end - suffix
    if prefix > 0 and a < len(text) and text[a - 1] == "\r" and text[a] == "\n":
        prefix -= 1
        a -= 1
    if suffix > 0 and b > 0 and text[b - 1] == "\r" and text[b] == "\n":
        suffix -= 1
        b += 1
    new = new_text[prefix : len(new_text) - suffix]
    start_p = _advance(start_pos, old[:prefix])
    end_p = _advance(start_p, text[a:b])
    return start_p, end_p, new


def fix_text_edits(fix: Fix, lines: TextDocumentLines, enc: Encoding) -> list[lsp.TextEdit]:
    """The fix's edits in client units, each trimmed to the characters that actually change."""
    return edits_to_lsp(fix.edits, lines, enc)


def edits_to_lsp(
    edits: Iterable[Edit], lines: TextDocumentLines, enc: Encoding
) -> list[lsp.TextEdit]:
    out: list[lsp.TextEdit] = []
    for e in edits:
        start, end = lines.clamp(e.span.start), lines.clamp(e.span.end)
        trimmed = minimal_text_edit(
            lines.text, lines.offset(start), lines.offset(end), e.new_text, start, enc
        )
        if trimmed is None:
            continue
        s, t, new = trimmed
        out.append(
            lsp.TextEdit(
                range=lsp.Range(
                    start=to_lsp_position(s, lines, enc), end=to_lsp_position(t, lines, enc)
                ),
                new_text=new,
            )
        )
    return out


def diff_edits(old: str, new: str, lines: TextDocumentLines, enc: Encoding) -> list[lsp.TextEdit]:
    """Minimal edits turning ``old`` (split as ``lines``) into ``new``: one per changed region.

    Lines are matched first (difflib), then each changed block is trimmed to the characters
    that differ, so fix-all never replaces the whole document.
    """
    if old == new:
        return []
    old_lines, new_lines = lines.lines, split_lines(new)
    old_off = [0]
    for ln in old_lines:
        old_off.append(old_off[-1] + len(ln))
    new_off = [0]
    for ln in new_lines:
        new_off.append(new_off[-1] + len(ln))
    import difflib  # lazily: only fix-all needs it, start-up imports stay light

    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a, b = old_off[i1], old_off[i2]
        trimmed = minimal_text_edit(old, a, b, new[new_off[j1] : new_off[j2]], Position(i1, 0), enc)
        if trimmed is not None:
            s, t, text = trimmed
            edits.append(Edit(Span(s, t), text))
    return [
        lsp.TextEdit(range=to_lsp_range(e.span, lines, enc), new_text=e.new_text) for e in edits
    ]


def edits_data(edits: Sequence[lsp.TextEdit]) -> list[dict[str, Any]]:
    """Text edits as plain JSON (for ``data`` fields)."""
    return [
        {
            "range": {
                "start": {"line": e.range.start.line, "character": e.range.start.character},
                "end": {"line": e.range.end.line, "character": e.range.end.character},
            },
            "newText": e.new_text,
        }
        for e in edits
    ]


def fix_data(fix: Fix, edits: Sequence[lsp.TextEdit]) -> dict[str, Any]:
    """A fix as JSON for ``Diagnostic.data`` (ranges in client units)."""
    return {"title": fix.title, "safety": fix.safety.value, "edits": edits_data(edits)}


def text_edits_from_data(data: Any) -> list[lsp.TextEdit] | None:
    """``data["edits"]`` (see :func:`edits_data`) as text edits; None when malformed."""
    try:
        out = []
        for e in data["edits"]:
            r = e["range"]
            out.append(
                lsp.TextEdit(
                    range=lsp.Range(
                        start=lsp.Position(
                            line=int(r["start"]["line"]), character=int(r["start"]["character"])
                        ),
                        end=lsp.Position(
                            line=int(r["end"]["line"]), character=int(r["end"]["character"])
                        ),
                    ),
                    new_text=str(e["newText"]),
                )
            )
        return out
    except (KeyError, TypeError, ValueError):
        return None


def workspace_edit(
    uri: str, version: int, edits: Sequence[lsp.TextEdit], client: ClientFeatures
) -> lsp.WorkspaceEdit:
    """An edit of one document; versioned (the client refuses it once stale) when supported."""
    if client.document_changes:
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(edits),
                )
            ]
        )
    return lsp.WorkspaceEdit(changes={uri: list(edits)})


# -- code actions ---------------------------------------------------------------------------


def fix_title(fix: Fix) -> str:
    if fix.safety is Safety.UNSAFE:
        return f"{fix.title} (unsafe)"
    if fix.safety is Safety.SUGGESTION:
        return f"{fix.title} (suggestion)"
    return fix.title


def requested_kinds(only: Any) -> list[str] | None:
    """``CodeActionContext.only`` as plain strings (None: every kind)."""
    if not only:
        return None
    return [k.value if isinstance(k, enum.Enum) else str(k) for k in only]


def spans_touch(a: Span, b: Span) -> bool:
    """Whether two spans overlap or meet (a code-action range touching a finding)."""
    return a.start <= b.end and b.start <= a.end


def kind_matches(kind: str, only: Sequence[str] | None) -> bool:
    """CodeActionKind hierarchy: ``source.fixAll.hone`` matches ``source`` and ``source.fixAll``."""
    if not only:
        return True
    return any(kind == o or kind.startswith(f"{o}.") for o in only)


def code_action(
    title: str,
    kind: str,
    client: ClientFeatures,
    *,
    diagnostics: Sequence[lsp.Diagnostic] | None = None,
    preferred: bool = False,
    edit: lsp.WorkspaceEdit | None = None,
    data: Any = None,
) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=kind,
        diagnostics=list(diagnostics) if diagnostics else None,
        is_preferred=True if preferred and client.is_preferred else None,
        edit=edit,
        data=data if client.code_action_data else None,
    )
