"""LLM analysis benchmark: what an editing session costs, and that rules never wait for the LLM.

Part 1 (tokens): replays an editing session on a ~2,000-line module -- 50 saves, edits spread
over a few functions, lines inserted above functions now and then, some undos, and an editor
restart halfway -- through hone's real LLM analyser and ``openai`` client against the scripted
OpenAI-compatible server (tests/llm/fake_openai.py).  Reports requests and prompt tokens sent,
the cache hit rate, and tokens compared with a naive "whole file on every save" strategy
(target: <= 10 %).  Tokens are estimated as characters / 4 for both strategies alike.

Part 2 (latency): ``hone serve`` over stdio; each edit is followed by a save.  Median
edit -> fresh publishDiagnostics with LLM analysis off, and with an endpoint that hangs for the
whole run (requests time out after 30 s; a first save puts requests in flight before the edits
start).  Target: the hanging case within 10 % of the other.  Two pacings: "rapid" (the next
edit as soon as the diagnostics arrive) and "paced" (0.8 s between edits, so every save's LLM
work -- parsing, prompts, new requests that hang too -- runs between edits).  Both servers run
at once and the edits alternate between them, so machine noise hits both conditions alike.

Usage: python bench/bench_llm.py [--saves 50] [--edits 80] [--json OUT]
       [--only tokens|latency]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))

from tests.llm.fake_openai import FakeOpenAI, RecordedRequest, Reply, finding  # noqa: E402

from hone.core.functions import index_functions  # noqa: E402
from hone.core.text import split_lines  # noqa: E402
from hone.llm.analyzer import LLMAnalyzer  # noqa: E402
from hone.llm.cache import LLMCache  # noqa: E402
from hone.llm.prompt import SYSTEM_PROMPT  # noqa: E402
from hone.llm.provider import LLMConfig, Provider, estimate_tokens  # noqa: E402

# -- the module ---------------------------------------------------------------------------------

FUNCTION_TEMPLATES = [
    '''\
def {name}(records, threshold={k}):
    """Filter and summarise records (variant {k})."""
    seen = []
    totals = {{}}
    for record in records:
        key = record.get("id")
        if key in seen:
            continue
        seen.append(key)
        value = record.get("value", 0) * {k}
        if value < threshold:
            continue
        bucket = totals.setdefault(record.get("kind", "other"), [])
        bucket.append(value)
    result = []
    for kind, values in sorted(totals.items()):
        result.append((kind, sum(values) / len(values)))
    return result
''',
    '''\
def {name}(lines, sep=","):
    """Parse CSV-ish lines into rows (variant {k})."""
    rows = []
    header = None
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(sep)]
        if header is None:
            header = parts
            continue
        row = {{}}
        for i, name in enumerate(header):
            row[name] = parts[i] if i < len(parts) else None
        rows.append(row)
    out = ""
    for row in rows:
        out += str(row) + "\\n"
    return rows, out[: {k} * 10]
''',
    '''\
class Store_{name}:
    """A tiny in-memory store (variant {k})."""

    def __init__(self, items=None):
        self.items = list(items or [])
        self.index = {{}}

    def add(self, item):
        if item not in self.items:
            self.items.append(item)
        self.index[item] = len(self.items) - 1

    def find(self, wanted):
        found = []
        for w in wanted:
            for i, item in enumerate(self.items):
                if item == w:
                    found.append(i)
        return found[: {k}]
''',
]


def make_module(n_blocks: int = 95, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts = ['"""Benchmark module for hone\'s LLM analysis."""\n', "import os\nimport re\n\n"]
    parts.append("LIMIT = 100\n\n\n")
    for i in range(n_blocks):
        template = FUNCTION_TEMPLATES[i % len(FUNCTION_TEMPLATES)]
        parts.append(template.format(name=f"process_{i}", k=rng.randint(2, 9) + i))
        parts.append("\n\n")
    return "".join(parts)


def replace_in_function(text: str, qualname: str, old: str, new: str) -> str:
    functions = index_functions(ast.parse(text), split_lines(text))
    fn = next(f for f in functions if f.qualname == qualname)
    assert old in fn.text, (qualname, old)
    start = sum(len(line) for line in split_lines(text)[: fn.start_line])
    end = start + len(fn.text)
    return text[:start] + fn.text.replace(old, new, 1) + text[end:]


# -- part 1: tokens -----------------------------------------------------------------------------


def responder(request: RecordedRequest) -> Reply:
    """Some functions get a finding with a rewrite, as a real model would (some of the time)."""
    return Reply.findings(
        [
            finding(function=name, start_line=2, message="nested loop: O(n*m) lookup")
            for name in request.qualnames
            if name.endswith("find") or name.endswith("_3")
        ]
    )


async def token_session(saves: int, workdir: Path) -> dict[str, Any]:
    text = make_module()
    n_lines = text.count("\n")
    hot = ["process_4", "process_10", "process_22", "Store_process_5.find", "process_61"]
    with FakeOpenAI() as server:
        server.respond_with(responder)
        config = LLMConfig(base_url=server.base_url, model="bench-model", timeout_seconds=10)
        cache_path = workdir / "llm-cache.sqlite3"

        def new_analyzer() -> LLMAnalyzer:
            return LLMAnalyzer(
                LLMCache(cache_path), provider_factory=lambda c: Provider(c, environ={})
            )

        analyzer = new_analyzer()
        uri = (workdir / "module.py").as_uri()
        totals = {"cache_hits": 0, "sent": 0, "unchanged": 0, "functions": 0}
        history: list[tuple[str, str, str]] = []  # (qualname, old, new) for undo
        counter = 0
        for save in range(1, saves + 1):
            if save == saves // 2:  # editor restart: new process, same on-disk cache
                await analyzer.aclose()
                analyzer = new_analyzer()
            if save % 10 == 0:
                text = f"# note {save}\n" + text  # lines above every function move them
            elif save % 7 == 0 and history:
                qualname, old, new = history.pop()
                text = replace_in_function(text, qualname, new, old)  # undo
            else:
                for qualname in hot[save % len(hot) : save % len(hot) + 1 + save % 2]:
                    counter += 1
                    old = _edit_anchor(text, qualname)
                    new = f"{old}  # edit {counter}"
                    text = replace_in_function(text, qualname, old, new)
                    history.append((qualname, old, new))
            report = await analyzer.analyse(uri, save, text, config)
            totals["cache_hits"] += report.cache_hits
            totals["sent"] += report.sent
            totals["unchanged"] += report.unchanged
            totals["functions"] += report.functions
        await analyzer.aclose()
        requests = list(server.requests)

    sent_tokens = sum(estimate_tokens(r.text) for r in requests)
    naive_per_save = estimate_tokens(SYSTEM_PROMPT + "\n" + text)
    naive_tokens = naive_per_save * saves
    lookups = totals["cache_hits"] + totals["sent"]
    return {
        "module_lines": n_lines,
        "functions": totals["functions"] // saves,
        "saves": saves,
        "requests_sent": len(requests),
        "prompt_tokens_sent": sent_tokens,
        "naive_requests": saves,
        "naive_prompt_tokens": naive_tokens,
        "tokens_vs_naive_pct": round(100 * sent_tokens / naive_tokens, 2),
        "cache_lookups": lookups,
        "cache_hits": totals["cache_hits"],
        "cache_hit_rate_pct": round(100 * totals["cache_hits"] / lookups, 1) if lookups else 0.0,
        "skipped_unchanged_in_memory": totals["unchanged"],
    }


def _edit_anchor(text: str, qualname: str) -> str:
    """A line of the function that can take a trailing comment (its last line)."""
    functions = index_functions(ast.parse(text), split_lines(text))
    fn = next(f for f in functions if f.qualname == qualname)
    return fn.text.rstrip("\n").splitlines()[-1]


# -- part 2: latency ----------------------------------------------------------------------------

CAPS: dict[str, Any] = {
    "textDocument": {
        "publishDiagnostics": {"versionSupport": True},
        "synchronization": {"didSave": True},
    },
    "window": {"workDoneProgress": False},
}


class EditSession:
    """One ``hone serve`` with the benchmark module open, edited one docstring at a time."""

    def __init__(self, label: str, server: FakeOpenAI | None, workdir: Path) -> None:
        from lsp_client import LspProcess

        run_dir = workdir / label
        run_dir.mkdir(parents=True, exist_ok=True)
        llm = (
            f'[llm]\nbaseUrl = "{server.base_url}"\nmodel = "bench"\ntimeoutSeconds = 30\n'
            if server is not None
            else '[llm]\ntrigger = "onSave"\n'  # no baseUrl: LLM off
        )
        # the endpoint is a user setting (a project's pyproject.toml may not choose it)
        config_home = run_dir / "xdg-config"
        (config_home / "hone").mkdir(parents=True, exist_ok=True)
        (config_home / "hone" / "settings.toml").write_text(llm)
        self.text = make_module()
        path = run_dir / "module.py"
        path.write_text(self.text)
        self.uri = path.as_uri()
        env = dict(
            os.environ, HONE_CACHE_DIR=str(run_dir / "cache"), XDG_CONFIG_HOME=str(config_home)
        )
        self.proc = LspProcess([sys.executable, "-m", "hone", "serve"], cwd=str(run_dir), env=env)
        self.proc.request(
            "initialize",
            {
                "processId": None,
                "rootUri": run_dir.as_uri(),
                "workspaceFolders": [{"uri": run_dir.as_uri(), "name": "bench"}],
                "capabilities": CAPS,
            },
        )
        self.proc.notify("initialized", {})
        self.proc.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": self.uri,
                    "languageId": "python",
                    "version": 1,
                    "text": self.text,
                }
            },
        )
        self.version = 1
        self.proc.wait_notification(self.fresh(1), timeout=120)
        if server is not None:
            # A first save: its LLM requests hang for the whole run (timeout 30 s).
            before = len(server.requests)
            self.proc.notify("textDocument/didSave", {"textDocument": {"uri": self.uri}})
            if not server.wait_for_requests(before + 1, timeout=60):
                raise RuntimeError("the LLM requests never reached the endpoint")
            # Let that save's one-off work (157 prompts built and redacted) finish: what is
            # measured is editing while requests hang, not the cost of a first analysis.
            time.sleep(2.0)
        functions = index_functions(ast.parse(self.text), split_lines(self.text))
        self.targets = [f for f in functions if f.name.startswith("process_")][5:45]

    def fresh(self, version: int) -> Any:
        def pred(msg: dict[str, Any]) -> bool:
            p = msg.get("params") or {}
            return bool(
                msg.get("method") == "textDocument/publishDiagnostics"
                and p.get("uri") == self.uri
                and p.get("version") == version
            )

        return pred

    def edit_and_save(self, i: int) -> float:
        """Replace a docstring, save; milliseconds until that version's diagnostics arrive."""
        fn = self.targets[i % len(self.targets)]
        line = fn.body_start_line + 1  # the docstring line (function text keeps its length)
        lines = split_lines(self.text)
        old = lines[line].rstrip("\r\n")
        new = f'    """Edited {i}."""'
        lines[line] = new + "\n"
        self.text = "".join(lines)
        self.version += 1
        self.proc.drain()
        t0 = time.perf_counter()
        self.proc.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": 0},
                            "end": {"line": line, "character": len(old)},
                        },
                        "text": new,
                    }
                ],
            },
        )
        self.proc.notify("textDocument/didSave", {"textDocument": {"uri": self.uri}})
        t_msg, _ = self.proc.wait_notification(self.fresh(self.version), timeout=120)
        return (t_msg - t0) * 1000

    def close(self) -> None:
        self.proc.close()


def latency(n_edits: int, workdir: Path, pace: float) -> dict[str, Any]:
    """Both servers live at once; edits alternate between them, so noise hits both alike."""
    off: list[float] = []
    hang: list[float] = []
    with FakeOpenAI(default=Reply.hanging()) as server:
        a = EditSession(f"off-{pace}", None, workdir)
        b = EditSession(f"hang-{pace}", server, workdir)
        try:
            for i in range(1, n_edits + 1):
                first, second = (a, b) if i % 2 else (b, a)  # alternate who goes first
                for session in (first, second):
                    ms = session.edit_and_save(i)
                    (off if session is a else hang).append(ms)
                    if pace:
                        time.sleep(pace)  # the user pauses: pending LLM work runs now
        finally:
            a.close()
            b.close()
        hung_requests = len(server.requests)
    m_off, m_hang = statistics.median(off), statistics.median(hang)
    return {
        "pace_s": pace,
        "edits_per_condition": len(off),
        "median_ms_llm_off": round(m_off, 1),
        "median_ms_llm_hanging": round(m_hang, 1),
        "hanging_vs_off_pct": round(100 * (m_hang - m_off) / m_off, 1),
        "p95_ms_llm_off": round(sorted(off)[int(0.95 * (len(off) - 1))], 1),
        "p95_ms_llm_hanging": round(sorted(hang)[int(0.95 * (len(hang) - 1))], 1),
        "llm_requests_left_hanging": hung_requests,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--edits", type=int, default=80)
    parser.add_argument("--only", choices=("tokens", "latency"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hone-bench-llm-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "tokens"):
            out["tokens"] = asyncio.run(token_session(args.saves, workdir))
            t = out["tokens"]
            print(
                f"tokens: {t['module_lines']}-line module, {t['functions']} functions, "
                f"{t['saves']} saves\n"
                f"  requests sent      {t['requests_sent']} (naive: {t['naive_requests']})\n"
                f"  prompt tokens sent {t['prompt_tokens_sent']:,} "
                f"(naive: {t['naive_prompt_tokens']:,}) = {t['tokens_vs_naive_pct']} % of naive\n"
                f"  cache              {t['cache_hits']} hits / {t['cache_lookups']} lookups "
                f"= {t['cache_hit_rate_pct']} %; {t['skipped_unchanged_in_memory']} function "
                f"analyses skipped as unchanged"
            )
        if args.only in (None, "latency"):
            out["latency"] = []
            for name, pace in (("rapid", 0.0), ("paced", 0.8)):
                lat = latency(args.edits, workdir, pace)
                out["latency"].append(lat)
                print(
                    f"latency ({name}): edit->diagnostics median over "
                    f"{lat['edits_per_condition']} edits (each followed by a save)\n"
                    f"  LLM off            {lat['median_ms_llm_off']} ms "
                    f"(p95 {lat['p95_ms_llm_off']} ms)\n"
                    f"  LLM hanging (30 s) {lat['median_ms_llm_hanging']} ms "
                    f"(p95 {lat['p95_ms_llm_hanging']} ms) = {lat['hanging_vs_off_pct']:+} %; "
                    f"{lat['llm_requests_left_hanging']} LLM requests were left hanging"
                )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
