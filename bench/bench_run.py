"""Overhead of "Run with timing" against a plain run, cProfile and pyinstrument.

    python bench/bench_run.py [--repeat 3] [--scale 1.0] [--json out.json]

Three workloads (call-heavy, loop-heavy, I/O-heavy), each run side by side as:

* ``plain``        -- ``python file.py``
* ``hone``         -- hone's sandboxed timed run (sampling + exact call counts + argument samples)
* ``hone-args``    -- the same without call counts (``--no-counts``)
* ``hone-sample``  -- sampling only, no AST instrumentation (``--no-instrument``)
* ``cProfile``     -- ``python -m cProfile -o out file.py``
* ``pyinstrument`` -- ``python -m pyinstrument -r json -o out file.py`` (when installed)

Every figure is the wall time of the whole process as seen from outside (interpreter start-up
and report writing included), the minimum of ``--repeat`` runs.  For hone it also prints the
program's wall time *as the report states it* and how far that is from the plain run: the report
must tell the truth about the program it measures.

Targets (issue 4): on call-heavy, hone's overhead below cProfile's while still giving per-function
self and cumulative times; on loop-heavy, the reported wall time within 5 % of the plain run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from hone.runner import RunRequest, run_with_timing_sync  # noqa: E402

CALL_HEAVY = """
class Node:
    __slots__ = ("value", "left", "right")

    def __init__(self, value, left=None, right=None):
        self.value = value
        self.left = left
        self.right = right


def build(depth):
    if depth == 0:
        return Node(1)
    return Node(depth, build(depth - 1), build(depth - 1))


def total(node):
    if node is None:
        return 0
    return node.value + total(node.left) + total(node.right)


def is_even(n):
    return n % 2 == 0


def count_even(node):
    if node is None:
        return 0
    return is_even(node.value) + count_even(node.left) + count_even(node.right)


def main(rounds):
    tree = build(14)
    s = 0
    for _ in range(rounds):
        s += total(tree) + count_even(tree)
    print(s)


main(ROUNDS)
"""

LOOP_HEAVY = """
def sieve(limit):
    flags = [True] * (limit + 1)
    flags[0] = flags[1] = False
    i = 2
    while i * i <= limit:
        if flags[i]:
            for j in range(i * i, limit + 1, i):
                flags[j] = False
        i += 1
    return sum(flags)


def matmul(n):
    a = [[(i * j) % 7 for j in range(n)] for i in range(n)]
    b = [[(i + j) % 5 for j in range(n)] for i in range(n)]
    c = [[0] * n for _ in range(n)]
    for i in range(n):
        ai = a[i]
        ci = c[i]
        for k in range(n):
            aik = ai[k]
            bk = b[k]
            for j in range(n):
                ci[j] += aik * bk[j]
    return c[n - 1][n - 1]


def main(scale):
    print(sieve(int(8_000_000 * scale)), matmul(int(200 * scale ** (1 / 3))))


main(SCALE)
"""

IO_HEAVY = """
import json
import os
import tempfile


def write_files(folder, count):
    for i in range(count):
        record = {"id": i, "name": f"item-{i}", "tags": ["a", "b", "c"] * 20, "text": "x" * 4000}
        with open(os.path.join(folder, f"{i}.json"), "w") as fh:
            json.dump(record, fh)


def read_files(folder, count):
    size = 0
    for i in range(count):
        with open(os.path.join(folder, f"{i}.json")) as fh:
            size += len(json.load(fh)["text"])
    return size


def main(count):
    with tempfile.TemporaryDirectory() as folder:
        write_files(folder, count)
        print(read_files(folder, count))


main(COUNT)
"""


def workloads(scale: float) -> dict[str, str]:
    return {
        "call-heavy": CALL_HEAVY.replace("ROUNDS", str(max(1, round(100 * scale)))),
        "loop-heavy": LOOP_HEAVY.replace("SCALE", repr(scale)),
        "io-heavy": IO_HEAVY.replace("COUNT", str(max(10, round(6000 * scale)))),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of a command run to completion."""
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def hone_run(path: Path, instrument: bool, counts: bool = True) -> tuple[float, float, float, str]:
    """(wall, CPU, the wall time the report states, summary) of a timed run."""
    cpu = _children_cpu()
    start = time.perf_counter()
    report = run_with_timing_sync(
        RunRequest(
            path=str(path),
            cwd=str(path.parent),
            timeout_s=600,
            instrument=instrument,
            call_counts=counts,
        )
    )
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if not report.ok:
        raise SystemExit(f"hone run failed: {report.summary()}\n{report.stderr}")
    if report.samples_path:
        shutil.rmtree(os.path.dirname(report.samples_path), ignore_errors=True)
    return elapsed, cpu, report.wall_s, report.summary()


def sandbox_startup(python: str, n: int = 10) -> tuple[float, float] | None:
    """(plain, sandboxed) wall seconds of ``python -S -c pass``, the best of ``n``: what the OS
    sandbox adds to every run (None when no sandbox can start here)."""
    import asyncio

    from hone.sandbox import Policy, availability, launch

    if not availability().ok:
        return None

    async def boxed() -> float:
        start = time.perf_counter()
        box = await launch([python, "-S", "-c", "pass"], Policy())
        await box.wait()
        return time.perf_counter() - start

    plain = min(timed([python, "-S", "-c", "pass"], Path.cwd())[0] for _ in range(n))
    return plain, min(asyncio.run(boxed()) for _ in range(n))


COLUMNS = ["plain", "hone", "hone-args", "hone-sample", "cProfile", "pyinstrument"]


def table(title: str, results: dict[str, dict[str, float]], suffix: str) -> None:
    print(title)
    print(f"{'workload':<12}" + "".join(f"{c:>16}" for c in COLUMNS))
    for name, best in results.items():
        row = f"{name:<12}"
        for c in COLUMNS:
            value = best.get(c + suffix)
            if value is None:
                row += f"{'-':>16}"
                continue
            ratio = value / best["plain" + suffix] - 1
            row += f"{value:>9.3f}s" + (f"{ratio:>+6.0%}" if c != "plain" else " " * 6)
        print(row)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="workload size factor")
    parser.add_argument("--json", help="also write the figures to this file")
    opts = parser.parse_args()
    python = sys.executable
    have_pyinstrument = (
        subprocess.run([python, "-c", "import pyinstrument"], capture_output=True).returncode == 0
    )
    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, float]] = {}
    summaries: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hone-bench-") as tmp:
        folder = Path(tmp)
        for name, code in workloads(opts.scale).items():
            path = folder / f"{name.replace('-', '_')}.py"
            path.write_text(code)
            out = folder / "out"
            runs: dict[str, list[tuple[float, float]]] = {}
            reported: list[float] = []
            for _ in range(opts.repeat):  # interleaved, so a busy moment hits every column
                runs.setdefault("plain", []).append(timed([python, str(path)], folder))
                wall, cpu, stated, summaries[name] = hone_run(path, instrument=True)
                runs.setdefault("hone", []).append((wall, cpu))
                reported.append(stated)
                runs.setdefault("hone-args", []).append(hone_run(path, True, counts=False)[:2])
                runs.setdefault("hone-sample", []).append(hone_run(path, instrument=False)[:2])
                runs.setdefault("cProfile", []).append(
                    timed([python, "-m", "cProfile", "-o", str(out), str(path)], folder)
                )
                if have_pyinstrument:
                    runs.setdefault("pyinstrument", []).append(
                        timed(
                            [python, "-m", "pyinstrument", "-r", "json", "-o", str(out), str(path)],
                            folder,
                        )
                    )
            best: dict[str, float] = {}
            for column, values in runs.items():
                best[column] = min(v[0] for v in values)
                best[column + "-cpu"] = min(v[1] for v in values)
            best["hone-reported-wall"] = min(reported)
            results[name] = best

    startup = sandbox_startup(python)
    load_after = os.getloadavg()[0]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, min of {opts.repeat} runs, "
        f"load average {load_before:.1f} before / {load_after:.1f} after\n"
    )
    table("Wall time of the whole process (start-up and report included)", results, "")
    table("CPU time (user + system) of the process", results, "-cpu")
    print("The program's own wall time as hone's report states it, against the plain run:")
    for name, best in results.items():
        gap = best["hone-reported-wall"] / best["plain"] - 1
        print(f"  {name:<12} {best['hone-reported-wall']:.3f}s ({gap:+.1%})")
    print()
    for name, text in summaries.items():
        print(f"{name}: {text}")
    call = results["call-heavy"]
    loop = results["loop-heavy"]
    print()
    print(
        "call-heavy: hone overhead {:+.0%} vs cProfile {:+.0%} -> {}".format(
            call["hone"] / call["plain"] - 1,
            call["cProfile"] / call["plain"] - 1,
            "OK" if call["hone"] < call["cProfile"] else "MISSED",
        )
    )
    gap = abs(loop["hone-reported-wall"] / loop["plain"] - 1)
    print(
        f"loop-heavy: reported wall within {gap:.1%} of plain -> {'OK' if gap <= 0.05 else 'MISSED'}"
    )
    if startup is not None:
        plain_s, boxed_s = startup
        print(
            f"sandbox start-up: python -S -c pass {plain_s * 1000:.1f} ms plain, "
            f"{boxed_s * 1000:.1f} ms in the OS sandbox (+{(boxed_s - plain_s) * 1000:.1f} ms a run)"
        )
    if opts.json:
        Path(opts.json).write_text(
            json.dumps(
                {"results": results, "summaries": summaries, "sandbox_startup_s": startup},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
