"""What the rule pass costs: a 2 MB file with many findings against a 2 MB file with none (the
cost must grow with the file, not with findings x functions), and the CPU time of one analysis
after a one-line edit in a 10,000-line file (the language server's per-keystroke work).

CPU time (``time.process_time``) is reported, not wall time, so a busy machine skews it less.

Usage: python bench/bench_rule_cost.py [--edits N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from hone.analysis.engine import Analyzer, analyse_text
from hone.core.settings import Settings

# a function with several findings (HONE101, HONE104, HONE117, HONE201, HONE219...)
NOISY = """
def report_{n}(orders, names):
    seen = []
    out = []
    for o in orders:
        if o.name not in seen and names.count(o.name) > 1:
            seen.append(o.name)
        out.append(o.total * 2)
    cheapest = sorted(out)[0]
    extra = dict()
    return out, cheapest, extra
"""

# the same amount of code, with nothing to report
QUIET = """
def report_{n}(orders, names):
    seen = set()
    out = [o.total * 2 for o in orders]
    for o in orders:
        if o.name in seen:
            continue
        seen.add(o.name)
    cheapest = min(out)
    extra = {{}}
    return out, cheapest, extra
"""


def _file(template: str, size: int) -> str:
    parts: list[str] = []
    total, n = 0, 0
    while total < size:
        part = template.format(n=n)
        parts.append(part)
        total += len(part)
        n += 1
    return "".join(parts)


def _cpu(fn: object) -> float:
    start = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=2.0)
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    defaults = Settings()
    settings = Settings({**defaults.values, "analysis.maxFileSizeKb": 100_000})
    size = int(args.size_mb * 1024 * 1024)
    noisy, quiet = _file(NOISY, size), _file(QUIET, size)
    found: dict[str, int] = {}

    def run(text: str, key: str) -> None:
        found[key] = len(analyse_text(text, settings).findings)

    t_noisy = _cpu(lambda: run(noisy, "noisy"))
    t_quiet = _cpu(lambda: run(quiet, "quiet"))

    lines = _file(NOISY, 400_000).splitlines(keepends=True)[:10_000]
    analyzer = Analyzer()
    analyzer.analyse("".join(lines), settings)
    edit_times = []
    target = next(i for i in range(len(lines) // 2, len(lines)) if "cheapest" in lines[i])
    for k in range(args.edits):
        lines[target] = f"    cheapest = sorted(out)[0] + {k}\n"
        text = "".join(lines)
        edit_times.append(_cpu(lambda t=text: analyzer.analyse(t, settings)))
    result = {
        "size_mb": args.size_mb,
        "many_findings_s": round(t_noisy, 2),
        "findings": found["noisy"],
        "no_findings_s": round(t_quiet, 2),
        "no_findings_count": found["quiet"],
        "ratio": round(t_noisy / t_quiet, 2),
        "edit_median_ms": round(statistics.median(edit_times) * 1000, 1),
        "edit_p95_ms": round(sorted(edit_times)[int(len(edit_times) * 0.95) - 1] * 1000, 1),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
