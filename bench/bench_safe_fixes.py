"""Are hone's *safe* fixes safe on real packages?  (Issue 15's property, on the fixture packages.)

A safe fix may be applied by fix-all to any program unseen (Ruff's contract).  This applies every
safe fix, as fix-all does, to every module of the 13 packages ``bench_rule_precision.py`` pins,
and checks:

1. every fixed file still compiles;
2. where a package's own test suite runs offline with what is installed here, it gives the same
   result on the fixed package as on the original (its sdist, fetched from the index once, with
   the package's modules replaced by their fixed text; the tests themselves are left alone).

A suite that does not run here (a missing test dependency) is reported as not runnable, with the
reason -- never counted as passing.

Usage:
  python bench/bench_safe_fixes.py              # both parts
  python bench/bench_safe_fixes.py --compile    # part 1 only (no download beyond the wheels)
  python bench/bench_safe_fixes.py --suites-only --suites docutils,markdown
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rule_precision import CACHE, PACKAGES, fetch

from hone.analysis.fixes import fix_all
from hone.core.settings import Settings

# package -> (the folder in its sdist holding its modules, the suite's command run from the
# sdist's root, a regex over the output giving the counts that must not change)
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio"]
PYTEST += ["-rfE"]  # the ids of failing tests, compared before/after
UNITTEST_RAN = r"Ran (\d+) tests?"
SUITES: dict[str, tuple[str, list[str], str]] = {
    "docutils": ("docutils", [sys.executable, "test/alltests.py"], UNITTEST_RAN),
    "networkx": ("networkx", [*PYTEST, "networkx"], ""),
    "pygments": ("pygments", [*PYTEST, "tests"], ""),
    "markdown": (
        "markdown",
        [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-t", "."],
        UNITTEST_RAN,
    ),
    "click": ("src", PYTEST, ""),
    "attrs": ("src", PYTEST, ""),
    "packaging": ("src", PYTEST, ""),
    "jinja2": ("src", PYTEST, ""),
    "requests": ("src", PYTEST, ""),
}
PYTEST_SUMMARY = re.compile(r"^=*\s*((?:\d+ \w+(?:, )?)+)(?: in [\d.]+s)?.*$", re.MULTILINE)


@dataclass
class FileResult:
    path: Path
    applied: int
    error: str = ""


def fix_text(text: str) -> tuple[str, int]:
    result = fix_all(text, Settings())
    return result.text, result.applied


def _is_test(path: Path) -> bool:
    return "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"


def fix_tree(root: Path, write: bool, skip_tests: bool = False) -> list[FileResult]:
    """Safe fixes on every module under ``root``; each fixed file must compile.  With
    ``skip_tests`` the package's own tests are left as they are (they judge the fixes)."""
    out = []
    for path in sorted(root.rglob("*.py")):
        if skip_tests and _is_test(path):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            compile(text, str(path), "exec", dont_inherit=True)
        except SyntaxError:
            continue  # not valid Python to begin with (templates, py2 fixtures)
        fixed, applied = fix_text(text)
        error = ""
        try:
            compile(fixed, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            error = f"{exc.msg} (line {exc.lineno})"
        if write and applied and not error:
            path.write_text(fixed, encoding="utf-8")
        out.append(FileResult(path, applied, error))
    return out


def part_compile(src: Path) -> bool:
    print("1. every file compiles after fix-all (safe fixes)")
    ok = True
    total_files = total_fixes = 0
    for spec in PACKAGES:
        name, version = spec.split("==")
        started = time.perf_counter()
        results = fix_tree(src / f"{name}-{version}", write=False)
        bad = [r for r in results if r.error]
        fixes = sum(r.applied for r in results)
        changed = sum(1 for r in results if r.applied)
        total_files += len(results)
        total_fixes += fixes
        print(
            f"   {spec:<20} {len(results):5} files  {fixes:4} fixes in {changed:3} files  "
            f"{'OK' if not bad else f'{len(bad)} DO NOT COMPILE'}  "
            f"({time.perf_counter() - started:.0f} s)"
        )
        for r in bad[:5]:
            print(f"      {r.path.relative_to(src)}: {r.error}")
        ok = ok and not bad
    print(f"   total: {total_files} files, {total_fixes} safe fixes applied")
    return ok


def sdist(spec: str) -> Path:
    """The package's sdist, unpacked under build/rule-precision/sdist (downloaded once from the
    index's simple API, checksum checked: ``pip download`` would build its metadata first)."""
    name, version = spec.split("==")
    folder = CACHE / "sdist"
    for p in folder.glob(f"*-{version}"):
        if p.is_dir() and p.name.lower().replace("_", "-").startswith(f"{name.lower()}-"):
            return p
    folder.mkdir(parents=True, exist_ok=True)
    index = urllib.request.Request(
        f"https://pypi.org/simple/{name.lower()}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(index, timeout=60) as r:
        files = json.load(r)["files"]
    wanted = re.compile(rf"{re.escape(name)}-{re.escape(version)}\.tar\.gz", re.IGNORECASE)
    entry = next(f for f in files if wanted.fullmatch(f["filename"].replace("_", "-")))
    archive = folder / entry["filename"]
    with urllib.request.urlopen(entry["url"], timeout=300) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != entry["hashes"]["sha256"]:
        raise RuntimeError(f"{archive.name}: checksum mismatch")
    archive.write_bytes(data)
    with tarfile.open(archive) as tf:
        tf.extractall(folder, filter="data")
    return sdist(spec)


@dataclass
class SuiteRun:
    code: int
    ran: str  # "1656 tests" / "970 passed, 64 skipped"
    failing: frozenset[str]  # ids of the failing tests (the same ones must fail after the fixes)
    tail: str


_UNITTEST_FAIL = re.compile(r"^(?:FAIL|ERROR): (.+)$", re.MULTILINE)
_PYTEST_FAIL = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def run_suite(root: Path, command: list[str], pattern: str) -> SuiteRun:
    env = {**os.environ, "PYTHONPATH": str(root / "src") + os.pathsep + str(root)}
    proc = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    text = proc.stdout + proc.stderr
    tail = (text.strip().splitlines() or [""])[-1]
    if pattern:  # unittest
        m = re.findall(pattern, text)
        ran = f"{m[-1]} tests" if m else "?"
        return SuiteRun(proc.returncode, ran, frozenset(_UNITTEST_FAIL.findall(text)), tail)
    m = PYTEST_SUMMARY.findall(text)
    ran = re.sub(r" in [\d.]+s.*", "", m[-1]) if m else "?"
    return SuiteRun(proc.returncode, ran, frozenset(_PYTEST_FAIL.findall(text)), tail)


def part_suites(names: list[str]) -> bool:
    print("2. the packages' own test suites, original vs safe fixes applied")
    ok = True
    specs = {s.split("==")[0]: s for s in PACKAGES}
    for name in names:
        package_dir, command, pattern = SUITES[name]
        base = sdist(specs[name])
        work = CACHE / "suite-runs" / base.name
        for label in ("original", "fixed"):
            target = work / label
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(base, target)
        fixed_files = fix_tree(work / "fixed" / package_dir, write=True, skip_tests=True)
        fixes = sum(r.applied for r in fixed_files)
        before = run_suite(work / "original", command, pattern)
        if before.code not in (0, 1) or before.ran == "?":
            print(f"   {name:<10} not runnable here (exit {before.code}): {before.tail[:150]}")
            continue
        after = run_suite(work / "fixed", command, pattern)
        same = (before.code, before.ran, before.failing) == (after.code, after.ran, after.failing)
        ok = ok and same
        known = (
            f", the same {len(before.failing)} failing before the fixes" if before.failing else ""
        )
        print(
            f"   {name:<10} {fixes:3} safe fixes  original: {before.ran}, exit {before.code}  "
            f"fixed: {after.ran}, exit {after.code}{known if same else ''}  "
            f"{'SAME' if same else 'DIFFERENT'}"
        )
        if not same:
            for test in sorted(before.failing ^ after.failing)[:10]:
                print(f"      differs: {test}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--compile", action="store_true", help="part 1 only")
    ap.add_argument("--suites", help=f"comma-separated, from: {', '.join(SUITES)}")
    ap.add_argument("--suites-only", action="store_true", help="part 2 only")
    args = ap.parse_args()
    src = fetch()
    ok = True if args.suites_only else part_compile(src)
    if not args.compile:
        names = [n.strip() for n in (args.suites or ",".join(SUITES)).split(",") if n.strip()]
        unknown = set(names) - set(SUITES)
        if unknown:
            ap.error(f"no suite for {', '.join(sorted(unknown))}")
        ok = part_suites(names) and ok
    print("safe fixes kept every program the same" if ok else "A SAFE FIX BROKE SOMETHING")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
