"""``textDocument/codeAction``, ``codeAction/resolve``, ``textDocument/codeLens``,
``textDocument/inlayHint``: each asks every feature and merges the answers."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.lsp.convert import FIX_ALL_KIND
from hone.lsp.feature import FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    @handler(
        ls,
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=True,
        ),
    )
    async def code_action(
        params: lsp.CodeActionParams,
    ) -> list[lsp.CodeAction | lsp.Command] | None:
        doc = session.get_document(params.text_document.uri)
        if doc is None or not session.client.code_action_literals:
            return None
        actions: list[lsp.CodeAction | lsp.Command] = await features.collect(
            "code_actions", doc, params
        )
        return actions or None

    @handler(ls, lsp.CODE_ACTION_RESOLVE)
    async def code_action_resolve(action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data
        if not isinstance(data, dict) or "uri" not in data:
            return action
        doc = session.get_document(str(data["uri"]))
        if doc is None or data.get("version") != doc.version:
            # Never apply an edit computed for another version of the text.
            session.show_message(
                f"hone: '{action.title}' was offered for an older version of the document; "
                "it was not applied. Ask for the action again.",
                lsp.MessageType.Warning,
            )
            return action
        feature = features.named(str(data.get("feature", "")))  # the one that made the action
        if feature is None:
            return action
        resolved = await features.call(feature, "resolve_code_action", None, doc, action)
        return resolved if resolved is not None else action

    if features.overrides("code_lenses"):

        @handler(ls, lsp.TEXT_DOCUMENT_CODE_LENS)
        async def code_lens(params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
            doc = session.get_document(params.text_document.uri)
            if doc is None:
                return None
            return await features.collect("code_lenses", doc)

    if features.overrides("inlay_hints"):

        @handler(ls, lsp.TEXT_DOCUMENT_INLAY_HINT)
        async def inlay_hint(params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
            doc = session.get_document(params.text_document.uri)
            if doc is None:
                return None
            return await features.collect("inlay_hints", doc, params.range)
