"""What a Neovim *user* sees, with a UI attached (``tests/nvim/ui_host.py``), in Neovim 0.12 (the
shipped ``lsp/hone.lua``) and 0.7 (the legacy helper):

- the code lenses appear without any manual ``vim.lsp.codelens.refresh()``;
- the first ``:w`` of a session (which makes hone say that LLM analysis is off) does not stop at
  a "Press ENTER" prompt;
- a run with timing opens its report (figures per function and line) in a window, again
  without a prompt.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.nvim.test_nvim_e2e import REPO, _nvim_or_skip
from tests.nvim.ui_host import UIHost

WAIT_S = 60.0

SOURCE = '''"""A file for hone's Neovim prompt test."""


def busy():
    total = 0
    for i in range(300_000):
        total += i * i % 7
    return total


def doubled(xs):
    out = []
    for x in xs:
        out.append(x * 2)
    return out


if __name__ == "__main__":
    print(busy(), doubled([1]))
'''

SETUP = r"""
local repo, cmd, mode, project = ...
-- the user's own configuration trusts the project (the run below needs a trusted folder)
local init_options = { trustedFolders = { project } }
_G.hone_msgs = {}
for _, method in ipairs({ 'window/showMessage', 'window/logMessage' }) do
  local original = vim.lsp.handlers[method]
  vim.lsp.handlers[method] = function(err, result, ctx, config)
    table.insert(_G.hone_msgs, { method = method, message = result and result.message })
    return original(err, result, ctx, config)
  end
end
vim.cmd('filetype on')
vim.o.swapfile = false
if mode == 'enable' then
  vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
  vim.lsp.config('hone', { cmd = cmd, init_options = init_options })
  vim.lsp.enable('hone')
else
  dofile(repo .. '/editors/nvim/hone_legacy.lua').setup({ cmd = cmd, init_options = init_options })
end
"""

ATTACHED_WITH_LENSES = r"""
local get = vim.lsp.get_clients or vim.lsp.get_active_clients
for _, c in pairs(get()) do
  if c.name == 'hone' and c.initialized ~= false then
    return #vim.lsp.codelens.get(0) > 0
  end
end
return false
"""

SAID_LLM_OFF = r"""
for _, m in ipairs(_G.hone_msgs) do
  if tostring(m.message):find('LLM analysis is off', 1, true) then
    return m.method
  end
end
return vim.NIL
"""

REPORT_WINDOW = r"""
for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
  local b = vim.api.nvim_win_get_buf(w)
  if vim.api.nvim_buf_get_name(b):find('hone://timing-report/', 1, true) then
    return vim.api.nvim_buf_get_lines(b, 0, -1, false)
  end
end
return vim.NIL
"""


@pytest.mark.parametrize(
    ("which", "mode"),
    [("pypi", "enable"), ("debian", "legacy")],
    ids=["nvim0.12-lsp.enable", "nvim0.7-legacy-helper"],
)
def test_no_prompt_lenses_and_report(which: str, mode: str, tmp_path: Path) -> None:
    nvim = _nvim_or_skip(which)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NVIM", "VIM", "MYVIMRC"))}
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        env[name] = str(folder)
    env.pop("OPENAI_API_KEY", None)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    path = project / "slow.py"
    path.write_text(SOURCE, encoding="utf-8")

    host = UIHost(nvim, env, project)
    try:

        def blocked() -> None:
            host.request("nvim_input", "<CR>")
            shown = host.request("nvim_exec", "messages", True)
            pytest.fail(f"Neovim stopped at a 'Press ENTER' prompt; :messages was:\n{shown}")

        cmd = [sys.executable, "-m", "hone", "serve"]
        host.lua(SETUP, str(REPO), cmd, mode, str(project))
        host.request("nvim_command", f"edit {path}")
        host.wait_for(
            "hone to attach and its code lenses to show (no manual refresh)",
            lambda: bool(host.lua(ATTACHED_WITH_LENSES)),
            WAIT_S,
            blocked,
        )
        # The first save of the session: hone tells that LLM analysis is off.
        host.request("nvim_input", ":w<CR>")
        host.wait_for(
            "hone to say that LLM analysis is off",
            lambda: host.lua(SAID_LLM_OFF) is not None,
            WAIT_S,
            blocked,
        )
        said = host.lua(SAID_LLM_OFF)
        # a round trip through the event loop, then the screen state once more
        host.lua("return 1")
        if host.mode().get("blocking"):
            blocked()
        msgs = json.dumps(host.lua("return _G.hone_msgs"))
        assert said == "window/logMessage", f"an informational message as {said}: {msgs}"

        host.request("nvim_input", ":HoneRunWithTiming busy<CR>")
        host.wait_for(
            "the timing report in a window",
            lambda: host.lua(REPORT_WINDOW) is not None,
            WAIT_S * 2,
            blocked,
        )
        report = "\n".join(host.lua(REPORT_WINDOW))
        assert "busy (slow.py:4)" in report, report
        assert " s " in report or " ms " in report, report
        host.lua("return 1")
        if host.mode().get("blocking"):
            blocked()
        # the focus stayed in the code
        assert host.lua("return vim.api.nvim_buf_get_name(0)") == str(path)
    finally:
        host.close()
