"""Per-document state kept by the server: the text the client sees, its settings and analysis.

hone keeps its own copy of each open document instead of pygls' ``TextDocument``: LSP lines end
only at ``\\n``, ``\\r\\n`` and ``\\r`` (``str.splitlines`` also splits at form feeds, ``\\x1c`` and
``\\u2028``, which would shift every position after such a character), and rebuilding the text
once per change is cheaper than pygls' per-change line bookkeeping on large files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from hone.core.settings import Settings
from hone.core.text import Encoding, TextDocumentLines

if TYPE_CHECKING:
    from hone.analysis.engine import Analyzer, DocumentAnalysis
    from hone.core.functions import FunctionInfo

PYTHON_SUFFIXES = frozenset({".py", ".pyi", ".pyw"})


@dataclass(eq=False)
class DocumentState:
    """One open document.  Mutated only on the server's event loop (``analyzer`` excepted)."""

    uri: str
    path: Path | None  # None for non-file URIs (``untitled:``)
    version: int
    text: str
    language_id: str
    folder: str | None  # URI of the workspace folder the document belongs to
    settings: Settings = field(default_factory=Settings)
    # The latest finished rule analysis; it may lag behind ``version`` while an edit is being
    # analysed: compare ``analysis_version`` with ``version`` (or see ``analysis_is_current``).
    analysis: DocumentAnalysis | None = None
    analysis_version: int | None = None
    _lines: TextDocumentLines | None = field(default=None, repr=False)
    _analyzer: Analyzer | None = field(default=None, repr=False)

    @property
    def lines(self) -> TextDocumentLines:
        """The current text split into LSP lines (computed once per version)."""
        if self._lines is None or self._lines.text is not self.text:
            self._lines = TextDocumentLines(self.text)
        return self._lines

    @property
    def analysis_is_current(self) -> bool:
        return self.analysis is not None and self.analysis_version == self.version

    @property
    def is_python(self) -> bool:
        """Whether hone analyses this document (by language id, else by file suffix)."""
        if self.language_id == "python":
            return True
        name = self.path.name if self.path is not None else self.uri.rsplit("/", 1)[-1]
        return PurePath(name).suffix.lower() in PYTHON_SUFFIXES

    @property
    def current_functions(self) -> Sequence[FunctionInfo] | None:
        """The function index of the current text, or None while the rule analysis lags behind
        the text or the text does not parse."""
        analysis = self.analysis
        if analysis is None or not self.analysis_is_current or not analysis.parses:
            return None
        return analysis.functions

    @property
    def analyzer(self) -> Analyzer:
        """This document's analysis engine (chunk caches survive across edits).

        Owned by the analysis worker thread: use it only inside ``server.run_in_worker``.
        Created lazily so that libcst is not imported before the first analysis.
        """
        if self._analyzer is None:
            from hone.analysis.engine import Analyzer

            self._analyzer = Analyzer()
        return self._analyzer

    @property
    def last_good(self) -> DocumentAnalysis | None:
        """The latest analysis of a version that parsed (kept while the text has syntax errors)."""
        if self.analysis is not None and self.analysis.parses:
            return self.analysis
        return self._analyzer.last_good if self._analyzer is not None else None

    def apply_changes(
        self,
        changes: list[lsp.TextDocumentContentChangeEvent],
        version: int,
        encoding: Encoding,
    ) -> None:
        """Apply ``didChange`` content changes in order; out-of-range positions are clamped."""
        text = self.text
        for change in changes:
            if isinstance(change, lsp.TextDocumentContentChangePartial):
                # the first change reuses the cached split of the current text
                lines = self.lines if text is self.text else TextDocumentLines(text)
                rng = change.range
                start = lines.offset(
                    lines.from_client(rng.start.line, rng.start.character, encoding)
                )
                end = lines.offset(lines.from_client(rng.end.line, rng.end.character, encoding))
                if end < start:  # a reversed range: be lenient rather than corrupt the text
                    start, end = end, start
                text = text[:start] + change.text + text[end:]
            else:
                text = change.text
        self.text = text
        self.version = version
