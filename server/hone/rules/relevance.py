"""How loud a finding should be: by where it stands and, after a timed run, by measured heat.

A performance finding is worth a warning only where the code runs often enough to matter.  Code
that runs once -- module top level (scripts' ``if __name__ == "__main__":`` blocks included),
class bodies, ``__init__`` -- and test code drop to hints; so do tiny literal collections (the
rules lower those themselves).  Bugs keep their severity wherever they stand.

With a recorded profile (``hone run --json`` output), findings on lines that took a real share
of the run rise to warnings and say so ("this line took 71 % of the run"); findings on lines
the run never spent measurable time on sink to hints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hone.core.finding import Category, Finding, Severity
from hone.core.functions import FunctionInfo

HOT_SHARE = 0.05  # a line that took 5 % of the run is worth fixing first
COLD_SHARE = 0.005  # below 0.5 % a fix cannot be seen in the run time

_RANK = {Severity.HINT: 0, Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


def _with_note(f: Finding, severity: Severity, note: str) -> Finding:
    return replace(f, severity=severity, extra={**f.extra, "relevance": note})


def runs_rarely(fn: FunctionInfo | None) -> str | None:
    """Why code in ``fn`` (None: outside any function) runs rarely or is test code, if it does."""
    if fn is None:
        return "module or class level: runs once"
    parts = fn.qualname.split(".")
    if any(p.startswith(("test_", "Test")) or p == "test" for p in parts):
        return "test code"
    if fn.name == "__init__":
        return "__init__: runs once per object"
    return None


def by_relevance(f: Finding, fn: FunctionInfo | None) -> Finding:
    """``f`` as a hint when it is a performance finding where speed rarely matters."""
    if f.category is not Category.PERFORMANCE or f.severity is Severity.HINT:
        return f
    why = runs_rarely(fn)
    if why is None:
        return f
    return _with_note(f, Severity.HINT, why)


# -- measured heat ------------------------------------------------------------------------------


def line_shares(profile: Mapping[str, Any]) -> dict[str, dict[int, float]]:
    """{file path: {1-based line: share of the run}} from a ``hone run --json`` report."""
    out: dict[str, dict[int, float]] = {}
    for fn in profile.get("functions") or ():
        for ln in fn.get("lines") or ():
            path = str(Path(ln["file"]).resolve())
            per = out.setdefault(path, {})
            per[int(ln["line"])] = max(per.get(int(ln["line"]), 0.0), float(ln["share"]))
    return out


def function_shares(profile: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """{file path: {qualname: the function's own (self) share of the run}}."""
    out: dict[str, dict[str, float]] = {}
    for fn in profile.get("functions") or ():
        if "file" not in fn or "qualname" not in fn:
            continue
        name = str(fn["qualname"]).replace(".<locals>", "")
        per = out.setdefault(str(Path(fn["file"]).resolve()), {})
        per[name] = per.get(name, 0.0) + float(fn.get("share") or 0.0)
    return out


def load_profile(path: Path) -> tuple[dict[str, dict[int, float]], dict[str, dict[str, float]]]:
    """Line and function shares of a ``hone run --json`` report file."""
    profile = json.loads(path.read_text(encoding="utf-8"))
    return line_shares(profile), function_shares(profile)


def heat_of(f: Finding, shares: Mapping[int, float]) -> float:
    """The largest share of the run among the lines the finding's range covers."""
    return max(
        (shares.get(line + 1, 0.0) for line in range(f.span.start.line, f.span.end.line + 1)),
        default=0.0,
    )


def by_heat(
    findings: Iterable[Finding],
    shares: Mapping[int, float],
    functions: Mapping[str, float] | None = None,
) -> list[Finding]:
    """Findings on hot lines raised to warnings with their share; cold ones lowered to hints.

    A sampling profiler attributes time to a line give or take one (the next instruction's),
    so a finding in a function that itself took a hot share of the run rises too, saying so.
    """
    out: list[Finding] = []
    for f in findings:
        if f.category is not Category.PERFORMANCE:
            out.append(f)
            continue
        heat = heat_of(f, shares)
        fn_heat = (functions or {}).get(f.function or "", 0.0)
        if heat >= HOT_SHARE:
            f = _raised(f, heat, f"this line took {_percent(heat)} of the run")
        elif fn_heat >= HOT_SHARE:
            f = _raised(
                f, fn_heat, f"its function {f.function} took {_percent(fn_heat)} of the run"
            )
        elif heat < COLD_SHARE and fn_heat < COLD_SHARE:
            f = _with_note(f, Severity.HINT, "cold: no measurable time in the recorded run")
        out.append(f)
    return out


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _raised(f: Finding, heat: float, note: str) -> Finding:
    sev = f.severity if _RANK[f.severity] >= _RANK[Severity.WARNING] else Severity.WARNING
    return replace(
        f,
        severity=sev,
        message=f"{f.message} ({note})",
        extra={**f.extra, "relevance": "hot", "heat": heat},
    )


def hot_only(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.extra.get("relevance") == "hot"]
