"""The two-step conversation with the model about one function (issue 17).

1. **Findings**: "where does the time go in this function, and why?" -- deterministic sampling
   (``llm.temperature``, 0 by default, a fixed seed), a four-field JSON schema, hone's rule
   findings and measured hot lines as hints, one repair request when the JSON is unreadable.
2. **Candidates**, per performance finding: the rewrite of that one finding, as a fenced code
   block.  Best of N: the first candidate at the finding pass's temperature, the others at a
   moderate temperature with distinct seeds -- one request with ``n`` where the endpoint honours
   it, else one request per candidate -- within a time budget.  Each candidate is validated
   (:func:`hone.llm.rewrite.validate_rewrite`); one that does not parse or changes the signature
   is sent back once with that structural reason.  Verification happens elsewhere (the verifier
   compares every candidate and offers the fastest verified one); :func:`repair_candidate` sends
   back a candidate the verifier rejected, with the verifier's structural hint only -- never
   values produced inside the sandbox.

Nothing here knows about LSP or caching: callers decide what to keep.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hone.core.finding import Category, Finding
from hone.core.functions import FunctionInfo
from hone.llm.prompt import (
    FunctionPrompt,
    ModuleContext,
    build_findings_prompt,
    build_module_context,
    build_rewrite_prompt,
)
from hone.llm.provider import LLMConfig, Provider, ProviderError, Sampling
from hone.llm.rewrite import Rewrite, RewriteRejected, clean_model_code, validate_rewrite
from hone.llm.schema import FINDINGS_SCHEMA, ParsedReply, ReplyFinding

if TYPE_CHECKING:
    from hone.core.settings import Settings

log = logging.getLogger(__name__)

FINDINGS_SEED = 17  # fixed: the same code gets the same findings where the endpoint honours it
MAX_REWRITE_FINDINGS = 2  # performance or bug findings per function that get candidates
# findings that get rewrite candidates: a faster version, or the fix of a bug (verified to
# differ exactly where the bug shows)
REWRITTEN = (Category.PERFORMANCE, Category.BUG)
MAX_EXAMPLE_CALLS = 3
MAX_EXAMPLE_CHARS = 300


@dataclass(frozen=True, slots=True)
class AskSettings:
    """Sampling and budget; :meth:`from_settings` reads the user's ``llm.*`` settings."""

    temperature: float = 0.0  # the finding pass (and the first candidate)
    candidates: int = 4  # rewrite candidates per performance finding (1 = no best-of-N)
    candidate_temperature: float = 0.7
    seed: int = FINDINGS_SEED
    max_tokens: int = 1200  # per request
    time_budget_s: float = 180.0  # for all candidates of one finding
    repair: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> AskSettings:
        return cls.from_config(LLMConfig.from_settings(settings))

    @classmethod
    def from_config(cls, config: LLMConfig) -> AskSettings:
        return cls(
            temperature=config.temperature,
            candidates=config.candidates,
            candidate_temperature=config.candidate_temperature,
            max_tokens=config.max_output_tokens,
            time_budget_s=config.candidate_budget_seconds,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One validated rewrite (placeholders restored) and the example calls that came with it."""

    rewrite: Rewrite
    examples: tuple[str, ...] = ()
    seed: int | None = None
    repaired: bool = False
    raw: str = ""  # the model's code as sent back (placeholders kept): what a cache stores

    @property
    def code(self) -> str:
        return self.rewrite.new_text


@dataclass(frozen=True, slots=True)
class AnsweredFinding:
    item: ReplyFinding
    candidates: tuple[Candidate, ...] = ()
    dropped: tuple[str, ...] = ()  # user-facing reasons, e.g. "a suggested rewrite did not parse"
    rewrite_prompt: FunctionPrompt | None = None

    @property
    def dropped_count(self) -> int:
        return len(self.dropped)

    @property
    def example_calls(self) -> tuple[str, ...]:
        """The distinct example calls of all candidates (argument sources, literals only)."""
        return tuple(dict.fromkeys(e for c in self.candidates for e in c.examples))[
            : MAX_EXAMPLE_CALLS * 2
        ]


@dataclass(frozen=True, slots=True)
class FunctionAnswer:
    prompt: FunctionPrompt
    findings: tuple[AnsweredFinding, ...]
    problems: tuple[str, ...] = field(default=())


# -- hints -------------------------------------------------------------------------------------


def rule_hints(
    findings: Sequence[Finding], functions: Sequence[FunctionInfo]
) -> dict[str, tuple[str, ...]]:
    """hone's own performance findings per function, numbered the way the model sees lines.

    The caller passes the rule findings it already has (``llm`` does not run the rules itself).
    """
    out: dict[str, list[str]] = {}
    for f in findings:
        if f.category is not Category.PERFORMANCE:
            continue
        line = f.span.start.line
        for fn in functions:
            if fn.start_line <= line <= fn.end_line:
                rel = line - fn.start_line + 1
                out.setdefault(fn.qualname, []).append(f"line {rel}: {f.message} ({f.code})")
                break
    return {k: tuple(v[:8]) for k, v in out.items()}


def measured_hints(fn: FunctionInfo, line_shares: Sequence[tuple[int, float]]) -> tuple[str, ...]:
    """("line 12 took 71 % of the run") from 0-based document lines and their share of the run."""
    out = []
    for line, share in sorted(line_shares, key=lambda x: -x[1])[:3]:
        if fn.start_line <= line <= fn.end_line and share >= 0.05:
            out.append(f"line {line - fn.start_line + 1} took {share * 100:.0f} % of the run")
    return tuple(out)


# -- reading a candidate -----------------------------------------------------------------------

_FENCE_RE = re.compile(r"```[a-zA-Z0-9_+-]*[ \t]*\r?\n(.*?)```", re.DOTALL)
_CALL_RE = re.compile(
    r"^\s*[-*]?\s*`?CALL:\s*`?\s*(?P<call>.+?)`?\s*$", re.MULTILINE | re.IGNORECASE
)


def extract_code(content: str, name: str) -> str | None:
    """The fenced block defining ``name`` (else the first fenced block, else a bare ``def``)."""
    blocks = _FENCE_RE.findall(content)
    def_re = re.compile(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(", re.MULTILINE)
    for block in blocks:
        if def_re.search(block):
            return str(block)
    if blocks:
        return str(blocks[0])
    m = def_re.search(content)
    if m is None:
        return None
    code = content[m.start() :]
    call = _CALL_RE.search(code)
    return code[: call.start()] if call else code


def isolate_function(code: str, name: str) -> str:
    """Only the function ``name`` out of a code block that also holds other things.

    Small models wrap the function in a little script: imports above it, example calls or
    prints below it (``CALL: f(...)`` lines even parse, as annotations).  Top-level imports move
    into the function body (after its docstring), everything else is dropped.  Code that does
    not parse, or has no such function, is returned unchanged (the validator says why).
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return code
    defs = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
    ]
    if len(defs) != 1 or len(tree.body) == 1:
        return code
    fn = defs[0]
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    lines = code.splitlines()
    start = min([fn.lineno, *(d.lineno for d in fn.decorator_list)]) - 1
    assert fn.end_lineno is not None
    segment = lines[start : fn.end_lineno]
    if imports:
        first = fn.body[0]
        docstring = (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        )
        anchor = fn.body[1] if docstring and len(fn.body) > 1 else first
        if docstring and len(fn.body) == 1:
            assert first.end_lineno is not None
            at = first.end_lineno - start  # after the docstring, which is the whole body
            indent = lines[first.lineno - 1][: first.col_offset]
        else:
            at = anchor.lineno - 1 - start
            indent = lines[anchor.lineno - 1][: anchor.col_offset]
        if anchor.lineno == fn.lineno or at <= 0:
            return code  # a one-line ``def f(): ...``: leave it to the validator
        segment[at:at] = [indent + ast.unparse(i) for i in imports]
    return "\n".join(segment) + "\n"


def _literal_arguments(source: str) -> bool:
    try:
        call = ast.parse(f"f({source})", mode="eval").body
    except (SyntaxError, ValueError):
        return False
    if not isinstance(call, ast.Call):
        return False
    try:
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                return False
            ast.literal_eval(arg)
        for kw in call.keywords:
            if kw.arg is None:
                return False
            ast.literal_eval(kw.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def extract_examples(content: str, name: str) -> tuple[str, ...]:
    """Argument sources of ``CALL: name(...)`` lines whose arguments are plain literals."""
    out: list[str] = []
    for m in _CALL_RE.finditer(content):
        call = m.group("call").strip().rstrip(";")
        prefix = f"{name}("
        if not call.startswith(prefix) or not call.endswith(")"):
            continue
        args = call[len(prefix) : -1].strip()
        if len(args) > MAX_EXAMPLE_CHARS or not _literal_arguments(args):
            continue
        if args not in out:
            out.append(args)
        if len(out) >= MAX_EXAMPLE_CALLS:
            break
    return tuple(out)


def dropped_reason(exc: RewriteRejected | str) -> str:
    """The user-facing words for a dropped candidate."""
    why = str(exc)
    if "does not parse" in why:
        return f"a suggested rewrite did not parse ({why.split(': ', 1)[-1]})"
    if why.startswith("the rewrite "):
        return "a suggested rewrite " + why.removeprefix("the rewrite ")
    return f"a suggested rewrite was dropped: {why}"


# -- the conversation --------------------------------------------------------------------------


async def ask_findings(
    provider: Provider,
    fn: FunctionInfo,
    ctx: ModuleContext,
    settings: AskSettings,
    hints: Sequence[str] = (),
) -> tuple[FunctionPrompt, ParsedReply]:
    prompt = build_findings_prompt(fn, ctx, hints)
    completion = await provider.complete(
        prompt.system,
        prompt.user,
        sampling=Sampling(
            temperature=settings.temperature, seed=settings.seed, max_tokens=settings.max_tokens
        ),
        schema=FINDINGS_SCHEMA,
        repair=True,
    )
    return prompt, completion.reply


def _validate(
    uri: str, text: str, fn: FunctionInfo, code: str, mapping: dict[str, str]
) -> Rewrite | None:
    return validate_rewrite(
        uri=uri, version=None, document_text=text, function=fn, rewrite=code, mapping=mapping
    )


async def _one_candidate(
    provider: Provider,
    prompt: FunctionPrompt,
    uri: str,
    text: str,
    fn: FunctionInfo,
    content: str,
    seed: int | None,
    settings: AskSettings,
    dropped: list[str],
) -> Candidate | None:
    """Validate one answer; send it back once when it is structurally unusable."""
    for attempt in (0, 1):
        code = extract_code(content, fn.name)
        reason: str
        if code is None:
            reason = "the reply holds no ```python block with the function"
        else:
            try:  # libcst parsing: off the event loop
                rewrite = await asyncio.to_thread(
                    _validate,
                    uri,
                    text,
                    fn,
                    isolate_function(clean_model_code(code), fn.name),
                    dict(prompt.redaction.mapping),
                )
            except RewriteRejected as exc:
                reason = str(exc)
            else:
                if rewrite is None:
                    dropped.append("a suggested rewrite changed nothing")
                    return None
                return Candidate(
                    rewrite,
                    extract_examples(content, fn.name),
                    seed,
                    repaired=attempt == 1,
                    raw=isolate_function(clean_model_code(code), fn.name),
                )
        if attempt == 1 or not settings.repair:
            dropped.append(dropped_reason(reason))
            return None
        try:
            again = await provider.complete_text(
                prompt.system,
                prompt.user,
                sampling=Sampling(temperature=0.0, seed=seed, max_tokens=settings.max_tokens),
                followup=(
                    content,
                    f"That reply could not be used: {reason}. Reply with the corrected complete "
                    f"function `{fn.name}` in one ```python block.",
                ),
            )
        except ProviderError as exc:
            dropped.append(dropped_reason(reason))
            log.info("hone: repair request failed: %s", exc.message)
            return None
        content = again.contents[0]
    return None


async def _sample(
    provider: Provider, prompt: FunctionPrompt, settings: AskSettings
) -> list[tuple[str, int | None]]:
    """Up to ``settings.candidates`` answers within the time budget: (content, seed)."""
    n = max(1, settings.candidates)
    base = Sampling(
        temperature=settings.temperature, seed=settings.seed, max_tokens=settings.max_tokens
    )
    jobs: list[Sampling] = [base]
    if n > 1:
        warm = Sampling(
            temperature=settings.candidate_temperature,
            seed=settings.seed + 1,
            n=n - 1,
            max_tokens=settings.max_tokens,
        )
        if provider.supports_n is False:
            jobs += [
                Sampling(warm.temperature, settings.seed + i, 1, warm.max_tokens)
                for i in range(1, n)
            ]
        else:
            jobs.append(warm)
    # answers are kept in job order, not arrival order: the deterministic one stays first
    got: dict[int, list[tuple[str, int | None]]] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.time_budget_s

    async def run(s: Sampling) -> list[tuple[str, int | None]]:
        done = await provider.complete_text(prompt.system, prompt.user, sampling=s)
        return [(c, s.seed if s.n == 1 else None) for c in done.contents if c.strip()]

    order: dict[asyncio.Future[list[tuple[str, int | None]]], int] = {}

    def start(i: int, s: Sampling) -> asyncio.Future[list[tuple[str, int | None]]]:
        task = asyncio.ensure_future(run(s))
        order[task] = i
        return task

    def count() -> int:
        return sum(len(v) for v in got.values())

    pending = {start(i, s) for i, s in enumerate(jobs)}
    refilled = False
    try:
        while pending:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            done, pending = await asyncio.wait(
                pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                exc = task.exception()
                if exc is None:
                    got[order[task]] = task.result()
                elif isinstance(exc, ProviderError):
                    log.info("hone: a candidate request failed: %s", exc.message)
                else:
                    raise exc
            if not pending and not refilled and count() < n and provider.supports_n is False:
                # the endpoint ignored ``n``: ask for the missing ones one by one
                refilled = True
                missing = n - count()
                pending = {
                    start(
                        len(jobs) + i,
                        Sampling(
                            settings.candidate_temperature,
                            settings.seed + 100 + i,
                            1,
                            settings.max_tokens,
                        ),
                    )
                    for i in range(missing)
                }
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    return [answer for i in sorted(got) for answer in got[i]][:n]


def _normal(code: str) -> str:
    try:
        return ast.dump(ast.parse(code))
    except SyntaxError:
        return code


async def ask_candidates(
    provider: Provider,
    uri: str,
    text: str,
    fn: FunctionInfo,
    ctx: ModuleContext,
    item: ReplyFinding,
    settings: AskSettings,
) -> AnsweredFinding:
    """Best-of-N rewrite candidates for one finding (validated, distinct, first = deterministic)."""
    prompt = build_rewrite_prompt(
        fn,
        ctx,
        item.start_line,
        item.message,
        item.explanation,
        bug=item.category is Category.BUG,
    )
    answers = await _sample(provider, prompt, settings)
    dropped: list[str] = []
    results = await asyncio.gather(
        *(
            _one_candidate(provider, prompt, uri, text, fn, content, seed, settings, dropped)
            for content, seed in answers
        )
    )
    seen: set[str] = set()
    candidates: list[Candidate] = []
    for cand in results:
        if cand is None:
            continue
        key = _normal(cand.rewrite.new_text.strip())
        if key in seen:
            continue
        seen.add(key)
        candidates.append(cand)
    return AnsweredFinding(item, tuple(candidates), tuple(dropped), prompt)


async def ask_function(
    provider: Provider,
    *,
    uri: str,
    text: str,
    fn: FunctionInfo,
    ctx: ModuleContext,
    settings: AskSettings,
    hints: Sequence[str] = (),
) -> FunctionAnswer:
    """Both steps for one function: its findings, and candidates for its performance and bug
    findings."""
    prompt, reply = await ask_findings(provider, fn, ctx, settings, hints)
    answered: list[AnsweredFinding] = []
    wanted = 0
    for item in reply.findings:
        if item.category in REWRITTEN and wanted < MAX_REWRITE_FINDINGS:
            wanted += 1
            try:
                answered.append(await ask_candidates(provider, uri, text, fn, ctx, item, settings))
                continue
            except ProviderError as exc:
                answered.append(
                    AnsweredFinding(item, (), (f"no rewrite could be requested: {exc.message}",))
                )
                continue
        answered.append(AnsweredFinding(item))
    return FunctionAnswer(prompt, tuple(answered), reply.problems)


async def repair_candidate(
    provider: Provider,
    uri: str,
    text: str,
    fn: FunctionInfo,
    ctx: ModuleContext | None,
    found: AnsweredFinding,
    candidate: Candidate,
    reason: str,
    settings: AskSettings,
) -> Candidate | None:
    """Send a candidate the verifier rejected back once, with a *structural* reason only.

    ``reason`` must come from the verifier's structural hint (e.g. "the rewrite changed the
    result for an input of this shape: list of 3 int"), never from values seen in the sandbox.
    """
    if candidate.repaired:
        return None
    prompt = found.rewrite_prompt
    if prompt is None:  # (``ctx`` None: built from ``text``)
        if ctx is None:
            ctx = await asyncio.to_thread(lambda: build_module_context(ast.parse(text)))
        prompt = build_rewrite_prompt(
            fn,
            ctx,
            found.item.start_line,
            found.item.message,
            found.item.explanation,
            bug=found.item.category is Category.BUG,
        )
    shown = f"```python\n{candidate.rewrite.new_text}\n```"
    try:
        again = await provider.complete_text(
            prompt.system,
            prompt.user,
            sampling=Sampling(temperature=0.0, seed=settings.seed, max_tokens=settings.max_tokens),
            followup=(
                shown,
                f"That rewrite was rejected when compared with the original: {reason}. Fix it so "
                f"it behaves exactly like the original for every input (check empty inputs, "
                f"iterators, ties, order and argument changes). Reply with the complete function "
                f"in one ```python block.",
            ),
        )
    except ProviderError as exc:
        log.info("hone: repair request failed: %s", exc.message)
        return None
    content = again.contents[0]
    code = extract_code(content, fn.name)
    if code is None:
        return None
    isolated = isolate_function(clean_model_code(code), fn.name)
    try:
        rewrite = await asyncio.to_thread(  # libcst parsing: off the event loop
            _validate, uri, text, fn, isolated, dict(prompt.redaction.mapping)
        )
    except RewriteRejected:
        return None
    if rewrite is None:
        return None
    return Candidate(
        rewrite,
        extract_examples(content, fn.name),
        settings.seed,
        repaired=True,
        raw=isolated,
    )


# -- caching candidates ------------------------------------------------------------------------


def candidates_key_parts(settings: AskSettings) -> tuple[str, ...]:
    """What a cached set of candidates depends on besides the endpoint, model and prompt text."""
    return (
        f"n={settings.candidates}",
        f"t={settings.temperature:g}/{settings.candidate_temperature:g}",
        f"seed={settings.seed}",
        f"max={settings.max_tokens}",
    )


def answered_to_json(found: AnsweredFinding) -> dict[str, Any]:
    return {
        "candidates": [
            {"code": c.raw, "examples": list(c.examples), "seed": c.seed, "repaired": c.repaired}
            for c in found.candidates
            if c.raw
        ],
        "dropped": list(found.dropped),
    }


def answered_from_json(
    data: Any,
    *,
    uri: str,
    text: str,
    fn: FunctionInfo,
    item: ReplyFinding,
    prompt: FunctionPrompt,
) -> AnsweredFinding | None:
    """Cached candidates, validated again against the current text (None: unusable entry)."""
    if not isinstance(data, dict) or not isinstance(data.get("candidates"), list):
        return None
    out: list[Candidate] = []
    for entry in data["candidates"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            continue
        try:
            rewrite = _validate(uri, text, fn, entry["code"], dict(prompt.redaction.mapping))
        except RewriteRejected:
            continue
        if rewrite is None:
            continue
        examples = entry.get("examples")
        calls = tuple(
            e
            for e in (examples if isinstance(examples, list) else [])
            if isinstance(e, str) and len(e) <= MAX_EXAMPLE_CHARS and _literal_arguments(e)
        )[:MAX_EXAMPLE_CALLS]
        seed = entry.get("seed")
        out.append(
            Candidate(
                rewrite,
                calls,
                seed if isinstance(seed, int) else None,
                bool(entry.get("repaired")),
                entry["code"],
            )
        )
    dropped = data.get("dropped")
    reasons = tuple(d for d in (dropped if isinstance(dropped, list) else []) if isinstance(d, str))
    return AnsweredFinding(item, tuple(out), reasons, prompt)
