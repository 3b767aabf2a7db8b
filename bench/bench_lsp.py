"""Language-server benchmark: hone against pylsp (pyflakes), ``ruff server`` and two reference
servers: a bare pygls server (``bare``: ast.parse only) and the same plus libcst parsing every
top-level statement (``floor``: the stack hone is built on, with no rules and no results kept).

For a ~50-line file, a copy of the standard library's argparse.py (~2,600 lines) and a ~10,000-line
file, in the same run for every server: initialize time, open->diagnostics, edit->fresh
diagnostics (median and p95 over many edits, each server's debounce included), code-action latency
and peak RSS, with ratios of hone to each peer.  All servers get the same push-diagnostics client
(publishDiagnostics with version support), so the same code path is timed for everyone.

An edit replaces one probe line *inside a function in the middle of the file* with
``import probe_N`` (a fresh unused import, which pyflakes and Ruff report): a diagnostics
publication is "fresh" when it carries the edit's version or, for servers that send no version,
mentions ``probe_N``.

``--baseline REV`` adds hone as it was at git revision REV (``hone@REV``, its ``server/`` tree
run by the same interpreter and dependencies), so a change is judged against its own past in the
same run, on the same machine load.

Usage: python bench/bench_lsp.py [--edits N] [--only hone,pylsp,ruff,bare,floor] [--json OUT]
       [--baseline REV ...]
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from lsp_client import LspProcess

HERE = Path(__file__).resolve().parent
PY = sys.executable

SMALL = '''\
"""Order report (the ~50-line benchmark file)."""
import re


def load(lines):
    rows = []
    for line in lines:
        rows.append(line.split(","))
    return rows


def totals(rows):
    total = 0
    for row in rows:
        total += float(row[2])
    return total


def cheapest(rows):
    return sorted(rows, key=lambda r: float(r[2]))[0]


def customers(rows):
    seen = []
    for row in rows:
        if row[0] not in seen:
            seen.append(row[0])
    return seen


def clean(rows):
    out = ""
    for row in rows:
        pattern = re.compile(r"\\s+")
        out += pattern.sub(" ", row[1]) + "\\n"
    return out


def count_bits(values):
    return [bin(v).count("1") for v in values]


def report(lines):
    rows = load(lines)
    print(totals(rows), cheapest(rows), len(customers(rows)))
    print(clean(rows))
    print(count_bits(range(10)))
'''


def big_file() -> str:
    parts = []
    for name in ("argparse", "pydoc", "tarfile", "configparser", "email.message"):
        src = Path(importlib.import_module(name).__file__ or "").read_text()
        # a `from __future__` import is only legal at the top of a module
        parts.append(
            "".join(
                ln for ln in src.splitlines(keepends=True) if not ln.startswith("from __future__")
            )
        )
    text = "\n".join(parts)
    compile(text, "big", "exec")  # the benchmark file must be valid Python
    return text


def files() -> dict[str, str]:
    argparse_src = Path(argparse.__file__).read_text()
    return {
        "small (~50 lines)": SMALL,
        "argparse.py (~2,600)": argparse_src,
        "~10,000 lines": big_file(),
    }


def probe_line(text: str) -> tuple[int, str]:
    """(line index, indentation) of an indented simple statement near the middle of the file."""
    lines = text.splitlines()
    mid = len(lines) // 2
    for offset in range(len(lines)):
        for i in (mid + offset, mid - offset):
            if 0 < i < len(lines):
                ln = lines[i]
                stripped = ln.lstrip()
                indent = ln[: len(ln) - len(stripped)]
                prev = lines[i - 1].rstrip()
                if (
                    indent
                    and stripped.startswith(("return ", "x = ", "self.", "result", "name"))
                    and not prev.endswith(("(", ",", "\\", "[", "{"))
                    and not stripped.startswith(('"', "'"))
                    and ln.rstrip().endswith((")", "]", "e", "s", "t", "1", "0", "'", '"'))
                ):
                    return i, indent
    raise RuntimeError("no probe line")


@dataclass
class Figures:
    server: str
    file: str
    initialize_ms: float = 0.0
    open_ms: float = 0.0
    edit_median_ms: float = 0.0
    edit_p95_ms: float = 0.0
    code_action_ms: float = 0.0
    peak_rss_mb: float = 0.0
    edits: int = 0
    errors: list[str] = field(default_factory=list)


# "hone@REV" -> the folder holding that revision's ``hone`` package
BASELINES: dict[str, Path] = {}


def add_baseline(rev: str, tmp: Path) -> str:
    """Extract ``server/`` of git revision ``rev`` into ``tmp``; the name to bench it under."""
    root = HERE.parent
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()
    dest = tmp / f"hone-{sha}"
    dest.mkdir()
    archive = subprocess.run(
        ["git", "archive", sha, "server"], cwd=root, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    compileall.compile_dir(dest / "server", quiet=1)
    name = f"hone@{sha}"
    BASELINES[name] = dest / "server"
    return name


def server_argv(name: str) -> list[str] | None:
    bindir = Path(PY).parent
    if name == "hone":
        return [PY, "-m", "hone", "serve"]
    if name in BASELINES:
        start = (
            f"import runpy, sys; sys.path.insert(0, {str(BASELINES[name])!r}); "
            "sys.argv = ['hone', 'serve']; runpy.run_module('hone', run_name='__main__')"
        )
        return [PY, "-c", start]
    if name == "pylsp":
        exe = bindir / "pylsp"
        return [str(exe)] if exe.exists() else None
    if name == "ruff":
        exe = bindir / "ruff"
        found = str(exe) if exe.exists() else shutil.which("ruff")
        return [found, "server"] if found else None
    if name == "bare":
        return [PY, str(HERE / "bare_pygls_server.py")]
    if name == "floor":
        return [PY, str(HERE / "bare_libcst_server.py")]
    raise ValueError(name)


CAPS: dict[str, Any] = {
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
        "codeAction": {
            "codeActionLiteralSupport": {
                "codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}
            },
            "resolveSupport": {"properties": ["edit"]},
            "dataSupport": True,
        },
    },
    "workspace": {"configuration": True, "workspaceFolders": True},
    "general": {"positionEncodings": ["utf-16"]},
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def bench_one(name: str, label: str, text: str, n_edits: int, workdir: Path) -> Figures:
    fig = Figures(name, label)
    argv = server_argv(name)
    if argv is None:
        fig.errors.append("not installed")
        return fig
    path = workdir / "bench_file.py"
    line_no, indent = probe_line(text)
    lines = text.splitlines(keepends=True)
    lines.insert(line_no, f"{indent}import probe_0\n")
    text = "".join(lines)
    path.write_text(text)
    uri = path.as_uri()
    proc = LspProcess(argv, cwd=str(workdir))
    try:
        resp = proc.request(
            "initialize",
            {
                "processId": None,
                "rootUri": workdir.as_uri(),
                "workspaceFolders": [{"uri": workdir.as_uri(), "name": "bench"}],
                "capabilities": CAPS,
                "initializationOptions": {},
            },
        )
        fig.initialize_ms = (time.perf_counter() - proc.t_spawn) * 1000
        if "error" in resp:
            fig.errors.append(f"initialize: {resp['error']}")
            return fig
        proc.notify("initialized", {})
        if name == "pylsp":
            # pylsp "with pyflakes": the linter the issue compares against, nothing else
            plugins = {
                p: {"enabled": False}
                for p in (
                    "pycodestyle",
                    "mccabe",
                    "pydocstyle",
                    "autopep8",
                    "yapf",
                    "pylint",
                    "flake8",
                    "rope_autoimport",
                )
            }
            plugins["pyflakes"] = {"enabled": True}
            proc.notify(
                "workspace/didChangeConfiguration", {"settings": {"pylsp": {"plugins": plugins}}}
            )

        def fresh(version: int, token: str) -> Any:
            def pred(msg: dict[str, Any]) -> bool:
                if msg.get("method") != "textDocument/publishDiagnostics":
                    return False
                p = msg["params"]
                if p.get("uri") != uri:
                    return False
                if p.get("version") is not None:
                    return bool(p["version"] == version)
                return any(token in d.get("message", "") for d in p.get("diagnostics", []))

            return pred

        t0 = time.perf_counter()
        proc.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        _, first = proc.wait_notification(fresh(1, "probe_0"), timeout=120)
        fig.open_ms = (time.perf_counter() - t0) * 1000
        last_diags: list[dict[str, Any]] = first["params"]["diagnostics"]

        samples: list[float] = []
        old = f"{indent}import probe_0"
        for i in range(1, n_edits + 1):
            new = f"{indent}import probe_{i}"
            proc.drain()
            t0 = time.perf_counter()
            proc.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": i + 1},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": line_no, "character": 0},
                                "end": {"line": line_no, "character": len(old)},
                            },
                            "text": new,
                        }
                    ],
                },
            )
            t_msg, msg = proc.wait_notification(fresh(i + 1, f"probe_{i}"), timeout=120)
            samples.append((t_msg - t0) * 1000)
            last_diags = msg["params"]["diagnostics"]
            old = new
        fig.edits = len(samples)
        fig.edit_median_ms = statistics.median(samples)
        fig.edit_p95_ms = percentile(samples, 0.95)

        target = next((d for d in last_diags if d.get("source", "") != "hone" or True), None)
        if target is not None:
            ca_samples = []
            for _ in range(10):
                t0 = time.perf_counter()
                r = proc.request(
                    "textDocument/codeAction",
                    {
                        "textDocument": {"uri": uri},
                        "range": target["range"],
                        "context": {"diagnostics": [target], "triggerKind": 1},
                    },
                )
                ca_samples.append((time.perf_counter() - t0) * 1000)
                if "error" in r:
                    fig.errors.append(f"codeAction: {r['error'].get('message')}")
                    break
            fig.code_action_ms = statistics.median(ca_samples)
        fig.peak_rss_mb = proc.peak_rss_kb() / 1024
    except Exception as exc:
        fig.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        proc.close()
    return fig


INIT_SPAWNS = 15


def initialize_medians(names: list[str], workdir: Path) -> dict[str, float]:
    """Median spawn -> initialize response over fresh processes, per server.

    Start-up is noisy and the machine's load drifts, so the servers take turns (one spawn each
    per round) rather than running their spawns back to back: drift then hits all alike.
    """
    times: dict[str, list[float]] = {name: [] for name in names if server_argv(name)}
    for _ in range(INIT_SPAWNS):
        for name, samples in times.items():
            argv = server_argv(name)
            assert argv is not None
            proc = LspProcess(argv, cwd=str(workdir))
            try:
                proc.request(
                    "initialize",
                    {"processId": None, "rootUri": workdir.as_uri(), "capabilities": CAPS},
                )
                samples.append((time.perf_counter() - proc.t_spawn) * 1000)
                proc.notify("initialized", {})
            finally:
                proc.close()
    return {name: statistics.median(samples) for name, samples in times.items()}


def compile_hone_bytecode() -> None:
    """Write hone's .pyc files, as ``pip install`` does: an editable checkout (or one run with
    PYTHONDONTWRITEBYTECODE) would otherwise compile edited modules at every start-up, and the
    peers' bytecode was compiled when they were installed."""
    hone = importlib.util.find_spec("hone")
    if hone is not None and hone.submodule_search_locations:
        for location in hone.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--only", default="hone,pylsp,ruff,bare,floor")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--baseline", action="append", default=[], metavar="REV")
    args = ap.parse_args()
    servers = args.only.split(",")
    results: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp:
        servers += [add_baseline(rev, Path(tmp)) for rev in args.baseline]
        compile_hone_bytecode()
        width = max(map(len, servers))
        print(f"initialize (median of {INIT_SPAWNS} fresh processes each, taking turns):")
        init = initialize_medians(servers, Path(tmp))
        for name, ms in init.items():
            versus = f"   hone/{name} {ratio(init['hone'], ms)}" if "hone" in init else ""
            print(f"  {name:{width}} {ms:6.0f} ms" + ("" if name == "hone" else versus))
        for label, text in files().items():
            print(f"\n== {label}: {text.count(chr(10)) + 1} lines")
            for name in servers:
                n = (
                    args.edits
                    if name != "pylsp" or len(text) < 200_000
                    else max(10, args.edits // 3)
                )
                fig = bench_one(name, label, text, n, Path(tmp))
                results.append(fig)
                print(
                    f"  {name:{width}} init {fig.initialize_ms:7.0f} ms | open {fig.open_ms:7.0f} ms | "
                    f"edit median {fig.edit_median_ms:7.1f} ms p95 {fig.edit_p95_ms:7.1f} ms "
                    f"({fig.edits} edits) | codeAction {fig.code_action_ms:6.1f} ms | "
                    f"peak RSS {fig.peak_rss_mb:6.1f} MB"
                    + (f" | ERR {fig.errors}" if fig.errors else "")
                )
            hone = (
                next(f for f in results if f.server == "hone" and f.file == label)
                if "hone" in servers
                else None
            )
            if hone:
                for peer in (f for f in results if f.file == label and f.server != "hone"):
                    print(
                        f"  hone/{peer.server}: open {ratio(hone.open_ms, peer.open_ms)}, "
                        f"edit median {ratio(hone.edit_median_ms, peer.edit_median_ms)}, "
                        f"p95 {ratio(hone.edit_p95_ms, peer.edit_p95_ms)}, "
                        f"codeAction {ratio(hone.code_action_ms, peer.code_action_ms)}, "
                        f"RSS {ratio(hone.peak_rss_mb, peer.peak_rss_mb)}"
                    )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
