"""Which folders the user trusts hone to run code in, recorded in hone's user data folder.

A cloned repository is hostile until its user says otherwise.  In an untrusted folder hone
analyses, offers rule fixes and (to the user's own endpoint) asks the LLM, but executes nothing
the workspace chose: no verification, no "Run with timing", no probing of its ``.venv``.

Trust comes only from the user, never from a file inside the workspace:

- the editor's own trust (VS Code sends ``workspace.isTrusted``; see :func:`decide`);
- the ``trustedFolders`` setting from ``initializationOptions`` or the user settings file;
- this store: ``hone trust PATH`` or the ``hone.trustFolder`` command (Neovim's ``:HoneTrust``),
  in the spirit of Neovim's ``vim.secure.trust``: a JSON file in the user data folder
  (``$XDG_DATA_HOME/hone/trust.json`` on Linux), mode 0600, listing each folder by the path the
  user gave and its real path.  A folder is trusted when its real path is a trusted real path
  or lies below one, so a symlink cannot smuggle another tree in.

The same file records which folders' ``.venv`` interpreter the user confirmed for runs (by its
real path, so swapping the link afterwards voids the confirmation).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STORE_NAME = "trust.json"
_VERSION = 1


def data_dir() -> Path:
    """hone's user data folder (``$XDG_DATA_HOME/hone`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("hone", appauthor=False))


def default_store_path() -> Path:
    return data_dir() / STORE_NAME


def real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def _is_within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


@dataclass(frozen=True, slots=True)
class TrustEntry:
    path: str  # as the user gave it (absolute)
    realpath: str


@dataclass(frozen=True, slots=True)
class VenvChoice:
    folder: str  # real path of the folder
    python: str  # real path of its .venv interpreter the user confirmed for runs


class TrustStoreError(Exception):
    """The store cannot be read or written (the message says why, for the user)."""


class TrustStore:
    """The trust file.  Reads are tolerant (a broken or foreign-writable file trusts nothing)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_store_path()
        self._cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    # -- reading ---------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        """The file's content, re-read only when it changed (checked on every question)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning(
                "hone: cannot read the trust store %s: %s; trusting nothing", self.path, exc
            )
            return {}
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            # Someone else's (or a group/world-writable) file could grant trust: ignore it.
            if hasattr(os, "getuid") and (
                st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                log.warning(
                    "hone: the trust store %s is not private to you; trusting nothing", self.path
                )
                return {}
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
            try:
                data: Any = json.loads(f.read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                log.warning(
                    "hone: the trust store %s is damaged (%s); trusting nothing", self.path, exc
                )
                data = {}
        table: dict[str, Any] = data if isinstance(data, dict) else {}
        self._cache = (key, table)
        return table

    @staticmethod
    def _pairs(data: dict[str, Any], name: str, a: str, b: str) -> list[tuple[str, str]]:
        out = []
        for item in data.get(name, []) if isinstance(data.get(name), list) else []:
            if (
                isinstance(item, dict)
                and isinstance(item.get(a), str)
                and isinstance(item.get(b), str)
                and os.path.isabs(item[b])
            ):
                out.append((item[a], item[b]))
        return out

    def entries(self) -> list[TrustEntry]:
        return [
            TrustEntry(p, r) for p, r in self._pairs(self._load(), "folders", "path", "realpath")
        ]

    def venvs(self) -> list[VenvChoice]:
        return [VenvChoice(f, p) for f, p in self._pairs(self._load(), "venvs", "folder", "python")]

    def entry_for(self, folder: str | os.PathLike[str]) -> TrustEntry | None:
        """The innermost trusted entry covering ``folder``, or None."""
        target = real(folder)
        best: TrustEntry | None = None
        for entry in self.entries():
            if _is_within(target, Path(entry.realpath)) and (
                best is None or len(entry.realpath) > len(best.realpath)
            ):
                best = entry
        return best

    def is_trusted(self, folder: str | os.PathLike[str]) -> bool:
        return self.entry_for(folder) is not None

    def confirmed_venv(self, folder: str | os.PathLike[str]) -> str:
        """The real path of the ``.venv`` interpreter confirmed for exactly this folder ("")."""
        target = str(real(folder))
        return next((v.python for v in self.venvs() if v.folder == target), "")

    # -- writing ---------------------------------------------------------------------------
    def trust(self, folder: str | os.PathLike[str]) -> TrustEntry:
        path = Path(os.path.abspath(os.path.expanduser(os.fspath(folder))))
        if not path.is_dir():
            raise TrustStoreError(f"not a folder: {path}")
        entry = TrustEntry(str(path), str(real(path)))
        entries = [e for e in self.entries() if e.realpath != entry.realpath]
        self._write([*entries, entry], self.venvs())
        return entry

    def untrust(self, folder: str | os.PathLike[str]) -> list[TrustEntry]:
        """Forget the entries for ``folder`` (by path or real path) and its .venv choice."""
        given = os.path.abspath(os.path.expanduser(os.fspath(folder)))
        target = str(real(folder))
        entries = self.entries()
        removed = [e for e in entries if e.realpath == target or e.path == given]
        if removed:
            gone = {e.realpath for e in removed}
            venvs = [v for v in self.venvs() if v.folder not in gone]
            self._write([e for e in entries if e not in removed], venvs)
        return removed

    def confirm_venv(self, folder: str | os.PathLike[str], python: str | os.PathLike[str]) -> None:
        """Record that the user chose ``python`` (the folder's .venv) for runs in ``folder``.

        The caller makes sure the folder is trusted (by this store or by the editor): choosing
        a .venv is a second, narrower act of trust that presupposes the first.
        """
        choice = VenvChoice(str(real(folder)), str(real(python)))
        venvs = [v for v in self.venvs() if v.folder != choice.folder]
        self._write(self.entries(), [*venvs, choice])

    def _write(self, entries: Iterable[TrustEntry], venvs: Iterable[VenvChoice]) -> None:
        data = {
            "version": _VERSION,
            "folders": [asdict(e) for e in entries],
            "venvs": [asdict(v) for v in venvs],
        }
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".trust-", dir=folder)  # created 0600
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(data, f, indent=2)
                    f.write("\n")
                os.chmod(tmp, 0o600)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise TrustStoreError(f"cannot write the trust store {self.path}: {exc}") from exc
        self._cache = None


@dataclass(frozen=True, slots=True)
class TrustDecision:
    trusted: bool
    reason: str  # for messages: "VS Code trusts this workspace", "not trusted", ...


HOW_TO_TRUST = (
    "VS Code: 'Manage Workspace Trust' (or answer the trust prompt); Neovim: `:HoneTrust`; "
    "any editor: `hone trust FOLDER` in a terminal, or trustedFolders in your editor's "
    "initializationOptions"
)


def decide(
    folder: str | os.PathLike[str] | None,
    *,
    client_trusted: bool | None,
    trusted_folders: Sequence[str] = (),
    store: TrustStore | None = None,
) -> TrustDecision:
    """Whether hone may run code of ``folder`` (a workspace folder or a lone file's folder).

    ``client_trusted`` is the editor's own verdict (VS Code's workspace trust): when the editor
    has one, it decides.  Otherwise trust comes from the user's ``trustedFolders`` or the store.
    Nothing in the workspace takes part.
    """
    if client_trusted is True:
        return TrustDecision(True, "the editor trusts this workspace")
    if client_trusted is False:
        return TrustDecision(False, "the editor does not trust this workspace (Restricted Mode)")
    if folder is None:
        return TrustDecision(False, "the file is outside every workspace folder")
    target = real(folder)
    for raw in trusted_folders:
        given = os.path.expanduser(raw.strip())
        # relative entries are refused: relative to what the workspace chose is no consent
        if given and os.path.isabs(given) and _is_within(target, real(given)):
            return TrustDecision(True, f"in trustedFolders ({raw})")
    entry = (store or TrustStore()).entry_for(target)
    if entry is not None:
        return TrustDecision(True, f"trusted with `hone trust` ({entry.path})")
    return TrustDecision(False, "this folder is not trusted")


def not_trusted_message(action: str, decision: TrustDecision) -> str:
    """Why ``action`` ("Run with timing", ...) does not happen, and how to allow it."""
    return (
        f"hone: {action} runs this folder's code, and {decision.reason}. To trust it: "
        f"{HOW_TO_TRUST}."
    )


class SessionTrust:
    """The trust decisions of one editor session (the language server holds one).

    ``client_trusted`` is the editor's verdict from ``initializationOptions.workspaceTrusted``
    (VS Code), raised to True by ``hone/didGrantTrust``; None when the editor says nothing.
    The store is consulted on every question (re-read only when it changed), so ``hone trust``
    in a terminal takes effect without a restart.
    """

    def __init__(self, store: TrustStore | None = None) -> None:
        self.store = store or TrustStore()
        self.client_trusted: bool | None = None

    def set_client_trust(self, value: object) -> None:
        self.client_trusted = value if isinstance(value, bool) else None

    def grant(self) -> None:
        """The editor granted trust to the workspace (VS Code's onDidGrantWorkspaceTrust)."""
        self.client_trusted = True

    def decide(
        self, folder: str | os.PathLike[str] | None, trusted_folders: Sequence[str] = ()
    ) -> TrustDecision:
        return decide(
            folder,
            client_trusted=self.client_trusted,
            trusted_folders=trusted_folders,
            store=self.store,
        )

    def trust_folder(self, folder: str | os.PathLike[str]) -> TrustEntry:
        """The user asked to trust ``folder`` (``hone.trustFolder``): recorded in the store."""
        return self.store.trust(folder)
