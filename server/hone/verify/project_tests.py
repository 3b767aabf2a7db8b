"""The project's own tests as verification evidence: which test files import the module.

Run only in a trusted folder and only inside the verification sandbox (the worker's ``pytest``
op): once against the original (recording a diverse sample of the function's real arguments),
once against the rewrite (every test that passed must still pass).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MAX_TEST_FILES = 12
MAX_SCANNED = 600


def module_name(root: str, path: str) -> str:
    """The import name of ``path`` relative to ``root`` (``pkg.mod``), else its file stem."""
    try:
        rel = Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return Path(path).stem
    parts = list(rel.with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or Path(path).stem


def find_tests(root: str | None, path: str) -> tuple[str, ...]:
    """Test files under ``root`` that import the module at ``path`` (by its dotted name or stem)."""
    if not root:
        return ()
    name = module_name(root, path)
    stem = name.split(".")[-1]
    pattern = re.compile(
        rf"^\s*(from\s+({re.escape(name)}|{re.escape(stem)})\s+import\b|import\s+({re.escape(name)}|{re.escape(stem)})\b"
        rf"|from\s+[\w.]+\s+import\s+[^\n]*\b{re.escape(stem)}\b)",
        re.MULTILINE,
    )
    found: list[str] = []
    scanned = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d
            for d in dirnames
            if not d.startswith(".") and d not in ("node_modules", "__pycache__", "venv")
        ]
        for fname in filenames:
            if not (fname.startswith("test_") or fname.endswith("_test.py")):
                continue
            if not fname.endswith(".py"):
                continue
            scanned += 1
            if scanned > MAX_SCANNED:
                return tuple(found)
            full = os.path.join(dirpath, fname)
            if os.path.abspath(full) == os.path.abspath(path):
                continue
            try:
                with open(full, encoding="utf-8", errors="replace") as fh:
                    text = fh.read(256 * 1024)
            except OSError:
                continue
            if pattern.search(text):
                found.append(full)
                if len(found) >= MAX_TEST_FILES:
                    return tuple(found)
    return tuple(sorted(found))
