-- hone: a Python language server that finds slow code and offers fixes.
--
-- Neovim >= 0.11. Add this repository's editors/nvim folder to 'runtimepath' (this file is
-- `lsp/hone.lua` there, its client side `lua/hone/ui.lua`), or copy both files to the same
-- places under ~/.config/nvim; then, in init.lua:
--
--   vim.lsp.enable('hone')
--
-- Change anything with vim.lsp.config (tables are merged into the ones below), e.g.
--
--   vim.lsp.config('hone', {
--     cmd = { '/path/to/venv/bin/hone', 'serve' },
--     settings = { hone = { rules = { ignore = { 'HONE201' } }, llm = { baseUrl = 'http://localhost:11434/v1' } } },
--   })
--
-- `settings.hone` answers the server's workspace/configuration requests (section "hone");
-- `init_options` takes the same keys and is sent once at start-up (settings win over it).
-- Your own keymaps belong in an LspAttach autocmd: an `on_attach` given to vim.lsp.config
-- replaces the one below (and with it the code lens refreshes).

local ui = require('hone.ui')

---@type vim.lsp.Config
return ui.extend_config({
  cmd = { 'hone', 'serve' },
  filetypes = { 'python' },
  -- The nearest folder holding any of these is the workspace root; without one, hone runs in
  -- single-file mode.
  root_markers = { 'pyproject.toml', 'setup.py', '.git' },
  -- :HoneRunWithTiming [function] runs the file (or one function) with timing, as the
  -- "▶ Run" lenses do; the report opens below (vim.g.hone_report: 'split', 'quickfix' or
  -- 'none'), its hot lines fill the quickfix list, and the "⏱" lenses or :HoneTimingReport
  -- open it again. Code lenses are refreshed on attach, save, InsertLeave and after a run.
  on_attach = function(client, bufnr)
    ui.on_attach(client, bufnr)
    -- :HoneTrust  trust this buffer's workspace folder (recorded in hone's user data folder, like
    -- :trust): hone may then run its code (verification of fixes, Run with timing).
    vim.api.nvim_buf_create_user_command(bufnr, 'HoneTrust', function()
      local args = { { uri = vim.uri_from_bufnr(bufnr) } }
      client:exec_cmd({ title = 'Trust folder', command = 'hone.trustFolder', arguments = args }, { bufnr = bufnr }, function(err)
        if err then
          vim.notify('hone: ' .. tostring(err.message), vim.log.levels.ERROR)
        end
      end)
    end, { desc = 'hone: trust this folder (lets hone run its code)' })
  end,
})
