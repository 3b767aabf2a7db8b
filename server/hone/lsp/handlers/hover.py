"""``textDocument/hover``: the features that explain what is under the cursor (the hover
feature: findings' documentation, LLM explanations, timing figures)."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hone.lsp.feature import FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    @handler(ls, lsp.TEXT_DOCUMENT_HOVER)
    async def hover(params: lsp.HoverParams) -> lsp.Hover | None:
        doc = session.get_document(params.text_document.uri)
        if doc is None:
            return None
        for feature in features:
            if callable(getattr(feature, "hover", None)):
                answer = await features.call(feature, "hover", None, doc, params)
                if isinstance(answer, lsp.Hover):
                    return answer
        return None
