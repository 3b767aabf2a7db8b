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

---@param client vim.lsp.Client
---@param report table?
local function show_report(client, report)
  local summary = type(report) == 'table' and report.summary
  if type(summary) == 'string' and summary ~= '' then
    vim.notify(summary, vim.log.levels.INFO, { title = client.name })
  end
end

---@type vim.lsp.Config
return {
  cmd = { 'hone', 'serve' },
  filetypes = { 'python' },
  -- The nearest folder holding any of these is the workspace root; without one, hone runs in
  -- single-file mode.
  root_markers = { 'pyproject.toml', 'setup.py', '.git' },
  handlers = {
    -- "Run with timing" (code lens or :HoneRunWithTiming) sends its report here: show the summary.
    ['hone/timingReport'] = function(_, report, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      if client then
        show_report(client, report)
      end
    end,
  },
  on_attach = function(client, bufnr)
    -- :HoneRunWithTiming [function]  run the file (or one function) with timing.
    vim.api.nvim_buf_create_user_command(bufnr, 'HoneRunWithTiming', function(cmd)
      local arg = { uri = vim.uri_from_bufnr(bufnr) }
      if cmd.args ~= '' then
        arg['function'] = cmd.args
      end
      client:exec_cmd(
        { title = 'Run with timing', command = 'hone.runWithTiming', arguments = { arg } },
        { bufnr = bufnr }
      )
    end, { nargs = '?', desc = 'hone: run this file (or a function) with timing' })
  end,
}
