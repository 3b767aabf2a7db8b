import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type PlanInputs, type ProbeResult, bundledArgs, parseProbeOutput, planServer } from '../../src/interpreter';
import type { ClientSettings } from '../../src/settings';

const defaults: ClientSettings = { path: '', interpreter: '', importStrategy: 'fromEnvironment' };

function inputs(over: Partial<PlanInputs> = {}, settings: Partial<ClientSettings> = {}): PlanInputs {
  return {
    settings: { ...defaults, ...settings },
    trusted: true,
    systemPythons: ['python3', 'python'],
    ...over,
  };
}

/** A fake probe: `envs[python]` answers without bundle, `bundled[python]` with PYTHONPATH set. */
function fakeProbe(envs: Record<string, ProbeResult>, bundled: Record<string, ProbeResult> = {}) {
  const calls: string[] = [];
  const probe = async (python: string, pythonPath?: string): Promise<ProbeResult> => {
    calls.push(pythonPath ? `${python}+bundle` : python);
    const table = pythonPath ? bundled : envs;
    return table[python] ?? { spawnError: 'not found' };
  };
  return { probe, calls };
}

const py = (v: [number, number, number], extra: Partial<ProbeResult> = {}): ProbeResult => ({
  python: v,
  executable: `/usr/bin/python${v[0]}.${v[1]}`,
  ...extra,
});

describe('planServer', () => {
  it('uses hone.path as an executable without probing anything', async () => {
    const { probe, calls } = fakeProbe({});
    const r = await planServer(inputs({}, { path: '/opt/hone/bin/hone', interpreter: '/ignored' }), probe);
    assert.ok(r.ok);
    assert.deepEqual([r.plan.command, ...r.plan.args], ['/opt/hone/bin/hone', 'serve']);
    assert.equal(r.plan.source, 'path');
    assert.deepEqual(calls, []);
  });

  it('prefers the Python extension interpreter when hone is installed there', async () => {
    const { probe } = fakeProbe({ '/venv/bin/python': py([3, 12, 1], { hone: '0.1.0' }), python3: py([3, 11, 0], { hone: '0.1.0' }) });
    const r = await planServer(inputs({ pythonExtension: '/venv/bin/python', bundledLibs: '/ext/bundled/libs' }), probe);
    assert.ok(r.ok);
    assert.equal(r.plan.source, 'python-extension');
    assert.equal(r.plan.bundled, false);
    assert.deepEqual(r.plan.args, ['-P', '-m', 'hone', 'serve']);
    assert.deepEqual(r.plan.env, {});
    assert.equal(r.plan.command, '/usr/bin/python3.12');
  });

  it('falls back to the bundled server when hone is missing from the environment', async () => {
    const { probe, calls } = fakeProbe(
      { '/venv/bin/python': py([3, 12, 1], { importError: "ModuleNotFoundError: No module named 'hone'" }) },
      { '/venv/bin/python': py([3, 12, 1], { hone: '0.1.0' }) },
    );
    const r = await planServer(inputs({ pythonExtension: '/venv/bin/python', bundledLibs: '/ext/bundled/libs' }), probe);
    assert.ok(r.ok);
    assert.equal(r.plan.bundled, true);
    // no PYTHONPATH: the programs the server runs must not inherit hone's dependencies
    assert.deepEqual(r.plan.env, {});
    assert.deepEqual(r.plan.args, bundledArgs('/ext/bundled/libs'));
    assert.equal(r.plan.args.at(-1), '/ext/bundled/libs');
    assert.deepEqual(calls, ['/venv/bin/python', '/venv/bin/python+bundle']);
  });

  it('useBundled ignores a hone installed in the environment', async () => {
    const { probe } = fakeProbe({ python3: py([3, 11, 4], { hone: '0.0.9' }) }, { python3: py([3, 11, 4], { hone: '0.1.0' }) });
    const r = await planServer(inputs({ bundledLibs: '/b' }, { importStrategy: 'useBundled' }), probe);
    assert.ok(r.ok);
    assert.equal(r.plan.bundled, true);
    assert.equal(r.plan.honeVersion, '0.1.0');
  });

  it('skips a too-old Python extension interpreter with a warning and uses python3', async () => {
    const { probe } = fakeProbe({ '/old/python': py([3, 10, 12]), python3: py([3, 13, 0], { hone: '0.1.0' }) });
    const r = await planServer(inputs({ pythonExtension: '/old/python' }), probe);
    assert.ok(r.ok);
    assert.equal(r.plan.source, 'system');
    assert.match(r.warnings.join('\n'), /Python 3\.10\.12 .* too old: hone needs Python 3\.11 or newer/);
  });

  it('reports an explicit hone.interpreter that is too old as an error, without falling back', async () => {
    const { probe, calls } = fakeProbe({ '/py39': py([3, 9, 18]), python3: py([3, 12, 0], { hone: '0.1.0' }) });
    const r = await planServer(inputs({ bundledLibs: '/b' }, { interpreter: '/py39' }), probe);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && /Python 3\.9\.18 at \/py39 \(from hone\.interpreter\) is too old/.test(r.error));
    assert.deepEqual(calls, ['/py39']);
  });

  it('reports a missing hone clearly when there is no bundle', async () => {
    const { probe } = fakeProbe({ '/py': py([3, 11, 2], { importError: "ModuleNotFoundError: No module named 'hone'" }) });
    const r = await planServer(inputs({}, { interpreter: '/py' }), probe);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && /hone is not installed in Python 3\.11\.2 .*pip install hone-lsp/.test(r.error));
  });

  it('reports a bundle that cannot run on the chosen Python', async () => {
    const { probe } = fakeProbe(
      { '/py': py([3, 14, 0], { importError: 'no hone' }) },
      { '/py': py([3, 14, 0], { importError: "ImportError: cannot import name 'native' from 'libcst'" }) },
    );
    const r = await planServer(inputs({ bundledLibs: '/b' }, { interpreter: '/py' }), probe);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && /bundled with this extension does not run on Python 3\.14\.0.*native/.test(r.error));
  });

  it('never runs the Python extension interpreter in an untrusted workspace', async () => {
    const { probe, calls } = fakeProbe({ '/workspace/.venv/bin/python': py([3, 12, 0], { hone: '1' }), python3: py([3, 12, 0]) }, { python3: py([3, 12, 0], { hone: '0.1.0' }) });
    const r = await planServer(inputs({ trusted: false, pythonExtension: '/workspace/.venv/bin/python', bundledLibs: '/b' }), probe);
    assert.ok(r.ok);
    assert.equal(r.plan.source, 'system');
    assert.ok(!calls.some((c) => c.startsWith('/workspace')));
  });

  it('lists every reason when no interpreter works', async () => {
    const { probe } = fakeProbe({ python: py([2, 7, 18]) });
    const r = await planServer(inputs(), probe);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    if (!r.ok) {
      assert.match(r.error, /no Python 3\.11\+/);
      assert.match(r.error, /cannot run python3 \(from PATH\): not found/);
      assert.match(r.error, /Python 2\.7\.18 at python \(from PATH\) is too old/);
    }
  });
});

describe('bundled launcher', () => {
  it('starts hone serve from the given folder with a real Python', { skip: !process.env.HONE_TEST_PYTHON && 'set HONE_TEST_PYTHON' }, () => {
    // The launcher run against a stand-in hone package that prints what it was started with.
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const { mkdtempSync, mkdirSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const { join } = require('node:path') as typeof import('node:path');
    const os = require('node:os') as typeof import('node:os');
    const libs = mkdtempSync(join(os.tmpdir(), 'hone-launcher-'));
    mkdirSync(join(libs, 'hone', 'cli'), { recursive: true });
    writeFileSync(join(libs, 'hone', '__init__.py'), '');
    writeFileSync(join(libs, 'hone', 'cli', '__init__.py'), '');
    writeFileSync(
      join(libs, 'hone', 'cli', 'main.py'),
      'import os, sys\ndef main(argv):\n    print(argv, sys.argv, sys.path[0], os.environ.get("PYTHONPATH"))\n    return 0\n',
    );
    const out = execFileSync(process.env.HONE_TEST_PYTHON as string, bundledArgs(libs), {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    assert.equal(out.trim(), `['serve'] ['hone'] ${libs} None`);
  });
});

describe('parseProbeOutput', () => {
  it('reads the JSON line, ignoring noise before it', () => {
    const r = parseProbeOutput('some banner\n{"python": [3, 11, 7], "executable": "/usr/bin/python3", "hone": "0.1.0"}\n');
    assert.deepEqual(r, { python: [3, 11, 7], executable: '/usr/bin/python3', hone: '0.1.0' });
  });

  it('turns garbage into a spawn error with stderr', () => {
    assert.match(parseProbeOutput('', 'Traceback: boom').spawnError ?? '', /no answer.*boom/);
    assert.ok(parseProbeOutput('{not json').spawnError);
    assert.ok(parseProbeOutput('{"python": "3.11"}').spawnError);
  });
});
