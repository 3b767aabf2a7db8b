"""Verifying a rewrite: run the original and the rewrite side by side in a sandboxed child.

The parent side: builds the job, starts ``child.py`` under the workspace's interpreter in its own
process group with a memory limit and a wall-time limit, and turns the child's JSON into a
:class:`Verdict`.  When the group has to be killed, the child's progress file says whether the
original or the rewrite was running, which decides between "unverifiable" and "rejected".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

CHILD = Path(__file__).with_name("child.py")

Status = Literal["verified", "rejected", "unverifiable"]


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    path: str  # the document's file path (for __file__ and tracebacks)
    original_source: str  # the module text with the original function
    rewrite_source: str  # the same text with the rewrite spliced in
    qualname: str  # function to compare, e.g. "parse_rows" or "Report.total"
    recorded: tuple[str, ...] = ()  # pickle files of arguments recorded by timed runs
    python: str = sys.executable
    cwd: str | None = None  # the workspace folder (readable, importable)
    timeout_s: float = 60.0  # whole verification
    call_timeout_s: float = 5.0  # one call of either function
    memory_mb: int = 2048
    generate: bool = True  # Hypothesis inputs from type hints
    generated_count: int = 40
    env_remove: tuple[str, ...] = ("OPENAI_API_KEY",)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str = ""
    inputs: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    speedup: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    faster: bool = False
    slower: bool = False
    elapsed_s: float = 0.0
    failing_input: int | None = None

    @property
    def offer(self) -> bool:
        """Whether the rewrite may be offered at all: never when it behaved differently or ran slower."""
        return self.status != "rejected" and not self.slower

    def title_suffix(self) -> str:
        """What the code action's title says, e.g. "verified on 24 inputs, 3.1× faster"."""
        if self.status == "verified":
            speed = (
                f"{self.speedup:.1f}× faster"
                if self.faster and self.speedup
                else "no measurable speedup"
            )
            return f"verified on {self.inputs} inputs, {speed}"
        if self.status == "rejected":
            return f"rejected: {self.reason}"
        return f"unverified: {self.reason}"

    def explanation(self) -> str:
        """Longer text for the resolved action / related information."""
        used = ", ".join(f"{n} {src}" for src, n in sorted(self.sources.items())) or "none"
        parts = [f"Sample inputs: {used}."]
        if self.status == "verified":
            parts.append(f"Original and rewrite agreed on all {self.inputs} inputs.")
            if self.speedup is not None:
                parts.append(
                    f"Measured on the largest input: {self.speedup:.2f}x "
                    f"(range {self.ratio_low or 0:.2f} to {self.ratio_high or 0:.2f} over repeats)."
                )
        else:
            parts.append(self.reason)
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _limits(memory_mb: int) -> None:  # runs in the child before exec
    import resource

    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _hypothesis_path() -> list[str]:
    """Where hone's own Hypothesis lives, appended to the child's path (after the user's)."""
    try:
        import hypothesis
    except ImportError:
        return []
    return [str(Path(hypothesis.__file__).resolve().parent.parent)]


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


async def verify_rewrite(request: VerifyRequest) -> Verdict:
    """Compare and time the rewrite in a sandboxed subprocess; never raises for user code."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hone-verify-") as tmp:
        result_path = os.path.join(tmp, "result.json")
        progress_path = os.path.join(tmp, "progress.jsonl")
        job = {
            "path": request.path,
            "original_source": request.original_source,
            "rewrite_source": request.rewrite_source,
            "qualname": request.qualname,
            "recorded": list(request.recorded),
            "call_timeout_s": request.call_timeout_s,
            "generate": request.generate,
            "generated_count": request.generated_count,
            "tmp_dir": tmp,
            "progress_path": progress_path,
            "result_path": result_path,
            "allow_read": [request.cwd or os.path.dirname(request.path), *request.recorded],
            "sys_path_tail": _hypothesis_path(),
            "timing_budget_s": max(1.0, min(6.0, request.timeout_s / 5)),
        }
        job_path = os.path.join(tmp, "job.json")
        with open(job_path, "w", encoding="utf-8") as fh:
            json.dump(job, fh)
        env = {k: v for k, v in os.environ.items() if k not in request.env_remove}
        env.update({"HOME": tmp, "TMPDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1"})
        # the user's folder first on the path so the module's own imports resolve
        user_path = [request.cwd or os.path.dirname(request.path)]
        env["PYTHONPATH"] = os.pathsep.join(p for p in user_path if p)
        try:
            proc = await asyncio.create_subprocess_exec(
                request.python,
                str(CHILD),
                job_path,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                cwd=tmp,
                env=env,
                start_new_session=True,
                preexec_fn=lambda: _limits(request.memory_mb),
            )
        except OSError as exc:
            return Verdict("unverifiable", f"cannot start {request.python}: {exc}")
        timed_out = False
        stderr = b""
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), request.timeout_s)
        except TimeoutError:
            timed_out = True
        except asyncio.CancelledError:
            _kill_group(proc)
            await proc.wait()
            raise
        finally:
            _kill_group(proc)  # stray grandchildren die with the group
        if proc.returncode is None:
            await proc.wait()
        elapsed = time.perf_counter() - started
        if not timed_out and os.path.exists(result_path):
            with open(result_path, encoding="utf-8") as fh:
                data = json.load(fh)
            return _verdict(data, elapsed)
        phase = _last_phase(progress_path)
        if timed_out and phase.get("phase") == "rewrite":
            return Verdict(
                "rejected",
                f"the rewrite did not finish within {request.timeout_s:g} s on input #{phase.get('input')}",
                elapsed_s=elapsed,
                failing_input=phase.get("input"),
            )
        if timed_out:
            return Verdict(
                "unverifiable",
                f"verification took longer than {request.timeout_s:g} s ({phase.get('phase', 'loading')})",
                elapsed_s=elapsed,
            )
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return Verdict(
            "unverifiable",
            f"the sandbox stopped unexpectedly (exit {proc.returncode}: {tail[0][:200]})",
            elapsed_s=elapsed,
        )


def _last_phase(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        return dict(json.loads(lines[-1])) if lines else {}
    except (OSError, ValueError):
        return {}


def _verdict(data: dict[str, Any], elapsed: float) -> Verdict:
    timing = data.get("timing") or {}
    return Verdict(
        status=data.get("status", "unverifiable"),
        reason=str(data.get("reason", "")),
        inputs=int(data.get("inputs", 0)),
        sources={str(k): int(v) for k, v in (data.get("sources") or {}).items()},
        speedup=timing.get("speedup"),
        ratio_low=timing.get("ratio_low"),
        ratio_high=timing.get("ratio_high"),
        faster=bool(timing.get("faster", False)),
        slower=bool(timing.get("slower", False)),
        elapsed_s=elapsed,
        failing_input=data.get("input"),
    )
