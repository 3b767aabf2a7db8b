// End-to-end test of the packaged extension in real VS Code: code-server (VS Code served to a
// browser) driven through its UI by headless Chromium (playwright-core, Debian's /usr/bin/chromium).
//
//   node test/e2e/e2e.mjs CONFIG.json
//
// CONFIG (written by tests/vscode/test_vscode.py) gives the tools, the .vsix, a prepared
// workspace, the expectations computed with hone's own engine, and steps to skip (with a reason)
// whose server feature does not exist yet.  Every step saves a screenshot; the results go to
// CONFIG.results as JSON, one entry per step: {name, status: passed|failed|skipped, detail,
// screenshot}.  Waits poll the UI for a condition with a deadline; nothing sleeps a fixed time.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const WAIT = config.waitMs ?? 60_000;
const results = [];
const started = Date.now();
mkdirSync(config.artifacts, { recursive: true });

function log(msg) {
  process.stdout.write(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
}

function saveResults(extra = {}) {
  writeFileSync(
    config.results,
    JSON.stringify({ steps: results, seconds: (Date.now() - started) / 1000, ...extra }, null, 2),
  );
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a truthy value; throws `what` after the deadline. */
async function waitFor(what, probe, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout / 1000}s waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function runTool(argv, env, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited ${code}:\n${out}`))));
  });
}

let page;
let step = 0;
/** The text editor in the editor area (the chat input and others are Monaco editors too). */
const EDITOR_LINES = '.editor-instance .monaco-editor .view-lines';

async function runStep(name, spec, body) {
  step += 1;
  const shot = join(config.artifacts, `${String(step).padStart(2, '0')}-${name}.png`);
  if (spec?.skip) {
    log(`SKIP ${name}: ${spec.skip}`);
    results.push({ name, status: 'skipped', detail: spec.skip });
    saveResults();
    return false;
  }
  log(`step ${name}`);
  const t0 = Date.now();
  try {
    const detail = await body();
    await page.screenshot({ path: shot });
    results.push({ name, status: 'passed', detail: detail ?? '', screenshot: shot, seconds: (Date.now() - t0) / 1000 });
    log(`ok ${name}${detail ? `: ${detail}` : ''}`);
    saveResults();
    return true;
  } catch (e) {
    await page?.screenshot({ path: shot }).catch(() => undefined);
    results.push({ name, status: 'failed', detail: String(e?.stack ?? e), screenshot: shot, seconds: (Date.now() - t0) / 1000 });
    log(`FAILED ${name}: ${e}`);
    saveResults();
    return false;
  }
}

/** Runs a palette command by its exact label, e.g. "hone: Run with timing". */
async function paletteCommand(label) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: WAIT });
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: WAIT });
  await row.click();
}

/** Quick Open the sample file and wait for its text in the editor. */
async function openSample() {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: WAIT });
  await input.fill(config.sample);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: config.sample }).first();
  await row.waitFor({ timeout: WAIT });
  await row.click();
  // Only rendered lines are readable: an earlier step may have left the file scrolled down.
  await page.keyboard.press('Control+Home');
  await waitFor(`${config.sample} open in an editor`, async () => (await editorText()).includes(config.sampleMarker));
}

/** Text of the editor's lines plus the text of decorations drawn with ::before/::after. */
async function editorText() {
  return page.evaluate((EDITOR_LINES) => {
    // the visible text editor (hidden editors of other tabs may stay in the DOM)
    const lines = [...document.querySelectorAll(EDITOR_LINES)].find((el) => el.getClientRects().length > 0);
    if (!lines) return '';
    let text = (lines.textContent ?? '').replace(/\u00a0/g, ' ');
    for (const el of lines.querySelectorAll('span')) {
      for (const pseudo of ['::before', '::after']) {
        const c = getComputedStyle(el, pseudo).content;
        if (c && c !== 'none' && c !== 'normal') text += `\n${c}`;
      }
    }
    return text;
  }, EDITOR_LINES);
}

/** The text of every visible text editor (the code and, beside it, the report view). */
async function visibleEditorTexts() {
  return page.evaluate((EDITOR_LINES) => {
    return [...document.querySelectorAll(EDITOR_LINES)]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => (el.textContent ?? '').replace(/\u00a0/g, ' '));
  }, EDITOR_LINES);
}

/** 1-based numbers of the visible code lines that carry a squiggle of `severity`. */
async function squiggledLines(severity) {
  return page.evaluate((severity) => {
    const editor = [...document.querySelectorAll('.editor-instance .monaco-editor')].find(
      (e) => e.getClientRects().length > 0 && /def\s/.test(e.querySelector('.view-lines')?.textContent ?? ''),
    );
    if (!editor) return [];
    // each squiggle's line: the line number drawn at the same height in the margin
    const numbers = [...editor.querySelectorAll('.line-numbers')].map((d) => {
      const r = d.getBoundingClientRect();
      return { n: Number(d.textContent.trim()), mid: (r.top + r.bottom) / 2 };
    });
    const out = new Set();
    for (const s of editor.querySelectorAll(`[class*="squiggly-${severity}"]`)) {
      const r = s.getBoundingClientRect();
      const mid = (r.top + r.bottom) / 2;
      const line = numbers.find((x) => Math.abs(x.mid - mid) < r.height / 2 + 2);
      if (line) out.add(line.n);
    }
    return [...out].sort((a, b) => a - b);
  }, severity);
}

/** Replaces the user settings as a user would: in VS Code's settings.json editor, saved. */
async function writeUserSettings(settings, userData) {
  await paletteCommand('Preferences: Open User Settings (JSON)');
  // (a tab or, in recent VS Code, a modal editor: find it by its content)
  const editor = page.locator('.monaco-editor .view-lines', { hasText: 'startupEditor' }).first();
  await editor.waitFor({ state: 'visible', timeout: WAIT });
  await editor.click();
  await page.keyboard.press('Control+A');
  // (the user settings switch off auto-closing and auto-indent, so the text lands verbatim)
  const text = JSON.stringify(settings, null, 2);
  await page.keyboard.insertText(text);
  await page.keyboard.press('Control+S');
  await waitFor('the new settings saved', async () => {
    const saved = readFileSync(join(userData, 'User', 'settings.json'), 'utf8');
    return Object.entries(settings).every(([k, v]) => saved.includes(`${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).split('\n')[0]}`));
  });
}

/** Puts the cursor at a 1-based line and column of the focused editor (Go to Line). */
async function goTo(line, column) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: WAIT });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
}

function findLogs(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findLogs(p, out);
    else if (/hone\.log$/.test(name)) out.push(p);
  }
  return out;
}

async function main() {
  const { codeServer, node, vsix, workspace, sample } = config;
  const env = {
    ...process.env,
    PATH: `${join(node, '..')}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(config.workDir, 'xdg-config'),
    XDG_DATA_HOME: join(config.workDir, 'xdg-data'),
    ...(config.serverEnv ?? {}),
  };
  const userData = join(config.workDir, 'user-data');
  const extensions = join(config.workDir, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(config.userSettings ?? {}, null, 2));

  let server;
  let browser;
  try {
    await runTool([node, codeServer, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], env, 'code-server --install-extension');
    const installed = readdirSync(extensions).filter((n) => n.startsWith('hone.hone-'));
    if (!installed.length) throw new Error(`the .vsix did not install: ${readdirSync(extensions).join(', ')}`);
    log(`installed ${installed.join(', ')}`);

    const port = await freePort();
    server = spawn(
      node,
      [
        codeServer,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--user-data-dir', userData,
        '--extensions-dir', extensions,
      ],
      { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let serverOut = '';
    server.stdout.on('data', (d) => (serverOut += d));
    server.stderr.on('data', (d) => (serverOut += d));
    const base = `http://127.0.0.1:${port}`;
    await waitFor('code-server to answer /healthz', async () => {
      if (server.exitCode !== null) throw new Error(`code-server exited ${server.exitCode}: ${serverOut}`);
      const r = await fetch(`${base}/healthz`).catch(() => undefined);
      return r?.ok;
    });
    log(`code-server up on ${base}`);

    browser = await chromium.launch({
      executablePath: config.chromium,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));

    await runStep('open-workspace', {}, async () => {
      await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: WAIT });
      await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: WAIT });
      await openSample();
      return `${sample} open`;
    });

    await runStep('status-bar', config.steps.status, async () => {
      const item = page.locator('[aria-label^="hone status:"]').first();
      const label = await waitFor('the hone status bar item to leave "starting"', async () => {
        const l = await item.getAttribute('aria-label', { timeout: 1000 });
        return l && !/starting/.test(l) ? l : undefined;
      });
      if (/stopped|error/.test(label)) {
        throw new Error(`status bar says ${label}: ${await item.getAttribute('title').catch(() => '')}`);
      }
      const text = await item.innerText();
      if (!/hone/.test(text)) throw new Error(`status bar item text is "${text}"`);
      // Which server the extension chose (zero-config: expected the bundled one).
      const started = findLogs(join(config.workDir, 'user-data'))
        .flatMap((p) => readFileSync(p, 'utf8').split('\n'))
        .find((l) => / starting /.test(l));
      return `${label} ("${text.trim()}"); ${started?.replace(/^.*?starting /, 'server: ') ?? 'no start line in the log'}`;
    });

    await runStep('problems-panel', config.steps.diagnostics, async () => {
      const d = config.steps.diagnostics;
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+M');
      const panel = page.locator('.markers-panel');
      await panel.first().waitFor({ state: 'visible', timeout: WAIT });
      const row = panel.locator('.monaco-list-row', { hasText: d.code }).first();
      await waitFor(`a ${d.code} row in the Problems panel`, () => row.isVisible());
      return (await row.innerText()).replace(/\s+/g, ' ').trim();
    });

    await runStep('squiggle-one-line', config.steps.squiggle, async () => {
      const s = config.steps.squiggle;
      await openSample();
      const lines = await waitFor(`a ${s.severity} squiggle in lines ${s.first}-${s.last}`, async () => {
        const all = (await squiggledLines(s.severity)).filter((n) => n >= s.first && n <= s.last);
        return all.length ? all : undefined;
      });
      if (lines.length !== 1) {
        throw new Error(`the ${s.code} squiggle spans lines ${lines.join(', ')} of ${s.first}-${s.last}: it should mark one line`);
      }
      return `${s.code} underlines line ${lines[0]} only`;
    });

    await runStep('hover-rule', config.steps.hover, async () => {
      const h = config.steps.hover;
      await openSample();
      await page.locator(`${EDITOR_LINES} >> visible=true`).first().click();
      const hover = page.locator('.monaco-hover:not(.hidden)').first();
      // (the diagnostic's part of the hover comes first, the server's explanation after it)
      const text = await waitFor("a hover with the rule's explanation and example", async () => {
        if (!(await hover.isVisible())) {
          await page.keyboard.press('Escape');
          await goTo(h.line, h.column);
          await page.keyboard.press('Control+K');
          await page.keyboard.press('Control+I'); // "Show or Focus Hover"
          await hover.waitFor({ state: 'visible', timeout: 3000 });
        }
        const t = await hover.innerText();
        return t.includes(h.expect) && t.includes(h.example) ? t : undefined;
      });
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-hover-rule.png`) });
      const link = hover.locator(`a[href*="${h.href}"], a[data-href*="${h.href}"]`);
      if ((await link.count()) === 0) throw new Error(`the hover has no link to ${h.href}:\n${await hover.innerHTML()}`);
      await page.keyboard.press('Escape');
      return `hover: ${text.split('\n').slice(0, 3).join(' | ')}`;
    });

    await runStep('quick-fix', config.steps.quickfix, async () => {
      const q = config.steps.quickfix;
      // Focus the editor, go to the finding, open the quick fix menu and choose the fix.
      await page.locator(`${EDITOR_LINES} >> visible=true`).first().click();
      await page.keyboard.press('Control+G');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: WAIT });
      await input.fill(`:${q.line + 1}:${q.character + 1}`);
      await page.keyboard.press('Enter');
      const item = await waitFor(`"${q.title}" in the quick fix menu`, async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+.');
        const it = page.locator('.action-widget .monaco-list-row', { hasText: q.title }).first();
        await it.waitFor({ state: 'visible', timeout: 3000 });
        return it;
      });
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-quick-fix-menu.png`) });
      await item.click();
      // The action is resolved then applied asynchronously: save once the editor shows the fix.
      await waitFor('the fix in the editor', async () => (await editorText()).includes(q.newText));
      await paletteCommand('File: Save');
      const path = join(workspace, sample);
      await waitFor('the fixed file saved to disk', async () => readFileSync(path, 'utf8') === q.expected);
      return `applied "${q.title}", file on disk matches hone's own fix`;
    });

    await runStep('fix-all', config.steps.fixall, async () => {
      const f = config.steps.fixall;
      await openSample();
      await page.locator(`${EDITOR_LINES} >> visible=true`).first().click();
      await paletteCommand('hone: Fix all (safe)');
      await waitFor('the safe fixes in the editor', async () => (await editorText()).includes(f.newText));
      await paletteCommand('File: Save');
      const path = join(workspace, sample);
      await waitFor('the fixed file saved to disk', async () => readFileSync(path, 'utf8') === f.expected);
      return `"hone: Fix all (safe)" applied; file on disk matches hone's fix_all`;
    });

    await runStep('settings-change', config.steps.settings, async () => {
      const code = config.steps.settings.code;
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: code });
      await waitFor(`a ${code} row in the Problems panel before the change`, async () => (await row.count()) > 0);
      // Edit the user settings as a user would: in VS Code's own settings.json editor, saved.
      const settings = { ...(config.userSettings ?? {}), 'hone.rules.ignore': [code] };
      await paletteCommand('Preferences: Open User Settings (JSON)');
      // (a tab or, in recent VS Code, a modal editor: find it by its content)
      const editor = page.locator('.monaco-editor .view-lines', { hasText: 'startupEditor' }).first();
      await editor.waitFor({ state: 'visible', timeout: WAIT });
      await editor.click();
      await page.keyboard.press('Control+A');
      // (the user settings switch off auto-closing and auto-indent, so the text lands verbatim)
      await page.keyboard.insertText(JSON.stringify(settings, null, 2));
      await page.keyboard.press('Control+S');
      await waitFor('the new settings saved', async () =>
        readFileSync(join(userData, 'User', 'settings.json'), 'utf8').includes('hone.rules.ignore'),
      );
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-settings-json.png`) });
      await page.keyboard.press('Escape'); // closes the modal editor (a tab just stays open)
      await page.keyboard.press('Control+Shift+M');
      await waitFor(`${code} to leave the Problems panel after hone.rules.ignore changed`, async () => (await row.count()) === 0);
      return `hone.rules.ignore = ["${code}"] applied without a reload`;
    });

    await runStep('run-with-timing', config.steps.timing, async () => {
      await openSample();
      await page.locator(`${EDITOR_LINES} >> visible=true`).first().click();
      await paletteCommand('hone: Run with timing');
      await waitFor(
        'hot-line decorations ("of run time") in the editor',
        async () => (await editorText()).includes('of run time'),
        config.runWaitMs ?? WAIT,
      );
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'hone:' });
      const summary = await waitFor('the timing summary notification', async () =>
        (await toast.allInnerTexts()).find((t) => !/running/i.test(t)),
      );
      const hot = (await editorText()).split('\n').find((l) => l.includes('of run time'));
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-run-with-timing-report.png`) });
      // The toast's button opens the report view: the per-function table with figures.
      const button = toast.locator('a.monaco-button, .monaco-button', { hasText: 'Show report' }).first();
      await button.click();
      const report = await waitFor('the timing report view', async () =>
        (await visibleEditorTexts()).find((t) => t.includes('hone timing report: slow.py')),
      );
      for (const want of ['Functions', 'doubled (slow.py:', 'main (slow.py:', 'Hot lines']) {
        if (!report.includes(want)) throw new Error(`the report view lacks "${want}":\n${report}`);
      }
      if (!/\d+(\.\d+)? (ms|s|µs)\s+\d+%/.test(report)) throw new Error(`no figures in the report view:\n${report}`);
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-run-with-timing-report-view.png`) });
      // A ⏱ lens opens the same view. (Closing the code would drop the report: back to its group.)
      await paletteCommand('View: Close Editor Group');
      await page.keyboard.press('Control+1');
      const lens = page.locator('.codelens-decoration a', { hasText: '⏱' }).first();
      await waitFor('a ⏱ code lens', () => lens.isVisible());
      const lensTitle = await lens.innerText();
      await lens.click();
      await waitFor('the report view opened by the ⏱ lens', async () =>
        (await visibleEditorTexts()).some((t) => t.includes('hone timing report: slow.py')),
      );
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-run-with-timing-lens-report.png`) });
      await paletteCommand('View: Close Editor Group');
      await page.keyboard.press('Control+1');
      // An edit makes the line numbers lie: the hot-line labels must go.
      await page.locator(`${EDITOR_LINES} >> visible=true`).first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.insertText('\n# edited\n');
      await waitFor('the hot-line labels cleared by the edit', async () => !(await editorText()).includes('of run time'));
      const line = summary.split('\n').find((l) => l.startsWith('hone:')) ?? summary;
      return `${line.trim()} | decoration: ${hot?.trim()} | report view from the toast and from "${lensTitle.trim()}" | cleared by an edit`;
    });
    await runStep('llm', config.steps.llm, async () => {
      const l = config.steps.llm;
      const starts = () =>
        findLogs(join(config.workDir, 'user-data'))
          .flatMap((p) => readFileSync(p, 'utf8').split('\n'))
          .filter((line) => /server started/.test(line)).length;
      const before = starts();
      // The key goes through VS Code's secret storage; the extension restarts the server with it.
      await paletteCommand('hone: Set LLM API key');
      // (the extension's password box, not the palette's input it replaces)
      const input = page.locator('.quick-input-widget input[type="password"]');
      await input.waitFor({ state: 'visible', timeout: WAIT });
      await input.fill(l.apiKey);
      await waitFor('the key in the password box', async () => (await input.inputValue()) === l.apiKey);
      await page.keyboard.press('Enter');
      await waitFor('the server restarted with the key', async () => starts() > before);
      // Earlier steps (run with timing sends the hottest functions) already asked the endpoint
      // without a key, and those replies are cached: clear them so this analysis is a new request.
      const cleared = () =>
        findLogs(join(config.workDir, 'user-data'))
          .flatMap((p) => readFileSync(p, 'utf8').split('\n'))
          .filter((line) => /LLM cache cleared/.test(line)).length;
      const clearedBefore = cleared();
      await paletteCommand('hone: Clear LLM cache');
      await waitFor('the LLM cache cleared', async () => cleared() > clearedBefore);
      await openSample();
      await page.locator(`${EDITOR_LINES} >> visible=true`).first().click();
      // The Problems row may still be there from the analysis made before the key was set: wait
      // for this analysis's own "done" line, which says it sent requests (not cached answers).
      const done = () =>
        findLogs(join(config.workDir, 'user-data'))
          .flatMap((p) => readFileSync(p, 'utf8').split('\n'))
          .filter((line) => /LLM analysis done: \d+ functions, [1-9]\d* sent/.test(line)).length;
      const doneBefore = done();
      await paletteCommand('hone: Analyse file with LLM');
      await waitFor('the analysis sent its requests', async () => done() > doneBefore);
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: l.message }).first();
      await waitFor(`an "${l.message}" row in the Problems panel`, () => row.isVisible());
      return (await row.innerText()).replace(/\s+/g, ' ').trim();
    });
    await runStep('restart-quietly', {}, async () => {
      const logs = () => findLogs(join(config.workDir, 'user-data')).flatMap((p) => readFileSync(p, 'utf8').split('\n'));
      const before = logs().filter((l) => /server started/.test(l)).length;
      await paletteCommand('hone: Restart server');
      await waitFor('the server restarted', async () => logs().filter((l) => /server started/.test(l)).length > before);
      const exitLines = logs().filter((l) => /exited/.test(l));
      const bad = exitLines.filter((l) => /\[error\]|Error -/i.test(l));
      if (bad.length) throw new Error(`a normal restart logged an error: ${bad.join(' | ')}`);
      const errors = await page.locator('.notifications-toasts .notification-toast .codicon-error').count();
      if (errors) throw new Error(`an error notification after a normal restart: ${await page.locator('.notifications-toasts').innerText()}`);
      const item = await page.locator('[aria-label^="hone status:"]').first().getAttribute('aria-label');
      if (/stopped|error/.test(item ?? '')) throw new Error(`status bar after the restart: ${item}`);
      return `restarted; log: ${exitLines.slice(-1)[0]?.trim() ?? '(no exit line)'}`;
    });

    await runStep('bad-settings-warn', config.steps.badSettings, async () => {
      const b = config.steps.badSettings;
      await writeUserSettings({ ...(config.userSettings ?? {}), ...b.settings }, userData);
      await page.keyboard.press('Escape');
      const seen = new Set();
      // each warning is a toast (seen as it comes: toasts hide after a while)
      await waitFor(`warnings naming ${b.keys.join(', ')}`, async () => {
        const texts = await page.locator('.notifications-toasts .notification-toast, .notifications-center .notification-list-item').allInnerTexts();
        for (const t of texts) for (const k of b.keys) if (t.includes(`invalid setting '${k}'`)) seen.add(k);
        return b.keys.every((k) => seen.has(k));
      }).catch((e) => {
        const logged = findLogs(userData)
          .flatMap((p) => readFileSync(p, 'utf8').split('\n'))
          .filter((l) => /invalid setting/.test(l));
        throw new Error(`${e.message}; warned about: ${[...seen].join(', ') || 'nothing'}; the log says: ${logged.join(' | ') || 'nothing'}`);
      });
      await page.screenshot({ path: join(config.artifacts, `${String(step).padStart(2, '0')}-bad-settings-warn.png`) });
      return `warned about ${[...seen].join(', ')}`;
    });
  } catch (e) {
    log(`harness error: ${e?.stack ?? e}`);
    results.push({ name: 'harness', status: 'failed', detail: String(e?.stack ?? e) });
    if (page) await page.screenshot({ path: join(config.artifacts, 'harness-error.png') }).catch(() => undefined);
  } finally {
    const logs = findLogs(userData).map((p) => `--- ${p}\n${readFileSync(p, 'utf8').slice(-6000)}`);
    saveResults({ extensionLogs: logs.join('\n') });
    await browser?.close().catch(() => undefined);
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

await main();
process.exit(results.some((r) => r.status === 'failed') ? 1 : 0);
