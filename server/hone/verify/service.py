"""Verification as a service: bounded concurrency, and verdicts cached on disk.

The cache key covers everything a verdict depends on: hone's version, the verification code
(worker, codec, gate, verifier), the function, both module texts, every input source (recorded
files' contents, test files' contents, examples, hints) and the interpreter.  So a reopened file
or a restarted editor reuses the verdict, and any change re-verifies.  Only verdicts the server
computed are stored (a worker never writes the cache).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path

from hone import __version__
from hone.core.paths import default_cache_dir
from hone.core.store import DiskStore
from hone.verify.verifier import Verdict, VerifyRequest, verify_rewrite

_CODE = tuple(
    Path(__file__).with_name(name)
    for name in ("worker.py", "wire.py", "gate.py", "verifier.py", "procs.py")
)

log = logging.getLogger(__name__)

CACHE_FILE = "verify-cache.sqlite3"

# verdicts that say more about the machine at that moment than about the rewrite
_TRANSIENT = (
    "took longer than",
    "stopped unexpectedly",
    "cannot start",
    "no sandbox",
    "process failed",
    "did not load (",
    "timing failed",
)


def verdict_key(request: VerifyRequest) -> str:
    h = hashlib.sha256()
    parts = [
        __version__,
        *(hashlib.sha256(p.read_bytes()).hexdigest() for p in _CODE),
        request.qualname,
        request.original_source,
        request.rewrite_source,
        request.python,
        str(request.generate),
        str(request.generated_count),
        repr(request.hints),
        *request.examples,
        *request.observed,
        f"bug:{request.bug_fix}",
        *request.bug_examples,
        str(request.gate),
        str(request.isolated),
    ]
    for path in (*request.recorded, *request.tests):
        try:
            parts.append(hashlib.sha256(Path(path).read_bytes()).hexdigest())
        except OSError:
            parts.append("missing:" + path)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class VerificationService:
    def __init__(self, cache: DiskStore | None = None, *, max_concurrency: int = 1) -> None:
        self.cache = (
            cache
            if cache is not None
            else DiskStore(default_cache_dir() / CACHE_FILE, what="verification cache")
        )
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._inflight: dict[str, asyncio.Task[Verdict]] = {}
        self.runs = 0  # sandbox runs actually started (tests check cache hits with it)

    async def verify(self, request: VerifyRequest) -> Verdict:
        key = verdict_key(request)
        cached = await asyncio.to_thread(self.cache.get, key)
        if cached is not None:
            try:
                return Verdict.from_json(json.loads(cached))
            except (ValueError, TypeError):
                log.warning("ignoring an unreadable cached verdict")
        task = self._inflight.get(key)
        if task is None:  # the same rewrite asked twice at once is verified once
            task = asyncio.ensure_future(self._run(key, request))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def _run(self, key: str, request: VerifyRequest) -> Verdict:
        async with self._semaphore:
            self.runs += 1
            verdict = await verify_rewrite(request)
        # a check without isolation ran code that could reach this cache: never stored
        transient = any(t in verdict.reason or t in verdict.timing_note for t in _TRANSIENT)
        if request.isolated and not transient:
            await asyncio.to_thread(self.cache.put, key, json.dumps(verdict.to_json()))
        return verdict

    def clear(self) -> int:
        return self.cache.clear()
