-- hone's client side for Neovim 0.7+: what the built-in LSP client does not do by itself.
--
--   * code lenses ("▶ Run with timing", "⏱ self · total · calls") are requested on attach, on
--     save, on InsertLeave, on BufEnter and after each run: Neovim does not refresh them on its
--     own, and does not advertise workspace/codeLens/refresh;
--   * a run's report (the `hone/timingReport` notification) opens in a scratch buffer with the
--     per-function and per-line table, and its hot lines become the quickfix list; the ⏱ lenses
--     (command `hone.showTimingReport`, handled here) and :HoneTimingReport open it again;
--   * the client declares `experimental.honeTimingReport`, so hone sends no showMessage summary
--     (a multi-line message would stop Neovim at a "Press ENTER" prompt).
--
-- Used by lsp/hone.lua (Neovim 0.11+, found on 'runtimepath' as `hone.ui`) and by
-- hone_legacy.lua. How a report is shown: `vim.g.hone_report` = 'split' (default: the report
-- in a window below, focus stays in the code), 'quickfix' (the hot lines in the quickfix window)
-- or 'none' (only the quickfix list is set, and a one-line summary is echoed).

local M = {}

local REPORT_COMMAND = 'hone.showTimingReport'
local RUN_COMMAND = 'hone.runWithTiming'

--- uri -> the last `hone/timingReport` params of that document
M.reports = {}

local function has(feature)
  return vim.fn.has(feature) == 1
end

-- -- formatting (the same as hone.runner.report) ------------------------------------------------

function M.fmt_seconds(s)
  if s > 0 and s < 0.01 then
    return string.format('%.1f ms', s * 1000)
  end
  return string.format('%.2f s', s)
end

local function pct(share)
  return string.format('%.0f%%', (share or 0) * 100)
end

local function basename(path)
  return vim.fn.fnamemodify(path or '', ':t')
end

local function same_file(a, b)
  return a and b and vim.fn.fnamemodify(a, ':p') == vim.fn.fnamemodify(b, ':p')
end

--- JSON null arrives as vim.NIL on some Neovims, as nil on others
local function val(x)
  if x == vim.NIL then
    return nil
  end
  return x
end

local function one_line(text, limit)
  text = (tostring(text or ''):gsub('^%s+', '')):match('[^\n]*') or ''
  if vim.fn.strchars(text) > limit then
    return vim.fn.strcharpart(text, 0, limit - 1) .. '…'
  end
  return text
end

--- The report as text lines, and for each line the source line it is about (1-based, or nil).
---@param params table hone/timingReport params
---@param source string[]|nil the run file's lines (to quote hot lines)
---@return string[] lines, table<integer, integer> targets
function M.render(params, source)
  local r = params.report or {}
  local lines, targets = {}, {}
  local function add(text, target)
    table.insert(lines, text)
    targets[#lines] = target
  end
  local function quote(file, line)
    if source and same_file(file, r.path) and source[line] then
      return '  ' .. one_line(source[line], 60)
    end
    return ''
  end
  local func = val(r['function'])
  local what = basename(r.path) .. (func and (' (' .. func .. '())') or '')
  add('hone timing report: ' .. what)
  add(params.summary or '')
  if params.stale then
    add('(the file changed while it ran: line numbers may be off)')
  end
  local functions = r.functions or {}
  if #functions > 0 then
    add('')
    add(string.format('%9s %4s  %9s %4s  %9s  %s', 'self', '%', 'total', '%', 'calls', 'function'))
    for _, f in ipairs(functions) do
      local calls = val(f.calls) and tostring(f.calls) or '-'
      local target = same_file(f.file, r.path) and f.line or nil
      add(
        string.format(
          '%9s %4s  %9s %4s  %9s  %s (%s:%d)',
          M.fmt_seconds(f.self_s),
          pct(f.share),
          M.fmt_seconds(f.cum_s),
          pct(f.cum_share),
          calls,
          f.qualname,
          basename(f.file),
          f.line
        ),
        target
      )
      for _, ln in ipairs(f.lines or {}) do
        add(
          string.format(
            '%9s %4s  %9s %4s  %9s    line %d%s',
            M.fmt_seconds(ln.self_s),
            pct(ln.share),
            '',
            '',
            '',
            ln.line,
            quote(ln.file, ln.line)
          ),
          same_file(ln.file, r.path) and ln.line or nil
        )
      end
    end
  end
  local hot = r.hot_lines or {}
  if #hot > 0 then
    add('')
    add('Hot lines (self time)')
    for _, ln in ipairs(hot) do
      add(
        string.format(
          '%9s %4s  %s:%d%s',
          M.fmt_seconds(ln.self_s),
          pct(ln.share),
          basename(ln.file),
          ln.line,
          quote(ln.file, ln.line)
        ),
        same_file(ln.file, r.path) and ln.line or nil
      )
    end
  end
  local exc = val(r.exception)
  if type(exc) == 'table' and type(exc.traceback_text) == 'string' then
    add('')
    for l in (exc.traceback_text:gsub('%s+$', '') .. '\n'):gmatch('([^\n]*)\n') do
      add(l)
    end
  end
  for _, name in ipairs({ 'stdout', 'stderr' }) do
    local text = r[name]
    if type(text) == 'string' and text ~= '' then
      add('')
      add('--- ' .. name .. ' ---')
      for l in (text:gsub('\n$', '') .. '\n'):gmatch('([^\n]*)\n') do
        add(l)
      end
    end
  end
  return lines, targets
end

-- -- the report buffer ---------------------------------------------------------------------------

local function find_buffer(name)
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_valid(b) and vim.api.nvim_buf_get_name(b) == name then
      return b
    end
  end
end

local function window_of(buf)
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_buf(w) == buf then
      return w
    end
  end
end

--- Fill (or create) the scratch buffer of `uri`'s report; returns it.
local function report_buffer(uri, params)
  local path = vim.uri_to_fname(uri)
  local name = 'hone://timing-report/' .. vim.fn.fnamemodify(path, ':~:.')
  local buf = find_buffer(name)
  if not buf then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'hide'
    vim.bo[buf].swapfile = false
    vim.bo[buf].filetype = 'honereport'
    -- <CR> on a row of the report jumps to that line of the code
    vim.keymap.set('n', '<CR>', function()
      local row = vim.api.nvim_win_get_cursor(0)[1]
      local target = (vim.b[buf].hone_targets or {})[tostring(row)]
      local file = vim.b[buf].hone_file
      if target and file then
        vim.cmd('wincmd p')
        if not same_file(vim.api.nvim_buf_get_name(0), file) then
          vim.cmd('edit ' .. vim.fn.fnameescape(file))
        end
        vim.api.nvim_win_set_cursor(0, { target, 0 })
      end
    end, { buffer = buf, desc = 'hone: go to this line of the code' })
  end
  local source_buf = vim.uri_to_bufnr(uri)
  local source = vim.api.nvim_buf_is_loaded(source_buf)
      and vim.api.nvim_buf_get_lines(source_buf, 0, -1, false)
    or nil
  local lines, targets = M.render(params, source)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  local keyed = {} -- (b: variables need string keys to stay a dict)
  for row, target in pairs(targets) do
    keyed[tostring(row)] = target
  end
  vim.b[buf].hone_targets = keyed
  vim.b[buf].hone_file = path
  return buf, lines
end

--- Show the report of `uri` in a window below the current one. `focus`: move the cursor there
--- (on the row of `func` when given); otherwise the cursor stays where it is.
---@return integer|nil buf
function M.show_report(uri, func, focus)
  local params = M.reports[uri]
  if not params then
    return nil
  end
  local buf, lines = report_buffer(uri, params)
  local current = vim.api.nvim_get_current_win()
  local win = window_of(buf)
  if not win then
    vim.cmd('botright sbuffer ' .. buf)
    win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_height(win, math.min(#lines + 1, math.max(8, math.floor(vim.o.lines / 3))))
  end
  if func then
    for i, l in ipairs(lines) do
      if l:find(' ' .. func .. ' (', 1, true) then
        vim.api.nvim_win_set_cursor(win, { i, 0 })
        break
      end
    end
  end
  if focus then
    vim.api.nvim_set_current_win(win)
  elseif vim.api.nvim_win_is_valid(current) then
    vim.api.nvim_set_current_win(current)
  end
  return buf
end

--- The hot lines of a report as quickfix entries (most time first).
function M.quickfix_items(params)
  local r = params.report or {}
  local items = {}
  for _, ln in ipairs(r.hot_lines or {}) do
    table.insert(items, {
      filename = ln.file,
      lnum = ln.line,
      col = 1,
      text = string.format(
        '%s (%s of the run)%s',
        M.fmt_seconds(ln.self_s),
        pct(ln.share),
        (val(ln.qualname) and ln.qualname ~= '') and (' in ' .. ln.qualname) or ''
      ),
    })
  end
  return items
end

-- -- messages --------------------------------------------------------------------------------

--- Echo one line that fits the command line (so it never causes a "Press ENTER" prompt).
function M.echo(text, hl)
  local width = math.max(20, (vim.v.echospace or vim.o.columns - 12) - 1)
  vim.api.nvim_echo({ { one_line(text, width), hl or 'None' } }, true, {})
end

-- -- code lenses -----------------------------------------------------------------------------

function M.refresh_lenses(bufnr)
  if not (bufnr and vim.api.nvim_buf_is_valid(bufnr) and vim.api.nvim_buf_is_loaded(bufnr)) then
    return
  end
  if has('nvim-0.10') then
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  else -- refresh() asks for the current buffer's lenses only
    vim.api.nvim_buf_call(bufnr, function()
      vim.lsp.codelens.refresh()
    end)
  end
end

-- -- LSP wiring ------------------------------------------------------------------------------

--- Handler of the `hone/timingReport` notification.
function M.on_timing_report(_, params, ctx)
  if type(params) ~= 'table' or type(params.uri) ~= 'string' then
    return
  end
  M.reports[params.uri] = params
  vim.schedule(function()
    local bufnr = vim.uri_to_bufnr(params.uri)
    M.refresh_lenses(bufnr) -- the ⏱ lenses of this run
    local items = M.quickfix_items(params)
    vim.fn.setqflist({}, ' ', { title = 'hone: ' .. (params.summary or 'timing report'), items = items })
    local how = vim.g.hone_report or 'split'
    if how == 'split' then
      M.show_report(params.uri, nil, false)
    elseif how == 'quickfix' and #items > 0 then
      local current = vim.api.nvim_get_current_win()
      vim.cmd('botright copen')
      vim.api.nvim_set_current_win(current)
    else
      M.echo('hone: ' .. (params.summary or ''))
    end
  end)
end

--- Client-side handler of the ⏱ lenses' command: open the report at that function.
function M.show_report_command(command, ctx)
  local arg = command.arguments and command.arguments[1]
  local uri = type(arg) == 'table' and arg.uri or vim.uri_from_bufnr(ctx and ctx.bufnr or 0)
  local func = type(arg) == 'table' and arg['function'] or nil
  if ctx and ctx.bufnr then
    M.refresh_lenses(ctx.bufnr) -- (0.7 hides the clicked lens until the next refresh)
  end
  if not M.show_report(uri, func, true) then
    M.echo('hone: no timing report for this file yet (run it with :HoneRunWithTiming)', 'WarningMsg')
  end
end

--- What a hone client config needs: capabilities, the report handler, the lens command.
---@param config table a vim.lsp.ClientConfig (changed in place and returned)
function M.extend_config(config)
  local caps = config.capabilities or vim.lsp.protocol.make_client_capabilities()
  caps.experimental = caps.experimental or {}
  caps.experimental.honeTimingReport = true
  config.capabilities = caps
  config.handlers = config.handlers or {}
  -- (through M, so that a test or a user can wrap them later)
  config.handlers['hone/timingReport'] = config.handlers['hone/timingReport']
    or function(...)
      return M.on_timing_report(...)
    end
  config.commands = config.commands or {}
  config.commands[REPORT_COMMAND] = config.commands[REPORT_COMMAND]
    or function(...)
      return M.show_report_command(...)
    end
  return config
end

--- Ask hone to run the buffer's file (or one of its functions) with timing.
function M.run_with_timing(client, bufnr, func)
  local arg = { uri = vim.uri_from_bufnr(bufnr) }
  if func and func ~= '' then
    arg['function'] = func
  end
  local params = { command = RUN_COMMAND, arguments = { arg } }
  local function on_reply(err)
    if err then
      M.echo('hone: ' .. tostring(err.message), 'ErrorMsg')
    end
  end
  if has('nvim-0.11') then
    client:request('workspace/executeCommand', params, on_reply, bufnr)
  else
    client.request('workspace/executeCommand', params, on_reply, bufnr)
  end
end

--- Per-buffer set-up: commands and code lens refreshes.
function M.on_attach(client, bufnr)
  vim.api.nvim_buf_create_user_command(bufnr, 'HoneRunWithTiming', function(cmd)
    M.run_with_timing(client, bufnr, cmd.args)
  end, { nargs = '?', desc = 'hone: run this file (or a function) with timing' })
  vim.api.nvim_buf_create_user_command(bufnr, 'HoneTimingReport', function()
    if not M.show_report(vim.uri_from_bufnr(bufnr), nil, true) then
      M.echo('hone: no timing report for this file yet (run it with :HoneRunWithTiming)', 'WarningMsg')
    end
  end, { desc = "hone: open this file's last timing report" })
  local group = vim.api.nvim_create_augroup('hone_lenses_' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'BufWritePost', 'InsertLeave' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.refresh_lenses(bufnr)
    end,
  })
  M.refresh_lenses(bufnr)
end

return M
