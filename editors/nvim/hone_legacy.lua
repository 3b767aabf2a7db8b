-- hone for Neovim 0.7 - 0.10 (no vim.lsp.config/vim.lsp.enable there; Neovim >= 0.11 should use
-- lsp/hone.lua instead). One self-contained file: in init.lua,
--
--   dofile('/path/to/hone/editors/nvim/hone_legacy.lua').setup({
--     cmd = { 'hone', 'serve' },                        -- optional
--     settings = { hone = { rules = { ignore = { 'HONE201' } } } },  -- optional
--     init_options = {},                                -- optional
--     on_attach = function(client, bufnr) end,          -- optional: your keymaps
--   })
--
-- (or copy it to ~/.config/nvim/lua/hone_legacy.lua, and lua/hone/ui.lua to
-- ~/.config/nvim/lua/hone/ui.lua, and `require('hone_legacy').setup({...})`).
-- It starts hone from a FileType autocmd with vim.lsp.start (0.8+) or, on 0.7,
-- vim.lsp.start_client + vim.lsp.buf_attach_client with one client per project root.
-- The client side (code lens refreshes, the timing report buffer, :HoneRunWithTiming,
-- :HoneTimingReport) is lua/hone/ui.lua, shared with lsp/hone.lua.

local M = {}
local uv = vim.uv or vim.loop -- vim.loop is deprecated since 0.10

--- hone.ui: from 'runtimepath' (lua/hone/ui.lua), else next to this file (editors/nvim/lua).
local function load_ui()
  local ok, ui = pcall(require, 'hone.ui')
  if ok then
    return ui
  end
  local here = debug.getinfo(1, 'S').source:gsub('^@', '')
  local path = vim.fn.fnamemodify(here, ':p:h') .. '/lua/hone/ui.lua'
  ui = dofile(path)
  package.loaded['hone.ui'] = ui
  return ui
end
local ui = load_ui()
M.ui = ui

M.defaults = {
  name = 'hone',
  cmd = { 'hone', 'serve' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'setup.py', '.git' },
}

--- The nearest folder at or above `path`'s folder holding any of `markers` (vim.fs is 0.8+).
---@param path string
---@param markers string[]
---@return string|nil
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while true do
    for _, marker in ipairs(markers) do
      if uv.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return nil
    end
    dir = parent
  end
end

--- Run the buffer's file (or one function of it) with timing; the report opens when it arrives.
---@param bufnr number|nil
---@param func string|nil
function M.run_with_timing(bufnr, func)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(clients) do
    if client.name == M.defaults.name then
      ui.run_with_timing(client, bufnr, func)
      return
    end
  end
  vim.notify('hone is not attached to this buffer', vim.log.levels.WARN)
end

--- :HoneTrust: trust the buffer's workspace folder (recorded in hone's user data folder, like
--- :trust); hone may then run its code (verification of fixes, Run with timing).
function M.trust(bufnr)
  local params = { command = 'hone.trustFolder', arguments = { { uri = vim.uri_from_bufnr(bufnr) } } }
  local function on_reply(err)
    if err then
      vim.notify('hone: ' .. tostring(err.message), vim.log.levels.ERROR)
    end
  end
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(clients) do
    if client.name == M.defaults.name then
      if vim.fn.has('nvim-0.11') == 1 then
        client:request('workspace/executeCommand', params, on_reply, bufnr)
      else
        client.request('workspace/executeCommand', params, on_reply, bufnr)
      end
    end
  end
end

local clients_by_root = {} -- Neovim 0.7 only: root -> client id

---@param bufnr number
---@param opts table
function M.attach(bufnr, opts)
  local path = vim.api.nvim_buf_get_name(bufnr)
  -- only real files: not unnamed, not fugitive://, not help/terminal buffers
  if path == '' or path:match('^%a[%w+.-]*://') or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local root = M.find_root(path, opts.root_markers) or vim.fn.fnamemodify(path, ':p:h')
  local user_on_attach = opts.on_attach
  local config = ui.extend_config({
    name = opts.name,
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = opts.settings,
    init_options = opts.init_options,
    capabilities = opts.capabilities and vim.deepcopy(opts.capabilities),
    handlers = opts.handlers and vim.deepcopy(opts.handlers),
    commands = opts.commands and vim.deepcopy(opts.commands),
    on_init = function(client)
      -- Neovim 0.7 answers workspace/configuration but does not advertise it, so hone never
      -- asks: push the settings once instead (as nvim-lspconfig does).
      local caps = vim.lsp.protocol.make_client_capabilities()
      if not (caps.workspace and caps.workspace.configuration) and next(opts.settings) then
        client.notify('workspace/didChangeConfiguration', { settings = opts.settings }) -- 0.7 only
      end
    end,
    on_attach = function(client, buf)
      ui.on_attach(client, buf)
      vim.api.nvim_buf_create_user_command(buf, 'HoneTrust', function()
        M.trust(buf)
      end, { desc = 'hone: trust this folder (lets hone run its code)' })
      if user_on_attach then
        user_on_attach(client, buf)
      end
    end,
  })
  if vim.lsp.start then -- Neovim 0.8 - 0.10 (and later)
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

---@param opts table|nil see the top of this file
function M.setup(opts)
  opts = vim.tbl_deep_extend('force', {}, M.defaults, opts or {})
  -- deep_extend turns an empty table into a list: keep settings a JSON object
  if opts.settings == nil or vim.tbl_isempty(opts.settings) then
    opts.settings = vim.empty_dict()
  end
  local group = vim.api.nvim_create_augroup('hone_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = opts.filetypes,
    callback = function(ev)
      M.attach(ev.buf, opts)
    end,
  })
  -- buffers opened before setup() ran
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if
      vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(opts.filetypes, vim.bo[buf].filetype)
    then
      M.attach(buf, opts)
    end
  end
end

return M
