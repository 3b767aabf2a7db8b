"""hone rules, --explain, the generated README catalog, and `python -m hone`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hone.docs_catalog import (
    catalog,
    readme_section,
    replace_readme_section,
    rules_markdown,
)
from hone.rules.registry import all_rules
from tests.cli.conftest import HoneRunner, write

ROOT = Path(__file__).resolve().parents[2]


def test_rules_lists_every_rule(hone: HoneRunner) -> None:
    r = hone("rules")
    assert r.rc == 0
    lines = r.out.splitlines()
    for rule in all_rules():
        (line,) = [ln for ln in lines if ln.startswith(rule.meta.id + " ")]
        assert rule.meta.name in line and rule.meta.message in line
        if rule.meta.safe_when:  # each finding says which: safe in the case --explain names
            assert line.endswith("[fix: safe or unsafe]")
        elif rule.meta.fix_safety is not None:
            assert line.endswith(f"[fix: {rule.meta.fix_safety.value}]")
    assert any(ln.startswith("HONE000 ") for ln in lines)


def test_rules_json(hone: HoneRunner) -> None:
    entries = json.loads(hone("rules", "--format", "json").out)
    assert [e["code"] for e in entries] == [e.id for e in catalog()]
    hone201 = next(e for e in entries if e["code"] == "HONE201")
    assert hone201["fix"] == "unsafe" and hone201["doc"]["before"]


def test_explain(hone: HoneRunner) -> None:
    r = hone("rules", "--explain", "hone201")
    assert r.rc == 0
    assert r.out.startswith("# HONE201 sorted-for-min-max\n")
    for heading in ("## Why", "## Example", "After the fix:", "## Why the fix is unsafe"):
        assert heading in r.out
    assert "cheapest = sorted(prices)[0]" in r.out
    assert hone("rules", "--explain", "sorted-for-min-max").out == r.out  # by name too
    assert "syntax-error" in hone("rules", "--explain", "HONE000").out


def test_explain_every_rule(hone: HoneRunner) -> None:
    for entry in catalog():
        r = hone("rules", "--explain", entry.id)
        assert r.rc == 0 and entry.message in r.out


def test_explain_unknown_rule_exits_2(hone: HoneRunner) -> None:
    r = hone("rules", "--explain", "HONE9999")
    assert r.rc == 2
    assert r.out == ""
    assert "unknown rule 'HONE9999'" in r.err


def test_readme_rule_catalog_is_generated() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme_section(readme, "rules")
    assert section is not None, "README.md lacks the <!-- section:rules --> markers"
    assert section.strip() == rules_markdown().strip(), (
        "README.md's rule catalog is out of date: run `python scripts/gen_readme.py`"
    )


def test_readme_section_helpers() -> None:
    text = "a\n<!-- section:x -->\nold\n<!-- /section:x -->\nb\n"
    new = replace_readme_section(text, "x", "new\nlines\n")
    assert new == "a\n<!-- section:x -->\nnew\nlines\n<!-- /section:x -->\nb\n"
    assert readme_section(new, "x") == "new\nlines"
    assert replace_readme_section(new, "x", "new\nlines") == new
    assert readme_section(text, "missing") is None


def test_catalog_markdown_lists_every_rule(fake_rules: None) -> None:
    md = rules_markdown()
    for rule in all_rules():
        assert f"| `{rule.meta.id}` | `{rule.meta.name}` |" in md


def test_gen_readme_check_mode(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n<!-- section:rules -->\n<!-- /section:rules -->\n")
    script = str(ROOT / "scripts" / "gen_readme.py")
    stale = subprocess.run(
        [sys.executable, script, "--check", "--readme", str(readme)], capture_output=True, text=True
    )
    assert stale.returncode == 1 and "out of date" in stale.stdout
    subprocess.run([sys.executable, script, "--readme", str(readme)], check=True)
    assert readme_section(readme.read_text(), "rules") == rules_markdown().strip("\n")
    fresh = subprocess.run([sys.executable, script, "--check", "--readme", str(readme)])
    assert fresh.returncode == 0


def test_python_dash_m_hone(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "x = sorted(a)[0]\n")
    env = {**os.environ, "HONE_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run(
        [sys.executable, "-m", "hone", "check", "a.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 1
    assert r.stdout.startswith("a.py:1:5: HONE201 ")
    r = subprocess.run([sys.executable, "-m", "hone", "rules"], capture_output=True, text=True)
    assert r.returncode == 0 and "HONE201" in r.stdout
    bogus = subprocess.run([sys.executable, "-m", "hone", "check", "--bogus"], capture_output=True)
    assert bogus.returncode == 2
