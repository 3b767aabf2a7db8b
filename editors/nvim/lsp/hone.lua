-- hone: a Python language server that finds slow code and offers fixes.
--
-- Neovim >= 0.11. Make this file reachable as `lsp/hone.lua` on 'runtimepath' -- copy it to
-- ~/.config/nvim/lsp/hone.lua, or add this repository's editors/nvim folder to 'runtimepath' --
-- then, in init.lua:
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

---@type vim.lsp.Config
return {
  cmd = { 'hone', 'serve' },
  filetypes = { 'python' },
  -- The nearest folder holding any of these is the workspace root; without one, hone runs in
  -- single-file mode.
  root_markers = { 'pyproject.toml', 'setup.py', '.git' },
  on_attach = function(client, bufnr)
    -- :HoneRunWithTiming [function]  run the file (or one function) with timing, like the code
    -- lenses do. hone shows the summary (window/showMessage), draws the times as code lenses
    -- and the hottest lines as hint diagnostics, and writes the full report to the LSP log.
    vim.api.nvim_buf_create_user_command(bufnr, 'HoneRunWithTiming', function(cmd)
      local arg = { uri = vim.uri_from_bufnr(bufnr) }
      if cmd.args ~= '' then
        arg['function'] = cmd.args
      end
      client:exec_cmd(
        { title = 'Run with timing', command = 'hone.runWithTiming', arguments = { arg } },
        { bufnr = bufnr },
        function(err)
          if err then
            vim.notify('hone: ' .. tostring(err.message), vim.log.levels.ERROR)
          end
        end
      )
    end, { nargs = '?', desc = 'hone: run this file (or a function) with timing' })
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
}
