import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  CLIENT_ONLY_KEYS,
  type InspectedValue,
  clientSettings,
  expandPath,
  explicitValue,
  nest,
  serverKeysFromPackageJson,
  serverSettings,
} from '../../src/settings';

const packageJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

describe('serverSettings', () => {
  const keys = ['llm.baseUrl', 'llm.model', 'rules.ignore', 'rules.severity', 'run.enabled', 'exclude'];

  it('sends only what the user set, nested, the most specific level winning', () => {
    const table: Record<string, InspectedValue> = {
      'llm.baseUrl': { globalValue: 'http://user', workspaceFolderValue: 'http://folder' },
      'llm.model': { globalValue: 'qwen' },
      'rules.ignore': { workspaceValue: ['HONE101'] },
      'rules.severity': { globalValue: { HONE102: 'info' } },
      'run.enabled': {},
    };
    const out = serverSettings((k) => table[k], keys, true);
    assert.deepEqual(out, {
      llm: { baseUrl: 'http://folder', model: 'qwen' },
      rules: { ignore: ['HONE101'], severity: { HONE102: 'info' } },
    });
  });

  it('sends nothing when nothing is set, so pyproject.toml is not overridden by defaults', () => {
    assert.deepEqual(serverSettings(() => ({}), keys, true), {});
  });

  it('forces run.enabled off in an untrusted workspace, whatever the user set', () => {
    const out = serverSettings((k) => (k === 'run.enabled' ? { workspaceValue: true } : undefined), keys, false);
    assert.deepEqual(out, { run: { enabled: false } });
  });

  it('keeps false, 0 and empty values the user set explicitly', () => {
    const table: Record<string, InspectedValue> = { 'run.enabled': { globalValue: false }, exclude: { globalValue: [] } };
    assert.deepEqual(serverSettings((k) => table[k], keys, true), { run: { enabled: false }, exclude: [] });
  });
});

describe('helpers', () => {
  it('explicitValue ignores null and undefined', () => {
    assert.equal(explicitValue(undefined), undefined);
    assert.equal(explicitValue({ globalValue: null }), undefined);
    assert.equal(explicitValue({ globalValue: 0 }), 0);
  });

  it('nest builds objects and does not merge into arrays', () => {
    assert.deepEqual(nest({ 'a.b.c': 1, 'a.d': 2, e: 3 }), { a: { b: { c: 1 }, d: 2 }, e: 3 });
    assert.deepEqual(nest({ a: [1], 'a.b': 2 }), { a: { b: 2 } });
  });

  it('clientSettings trims strings and rejects unknown strategies', () => {
    const s = clientSettings((k) => ({ path: '  /x/hone ', interpreter: 42, importStrategy: 'weird' })[k]);
    assert.deepEqual(s, { path: '/x/hone', interpreter: '', importStrategy: 'fromEnvironment' });
    assert.equal(clientSettings((k) => (k === 'importStrategy' ? 'useBundled' : undefined)).importStrategy, 'useBundled');
  });

  it('expandPath expands ~, ${userHome} and ${workspaceFolder}', () => {
    const vars = { userHome: '/home/u', workspaceFolder: '/w' };
    assert.equal(expandPath('~/py/bin/python', vars), '/home/u/py/bin/python');
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', vars), '/w/.venv/bin/python');
    assert.equal(expandPath('${userHome}/x', vars), '/home/u/x');
    assert.equal(expandPath('/abs/~x', vars), '/abs/~x');
  });
});

describe('package.json', () => {
  const props: Record<string, { type?: string }> = packageJson.contributes.configuration.properties;

  it('declares every client-only setting', () => {
    for (const k of CLIENT_ONLY_KEYS) {
      assert.ok(props[`hone.${k}`], `hone.${k} missing from contributes.configuration`);
    }
  });

  it('server keys come from package.json minus the client-only ones', () => {
    const keys = serverKeysFromPackageJson(packageJson);
    assert.ok(keys.includes('llm.baseUrl'));
    assert.ok(keys.includes('run.timeoutSeconds'));
    assert.ok(!keys.some((k) => CLIENT_ONLY_KEYS.includes(k)));
    assert.equal(keys.length + CLIENT_ONLY_KEYS.length, Object.keys(props).length);
  });

  it('every palette command has a title and the hone category', () => {
    const ids = packageJson.contributes.commands.map((c: { command: string }) => c.command);
    for (const id of [
      'hone.cmd.runWithTiming',
      'hone.cmd.analyseFileWithLLM',
      'hone.cmd.fixAll',
      'hone.cmd.restart',
      'hone.cmd.showOutput',
      'hone.cmd.clearLLMCache',
    ]) {
      assert.ok(ids.includes(id), id);
    }
    // Server command ids are registered by vscode-languageclient; a palette command of the
    // same id would make the client fail to register them.
    for (const serverCmd of ['hone.runWithTiming', 'hone.cancelRun', 'hone.analyseFileWithLLM', 'hone.clearLLMCache']) {
      assert.ok(!ids.includes(serverCmd), serverCmd);
    }
  });

  it('declares limited support for untrusted workspaces and restricts the server location', () => {
    const u = packageJson.capabilities.untrustedWorkspaces;
    assert.equal(u.supported, 'limited');
    for (const k of ['hone.path', 'hone.interpreter', 'hone.run.python']) {
      assert.ok(u.restrictedConfigurations.includes(k), k);
    }
  });

  it('has no setting that could hold an API key', () => {
    assert.ok(!Object.keys(props).some((k) => /apikey$/i.test(k)));
  });
});
