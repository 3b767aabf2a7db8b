"""How often hone's rules are right, on code nobody here wrote.

Downloads a fixed set of popular pure-Python packages at pinned versions from the package index
(``pip download``; cached under ``build/rule-precision``), runs ``hone check`` on them at the
default settings, and joins the findings at default severity (warning and above) with the
committed hand labels in ``bench/rule_precision/labels.json``:

* ``wrong``       -- the claim is false, or the fix would change behaviour;
* ``negligible``  -- true, but not worth changing where it stands (cold code, tiny inputs);
* ``worthwhile``  -- true, and a change a maintainer would accept for its speed.

Targets (issue 15): wrong <= 2 %, worthwhile >= 75 %.  A finding is matched to its label by
package, file, rule code and the text of its first line (so a label survives line moves); findings
without a label are listed (label them, or they are not counted).

Usage:
  python bench/bench_rule_precision.py                # report
  python bench/bench_rule_precision.py --sample N     # write packets of N unlabelled findings
  python bench/bench_rule_precision.py --reuse        # report on the last run's findings
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "rule-precision"
LABELS = ROOT / "bench" / "rule_precision" / "labels.json"
PACKAGES = (
    "sympy==1.13.3",
    "networkx==3.4.2",
    "sphinx==8.1.3",
    "pygments==2.18.0",
    "docutils==0.21.2",
    "markdown==3.7",
    "requests==2.32.3",
    "jinja2==3.1.4",
    "attrs==24.2.0",
    "rich==13.9.4",
    "packaging==24.2",
    "click==8.1.7",
    "urllib3==2.2.3",
)
LABEL_KINDS = ("wrong", "negligible", "worthwhile")


def fetch() -> Path:
    """The packages' sources, one folder per ``name==version`` (downloaded once)."""
    wheels, src = CACHE / "wheels", CACHE / "src"
    for spec in PACKAGES:
        name, version = spec.split("==")
        target = src / f"{name}-{version}"
        if target.is_dir():
            continue
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        subprocess.run([*pip, "--only-binary=:all:", "-d", str(wheels), spec], check=True)
        wheel = next(
            w
            for w in wheels.glob("*.whl")
            if w.name.lower().startswith(f"{name.lower()}-{version}-")
        )
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(target)
    return src


def findings(src: Path, reuse: bool = False) -> list[dict[str, Any]]:
    out = CACHE / "findings.json"
    if reuse and out.is_file():
        found = json.loads(out.read_text(encoding="utf-8"))["findings"]
        return [f for f in found if f["severity"] in ("warning", "error")]
    check = [sys.executable, "-m", "hone", "check", "--format", "json", "--exit-zero"]
    subprocess.run([*check, "-o", str(out), "--no-cache", "."], cwd=src, check=True)
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    return [f for f in found if f["severity"] in ("warning", "error")]


def key(src: Path, f: dict[str, Any]) -> str:
    path = Path(f["path"])
    try:
        line = (src / path).read_text(encoding="utf-8").splitlines()[f["line"] - 1].strip()
    except (OSError, IndexError, UnicodeDecodeError):
        line = ""
    digest = hashlib.sha256(line.encode()).hexdigest()[:12]
    return f"{path.as_posix()}:{f['code']}:{digest}"


def context(src: Path, f: dict[str, Any], around: int = 8) -> str:
    lines = (src / f["path"]).read_text(encoding="utf-8").splitlines()
    first = max(1, f["line"] - around)
    last = min(len(lines), f["end_line"] + around)
    return "\n".join(
        f"{'>' if f['line'] <= n <= f['end_line'] else ' '}{n:5} {lines[n - 1]}"
        for n in range(first, last + 1)
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, help="write packets of this many unlabelled findings")
    ap.add_argument("--packets", type=int, default=4)
    ap.add_argument("--reuse", action="store_true", help="the findings of the last run")
    args = ap.parse_args()
    src = fetch()
    found = findings(src, args.reuse)
    labels: dict[str, dict[str, str]] = (
        json.loads(LABELS.read_text(encoding="utf-8")) if LABELS.is_file() else {}
    )
    keyed = [(key(src, f), f) for f in found]
    if args.sample:
        # a deterministic sample spread over packages and rules
        todo = [(k, f) for k, f in keyed if k not in labels]
        by_package: dict[str, list[tuple[str, dict[str, Any]]]] = collections.defaultdict(list)
        for k, f in sorted(todo, key=lambda kf: kf[0]):
            by_package[k.split("/")[0]].append((k, f))
        picked: list[tuple[str, dict[str, Any]]] = []
        while len(picked) < args.sample and any(by_package.values()):
            for package in sorted(by_package):
                items = by_package[package]
                if items:
                    picked.append(items.pop(len(items) // 2))
        for i in range(args.packets):
            packet = [
                {
                    "key": k,
                    "code": f["code"],
                    "name": f["name"],
                    "message": f["message"],
                    "function": f.get("function"),
                    "fix": f.get("fix"),
                    "context": context(src, f),
                }
                for k, f in picked[i :: args.packets]
            ]
            (CACHE / f"packet-{i}.json").write_text(json.dumps(packet, indent=1), "utf-8")
        print(f"wrote {args.packets} packets of {len(picked)} findings under {CACHE}")
        return 0
    counted = collections.Counter()
    per_rule: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    packages = set()
    unlabelled = []
    for k, f in keyed:
        label = labels.get(k, {}).get("label")
        if label not in LABEL_KINDS:
            unlabelled.append(k)
            continue
        counted[label] += 1
        per_rule[f["code"]][label] += 1
        packages.add(k.split("/")[0])
    total = sum(counted.values())
    print(
        f"{len(found)} findings at warning and above; {total} labelled, from {len(packages)} "
        f"packages ({len(unlabelled)} unlabelled)"
    )
    if total:
        for kind, target in (("wrong", "<= 2 %"), ("negligible", ""), ("worthwhile", ">= 75 %")):
            share = 100 * counted[kind] / total
            print(f"  {kind:11} {counted[kind]:4}  {share:5.1f} %  {target}")
        print("per rule (wrong / negligible / worthwhile):")
        for code in sorted(per_rule):
            c = per_rule[code]
            print(f"  {code}  {c['wrong']:3} / {c['negligible']:3} / {c['worthwhile']:3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
