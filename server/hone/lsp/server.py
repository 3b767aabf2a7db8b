"""``hone serve``: the language server.

One handler per LSP method; each fans out to the features in :data:`FEATURE_CLASSES` and
isolates their errors (a feature that raises is logged; the others still run and the request
still gets an answer).  Features hand their findings to :meth:`HoneLanguageServer.set_findings`;
this module merges them and delivers diagnostics, by *pull* (``textDocument/diagnostic``) for
clients that support it together with ``workspace/diagnostic/refresh``, by *push*
(``publishDiagnostics``) otherwise.

Start-up is kept as light as a bare pygls server: nothing here imports libcst or the rule
engine; the first analysis imports it in the worker thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import json
import logging
import queue
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from hone import __version__
from hone.core.finding import Finding
from hone.core.settings import Settings
from hone.lsp.config import ConfigManager, is_pyproject, uri_to_path
from hone.lsp.convert import FIX_ALL_KIND, ClientFeatures, to_diagnostics
from hone.lsp.feature import CommandHandler, Feature
from hone.lsp.features.code_actions import CodeActionsFeature
from hone.lsp.features.diagnostics import RulesFeature
from hone.lsp.features.llm import LLMFeature
from hone.lsp.features.timing import TimingFeature
from hone.lsp.features.verification import VerificationFeature
from hone.lsp.protocol import HoneProtocol
from hone.lsp.state import DocumentState
from hone.lsp.trust import GRANT_NOTIFICATION, TRUST_FOLDER_COMMAND, TrustGate, pop_client_trust

log = logging.getLogger(__name__)

T = TypeVar("T")

PULL_TIMEOUT_S = 30.0  # a pull waits this long for a running analysis before giving up

# The features the server runs, in this order.  To add one: import it above and append it here
# (keep its module's top-level imports light: it is imported before the first response).
FEATURE_CLASSES: list[type[Feature]] = [
    RulesFeature,
    CodeActionsFeature,
    LLMFeature,
    TimingFeature,
    VerificationFeature,
]


class _Worker:
    """One daemon thread running CPU-bound jobs in order (analysis, fix-all).

    A daemon thread (not a ThreadPoolExecutor) so a runaway job can never keep the process
    alive after ``exit``.  Jobs cancelled before they start are skipped.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[
            tuple[concurrent.futures.Future[Any], Callable[[], Any]] | None
        ]
        self._jobs = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hone-analysis", daemon=True)
            self._thread.start()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((future, fn))
        return future

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)


class HoneLanguageServer(LanguageServer):
    """hone's language server.  The API for features is the public methods below."""

    def __init__(self, feature_classes: Sequence[type[Feature]] | None = None) -> None:
        super().__init__(
            "hone",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=HoneProtocol,
        )
        self.client = ClientFeatures()
        self.config = ConfigManager(self)
        self.trust = TrustGate()
        self.documents: dict[str, DocumentState] = {}
        self._findings: dict[str, dict[str, tuple[Finding, ...]]] = {}
        self._generation: dict[str, int] = {}
        self._served: dict[str, str] = {}  # uri -> resultId last returned by a pull
        self._diag_cache: dict[str, tuple[str, list[lsp.Diagnostic]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._refresh_pending = False
        self._worker = _Worker()
        self.features: list[Feature] = []
        for cls in FEATURE_CLASSES if feature_classes is None else feature_classes:
            try:
                self.features.append(cls(self))
            except Exception:  # one broken feature must not take the others down
                log.exception("feature %s could not start; running without it", cls.__name__)
        rules = [f for f in self.features if isinstance(f, RulesFeature)]
        self.rules: RulesFeature | None = rules[0] if rules else None
        self._register_handlers()

    # ==========================================================================================
    # API for features
    # ==========================================================================================
    def get_document(self, uri: str) -> DocumentState | None:
        return self.documents.get(uri)

    def settings_for(self, uri: str) -> Settings:
        """Effective settings of a document (open or not)."""
        doc = self.documents.get(uri)
        return doc.settings if doc is not None else self.config.compute(uri)

    def set_findings(self, uri: str, source: str, findings: Iterable[Finding]) -> None:
        """Replace the findings of ``source`` ("rules", "llm", "timing") for an open document.

        Positions refer to the document's current text.  The merged diagnostics are re-published
        (push) or the client is asked to re-pull (pull).  Ignored for documents not open.
        """
        doc = self.documents.get(uri)
        if doc is None:
            return
        reviewed: Sequence[Finding] = tuple(findings)
        for feature in self.features:  # e.g. verification re-titles or withdraws rewrites
            try:
                reviewed = feature.review_findings(doc, source, reviewed)
            except Exception as exc:
                self._feature_failed(feature, "review_findings", exc)
        self._findings.setdefault(uri, {})[source] = tuple(reviewed)
        self._generation[uri] = self._generation.get(uri, 0) + 1
        self._findings_changed(doc)

    def get_findings(self, uri: str) -> list[tuple[str, Finding]]:
        """All current findings of a document as ``(source, finding)`` pairs."""
        return [(source, f) for source, fs in self._findings.get(uri, {}).items() for f in fs]

    async def wait_for_analysis(
        self, uri: str, timeout: float | None = None
    ) -> DocumentState | None:
        """The document once its rule analysis is current (None if it was closed meanwhile)."""
        doc = self.documents.get(uri)
        if doc is None or self.rules is None:
            return doc
        return await self.rules.wait_current(doc, timeout)

    def request_analysis(self, doc: DocumentState) -> None:
        """Re-analyse a document now (e.g. after its settings changed)."""
        if self.rules is not None:
            self.rules.schedule(doc, 0.0)

    def run_in_worker(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run CPU-bound ``fn(*args)`` in the analysis thread (in order with analyses).

        This is the only thread that may touch ``DocumentState.analyzer``.
        """
        return asyncio.wrap_future(self._worker.submit(functools.partial(fn, *args)))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in the background; its exception (if any) is logged, never lost."""
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def notify(self, method: str, params: Any = None) -> None:
        """Send a (custom) notification, e.g. ``hone/status`` or ``hone/timingReport``."""
        self.protocol.notify(method, params)

    def show_message(self, text: str, type: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=type, message=text))

    def trust_refusal(self, action: str, uri: str, settings: Settings | None = None) -> str | None:
        """Why ``action`` may not run code of ``uri``'s folder (None: the user trusts it)."""
        doc = self.documents.get(uri)
        folder = doc.folder if doc is not None else self.config.folder_for(uri)
        path = uri_to_path(folder) if folder else None
        return self.trust.refusal(action, path, settings or self.settings_for(uri))

    def confirmed_venv(self, uri: str, settings: Settings | None = None) -> str:
        """``choose_interpreter``'s ``confirmed_venv`` for ``uri`` (proposes an unconfirmed one)."""
        doc = self.documents.get(uri)
        folder = doc.folder if doc is not None else self.config.folder_for(uri)
        path = uri_to_path(folder) if folder else None

        def propose(where: Any, python: Any) -> None:
            self.spawn(
                self.trust.propose_venv(where, python, self.window_show_message_request_async),
                "propose .venv",
            )

        return self.trust.interpreter_venv(path, settings or self.settings_for(uri), propose)

    def log(self, text: str, type: lsp.MessageType = lsp.MessageType.Log) -> None:
        """Log to the client's output panel (``window/logMessage``) and to the server log."""
        level = {
            lsp.MessageType.Error: logging.ERROR,
            lsp.MessageType.Warning: logging.WARNING,
            lsp.MessageType.Info: logging.INFO,
        }.get(type, logging.DEBUG)
        log.log(level, "%s", text)
        # no transport (unit tests, after exit): the server log has it
        with contextlib.suppress(Exception):
            self.window_log_message(lsp.LogMessageParams(type=type, message=text))

    def feature_named(self, name: str) -> Feature | None:
        return next((f for f in self.features if f.name == name), None)

    async def dispatch(self, hook: str, *args: Any) -> None:
        """Call ``hook(*args)`` on every feature in order; a feature that raises is logged."""
        for feature in self.features:
            try:
                result = getattr(feature, hook)(*args)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._feature_failed(feature, hook, exc)

    # ==========================================================================================
    # diagnostics delivery
    # ==========================================================================================
    def result_id(self, doc: DocumentState) -> str:
        return f"{doc.version}.{self._generation.get(doc.uri, 0)}"

    def diagnostics_for(self, doc: DocumentState) -> list[lsp.Diagnostic]:
        """The merged diagnostics of all sources, against the document's current text."""
        key = self.result_id(doc)
        cached = self._diag_cache.get(doc.uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        diagnostics = to_diagnostics(
            self._findings.get(doc.uri, {}).items(),
            doc.lines,
            self.client,
            uri=doc.uri,
            version=doc.version,
        )
        self._diag_cache[doc.uri] = (key, diagnostics)
        return diagnostics

    def publish(self, doc: DocumentState) -> None:
        """Push the merged diagnostics of ``doc`` (push mode only; no-op while analysis lags)."""
        if self.client.pull_diagnostics or not doc.analysis_is_current:
            return
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=doc.uri, diagnostics=self.diagnostics_for(doc), version=doc.version
            )
        )

    def _findings_changed(self, doc: DocumentState) -> None:
        if not self.client.pull_diagnostics:
            self.publish(doc)
            return
        waiting = self.rules is not None and self.rules.has_waiters(doc.uri)
        served = self._served.get(doc.uri)
        if not waiting and served is not None and served != self.result_id(doc):
            self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        """Ask the client to re-pull (coalescing bursts into one request)."""
        if self._refresh_pending or not self.client.diagnostic_refresh:
            return
        self._refresh_pending = True

        async def refresh() -> None:
            await asyncio.sleep(0.01)
            self._refresh_pending = False
            try:
                await self.workspace_diagnostic_refresh_async(None)
            except Exception as exc:
                log.info("workspace/diagnostic/refresh failed: %r", exc)

        self.spawn(refresh(), "diagnostic-refresh")

    # ==========================================================================================
    # settings
    # ==========================================================================================
    def reload_settings(self) -> bool:
        """Recompute every open document's settings; re-analyse those whose settings changed."""
        changed = False
        for doc in list(self.documents.values()):
            doc.folder = self.config.folder_for(doc.uri)
            new = self.config.compute(doc.uri, doc.folder)
            if dict(new.values) != dict(doc.settings.values):
                doc.settings = new
                self.request_analysis(doc)
                changed = True
        if changed:
            self.spawn(self.dispatch("on_settings_changed"), "settings-changed")
        return changed

    async def _refetch_configuration(self, pushed: Any = None) -> None:
        if self.client.configuration:
            await self.config.fetch()
        elif not self.config.apply_pushed_settings(pushed):
            return
        self.reload_settings()

    # ==========================================================================================
    # LSP handlers: one per method
    # ==========================================================================================
    def _register_handlers(self) -> None:
        def feature(method: str, options: Any = None) -> Callable[[Callable[..., Any]], Any]:
            # pygls sets attributes on handlers, which bound methods do not allow
            return lambda fn: self.feature(method, options)(_plain(fn))

        feature(lsp.INITIALIZE)(self._initialize)
        feature(lsp.INITIALIZED)(self._initialized)
        feature(lsp.SHUTDOWN)(self._shutdown)
        feature(lsp.TEXT_DOCUMENT_DID_OPEN)(self._did_open)
        feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(self._did_change)
        feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))(self._did_save)
        feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(self._did_close)
        feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(self._did_change_configuration)
        feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(self._did_change_watched_files)
        feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(self._did_change_folders)
        feature(
            lsp.TEXT_DOCUMENT_DIAGNOSTIC,
            lsp.DiagnosticOptions(
                identifier="hone", inter_file_dependencies=False, workspace_diagnostics=False
            ),
        )(self._pull_diagnostics)
        feature(
            lsp.TEXT_DOCUMENT_CODE_ACTION,
            lsp.CodeActionOptions(
                code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND],
                resolve_provider=True,
            ),
        )(self._code_action)
        feature(lsp.CODE_ACTION_RESOLVE)(self._code_action_resolve)
        if any(_overrides(f, "code_lenses") for f in self.features):
            feature(lsp.TEXT_DOCUMENT_CODE_LENS)(self._code_lens)
        if any(_overrides(f, "inlay_hints") for f in self.features):
            feature(lsp.TEXT_DOCUMENT_INLAY_HINT)(self._inlay_hint)
        self.feature(GRANT_NOTIFICATION)(_plain(self._did_grant_trust))
        self.command(TRUST_FOLDER_COMMAND)(_plain(self._trust_folder))
        for f in self.features:
            try:
                for name, handler in f.commands().items():
                    self.command(name)(self._command_handler(f, name, handler))
            except Exception:
                log.exception("feature %s: its commands could not be registered", f.name)

    def adjust_capabilities(self, caps: lsp.ServerCapabilities) -> None:
        """Called with the computed capabilities just before ``initialize`` answers."""
        caps.position_encoding = self.client.position_encoding_kind
        if not self.client.pull_diagnostics:
            caps.diagnostic_provider = None  # the client would pull *and* receive pushes

    # -- lifecycle ------------------------------------------------------------------------------
    def _initialize(self, params: lsp.InitializeParams) -> None:
        self.client = ClientFeatures.from_capabilities(params.capabilities)
        options, client_trust = pop_client_trust(params.initialization_options)
        self.trust.trust.set_client_trust(client_trust)
        self.config.set_initialization_options(options)
        log.info(
            "client %s: %s diagnostics, %s positions",
            params.client_info.name if params.client_info else "unknown",
            "pull" if self.client.pull_diagnostics else "push",
            self.client.encoding.value,
        )

    def _initialized(self, params: lsp.InitializedParams) -> None:
        self.spawn(self._after_initialized(), "initialized")

    async def _after_initialized(self) -> None:
        # registration runs on its own: a client slow to answer must not delay the settings
        self.spawn(self._register_capabilities(), "registerCapability")
        try:
            await self.config.fetch()
            self.reload_settings()
        finally:
            self.config.mark_ready()
        await self.dispatch("on_initialized")

    async def _register_capabilities(self) -> None:
        registrations = []
        if self.client.watched_files_dynamic:
            registrations.append(
                lsp.Registration(
                    id="hone-watch-pyproject",
                    method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
                    ),
                )
            )
        if self.client.did_change_configuration_dynamic:
            registrations.append(
                lsp.Registration(
                    id="hone-configuration",
                    method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                    register_options=lsp.DidChangeConfigurationRegistrationOptions(section="hone"),
                )
            )
        try:
            if registrations:
                await self.client_register_capability_async(
                    lsp.RegistrationParams(registrations=registrations)
                )
        except Exception as exc:  # the client may refuse; we still get didSave/didChange...
            log.info("client/registerCapability failed: %r", exc)

    async def _shutdown(self, params: None) -> None:
        await self.dispatch("on_shutdown")
        for task in list(self._tasks):
            task.cancel()
        self._worker.stop()

    # -- documents ------------------------------------------------------------------------------
    # didOpen/didChange/didClose are synchronous so that the text is updated in message order
    # before any feature hook (which run as tasks) can observe it.
    def _did_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        td = params.text_document
        if td.uri in self.documents:
            self._forget(td.uri)
        folder = self.config.folder_for(td.uri)
        doc = DocumentState(
            uri=td.uri,
            path=uri_to_path(td.uri),
            version=td.version,
            text=td.text,
            language_id=td.language_id,
            folder=folder,
            settings=self.config.compute(td.uri, folder),
        )
        self.documents[td.uri] = doc
        self.spawn(self.dispatch("on_open", doc), "didOpen")

    def _did_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = self.documents.get(params.text_document.uri)
        if doc is None:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)
            return
        doc.apply_changes(
            list(params.content_changes), params.text_document.version, self.client.encoding
        )
        self.spawn(self.dispatch("on_change", doc), "didChange")

    def _did_save(self, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if is_pyproject(uri):
            self.config.forget_pyproject(uri_to_path(uri))
            self.reload_settings()
        doc = self.documents.get(uri)
        if doc is not None:
            self.spawn(self.dispatch("on_save", doc), "didSave")

    def _did_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if self._forget(uri):
            # Clear what the client shows (pull clients drop closed documents themselves).
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
            self.spawn(self.dispatch("on_close", uri), "didClose")

    def _forget(self, uri: str) -> bool:
        doc = self.documents.pop(uri, None)
        self._findings.pop(uri, None)
        self._diag_cache.pop(uri, None)
        self._served.pop(uri, None)
        if doc is not None and self.rules is not None:
            self.rules.forget(uri)
        return doc is not None

    # -- trust --------------------------------------------------------------------------------
    def _did_grant_trust(self, params: Any) -> None:
        """VS Code granted workspace trust: verification and runs may start, no restart."""
        self.trust.grant()
        for doc in list(self.documents.values()):
            self.request_analysis(doc)

    def _trust_folder(self, *args: Any) -> str:
        """``hone.trustFolder {uri}``: the user trusts the workspace folder of ``uri``."""
        arg = args[0] if args else None
        uri = arg.get("uri") if isinstance(arg, dict) else getattr(arg, "uri", arg)
        if not isinstance(uri, str):
            raise JsonRpcException(message="hone.trustFolder needs {uri: <a document or folder>}")
        folder = self.config.folder_for(uri)
        path = uri_to_path(folder) if folder else None
        if path is None:
            raise JsonRpcException(
                message="hone: this file is outside every workspace folder; open its folder as "
                "the workspace (or run `hone trust FOLDER`)"
            )
        try:
            text = self.trust.trust_folder(path)
        except Exception as exc:
            raise JsonRpcException(message=f"hone: {exc}") from None
        self.show_message(text)
        for doc in list(self.documents.values()):
            self.request_analysis(doc)
        return text

    # -- workspace ------------------------------------------------------------------------------
    def _did_change_configuration(self, params: lsp.DidChangeConfigurationParams) -> None:
        self.spawn(self._refetch_configuration(params.settings), "didChangeConfiguration")

    def _did_change_watched_files(self, params: lsp.DidChangeWatchedFilesParams) -> None:
        changed = [c.uri for c in params.changes if is_pyproject(c.uri)]
        if changed:
            for uri in changed:
                self.config.forget_pyproject(uri_to_path(uri))
            self.reload_settings()

    def _did_change_folders(self, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        # pygls has already updated ``workspace.folders``
        self.spawn(self._refetch_configuration(), "didChangeWorkspaceFolders")

    # -- requests -------------------------------------------------------------------------------
    async def _pull_diagnostics(
        self, params: lsp.DocumentDiagnosticParams
    ) -> lsp.DocumentDiagnosticReport:
        uri = params.text_document.uri
        doc = await self.wait_for_analysis(uri, PULL_TIMEOUT_S)
        if doc is None:
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        if not doc.analysis_is_current and self.rules is not None and self.rules.analyses(doc):
            # never answer with diagnostics of another version; the client may ask again
            raise JsonRpcException(
                "hone: the analysis is taking too long",
                code=int(lsp.LSPErrorCodes.ServerCancelled),
                data={"retriggerRequest": True},
            )
        result_id = self.result_id(doc)
        self._served[uri] = result_id
        if params.previous_result_id == result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return lsp.RelatedFullDocumentDiagnosticReport(
            items=self.diagnostics_for(doc), result_id=result_id
        )

    async def _code_action(
        self, params: lsp.CodeActionParams
    ) -> list[lsp.CodeAction | lsp.Command] | None:
        doc = self.documents.get(params.text_document.uri)
        if doc is None or not self.client.code_action_literals:
            return None
        actions: list[lsp.CodeAction | lsp.Command] = []
        for f in self.features:
            actions.extend(await self._call(f, "code_actions", (), doc, params))
        return actions or None

    async def _code_action_resolve(self, action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data
        if not isinstance(data, dict) or "uri" not in data:
            return action
        doc = self.documents.get(str(data["uri"]))
        if doc is None or data.get("version") != doc.version:
            # Never apply an edit computed for another version of the text.
            self.show_message(
                f"hone: '{action.title}' was offered for an older version of the document; "
                "it was not applied. Ask for the action again.",
                lsp.MessageType.Warning,
            )
            return action
        feature = self.feature_named(str(data.get("feature", "")))
        if feature is None:
            return action
        resolved = await self._call(feature, "resolve_code_action", None, doc, action)
        return resolved if resolved is not None else action

    async def _code_lens(self, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        doc = self.documents.get(params.text_document.uri)
        if doc is None:
            return None
        lenses: list[lsp.CodeLens] = []
        for f in self.features:
            lenses.extend(await self._call(f, "code_lenses", (), doc))
        return lenses

    async def _inlay_hint(self, params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
        doc = self.documents.get(params.text_document.uri)
        if doc is None:
            return None
        hints: list[lsp.InlayHint] = []
        for f in self.features:
            hints.extend(await self._call(f, "inlay_hints", (), doc, params.range))
        return hints

    def _command_handler(
        self, feature: Feature, name: str, handler: CommandHandler
    ) -> Callable[..., Awaitable[Any]]:
        async def run_command(*args: Any) -> Any:
            try:
                return await handler(list(args))
            except Exception as exc:
                self._feature_failed(feature, f"command {name}", exc)
                raise

        return run_command

    # ==========================================================================================
    # plumbing
    # ==========================================================================================
    async def _call(self, feature: Feature, hook: str, default: Any, *args: Any) -> Any:
        try:
            result = getattr(feature, hook)(*args)
            if inspect.isawaitable(result):
                result = await result
            return default if result is None else result
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._feature_failed(feature, hook, exc)
            return default

    def _feature_failed(self, feature: Feature, hook: str, exc: BaseException) -> None:
        log.error("feature %s failed in %s", feature.name, hook, exc_info=exc)
        self.log(f"hone: {feature.name} failed in {hook}: {exc!r}", lsp.MessageType.Error)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)
            self.log(f"hone: {task.get_name()} failed: {exc!r}", lsp.MessageType.Error)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside request handling: logged, never shown as pop-ups."""
        if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
            # JSON-RPC: an unparsable message gets a Parse error with a null id
            self.protocol._send_data(
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": int(lsp.ErrorCodes.ParseError), "message": str(error)},
                }
            )
        log.error("server error (%s): %r", getattr(source, "__name__", source), error)
        if source is not None and getattr(source, "__name__", "") != "FeatureRequestError":
            self.log(f"hone: internal error: {error!r}", lsp.MessageType.Error)


def _overrides(feature: Feature, hook: str) -> bool:
    return getattr(type(feature), hook) is not getattr(Feature, hook)


def _plain(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function calling ``fn`` (same sync/async nature, one ``params`` argument)."""
    if inspect.iscoroutinefunction(fn):

        async def call_async(params: Any) -> Any:
            return await fn(params)

        return call_async

    def call(params: Any) -> Any:
        return fn(params)

    return call
