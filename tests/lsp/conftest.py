"""End-to-end fixtures: the real ``hone serve`` over stdio, driven by pytest-lsp.

Every test using the ``client`` fixture runs twice: with the client capabilities of VS Code
(pull diagnostics, UTF-16 positions, versioned workspace edits) and of Neovim 0.11 (push
diagnostics, UTF-8 positions, plain ``changes`` edits).  LSP specification warnings are errors.

Reusable helpers for other features' e2e tests live on :class:`HoneTestClient`::

    async def test_something(client: HoneTestClient, workspace: Path) -> None:
        uri = await client.open(workspace / "a.py", "x = 1\\n")
        diagnostics = await client.diagnostics_of(uri)     # of the current version
        await client.replace(uri, "y = 2\\n")               # or client.edit(uri, range, text)
        actions = await client.code_actions(uri, 0, 0, 0, 5)  # edits resolved
        client.apply(uri, actions[0].edit)                   # and sent as didChange

Customise the session with ``@pytest.mark.hone_session(initialization_options=...,
configuration={"ws": {...}, "other": {...}}, folders=["other"], capabilities=fn, untrusted=True)``
(configuration keys are folder names next to ``workspace``, "" for the global scope; ``fn(caps)``
adjusts the editor's capabilities; the folders are trusted unless ``untrusted``) and restrict it with ``@pytest.mark.hone_clients("neovim")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, LspSpecificationWarning
from pytest_lsp.checks import check_result_for
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.llm.fake_openai import FakeOpenAI

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "serve_with_test_rules.py"
CLIENTS = ("vscode", "neovim")
TIMEOUT_S = 20.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hone_session(initialization_options=None, configuration=None, folders=None, "
        "capabilities=None): "
        "customise the e2e session",
    )
    config.addinivalue_line("markers", "hone_clients(*names): run only with these clients")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"))


def capabilities(name: str) -> lsp.ClientCapabilities:
    """Client capabilities of a real editor, from pytest-lsp's captured snapshots."""
    if name == "vscode":
        caps = pytest_lsp.client_capabilities("visual-studio-code")  # the v1.65.2 snapshot
        # The snapshot predates LSP 3.17; vscode-languageclient >= 8 (used by the hone
        # extension) declares pull diagnostics and refresh support as below.
        assert caps.text_document is not None and caps.workspace is not None
        caps.text_document.diagnostic = lsp.DiagnosticClientCapabilities(
            dynamic_registration=True, related_document_support=False
        )
        caps.workspace.diagnostics = lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
        return caps
    if name == "neovim":
        return pytest_lsp.client_capabilities("neovim")  # the latest snapshot: 0.11.0
    raise ValueError(name)


# -- spec checks pytest-lsp does not have (results of requests hone answers) ----------------------
def _warn(message: str) -> None:
    warnings.warn(message, LspSpecificationWarning, stacklevel=2)


def check_diagnostic(caps: lsp.ClientCapabilities, d: lsp.Diagnostic) -> None:
    pub = caps.text_document.publish_diagnostics if caps.text_document else None
    if d.data is not None and not (pub and pub.data_support):
        _warn("Diagnostic.data sent to a client without publishDiagnostics.dataSupport")
    if d.code_description is not None and not (pub and pub.code_description_support):
        _warn("Diagnostic.codeDescription sent without codeDescriptionSupport")
    if d.related_information and not (pub and pub.related_information):
        _warn("Diagnostic.relatedInformation sent without relatedInformation support")
    allowed = set(pub.tag_support.value_set) if pub and pub.tag_support else set()
    if d.tags and not set(d.tags) <= allowed:
        _warn(f"Diagnostic.tags {d.tags} not in the client's tagSupport")


def check_code_action(caps: lsp.ClientCapabilities, action: lsp.CodeAction | lsp.Command) -> None:
    ca = caps.text_document.code_action if caps.text_document else None
    if isinstance(action, lsp.Command):
        return
    if ca is None or ca.code_action_literal_support is None:
        _warn("CodeAction literal sent to a client without codeActionLiteralSupport")
        return
    if action.kind is not None:
        known = set(ca.code_action_literal_support.code_action_kind.value_set)
        kind = str(getattr(action.kind, "value", action.kind))
        parts = kind.split(".")
        if not any(".".join(parts[:i]) in known for i in range(1, len(parts) + 1)):
            _warn(f"CodeAction kind {kind!r} (or a parent) not in the client's valueSet")
    if action.is_preferred is not None and not ca.is_preferred_support:
        _warn("CodeAction.isPreferred sent without isPreferredSupport")
    if action.data is not None and not ca.data_support:
        _warn("CodeAction.data sent without dataSupport")
    if action.edit is None and action.command is None:
        props = ca.resolve_support.properties if ca.resolve_support else []
        if "edit" not in props:
            _warn("CodeAction without edit/command for a client that cannot resolve edits")
    for d in action.diagnostics or []:
        check_diagnostic(caps, d)
    ws_edit = caps.workspace.workspace_edit if caps.workspace else None
    if action.edit and action.edit.document_changes and not (ws_edit and ws_edit.document_changes):
        _warn("WorkspaceEdit.documentChanges sent without workspaceEdit.documentChanges support")


@check_result_for(method=lsp.TEXT_DOCUMENT_CODE_ACTION)
def _check_code_actions(caps: lsp.ClientCapabilities, result: Any) -> None:
    for action in result or []:
        check_code_action(caps, action)


@check_result_for(method=lsp.CODE_ACTION_RESOLVE)
def _check_resolved(caps: lsp.ClientCapabilities, result: Any) -> None:
    check_code_action(caps, result)


@check_result_for(method=lsp.TEXT_DOCUMENT_DIAGNOSTIC)
def _check_pull(caps: lsp.ClientCapabilities, result: Any) -> None:
    if caps.text_document is None or caps.text_document.diagnostic is None:
        _warn("textDocument/diagnostic answered for a client without pull support")
    for d in getattr(result, "items", None) or []:
        check_diagnostic(caps, d)


# -- text model of the client ---------------------------------------------------------------------
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _units(ch: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(ch.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    return 1


def offset_at(text: str, line: int, character: int, encoding: str) -> int:
    """Offset of an LSP position (independent of hone's own implementation, on purpose)."""
    lines = _LINE.findall(text)
    if line >= len(lines):
        return len(text)
    start = sum(len(x) for x in lines[:line])
    content = lines[line].rstrip("\r\n")
    seen = 0
    for i, ch in enumerate(content):
        if seen >= character:
            return start + i
        seen += _units(ch, encoding)
    return start + len(content)


def apply_text_edits(text: str, edits: Sequence[lsp.TextEdit], encoding: str) -> str:
    """Apply edits whose ranges all refer to ``text`` (LSP semantics); overlaps are an error."""
    spans = sorted(
        (
            offset_at(text, e.range.start.line, e.range.start.character, encoding),
            offset_at(text, e.range.end.line, e.range.end.character, encoding),
            e.new_text,
        )
        for e in edits
    )
    for (_, end, _), (start, _, _) in itertools.pairwise(spans):
        assert end <= start, f"overlapping edits: {edits}"
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


class HoneTestClient(LanguageClient):
    """A pytest-lsp client that keeps the documents' text and knows hone's two delivery modes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = ""
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.published: dict[str, tuple[int | None, list[lsp.Diagnostic]]] = {}
        self.publish_count: dict[str, int] = {}
        self.publish_history: dict[str, list[tuple[int | None, list[lsp.Diagnostic]]]] = {}
        self.registrations: list[lsp.Registration] = []
        self.notifications: list[tuple[str, Any]] = []
        self.init_result: lsp.InitializeResult | None = None
        self._changed = asyncio.Event()

    # -- state --------------------------------------------------------------------------------
    @property
    def pull(self) -> bool:
        assert self.init_result is not None
        return self.init_result.capabilities.diagnostic_provider is not None

    @property
    def encoding(self) -> str:
        assert self.init_result is not None
        enc = self.init_result.capabilities.position_encoding
        return str(getattr(enc, "value", enc) or "utf-16")

    def poke(self) -> None:
        """Wake :meth:`wait_until` (called by the notification handlers)."""
        self._changed.set()

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = TIMEOUT_S, what: str = ""
    ) -> Any:
        """Wait (without sleeping a fixed time) until ``predicate()`` is truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
        return value

    # -- documents ----------------------------------------------------------------------------
    async def open(
        self, path: Path, text: str, *, language_id: str = "python", write: bool = True
    ) -> str:
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
        uri = from_fs_path(str(path)) or path.as_uri()
        self.texts[uri], self.versions[uri] = text, 1
        self.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(
                    uri=uri, language_id=language_id, version=1, text=text
                )
            )
        )
        return uri

    def _send_change(self, uri: str, changes: list[lsp.TextDocumentContentChangeEvent]) -> int:
        self.versions[uri] += 1
        self.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=changes,
            )
        )
        return self.versions[uri]

    async def edit(self, uri: str, rng: lsp.Range, new_text: str) -> int:
        """One incremental change (range in the negotiated encoding); returns the new version."""
        self.texts[uri] = apply_text_edits(
            self.texts[uri], [lsp.TextEdit(range=rng, new_text=new_text)], self.encoding
        )
        return self._send_change(
            uri, [lsp.TextDocumentContentChangePartial(range=rng, text=new_text)]
        )

    async def replace(self, uri: str, text: str) -> int:
        """A full-text change."""
        self.texts[uri] = text
        return self._send_change(uri, [lsp.TextDocumentContentChangeWholeDocument(text=text)])

    def save(self, uri: str) -> None:
        self.text_document_did_save(
            lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )

    def close(self, uri: str) -> None:
        self.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        self.texts.pop(uri, None)

    # -- diagnostics --------------------------------------------------------------------------
    async def diagnostics_of(self, uri: str, timeout: float = TIMEOUT_S) -> list[lsp.Diagnostic]:
        """The diagnostics of the document's *current* version (pull or push, as negotiated)."""
        if self.pull:
            report = await asyncio.wait_for(
                self.text_document_diagnostic_async(
                    lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
                ),
                timeout,
            )
            assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport), report
            return list(report.items)
        version = self.versions[uri]
        await self.wait_until(
            lambda: self.published.get(uri, (None, []))[0] == version,
            timeout,
            f"publishDiagnostics of {uri} version {version}",
        )
        return self.published[uri][1]

    async def wait_diagnostics(
        self,
        uri: str,
        predicate: Callable[[list[lsp.Diagnostic]], bool],
        timeout: float = TIMEOUT_S,
    ) -> list[lsp.Diagnostic]:
        """Diagnostics of the current version once ``predicate`` holds (e.g. after a settings
        change: push waits for a new publish, pull re-pulls after each refresh request)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.pull:
                refreshes = self.diagnostic_refresh_count
                diags = await self.diagnostics_of(uri, timeout)
                if predicate(diags):
                    return diags
                await self.wait_until(
                    lambda r=refreshes: self.diagnostic_refresh_count > r,  # type: ignore[misc]
                    max(deadline - loop.time(), 0.01),
                    "workspace/diagnostic/refresh",
                )
            else:
                count = self.publish_count.get(uri, 0)
                diags = await self.diagnostics_of(uri, timeout)
                if predicate(diags):
                    return diags
                await self.wait_until(
                    lambda c=count: self.publish_count.get(uri, 0) > c,  # type: ignore[misc]
                    max(deadline - loop.time(), 0.01),
                    f"a new publishDiagnostics of {uri}",
                )

    # -- code actions -------------------------------------------------------------------------
    async def code_actions(
        self,
        uri: str,
        line: int,
        character: int,
        end_line: int | None = None,
        end_character: int | None = None,
        *,
        only: Sequence[str] | None = None,
        diagnostics: Sequence[lsp.Diagnostic] = (),
        resolve: bool = True,
    ) -> list[lsp.CodeAction]:
        """Code actions for a range, with lazily computed edits resolved (as editors do)."""
        rng = lsp.Range(
            start=lsp.Position(line=line, character=character),
            end=lsp.Position(
                line=line if end_line is None else end_line,
                character=character if end_character is None else end_character,
            ),
        )
        result = await asyncio.wait_for(
            self.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    range=rng,
                    context=lsp.CodeActionContext(
                        diagnostics=list(diagnostics), only=list(only) if only else None
                    ),
                )
            ),
            TIMEOUT_S,
        )
        actions = [a for a in result or [] if isinstance(a, lsp.CodeAction)]
        if resolve:
            actions = [await self.resolve(a) for a in actions]
        return actions

    async def resolve(self, action: lsp.CodeAction) -> lsp.CodeAction:
        if action.edit is not None or action.data is None:
            return action
        resolved = await asyncio.wait_for(self.code_action_resolve_async(action), TIMEOUT_S)
        assert isinstance(resolved, lsp.CodeAction)
        return resolved

    def edits_of(self, uri: str, edit: lsp.WorkspaceEdit) -> list[lsp.TextEdit]:
        """The text edits of ``uri`` in ``edit``; a versioned edit must match our version."""
        out: list[lsp.TextEdit] = []
        for dc in edit.document_changes or []:
            assert isinstance(dc, lsp.TextDocumentEdit), dc
            if dc.text_document.uri == uri:
                assert dc.text_document.version == self.versions[uri], "stale versioned edit"
                out.extend(e for e in dc.edits if isinstance(e, lsp.TextEdit))
        out.extend((edit.changes or {}).get(uri, []))
        return out

    async def apply(self, uri: str, edit: lsp.WorkspaceEdit) -> str:
        """Apply a workspace edit like an editor: update the text, send it as didChange."""
        edits = self.edits_of(uri, edit)
        assert edits, "the edit changes nothing in this document"
        new_text = apply_text_edits(self.texts[uri], edits, self.encoding)
        # Send the edits as incremental changes, last first, so every range stays valid.
        changes: list[lsp.TextDocumentContentChangeEvent] = [
            lsp.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
            for e in sorted(
                edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
            )
        ]
        self.texts[uri] = new_text
        self._send_change(uri, changes)
        return new_text

    # -- settings -----------------------------------------------------------------------------
    def configuration_changed(self, settings: Any = None) -> None:
        self.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=settings))

    def messages_matching(self, needle: str) -> list[str]:
        return [m.message for m in self.messages if needle in m.message]


def _converter() -> Any:
    """pygls' converter, reading ``(Command | CodeAction)[]`` as editors do: an item is a Command
    when its ``command`` is a string.  (lsprotocol's hook reads any item with a ``command`` key as
    a Command, so a CodeAction that runs a command would arrive as a broken Command.)"""
    converter: Any = default_converter()  # type: ignore[no-untyped-call]

    def command_or_action(obj: Any, _: type) -> Any:
        if isinstance(obj, dict) and isinstance(obj.get("command"), str):
            return converter.structure(obj, lsp.Command)
        return converter.structure(obj, lsp.CodeAction)

    converter.register_structure_hook(lsp.Command | lsp.CodeAction, command_or_action)
    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], command_or_action)  # noqa: UP007
    return converter


def _make_client() -> HoneTestClient:
    client = HoneTestClient(converter_factory=_converter)

    def publish(c: HoneTestClient, params: lsp.PublishDiagnosticsParams) -> None:
        assert c.capabilities is not None
        for d in params.diagnostics:
            check_diagnostic(c.capabilities, d)
        c.diagnostics[params.uri] = params.diagnostics
        c.published[params.uri] = (params.version, list(params.diagnostics))
        c.publish_count[params.uri] = c.publish_count.get(params.uri, 0) + 1
        c.publish_history.setdefault(params.uri, []).append(
            (params.version, list(params.diagnostics))
        )
        c.poke()

    def register(c: HoneTestClient, params: lsp.RegistrationParams) -> None:
        c.registrations.extend(params.registrations)

    def refresh(c: HoneTestClient, params: None) -> None:
        c.diagnostic_refresh_count += 1
        c.poke()

    def show_message(c: HoneTestClient, params: lsp.ShowMessageParams) -> None:
        c.messages.append(params)
        c.poke()

    features: dict[str, Any] = {
        **DEFAULT_CLIENT_FEATURES,
        lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
        lsp.CLIENT_REGISTER_CAPABILITY: register,
        lsp.WORKSPACE_DIAGNOSTIC_REFRESH: refresh,
        lsp.WINDOW_SHOW_MESSAGE: show_message,
    }

    def status(c: HoneTestClient, params: Any) -> None:
        c.notifications.append(("hone/status", params))
        c.poke()

    def timing_report(c: HoneTestClient, params: Any) -> None:
        c.notifications.append(("hone/timingReport", params))
        c.poke()

    features["hone/status"] = status
    features["hone/timingReport"] = timing_report
    register_lsp_features(client, features)
    return client


@pytest.fixture(autouse=True)
def _user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's user folders (settings file, trust store) are the test's own (the server,
    started after this, inherits them)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def user_settings_file() -> Path:
    """The user settings file the session's server reads (``[llm]``, ``[verify]``, ... tables):
    where the user's endpoint, key variable and run settings go (never ``pyproject.toml``)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "hone" / "settings.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The (first) workspace folder of the session."""
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, str(LAUNCHER)], client_factory=_make_client
    ),
    params=CLIENTS,
)
async def client(lsp_client: HoneTestClient, request: pytest.FixtureRequest, workspace: Path):  # type: ignore[no-untyped-def]
    """An initialised session with the real server, as VS Code and as Neovim."""
    allowed = request.node.get_closest_marker("hone_clients")
    if allowed is not None and request.param not in allowed.args:
        pytest.skip(f"not relevant for {request.param}")
    session = request.node.get_closest_marker("hone_session")
    options: dict[str, Any] = dict(session.kwargs) if session else {}
    folders = [workspace] + [workspace.parent / f for f in options.get("folders", [])]
    for folder in folders:
        folder.mkdir(exist_ok=True)
    configuration = options.get("configuration") or {}
    for scope, value in configuration.items():
        scope_uri = "" if scope == "" else from_fs_path(str(workspace.parent / scope))
        lsp_client.set_configuration(value, section="hone", scope_uri=scope_uri)
    lsp_client.name = request.param
    init = options.get("initialization_options")
    if not options.get("untrusted") and (init is None or isinstance(init, dict)):
        # the user trusts the test folders, in the editor's own config (no file is written:
        # tests elsewhere that reuse this fixture do not isolate the user data folder)
        init = {"trustedFolders": [str(f) for f in folders], **(init or {})}
    caps = capabilities(request.param)
    if "capabilities" in options:
        options["capabilities"](caps)  # a function adjusting the editor's capabilities
    lsp_client.init_result = await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps,
            client_info=lsp.ClientInfo(name=f"hone-tests ({request.param})"),
            root_uri=from_fs_path(str(workspace)),
            workspace_folders=[
                lsp.WorkspaceFolder(uri=from_fs_path(str(f)) or f.as_uri(), name=f.name)
                for f in folders
            ],
            initialization_options=init,
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """hone's scripted OpenAI-compatible endpoint on 127.0.0.1 (tests/llm/fake_openai.py)."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def verify_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """For verification end to end (the server, started after this, inherits it): a cache of
    the test's own, no API key, and every folder trusted by the test launcher."""
    monkeypatch.setenv("HONE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("HONE_TEST_TRUST_ALL", "1")
