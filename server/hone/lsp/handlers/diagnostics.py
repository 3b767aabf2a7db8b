"""``textDocument/diagnostic`` (pull).  Push clients get ``publishDiagnostics`` from the session."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from hone.lsp.feature import FeatureSet
from hone.lsp.handlers import handler
from hone.lsp.session import Session

PULL_TIMEOUT_S = 30.0  # a pull waits this long for a running analysis before giving up


def register(ls: LanguageServer, session: Session, features: FeatureSet) -> None:
    @handler(
        ls,
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier="hone", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )
    async def pull_diagnostics(
        params: lsp.DocumentDiagnosticParams,
    ) -> lsp.DocumentDiagnosticReport:
        doc = await session.wait_for_analysis(params.text_document.uri, PULL_TIMEOUT_S)
        if doc is None:
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        if not doc.analysis_is_current and doc.is_python:
            # never answer with diagnostics of another version; the client may ask again
            raise JsonRpcException(
                "hone: the analysis is taking too long",
                code=int(lsp.LSPErrorCodes.ServerCancelled),
                data={"retriggerRequest": True},
            )
        result_id = session.served(doc)
        if params.previous_result_id == result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return lsp.RelatedFullDocumentDiagnosticReport(
            items=session.diagnostics_for(doc), result_id=result_id
        )
