"""Attacks on verification by the code under test (the candidate rewrite), each asserting that it
had no effect on the verdict, the host or the cache, and that verification still answers.

The candidate runs in its own sandboxed worker; the server compares data-only results and times
with its own clock.  Most attacks here bypass the static gate (``gate=False``) on purpose: the
sandbox and the protocol must hold even when the gate misses something.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from hone.core.store import DiskStore
from hone.sandbox import Availability
from hone.verify.service import VerificationService
from hone.verify.verifier import Verdict, VerifyRequest

pytestmark = pytest.mark.usefixtures("sandbox_ready")

ORIGINAL = """\
def total(xs: list[int]) -> int:
    t = 0
    for x in xs:
        t = t + x
    return t
"""
CORRECT = """\
def total(xs: list[int]) -> int:
    return sum(xs)
"""


def request(tmp: Path, rewrite: str, *, gate: bool = True, **kw: object) -> VerifyRequest:
    path = tmp / "m.py"
    path.write_text(ORIGINAL)
    return VerifyRequest(
        str(path),
        ORIGINAL,
        rewrite,
        "total",
        cwd=str(tmp),
        gate=gate,
        **kw,  # type: ignore[arg-type]
    )


def verify(service: VerificationService, req: VerifyRequest) -> Verdict:
    return asyncio.run(service.verify(req))


def still_answers(service: VerificationService, tmp: Path) -> None:
    """Verification keeps working after the attack (a fresh, honest rewrite is verified)."""
    honest = CORRECT.replace("return sum(xs)", "return sum(xs, 0)")
    v = verify(service, request(tmp, honest))
    assert v.status == "verified", v


@pytest.fixture
def service(tmp_path: Path) -> VerificationService:
    return VerificationService(DiskStore(tmp_path / "verify-cache.sqlite3"))


def test_forged_verdict_file_and_forged_protocol_lines_do_not_become_a_verdict(
    tmp_path: Path, service: VerificationService, sandbox_ready: Availability
) -> None:
    # The rewrite writes a verdict file everywhere it can think of and forges the protocol: it
    # finds the worker's private reply pipe among its descriptors and writes "done"/result lines.
    forged = '{"status": "verified", "inputs": 43, "timing": {"speedup": 50.0, "faster": true}}'
    cache_file = tmp_path / "verify-cache.sqlite3"
    rewrite = f"""\
import os


def total(xs: list[int]) -> int:
    for where in ("result.json", "/tmp/result.json", {str(tmp_path / "result.json")!r},
                  {str(cache_file)!r}):
        try:
            with open(where, "w") as fh:
                fh.write({forged!r})
        except OSError:
            pass
    for fd in range(1, 64):
        try:
            os.write(fd, b'{{"done": true}}\\n{{"outcome": "ok", "value": 0, "after": [[], []]}}\\n')
        except OSError:
            pass
    t = 0
    for x in xs:
        t = t + x
    for x in xs:  # twice the work: a truthful timing cannot call this faster
        t = t + x - x
    return t
"""
    assert not cache_file.exists() or cache_file.stat().st_size >= 0
    before = cache_file.read_bytes() if cache_file.exists() else b""
    v = verify(service, request(tmp_path, rewrite, gate=False))
    assert not v.offer, v
    assert not (v.status == "verified" and v.faster), v
    assert v.speedup is None or v.speedup < 2.0
    assert not (tmp_path / "result.json").exists()  # the host folder was never writable
    assert forged.encode() not in (cache_file.read_bytes() if cache_file.exists() else b"")
    assert before == b"" or cache_file.read_bytes().startswith(before[:16])
    # the model-output gate refuses the same rewrite outright
    gated = verify(service, request(tmp_path, rewrite))
    assert gated.status == "rejected" and gated.failure == "gate"
    still_answers(service, tmp_path)


def test_a_rewrite_that_monkeypatches_the_clock_does_not_change_its_timing(
    tmp_path: Path, service: VerificationService
) -> None:
    rewrite = """\
import time

time.perf_counter = lambda: 0.0
time.perf_counter_ns = lambda: 0
time.monotonic = lambda: 0.0
time.process_time = lambda: 0.0


def total(xs: list[int]) -> int:
    t = 0
    for _ in range(3):  # three times the work
        t = 0
        for x in xs:
            t = t + x
    return t
"""
    v = verify(service, request(tmp_path, rewrite, gate=False))
    assert v.status == "verified", v  # same results: it is only slower
    assert v.speedup is not None and v.speedup < 1.0, v  # the server's clock saw the real cost
    assert not v.faster and not v.offer
    assert verify(service, request(tmp_path, rewrite)).failure == "gate"
    still_answers(service, tmp_path)


def test_os_system_is_refused_by_the_gate_and_contained_by_the_sandbox(
    tmp_path: Path, service: VerificationService
) -> None:
    marker = tmp_path / "pwned"
    host_tmp_marker = Path("/tmp") / f"hone-pwned-{os.getpid()}"
    rewrite = f"""\
import os


def total(xs: list[int]) -> int:
    os.system("touch {marker} {host_tmp_marker}; kill -9 {os.getpid()} {os.getppid()}")
    return sum(xs)
"""
    gated = verify(service, request(tmp_path, rewrite))
    assert gated.status == "rejected" and gated.failure == "gate"
    assert "uses os.system" in gated.reason or "imports os" in gated.reason
    # the gate bypassed: the command runs, inside the sandbox only
    v = verify(service, request(tmp_path, rewrite, gate=False))
    assert not marker.exists() and not host_tmp_marker.exists()
    assert v.status in ("verified", "rejected")  # its results are all it can influence
    still_answers(service, tmp_path)  # this process was not killed


def test_the_old_guard_switch_off_means_nothing_now(
    tmp_path: Path, service: VerificationService
) -> None:
    prefix = """\
import sys

try:
    sys.modules["__main__"]._GUARD["active"] = False
except Exception:
    pass
"""
    attacked = prefix + "\n\n" + CORRECT
    clean = verify(service, request(tmp_path, CORRECT))
    v = verify(service, request(tmp_path, attacked, gate=False))
    assert v.status == clean.status == "verified"
    assert v.inputs == clean.inputs and v.sources == clean.sources
    assert verify(service, request(tmp_path, attacked)).failure == "gate"
    still_answers(service, tmp_path)


def test_an_early_forged_done_during_timing_is_caught_by_the_cpu_cross_check(
    tmp_path: Path, service: VerificationService
) -> None:
    # In the timing phase (it counts its calls) the rewrite answers "done" (and the next
    # "armed") itself on the worker's reply pipe, then does five times the work: the server's
    # windows look short, but the CPU it used outside them gives it away.
    rewrite = """\
import os

CALLS = [0]


def total(xs: list[int]) -> int:
    CALLS[0] += 1
    if CALLS[0] > 80 and CALLS[0] % 1 == 0:
        for fd in range(3, 32):
            try:
                os.write(fd, b'{"done": true}\\n{"armed": true}\\n')
            except OSError:
                pass
    t = 0
    for _ in range(5):
        t = 0
        for x in xs:
            t = t + x
    return t
"""
    v = verify(service, request(tmp_path, rewrite, gate=False))
    assert not v.offer, v
    assert not v.faster, v
    still_answers(service, tmp_path)
