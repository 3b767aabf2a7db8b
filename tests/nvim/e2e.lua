-- hone's end-to-end test in a real headless Neovim (0.7 and later).
--
-- Run (tests/nvim/test_nvim_e2e.py does this, with temporary XDG folders):
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/e2e.lua'
-- (never `nvim -l`: on Neovim 0.7 `-l` is lisp mode and a headless nvim then waits forever.)
--
-- Environment:
--   HONE_E2E_REPO     repository root (its editors/nvim is the config under test)
--   HONE_E2E_CMD      JSON list: the server command, e.g. ["/venv/bin/python", "-m", "hone", "serve"]
--   HONE_E2E_PROJECT  an empty folder to create the test project in (default: a temp folder)
--   HONE_E2E_MODE     "enable" (lsp/hone.lua + vim.lsp.enable, Neovim >= 0.11) or "legacy"
--                     (hone_legacy.lua: vim.lsp.start / vim.lsp.start_client); default by version
--   HONE_E2E_TIMEOUT_MS  bound of every single wait (default 30000)
--
-- Every wait is vim.wait(timeout, predicate); any failure prints "FAIL: <why>" plus the state
-- needed to understand it and exits with :cquit (status 1). Success prints "E2E OK" and exits 0.

local uv = vim.uv or vim.loop
local started = uv.hrtime()
local TIMEOUT = tonumber(os.getenv('HONE_E2E_TIMEOUT_MS') or '') or 30000

local function has(feature)
  return vim.fn.has(feature) == 1
end

local function elapsed_ms(since)
  return math.floor((uv.hrtime() - (since or started)) / 1e6)
end

-- Neovim 0.7 prints window/showMessage text without ending the line: start ours on a new one
local NL = vim.fn.has('nvim-0.8') == 1 and '' or '\n'

local function out(msg)
  io.stdout:write(NL .. msg .. '\n')
  io.stdout:flush()
end

-- -- recorders: what the server sent, what the "user" saw -------------------------------------
local rec = {
  published = {}, -- uri -> last publishDiagnostics params (raw LSP, with LSP ranges)
  configuration = {}, -- { items = ..., response = ... } per workspace/configuration request
  show_message = {}, -- window/showMessage params
  progress = {}, -- $/progress params
  notify = {}, -- vim.notify messages
  select = {}, -- vim.ui.select calls: { kind = ..., titles = {...} }
  reports = {}, -- hone/timingReport params
}

local state = { skipped = {} }
local NO_TIMING = 'this hone does not offer the command hone.runWithTiming (executeCommandProvider)'

-- client methods became `client:method()` in 0.11 (the dot form is deprecated there)
local function is_stopped(client)
  if has('nvim-0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

local function stop(client)
  if has('nvim-0.11') then
    return client:stop()
  end
  return client.stop()
end

local function dump_state()
  local lines = {}
  local function add(label, value)
    table.insert(lines, label .. ': ' .. vim.inspect(value, { newline = ' ', indent = '' }))
  end
  if state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    add('buffer', vim.api.nvim_buf_get_lines(state.buf, 0, -1, false))
    add('vim.diagnostic', vim.diagnostic.get(state.buf))
  end
  add('published diagnostics', rec.published)
  add('workspace/configuration', rec.configuration)
  add('showMessage', rec.show_message)
  add('notify', rec.notify)
  add('ui.select', rec.select)
  add('progress', rec.progress)
  local reports = {}
  for i, r in ipairs(rec.reports) do
    reports[i] = {
      summary = r.summary,
      ['function'] = r.report and r.report['function'],
      stdout = r.report and r.report.stdout,
    }
  end
  add('timing reports', reports)
  if state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    local lenses = {}
    for _, l in ipairs(vim.lsp.codelens.get(state.buf)) do
      table.insert(lenses, { line = l.range.start.line, title = l.command and l.command.title })
    end
    add('code lenses', lenses)
  end
  local clients = {}
  for _, c in pairs(vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()) do
    table.insert(
      clients,
      { id = c.id, name = c.name, stopped = is_stopped(c), encoding = c.offset_encoding }
    )
  end
  add('clients', clients)
  add('messages', vim.fn.execute('messages'))
  return table.concat(lines, '\n')
end

local function fail(msg)
  out('FAIL: ' .. msg)
  out('--- state ---\n' .. dump_state())
  out(string.format('(after %d ms)', elapsed_ms()))
  vim.cmd('cquit')
end

--- vim.wait with a readable failure; returns the elapsed milliseconds.
local function server_exit_message()
  for _, n in ipairs(rec.notify) do
    if tostring(n.msg):find('quit with exit code', 1, true) then
      return n.msg
    end
  end
end

--- `explain()`, if given, adds what was seen instead to the timeout message.
local function wait_for(what, predicate, timeout, explain)
  local t = uv.hrtime()
  local died
  local ok = vim.wait(timeout or TIMEOUT, function()
    died = server_exit_message()
    if died then
      return true
    end
    local good, res = pcall(predicate)
    return good and res and true or false
  end, 20)
  if died then
    error({ msg = string.format('the server died while waiting for %s: %s', what, died) })
  end
  if not ok then
    local seen = explain and (': ' .. explain()) or ''
    error({
      msg = string.format('timed out after %d ms waiting for %s%s', timeout or TIMEOUT, what, seen),
    })
  end
  return elapsed_ms(t)
end

local function check(cond, msg, ...)
  if not cond then
    error({ msg = string.format(msg, ...) })
  end
  return cond
end

--- Run one step. A step returns a string only when it did not run: 'n/a: why' when it does not
--- apply to this Neovim (printed as "n/a"), else why it was skipped (printed as "SKIP", which the
--- pytest wrapper turns into a warning).
local function step(name, fn)
  local t = uv.hrtime()
  local skipped = fn()
  local ms = elapsed_ms(t)
  if skipped and skipped:sub(1, 5) == 'n/a: ' then
    out(string.format('n/a  %s: %s', name, skipped:sub(6)))
  elseif skipped then
    table.insert(state.skipped, name .. ': ' .. skipped)
    out(string.format('SKIP %s: %s', name, skipped))
  else
    out(string.format('ok   %-58s %6d ms', name, ms))
  end
end

-- -- the test project ---------------------------------------------------------------------------
-- Line 5 has a CJK + emoji string before the finding: `sorted` starts at code point 20, UTF-8
-- byte 27 and UTF-16 unit 21, so a server or client that mixes up encodings lands elsewhere.
local SOURCE = table.concat({
  '"""Slow code for hone\'s Neovim end-to-end test."""',
  '',
  '',
  'def cheapest(prices):',
  '    return ("价格 💶", sorted(prices)[0])',
  '',
  '',
  'def squares(xs):',
  '    out = []',
  '    for x in xs:',
  '        out.append(x * x)',
  '    return out',
  '',
  '',
  'def known(d, keys):',
  '    n = 0',
  '    for k in keys:',
  '        if k in d.keys():',
  '            n += 1',
  '    return n',
  '',
  '',
  'def busy():',
  '    total = 0',
  '    for i in range(1_000_000):',
  '        total += i * i % 7',
  '    return total',
  '',
  '',
  'def main():',
  '    print(cheapest([3, 1, 2]), squares([1, 2]), known({1: 2}, [1, 3]), busy())',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
}, '\n')
local FINDING_LINE = 4 -- 0-based
local FIXED_LINE = '    return ("价格 💶", min(prices))'
-- after the unsafe quick fix (HONE201), then after "Fix all safe hone issues" (HONE101)
local EXPECTED = SOURCE:gsub('sorted%(prices%)%[0%]', 'min(prices)', 1)
local EXPECTED_ALL = EXPECTED:gsub(
  '    out = %[%]\n    for x in xs:\n        out%.append%(x %* x%)\n',
  '    out = [x * x for x in xs]\n',
  1
)

local function write_file(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

local function read_file(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local text = f:read('*a')
  f:close()
  return text
end

local function realpath(p)
  return p and uv.fs_realpath(p) or p
end

-- -- helpers across Neovim versions --------------------------------------------------------------
local function hone_client(buf)
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ bufnr = buf, name = 'hone' })[1]
  end
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    if c.name == 'hone' then
      return c
    end
  end
end

local function request_sync(client, method, params, buf)
  local done, result, err = false, nil, nil
  local handler = function(e, r)
    done, err, result = true, e, r
  end
  if has('nvim-0.11') then
    client:request(method, params, handler, buf)
  else
    client.request(method, params, handler, buf)
  end
  wait_for(method .. ' response', function()
    return done
  end)
  return err, result
end

local function hone_diagnostics(buf, code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local c = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if c == code then
      table.insert(found, d)
    end
  end
  return found
end

--- 0-based number of the buffer line that starts with `prefix`
local function line_of(prefix)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(state.buf, 0, -1, false)) do
    if l:sub(1, #prefix) == prefix then
      return i - 1
    end
  end
  error({ msg = 'no line starting with ' .. prefix .. ' in the buffer' })
end

local function lens_at(line, pred)
  for _, l in ipairs(vim.lsp.codelens.get(state.buf)) do
    if l.range.start.line == line and l.command and pred(l.command) then
      return l
    end
  end
end

--- Wait until lens_at(line, pred) exists. The test never asks for lenses itself: the shipped
--- config must refresh them (on attach, save, InsertLeave and after a run).
local function wait_lens(what, line, pred)
  wait_for(what, function()
    return lens_at(line, pred) ~= nil
  end, nil, function()
    local seen = {}
    for _, l in ipairs(vim.lsp.codelens.get(state.buf)) do
      table.insert(seen, l.range.start.line .. ': ' .. tostring(l.command and l.command.title))
    end
    return 'lenses: ' .. table.concat(seen, ' | ')
  end)
  return lens_at(line, pred)
end

--- The window showing hone's timing report, and its lines.
local function report_window()
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local b = vim.api.nvim_win_get_buf(w)
    if vim.api.nvim_buf_get_name(b):find('hone://timing-report/', 1, true) then
      return w, vim.api.nvim_buf_get_lines(b, 0, -1, false)
    end
  end
end

--- Wait for the next hone/timingReport after `count` reports and return it.
local function wait_report(what, count)
  wait_for(what, function()
    return #rec.reports > count
  end)
  return rec.reports[count + 1]
end

local function run_lens(fn_name)
  return function(cmd)
    local arg = cmd.arguments and cmd.arguments[1]
    return cmd.command == 'hone.runWithTiming'
      and type(arg) == 'table'
      and arg['function'] == fn_name
  end
end

local function hook_handlers()
  local function wrap(method, recorder)
    local original = vim.lsp.handlers[method]
    vim.lsp.handlers[method] = function(err, result, ctx, config)
      local ret = { n = 0 }
      if original then
        ret = { n = 2, original(err, result, ctx, config) }
      end
      recorder(result, ret[1])
      return unpack(ret, 1, ret.n)
    end
  end
  wrap('textDocument/publishDiagnostics', function(result)
    rec.published[result.uri] = result
  end)
  wrap('workspace/configuration', function(result, response)
    table.insert(rec.configuration, { items = result.items, response = response })
  end)
  wrap('window/showMessage', function(result)
    table.insert(rec.show_message, result)
  end)
  wrap('$/progress', function(result)
    table.insert(rec.progress, result)
  end)
  vim.lsp.handlers['hone/timingReport'] = function(_, result)
    table.insert(rec.reports, result)
  end
  vim.notify = function(msg, level)
    table.insert(rec.notify, { msg = msg, level = level })
  end
  -- The "user" picks from code-action / code-lens menus: choose the item named in state.choose.
  vim.ui.select = function(items, opts, on_choice)
    local titles = {}
    for i, item in ipairs(items) do
      titles[i] = opts.format_item and opts.format_item(item) or tostring(item)
    end
    table.insert(rec.select, { kind = opts.kind, titles = titles })
    for i, title in ipairs(titles) do
      if state.choose and title:find(state.choose, 1, true) == 1 then
        return on_choice(items[i], i)
      end
    end
    on_choice(nil, nil)
  end
end

-- -- the test ------------------------------------------------------------------------------------
local function main()
  local repo = check(os.getenv('HONE_E2E_REPO'), 'HONE_E2E_REPO is not set')
  local cmd = vim.fn.json_decode(check(os.getenv('HONE_E2E_CMD'), 'HONE_E2E_CMD is not set'))
  local project = os.getenv('HONE_E2E_PROJECT') or vim.fn.tempname()
  local mode = os.getenv('HONE_E2E_MODE') or (has('nvim-0.11') and 'enable' or 'legacy')
  local v = vim.version()
  state.version = string.format('%d.%d.%d', v.major, v.minor, v.patch)
  out(string.format('Neovim %s, mode %s, project %s', state.version, mode, project))

  vim.fn.mkdir(project .. '/pkg', 'p')
  write_file(project .. '/pyproject.toml', '[project]\nname = "e2e"\nversion = "0"\n')
  state.project = project
  local path = project .. '/pkg/slow.py'
  state.path = path
  write_file(path, SOURCE)

  require('vim.lsp.log').set_level('debug')
  hook_handlers()
  vim.cmd('filetype on') -- -u NONE: no FileType events (so no LSP) without it
  vim.o.swapfile = false

  -- settings: answered via workspace/configuration; init_options: sent in initialize
  local settings = { hone = { rules = { severity = { HONE201 = 'error' } } } }
  -- (HONE108 would fire on `k in d.keys()` in known(): init_options turn it off)
  -- trustedFolders: the user's own configuration trusts the project (Run with timing needs it)
  local init_options = {
    rules = { ignore = { 'HONE108' } },
    diagnostics = { debounceMs = 10 },
    trustedFolders = { project },
  }

  step('configure (' .. mode .. ')', function()
    if mode == 'enable' then
      check(has('nvim-0.11'), 'mode "enable" needs Neovim >= 0.11, this is %s', state.version)
      vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
      vim.lsp.config('hone', { cmd = cmd, settings = settings, init_options = init_options })
      vim.lsp.enable('hone')
    else
      local legacy = dofile(repo .. '/editors/nvim/hone_legacy.lua')
      legacy.setup({ cmd = cmd, settings = settings, init_options = init_options })
    end
  end)

  step('open file, server starts and initializes', function()
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
    state.buf = vim.api.nvim_get_current_buf()
    check(vim.bo.filetype == 'python', 'filetype is %q, not python', vim.bo.filetype)
    wait_for('hone to attach and initialize', function()
      local c = hone_client(state.buf)
      return c and c.initialized ~= false and c.server_capabilities ~= nil
    end)
    local client = hone_client(state.buf)
    state.client = client
    check(
      realpath(client.config.root_dir) == realpath(project),
      'root_dir is %s, expected the folder with pyproject.toml: %s',
      tostring(client.config.root_dir),
      project
    )
    -- Neovim >= 0.10 offers UTF-8 first and hone takes it; 0.7 knows only UTF-16.
    local expected_encoding = has('nvim-0.10') and 'utf-8' or 'utf-16'
    check(
      client.offset_encoding == expected_encoding,
      'position encoding is %s, expected %s',
      tostring(client.offset_encoding),
      expected_encoding
    )
    state.encoding = client.offset_encoding
    -- the shipped config handles hone/timingReport itself (hone.ui): record what it receives
    local ui = check(package.loaded['hone.ui'], 'the shipped config did not load hone.ui')
    local handle = ui.on_timing_report
    ui.on_timing_report = function(err, result, ctx)
      table.insert(rec.reports, result)
      return handle(err, result, ctx)
    end
    local caps = client.config.capabilities or {}
    check(
      caps.experimental and caps.experimental.honeTimingReport == true,
      'the config does not declare experimental.honeTimingReport'
    )
    -- "run with timing" is a separate server feature: without it its steps are skipped, saying so
    local provider = client.server_capabilities.executeCommandProvider
    local commands = type(provider) == 'table' and provider.commands or {}
    state.timing = vim.tbl_contains(commands, 'hone.runWithTiming')
  end)

  step('code lenses shown on attach, with no manual refresh', function()
    if not state.timing then
      return NO_TIMING
    end
    wait_lens('a run lens above busy()', line_of('def busy'), run_lens('busy'))
  end)

  local line = vim.api.nvim_buf_get_lines(state.buf, FINDING_LINE, FINDING_LINE + 1, false)[1]
  local start_byte = assert(line:find('sorted(', 1, true)) - 1
  local end_byte = start_byte + #'sorted(prices)[0]'

  step('HONE201 diagnostic at the exact columns', function()
    wait_for('a HONE201 diagnostic', function()
      return #hone_diagnostics(state.buf, 'HONE201') > 0
    end)
    local d = hone_diagnostics(state.buf, 'HONE201')[1]
    check(
      d.lnum == FINDING_LINE
        and d.col == start_byte
        and d.end_lnum == FINDING_LINE
        and d.end_col == end_byte,
      'HONE201 is at %d:%d-%d:%d (byte columns), expected %d:%d-%d:%d',
      d.lnum,
      d.col,
      d.end_lnum,
      d.end_col,
      FINDING_LINE,
      start_byte,
      FINDING_LINE,
      end_byte
    )
  end)

  step('settings applied (rules.severity made HONE201 an error)', function()
    -- Neovim >= 0.8 answers workspace/configuration; 0.7 does not advertise it, so the legacy
    -- helper pushes the settings with didChangeConfiguration (they may arrive after the first
    -- analysis: wait for the re-analysis)
    wait_for(
      'HONE201 as an error',
      function()
        local d = hone_diagnostics(state.buf, 'HONE201')[1]
        return d and d.severity == vim.diagnostic.severity.ERROR
      end,
      nil,
      function()
        local d = hone_diagnostics(state.buf, 'HONE201')[1]
        return string.format(
          'its severity stays %s, settings.hone.rules.severity was not applied',
          tostring(d and d.severity)
        )
      end
    )
  end)

  step('init_options applied (rules.ignore turned HONE108 off)', function()
    -- the analysis that reported HONE201 would also have reported HONE108
    check(
      #hone_diagnostics(state.buf, 'HONE108') == 0,
      'HONE108 is reported although init_options.rules.ignore lists it'
    )
  end)

  step('settings answered via workspace/configuration', function()
    local caps = vim.lsp.protocol.make_client_capabilities()
    if not (caps.workspace and caps.workspace.configuration) then
      return 'n/a: Neovim '
        .. state.version
        .. ' does not advertise workspace/configuration (settings are pushed)'
    end
    local answered = false
    for _, r in ipairs(rec.configuration) do
      for i, item in ipairs(r.items or {}) do
        if
          item.section == 'hone'
          and type(r.response) == 'table'
          and type(r.response[i]) == 'table'
        then
          answered = answered or vim.deep_equal(r.response[i], settings.hone)
        end
      end
    end
    check(answered, 'hone never asked for (or got) section "hone" via workspace/configuration')
  end)

  step('settings changed at run time (didChangeConfiguration)', function()
    local client = state.client
    local before = #rec.configuration
    local new = { hone = { rules = { severity = { HONE201 = 'hint' } } } }
    -- as the README says: 0.10+ reads client.settings, older client.config.settings
    local tbl = has('nvim-0.10') and client.settings or client.config.settings
    tbl.hone = new.hone
    settings = new
    if has('nvim-0.11') then
      client:notify('workspace/didChangeConfiguration', { settings = tbl })
    else
      client.notify('workspace/didChangeConfiguration', { settings = tbl })
    end
    wait_for(
      'HONE201 as a hint',
      function()
        local d = hone_diagnostics(state.buf, 'HONE201')[1]
        return d and d.severity == vim.diagnostic.severity.HINT
      end,
      nil,
      function()
        local d = hone_diagnostics(state.buf, 'HONE201')[1]
        return 'its severity is ' .. tostring(d and d.severity)
      end
    )
    local caps = vim.lsp.protocol.make_client_capabilities()
    if caps.workspace and caps.workspace.configuration then
      check(
        #rec.configuration > before,
        'hone applied new settings without asking workspace/configuration'
      )
    end
  end)

  step('no setting rejected', function()
    for _, m in ipairs(rec.show_message) do
      check(
        not tostring(m.message):find('invalid setting', 1, true),
        'hone rejected a setting: %s',
        m.message
      )
    end
  end)

  step('code action "Replace with min()" applied', function()
    local d = hone_diagnostics(state.buf, 'HONE201')[1]
    vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
    state.choose = 'Replace with min()'
    local before = #rec.select
    vim.lsp.buf.code_action()
    wait_for('the code action menu', function()
      return #rec.select > before
    end)
    local menu = rec.select[#rec.select]
    local title
    for _, t in ipairs(menu.titles) do
      if t:find(state.choose, 1, true) == 1 then
        title = t
      end
    end
    check(
      title ~= nil,
      'no "%s" in the code action menu: %s',
      state.choose,
      vim.inspect(menu.titles)
    )
    check(
      title:find('unsafe', 1, true) ~= nil,
      'the fix is unsafe but its title does not say so: %q',
      title
    )
    wait_for('the edit to land in the buffer', function()
      return vim.api.nvim_buf_get_lines(state.buf, FINDING_LINE, FINDING_LINE + 1, false)[1]
        == FIXED_LINE
    end)
    local text = table.concat(vim.api.nvim_buf_get_lines(state.buf, 0, -1, false), '\n') .. '\n'
    check(text == EXPECTED, 'buffer after the fix differs from the expected text:\n%s', text)
  end)

  step('save: file on disk is exactly the fixed text', function()
    vim.cmd('silent write')
    local disk = read_file(path)
    check(
      disk == EXPECTED,
      'file on disk after :write:\n%s\nexpected:\n%s',
      tostring(disk),
      EXPECTED
    )
  end)

  step('HONE201 gone after the edit', function()
    wait_for('HONE201 to disappear', function()
      return #hone_diagnostics(state.buf, 'HONE201') == 0
    end)
  end)

  step('HONE101 underlines one line', function()
    wait_for('a HONE101 diagnostic', function()
      return #hone_diagnostics(state.buf, 'HONE101') > 0
    end)
    local d = hone_diagnostics(state.buf, 'HONE101')[1]
    check(
      d.lnum == d.end_lnum,
      'HONE101 spans lines %d-%d (1-based %d-%d): a squiggle should mark one line',
      d.lnum,
      d.end_lnum,
      d.lnum + 1,
      d.end_lnum + 1
    )
    -- the link to the rule's page goes only to clients that declare they can show it
    local caps = vim.lsp.protocol.make_client_capabilities().textDocument.publishDiagnostics or {}
    if caps.codeDescriptionSupport then
      local lsp_diag = d.user_data and d.user_data.lsp or {}
      local href = lsp_diag.codeDescription and lsp_diag.codeDescription.href
      check(
        type(href) == 'string' and href:find('/docs/rules/HONE101.md', 1, true),
        'HONE101 has no codeDescription.href to its page: %s',
        vim.inspect(lsp_diag.codeDescription)
      )
    end
  end)

  step('hover on HONE101 shows the rule explanation', function()
    local d = hone_diagnostics(state.buf, 'HONE101')[1]
    vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
    vim.lsp.buf.hover()
    local lines
    wait_for('a hover window with HONE101 explained', function()
      for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
        if vim.api.nvim_win_get_config(w).relative ~= '' then
          lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false)
          local text = table.concat(lines, '\n')
          if text:find('HONE101', 1, true) and text:find('comprehension', 1, true) then
            vim.api.nvim_win_close(w, true)
            return true
          end
        end
      end
    end, nil, function()
      return 'floating window text: ' .. vim.inspect(lines)
    end)
    local text = table.concat(lines, '\n')
    check(
      text:find('Example', 1, true) and text:find('out.append(x * x)', 1, true),
      'the hover lacks the example: %s',
      text
    )
  end)

  step('"Fix all safe hone issues" (source.fixAll.hone) applied, saved', function()
    wait_for('a HONE101 diagnostic', function()
      return #hone_diagnostics(state.buf, 'HONE101') > 0
    end)
    local before = #rec.select
    state.choose = 'Fix all safe hone issues'
    if has('nvim-0.8') then
      -- the README's keymap, as is
      vim.lsp.buf.code_action({
        context = { only = { 'source.fixAll.hone' }, diagnostics = {} },
        apply = true,
      })
    else
      vim.lsp.buf.code_action({ only = { 'source.fixAll.hone' }, diagnostics = {} })
      wait_for('the code action menu', function()
        return #rec.select > before
      end)
    end
    local function text()
      return table.concat(vim.api.nvim_buf_get_lines(state.buf, 0, -1, false), '\n') .. '\n'
    end
    wait_for(
      'the safe fixes to land in the buffer',
      function()
        return text() == EXPECTED_ALL
      end,
      nil,
      function()
        return 'the buffer is\n' .. text()
      end
    )
    vim.cmd('silent write')
    local disk = read_file(state.path)
    check(disk == EXPECTED_ALL, 'file on disk after :write:\n%s', tostring(disk))
    wait_for('HONE101 to disappear', function()
      return #hone_diagnostics(state.buf, 'HONE101') == 0
    end)
  end)

  step('code lenses: "Run with timing" on functions and the main guard', function()
    if not state.timing then
      return NO_TIMING
    end
    wait_lens('a run lens above busy()', line_of('def busy'), run_lens('busy'))
    wait_lens('a run lens above main()', line_of('def main'), run_lens('main'))
    wait_lens('a run lens on the __main__ guard', line_of('if __name__'), run_lens(nil))
  end)

  step('run main() with timing via its code lens', function()
    if not state.timing then
      return NO_TIMING
    end
    local count, messages = #rec.reports, #rec.show_message
    vim.api.nvim_win_set_cursor(0, { line_of('def main') + 1, 0 })
    state.choose = '▶ Run main()'
    vim.lsp.codelens.run()
    local report = wait_report('the timing report of main()', count)
    local r = report.report
    check(r['function'] == 'main', 'the report is of %s, not main', tostring(r['function']))
    check(r.exit_code == 0, 'main() exited with %s: %s', tostring(r.exit_code), tostring(r.stderr))
    -- the run used the fixed text: min() of [3, 1, 2]
    check(
      type(r.stdout) == 'string' and r.stdout:find("('价格 💶', 1) [1, 4] 1 ", 1, true) == 1,
      'unexpected output of main(): %q',
      tostring(r.stdout)
    )
    check(
      type(report.summary) == 'string' and report.summary:find('ran in', 1, true) == 1,
      'unexpected summary: %q',
      tostring(report.summary)
    )
    -- the report opens in a window below, with the per-function table; focus stays in the code
    wait_for('the report in a window', function()
      return report_window() ~= nil
    end)
    local _, lines = report_window()
    local text = table.concat(lines, '\n')
    check(text:find(report.summary, 1, true) ~= nil, 'the report window lacks the summary:\n%s', text)
    check(
      text:find('main %(slow%.py:%d+%)') and text:find('busy %(slow%.py:%d+%)'),
      'no rows for main() and busy() in the report:\n%s',
      text
    )
    check(vim.api.nvim_get_current_buf() == state.buf, 'the report took the focus from the code')
    -- the hot lines are the quickfix list
    local qf = vim.fn.getqflist({ title = 1, items = 1 })
    check(
      #qf.items > 0 and qf.title:find('hone: ran in', 1, true) == 1,
      'quickfix list: %s',
      vim.inspect(qf)
    )
    check(
      vim.fn.bufname(qf.items[1].bufnr):find('slow.py', 1, true)
        and qf.items[1].text:find('of the run', 1, true),
      'first quickfix entry: %s',
      vim.inspect(qf.items[1])
    )
    -- hone sent no showMessage summary (the client shows reports itself)
    for i = messages + 1, #rec.show_message do
      check(
        not tostring(rec.show_message[i].message):find('ran in', 1, true),
        'a summary arrived as window/showMessage too: %s',
        rec.show_message[i].message
      )
    end
  end)

  step('run progress reported with $/progress', function()
    if not state.timing then
      return NO_TIMING
    end
    local began, ended = false, false
    for _, p in ipairs(rec.progress) do
      local v = p.value or {}
      began = began
        or (v.kind == 'begin' and tostring(v.title):find('running slow.py', 1, true) ~= nil)
      ended = ended or (began and v.kind == 'end')
    end
    check(began and ended, 'no begin/end $/progress for the run')
  end)

  step('timing shown as code lenses and hint diagnostics', function()
    if not state.timing then
      return NO_TIMING
    end
    local busy_loop = { line_of('    for i in range'), line_of('        total +=') }
    wait_lens('a timing lens above busy()', line_of('def busy'), function(cmd)
      return cmd.command == 'hone.showTimingReport' and cmd.title:find('self', 1, true) ~= nil
    end)
    wait_for('a TIME001 hint on the loop of busy()', function()
      for _, d in ipairs(hone_diagnostics(state.buf, 'TIME001')) do
        if d.severity == vim.diagnostic.severity.HINT and vim.tbl_contains(busy_loop, d.lnum) then
          return true
        end
      end
    end)
  end)

  step('a ⏱ lens click opens the report at its function', function()
    if not state.timing then
      return NO_TIMING
    end
    local row = line_of('def busy')
    vim.api.nvim_win_set_cursor(0, { row + 1, 0 })
    state.choose = '⏱'
    vim.lsp.codelens.run()
    wait_for('the report window focused', function()
      return report_window() == vim.api.nvim_get_current_win()
    end)
    local cursor_line = vim.api.nvim_get_current_line()
    check(
      cursor_line:find('busy (slow.py:', 1, true)
        and (cursor_line:find('%d s ') or cursor_line:find('%d ms ')),
      'the cursor is not on busy()\'s row with its figures: %q',
      cursor_line
    )
    vim.cmd('wincmd p')
    check(vim.api.nvim_get_current_buf() == state.buf, 'wincmd p did not go back to the code')
  end)

  step(':HoneRunWithTiming busy', function()
    if not state.timing then
      return NO_TIMING
    end
    local count = #rec.reports
    vim.cmd('HoneRunWithTiming busy')
    local r = wait_report('the timing report of busy()', count).report
    check(
      r['function'] == 'busy' and r.exit_code == 0,
      'unexpected report of %s',
      vim.inspect(r['function'])
    )
  end)

  step('hone.runWithTiming reply, and its error for a bad function', function()
    if not state.timing then
      return NO_TIMING
    end
    local uri = vim.uri_from_bufnr(state.buf)
    local err, result = request_sync(state.client, 'workspace/executeCommand', {
      command = 'hone.runWithTiming',
      arguments = { { uri = uri, ['function'] = 'busy' } },
    }, state.buf)
    check(err == nil, 'run failed: %s', vim.inspect(err))
    check(
      type(result) == 'table'
        and result.ok == true
        and type(result.summary) == 'string'
        and result.report['function'] == 'busy',
      'unexpected reply: %s',
      vim.inspect(result and result.summary)
    )
    err = request_sync(state.client, 'workspace/executeCommand', {
      command = 'hone.runWithTiming',
      arguments = { { uri = uri, ['function'] = 'cheapest' } },
    }, state.buf)
    check(
      err ~= nil and tostring(err.message):find('needs arguments', 1, true) ~= nil,
      'running cheapest() (it needs arguments) gave %s',
      vim.inspect(err)
    )
  end)

  step('a second file of the project reuses the server', function()
    local other = state.project .. '/other.py'
    write_file(other, 'print(sorted([2, 1])[0])\n')
    vim.cmd('edit ' .. vim.fn.fnameescape(other))
    local buf = vim.api.nvim_get_current_buf()
    wait_for('hone to attach to other.py', function()
      return hone_client(buf) ~= nil
    end)
    check(hone_client(buf).id == state.client.id, 'other.py got a second hone server')
    local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
    local count = 0
    for _, c in pairs(all) do
      count = count + (c.name == 'hone' and 1 or 0)
    end
    check(count == 1, '%d hone clients are running, expected one', count)
    wait_for('a HONE201 diagnostic in other.py', function()
      return #hone_diagnostics(buf, 'HONE201') > 0
    end)
  end)

  step('invalid settings warn, naming the setting', function()
    local client = state.client
    local before = #rec.show_message
    local bad = {
      hone = {
        diagnostics = { debounceMs = -5 }, -- out of range
        rules = { severity = { HONE201 = 'loud' }, ignore = 'HONE101' }, -- bad value, wrong type
      },
    }
    local tbl = has('nvim-0.10') and client.settings or client.config.settings
    tbl.hone = bad.hone
    if has('nvim-0.11') then
      client:notify('workspace/didChangeConfiguration', { settings = tbl })
    else
      client.notify('workspace/didChangeConfiguration', { settings = tbl })
    end
    local function warned(key)
      for i = before + 1, #rec.show_message do
        local m = rec.show_message[i]
        if
          m.type == vim.lsp.protocol.MessageType.Warning
          and tostring(m.message):find("invalid setting '" .. key .. "'", 1, true)
        then
          return true
        end
      end
    end
    for _, key in ipairs({ 'diagnostics.debounceMs', 'rules.severity', 'rules.ignore' }) do
      wait_for('a warning about ' .. key, function()
        return warned(key)
      end, nil, function()
        local seen = {}
        for i = before + 1, #rec.show_message do
          table.insert(seen, rec.show_message[i].message)
        end
        return 'messages: ' .. vim.inspect(seen)
      end)
    end
  end)

  step('stop the server cleanly', function()
    local client = state.client
    stop(client)
    wait_for('the hone client to stop', function()
      return is_stopped(client)
    end)
  end)
end

local ok, err = xpcall(main, function(e)
  if type(e) == 'table' and e.msg then
    return e.msg
  end
  return debug.traceback(tostring(e), 2)
end)
if not ok then
  fail(err)
else
  out(
    string.format(
      'E2E OK: Neovim %s, %s, %d ms, %d step(s) skipped',
      state.version,
      state.encoding or '?',
      elapsed_ms(),
      #state.skipped
    )
  )
  vim.cmd('qall!')
end
