"""LLM quality benchmark: does the model find the slow line, and do its rewrites survive verification?

Runs the project's corpus (bench/llm_corpus: realistic untyped one-function modules, each with a
known slow spot, a known correct faster rewrite and inputs) against any OpenAI-compatible
endpoint, in up to three modes with the same model:

* ``today``  -- the prompt hone sent before issue 17 (bench/llm_corpus/legacy_prompt.py, frozen),
  one request per function, the endpoint's default sampling;
* ``naive``  -- the plain question "what makes this function slow? rewrite it faster", free-text
  answer, the first fenced function taken as the rewrite;
* ``hone``   -- hone's current flow (hone.llm.ask): a finding pass, then best-of-N rewrite
  candidates per performance finding, each repaired at most once.

Every rewrite goes through hone's verifier (``VerificationService.verify``) with the case's
visible inputs, as a recorded run would give them.  A rewrite is *offered* when the verdict is
"verified" and measurably faster (issue 14's offer policy); in ``hone`` mode only the fastest
verified candidate of a finding is offered.  Offered rewrites are then judged with the held-out
inputs too (iterators, ties, empty inputs, float order, duplicates): "wrong offered" counts those
the held-out inputs reject.

A finding is *on target* when its line range (±1 line) touches a line where the time goes.  For
the naive mode, which answers in prose, the answer is on target when its prose (outside code
blocks) quotes a hot line's code (whitespace ignored, a leading if/for/while/return dropped) or
names its line number -- a lenient reading, so the baseline is not undersold.

Usage:
  python bench/bench_llm_quality.py --base-url http://127.0.0.1:8812/v1 --model qwen \\
      [--modes today,naive,hone] [--cases a,b | --limit N] [--candidates 4] [--json OUT]
  python bench/bench_llm_quality.py --merge before.json after.json   # one table
  python bench/bench_llm_quality.py --check-corpus                    # no model needed
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import pickle
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "server"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from bench.llm_corpus import legacy_prompt  # noqa: E402
from bench.llm_corpus.cases import CASES, ONESHOT_FILE, Case, case_inputs, hot_lines  # noqa: E402

from hone.core.functions import FunctionInfo, index_functions  # noqa: E402
from hone.core.text import apply_edits, split_lines  # noqa: E402
from hone.llm.cache import LLMCache  # noqa: E402
from hone.llm.provider import LLMConfig, Provider, ProviderError, Sampling  # noqa: E402
from hone.llm.rewrite import RewriteRejected, validate_rewrite  # noqa: E402
from hone.verify.service import VerificationService  # noqa: E402
from hone.verify.verifier import Verdict, VerifyRequest  # noqa: E402

MODES = ("today", "naive", "hone")
NAIVE_SYSTEM = "You are a helpful Python expert."
NAIVE_QUESTION = "What makes this function slow? Rewrite it faster."
NAIVE_MAX_TOKENS = 1200  # the same cap as hone's requests (llm.maxOutputTokens)


# -- per case plumbing ---------------------------------------------------------------------------


@dataclass
class Prepared:
    case: Case
    path: Path
    fn: FunctionInfo
    visible: Path  # recorded-run pickle the verifier gets
    everything: Path  # visible + held-out inputs, for judging offered rewrites
    hot: set[int]  # 1-based module lines


def _recorded_file(
    path: Path, qualname: str, inputs: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    entries = [
        {"qualname": qualname, "module": "__main__", "payload": pickle.dumps((a, k))}
        for a, k in inputs
    ]
    path.write_bytes(pickle.dumps({"version": 1, "entries": entries}))


def prepare(case: Case, workdir: Path) -> Prepared:
    folder = workdir / case.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case.name}.py"
    path.write_text(case.source, encoding="utf-8")
    shutil.copyfile(ONESHOT_FILE, folder / ONESHOT_FILE.name)  # unpickles held-out iterators
    functions = index_functions(ast.parse(case.source), split_lines(case.source))
    fn = next(f for f in functions if f.qualname == case.qualname)
    visible = case_inputs(case, case.inputs)
    hidden = case_inputs(case, case.hidden)
    _recorded_file(folder / "visible.pkl", case.qualname, visible)
    _recorded_file(folder / "all.pkl", case.qualname, visible + hidden)
    return Prepared(case, path, fn, folder / "visible.pkl", folder / "all.pkl", hot_lines(case))


def on_target(prep: Prepared, start: int | None, end: int | None) -> bool:
    """``start``/``end``: 1-based lines within the function as sent (1 = its first line)."""
    if start is None:
        return False
    end = end if end is not None and end >= start else start
    first = prep.fn.start_line + start  # 0-based function start + 1-based offset = 1-based line
    last = prep.fn.start_line + end
    return any(first - 1 <= h <= last + 1 for h in prep.hot)


_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*[ \t]*\n(.*?)```", re.DOTALL)
_LEAD = re.compile(r"^(if|for|while|return|elif)\s*")


def prose_on_target(prep: Prepared, answer: str) -> bool:
    prose = _FENCE.sub(" ", answer)
    flat = re.sub(r"\s+", "", prose)
    lines = prep.case.source.splitlines()
    for h in prep.hot:
        code = lines[h - 1].strip()
        for form in (code, _LEAD.sub("", code)):
            squeezed = re.sub(r"\s+", "", form).rstrip(":")
            if len(squeezed) >= 6 and squeezed in flat:
                return True
        rel = h - prep.fn.start_line
        if re.search(rf"\blines?\s+({rel}|{h})\b", prose, re.IGNORECASE):
            return True
    return False


def first_function_block(answer: str, name: str) -> str | None:
    for block in _FENCE.findall(answer):
        if re.search(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(", block, re.MULTILINE):
            return str(block)
    return None


# -- verification ------------------------------------------------------------------------------


@dataclass
class Judged:
    verdict: str  # verified / rejected / unverifiable / unparseable
    offered: bool = False
    wrong: bool | None = None  # judged with the held-out inputs (offered rewrites only)
    speedup: float | None = None
    reason: str = ""


class Judge:
    def __init__(self, workdir: Path) -> None:
        self.service = VerificationService(LLMCache(workdir / "verify.sqlite3"), max_concurrency=1)
        self.verifications = 0
        self.seconds = 0.0

    def splice(self, prep: Prepared, code: str) -> tuple[str | None, str]:
        try:
            rewrite = validate_rewrite(
                uri=prep.path.as_uri(),
                version=None,
                document_text=prep.case.source,
                function=prep.fn,
                rewrite=code,
                mapping={},
            )
        except RewriteRejected as exc:
            return None, str(exc)
        if rewrite is None:
            return None, "the rewrite changes nothing"
        return apply_edits(prep.case.source, [rewrite.edit()]), ""

    async def verify(self, prep: Prepared, spliced: str, recorded: Path) -> Verdict:
        started = time.perf_counter()
        self.verifications += 1
        try:
            return await self.service.verify(
                VerifyRequest(
                    path=str(prep.path),
                    original_source=prep.case.source,
                    rewrite_source=spliced,
                    qualname=prep.case.qualname,
                    recorded=(str(recorded),),
                    cwd=str(prep.path.parent),
                )
            )
        finally:
            self.seconds += time.perf_counter() - started

    async def judge(self, prep: Prepared, spliced: str) -> tuple[Judged, Verdict]:
        v = await self.verify(prep, spliced, prep.visible)
        offered = v.status == "verified" and bool(v.faster) and not v.slower
        j = Judged(v.status, offered, None, v.speedup, v.reason)
        if offered:
            truth = await self.verify(prep, spliced, prep.everything)
            j.wrong = {"rejected": True, "verified": False}.get(truth.status)
            if truth.status == "unverifiable":
                j.reason = f"held-out inputs: {truth.reason}"
        return j, v


# -- results -----------------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: str
    mode: str
    findings: int = 0
    on_target: bool = False
    proposed: int = 0
    parseable: int = 0
    verified: int = 0
    offered: int = 0
    wrong_offered: int = 0
    unjudged_offered: int = 0
    correct_offered: bool = False  # at least one offered rewrite that the held-out inputs accept
    best_speedup: float | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def count(self, j: Judged) -> None:
        if j.verdict == "unparseable":
            return
        self.parseable += 1
        self.verified += j.verdict == "verified"
        if j.offered:
            self.offered += 1
            if j.wrong:
                self.wrong_offered += 1
            elif j.wrong is None:
                self.unjudged_offered += 1
            else:
                self.correct_offered = True
                if j.speedup and (self.best_speedup is None or j.speedup > self.best_speedup):
                    self.best_speedup = j.speedup


def _usage(provider: Provider, before: tuple[int, int, int], r: CaseResult) -> None:
    s = provider.stats
    r.requests = s.requests - before[0]
    r.prompt_tokens = s.prompt_tokens - before[1]
    r.completion_tokens = s.completion_tokens - before[2]


def _snapshot(provider: Provider) -> tuple[int, int, int]:
    s = provider.stats
    return (s.requests, s.prompt_tokens, s.completion_tokens)


async def _judge_code(judge: Judge, prep: Prepared, code: str, r: CaseResult) -> Judged:
    r.proposed += 1
    spliced, why = judge.splice(prep, code)
    if spliced is None:
        r.notes.append(f"dropped: {why}")
        return Judged("unparseable", reason=why)
    j, _ = await judge.judge(prep, spliced)
    r.count(j)
    if j.verdict != "verified" or not j.offered:
        r.notes.append(f"{j.verdict}: {j.reason[:120]}")
    return j


# -- the three modes ---------------------------------------------------------------------------


async def run_today(prep: Prepared, provider: Provider, judge: Judge) -> CaseResult:
    r = CaseResult(prep.case.name, "today")
    ctx = legacy_prompt.build_module_context(ast.parse(prep.case.source))
    prompt = legacy_prompt.build_prompt(prep.fn, ctx)
    completion = await provider.complete(prompt.system, prompt.user)
    items = completion.reply.findings
    r.findings = len(items)
    r.on_target = any(on_target(prep, f.start_line, f.end_line) for f in items)
    for f in items:
        if f.rewrite:
            await _judge_code(judge, prep, f.rewrite, r)
    return r


async def run_naive(prep: Prepared, provider: Provider, judge: Judge) -> CaseResult:
    r = CaseResult(prep.case.name, "naive")
    user = f"{NAIVE_QUESTION}\n\n```python\n{prep.case.source}```"
    answer = (
        await provider.complete_text(
            NAIVE_SYSTEM, user, sampling=Sampling(max_tokens=NAIVE_MAX_TOKENS)
        )
    ).contents[0]
    r.on_target = prose_on_target(prep, answer)
    r.findings = int(r.on_target)
    code = first_function_block(answer, prep.fn.name)
    if code is not None:
        from hone.llm.ask import isolate_function

        # the same clean-up hone's flow gets (imports moved in, example calls dropped)
        await _judge_code(judge, prep, isolate_function(code, prep.fn.name), r)
    return r


async def run_hone(
    prep: Prepared, provider: Provider, judge: Judge, candidates: int, rules: bool
) -> CaseResult:
    from hone.llm.ask import AskSettings, ask_function, repair_candidate, rule_hints
    from hone.llm.prompt import build_module_context

    r = CaseResult(prep.case.name, "hone")
    ctx = build_module_context(ast.parse(prep.case.source))
    from hone.analysis.engine import analyse_text

    found_by_rules = analyse_text(prep.case.source).findings if rules else ()
    hints = rule_hints(found_by_rules, [prep.fn])
    settings = AskSettings(candidates=candidates)
    answer = await ask_function(
        provider,
        uri=prep.path.as_uri(),
        text=prep.case.source,
        fn=prep.fn,
        ctx=ctx,
        settings=settings,
        hints=hints.get(prep.fn.qualname, ()),
    )
    r.findings = len(answer.findings)
    r.on_target = any(on_target(prep, f.item.start_line, f.item.end_line) for f in answer.findings)
    for found in answer.findings:
        r.proposed += found.dropped_count
        r.notes += [f"dropped: {why}" for why in found.dropped]
        best: Judged | None = None
        for cand in found.candidates:
            r.proposed += 1
            spliced, why = judge.splice(prep, cand.code)
            if spliced is None:  # ask_function validated it: should not happen
                r.notes.append(f"dropped late: {why}")
                continue
            j, verdict = await judge.judge(prep, spliced)
            hint = verdict.repair_hint() if hasattr(verdict, "repair_hint") else ""
            if verdict.status == "rejected" and not cand.repaired and settings.repair:
                fixed = await repair_candidate(
                    provider,
                    prep.path.as_uri(),
                    prep.case.source,
                    prep.fn,
                    ctx,
                    found,
                    cand,
                    hint or "the rewrite behaved differently from the original on a test input",
                    settings,
                )
                if fixed is not None:
                    r.notes.append("repaired after verification")
                    spliced2, _ = judge.splice(prep, fixed.code)
                    if spliced2 is not None:
                        j, verdict = await judge.judge(prep, spliced2)
            r.parseable += 1
            r.verified += j.verdict == "verified"
            if j.verdict != "verified" or not j.offered:
                r.notes.append(f"{j.verdict}: {j.reason[:120]}")
            if j.offered and (best is None or (j.speedup or 0) > (best.speedup or 0)):
                best = j
        if best is not None:  # only the fastest verified candidate is offered
            r.offered += 1
            if best.wrong:
                r.wrong_offered += 1
            elif best.wrong is None:
                r.unjudged_offered += 1
            else:
                r.correct_offered = True
                if best.speedup and (r.best_speedup is None or best.speedup > r.best_speedup):
                    r.best_speedup = best.speedup
    return r


# -- driver ------------------------------------------------------------------------------------


@dataclass
class RunConfig:
    base_url: str
    model: str
    api_key_env: str = "OPENAI_API_KEY"
    modes: tuple[str, ...] = MODES
    candidates: int = 4
    timeout: float = 300.0
    rules: bool = True


async def run_bench(
    cfg: RunConfig,
    cases: Sequence[Case],
    workdir: Path,
    log: Any = None,
    checkpoint: Path | None = None,
) -> list[CaseResult]:
    """Every mode on one case before the next case: a run stopped early still compares the
    modes on the same cases (``checkpoint`` is rewritten after every case)."""
    judge = Judge(workdir)
    providers = {
        m: Provider(
            LLMConfig(cfg.base_url, cfg.model, cfg.api_key_env, cfg.timeout, max_concurrency=1),
            max_retries=1,
        )
        for m in cfg.modes
    }
    results: list[CaseResult] = []
    try:
        for case in cases:
            prep = prepare(case, workdir)
            for mode in cfg.modes:
                provider = providers[mode]
                before = _snapshot(provider)
                started = time.perf_counter()
                try:
                    if mode == "today":
                        r = await run_today(prep, provider, judge)
                    elif mode == "naive":
                        r = await run_naive(prep, provider, judge)
                    else:
                        r = await run_hone(prep, provider, judge, cfg.candidates, cfg.rules)
                except ProviderError as exc:
                    r = CaseResult(case.name, mode, error=exc.message)
                r.seconds = time.perf_counter() - started
                _usage(provider, before, r)
                results.append(r)
                if checkpoint is not None:
                    write_json(checkpoint, cfg.model, results)
                if log is not None:
                    log(
                        f"{case.name:26} {mode:6} findings={r.findings} target={int(r.on_target)} "
                        f"rewrites={r.proposed}/{r.parseable}/{r.verified}/{r.offered} "
                        f"wrong={r.wrong_offered} {r.seconds:.0f}s {r.error}"
                    )
    finally:
        for p in providers.values():
            await p.aclose()
        judge.service.cache.close()
    return results


def write_json(path: Path, model: str, results: Sequence[CaseResult]) -> None:
    data = {"model": model, "summary": summarize(results), "results": [asdict(r) for r in results]}
    path.write_text(json.dumps(data, indent=1))


def summarize(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for mode in dict.fromkeys(r.mode for r in results):
        rs = [r for r in results if r.mode == mode]
        speedups = sorted(r.best_speedup for r in rs if r.best_speedup)
        out[mode] = {
            "cases": len(rs),
            "findings": sum(r.findings for r in rs),
            "on_target": sum(r.on_target for r in rs),
            "proposed": sum(r.proposed for r in rs),
            "parseable": sum(r.parseable for r in rs),
            "verified": sum(r.verified for r in rs),
            "offered": sum(r.offered for r in rs),
            "correct_offered_cases": sum(r.correct_offered for r in rs),
            "wrong_offered": sum(r.wrong_offered for r in rs),
            "unjudged_offered": sum(r.unjudged_offered for r in rs),
            "errors": sum(bool(r.error) for r in rs),
            "requests": sum(r.requests for r in rs),
            "prompt_tokens": sum(r.prompt_tokens for r in rs),
            "completion_tokens": sum(r.completion_tokens for r in rs),
            "seconds": round(sum(r.seconds for r in rs), 1),
            "median_speedup": speedups[len(speedups) // 2] if speedups else None,
        }
    return out


def print_table(summary: dict[str, dict[str, Any]], model: str) -> None:
    cols = [
        ("on target", "on_target"),
        ("findings", "findings"),
        ("proposed", "proposed"),
        ("parseable", "parseable"),
        ("verified", "verified"),
        ("offered", "offered"),
        ("correct offered (cases)", "correct_offered_cases"),
        ("WRONG offered", "wrong_offered"),
        ("offered, unjudged", "unjudged_offered"),
        ("errors", "errors"),
        ("requests", "requests"),
        ("prompt tokens", "prompt_tokens"),
        ("completion tokens", "completion_tokens"),
        ("model+verify seconds", "seconds"),
        ("median speedup offered", "median_speedup"),
    ]
    modes = list(summary)
    counts = ", ".join(f"{m}={summary[m]['cases']}" for m in modes)
    print(f"\nmodel: {model}; cases: {counts}")
    print(f"{'':26}" + "".join(f"{m:>12}" for m in modes))
    for label, key in cols:
        cells = []
        for m in modes:
            v = summary[m][key]
            cells.append(f"{(f'{v:.1f}' if isinstance(v, float) else str(v)):>12}")
        print(f"{label:26}" + "".join(cells))


# -- corpus self-check -------------------------------------------------------------------------


async def check_corpus(cases: Sequence[Case], workdir: Path) -> list[str]:
    """Each correct rewrite verifies, is faster and passes the held-out inputs; each wrong one is
    rejected by them.  Returns the problems found (empty: the corpus is sound)."""
    judge = Judge(workdir)
    problems: list[str] = []
    try:
        for case in cases:
            prep = prepare(case, workdir)
            spliced, why = judge.splice(prep, case.correct)
            if spliced is None:
                problems.append(f"{case.name}: correct rewrite unusable: {why}")
                continue
            j, v = await judge.judge(prep, spliced)
            if not j.offered or j.wrong is not False:
                problems.append(
                    f"{case.name}: correct rewrite not offered as correct "
                    f"({v.status}, faster={v.faster}, wrong={j.wrong}: {j.reason[:160]})"
                )
            if case.wrong:
                spliced, why = judge.splice(prep, case.wrong)
                if spliced is not None:
                    truth = await judge.verify(prep, spliced, prep.everything)
                    if truth.status != "rejected":
                        problems.append(
                            f"{case.name}: wrong rewrite not rejected by the held-out inputs "
                            f"({truth.status}: {truth.reason[:160]})"
                        )
            print(f"checked {case.name}: {v.status} {v.speedup}", file=sys.stderr)
    finally:
        judge.service.cache.close()
    return problems


def select_cases(names: str | None, limit: int | None) -> list[Case]:
    cases = list(CASES)
    if names:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        unknown = set(wanted) - {c.name for c in cases}
        if unknown:
            raise SystemExit(f"unknown cases: {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.name in wanted]
    return cases[:limit] if limit else cases


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base-url")
    ap.add_argument("--model", default="local")
    ap.add_argument("--api-key-env", default="OPENAI_API_KEY")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--cases")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--candidates", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--no-rules", action="store_true", help="no rule findings as hints")
    ap.add_argument("--json", help="write per-case results and the summary here")
    ap.add_argument("--merge", nargs="+", help="print one table from earlier --json files")
    ap.add_argument(
        "--complete-only",
        action="store_true",
        help="with --merge: only cases every mode finished (a run stopped mid-case)",
    )
    ap.add_argument("--exclude", help="with --merge: leave these cases out (comma-separated)")
    ap.add_argument("--check-corpus", action="store_true")
    args = ap.parse_args(argv)

    if args.merge:
        results: list[CaseResult] = []
        model = ""
        for path in args.merge:
            data = json.loads(Path(path).read_text())
            model = data.get("model", model)
            results += [CaseResult(**r) for r in data["results"]]
        skip = {c.strip() for c in (args.exclude or "").split(",") if c.strip()}
        results = [r for r in results if r.case not in skip]
        if args.complete_only:
            modes = {r.mode for r in results}
            done = {
                c
                for c in {r.case for r in results}
                if {r.mode for r in results if r.case == c} == modes
            }
            results = [r for r in results if r.case in done]
        print_table(summarize(results), model)
        return 0
    cases = select_cases(args.cases, args.limit)
    with tempfile.TemporaryDirectory(prefix="hone-llm-quality-") as tmp:
        if args.check_corpus:
            problems = asyncio.run(check_corpus(cases, Path(tmp)))
            print("\n".join(problems) or f"corpus sound: {len(cases)} cases")
            return 1 if problems else 0
        if not args.base_url:
            ap.error("--base-url is required (or --merge / --check-corpus)")
        modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
        if set(modes) - set(MODES):
            ap.error(f"modes are {', '.join(MODES)}")
        cfg = RunConfig(
            args.base_url,
            args.model,
            args.api_key_env,
            modes,
            args.candidates,
            args.timeout,
            not args.no_rules,
        )
        started = time.perf_counter()
        results = asyncio.run(
            run_bench(
                cfg,
                cases,
                Path(tmp),
                log=lambda s: print(s, file=sys.stderr, flush=True),
                checkpoint=Path(args.json) if args.json else None,
            )
        )
    summary = summarize(results)
    print_table(summary, args.model)
    print(f"wall time: {time.perf_counter() - started:.0f} s")
    if args.json:
        write_json(Path(args.json), args.model, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
