/**
 * Settings -> what the server receives.  Pure logic (no `vscode` import) so it is unit-tested
 * without VS Code.
 *
 * Only values the user actually set are sent: the server merges its layers as
 * defaults < pyproject.toml [tool.hone] < initializationOptions < workspace/configuration, so
 * sending VS Code's defaults would silently override a project's pyproject.toml.
 */

/** Settings the extension itself reads; they are never sent to the server. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['path', 'interpreter', 'importStrategy', 'trace.server'];

/** Changing one of these needs a new server process (a different interpreter or copy of hone). */
export const RESTART_KEYS: readonly string[] = ['path', 'interpreter', 'importStrategy'];

/** Forced while the workspace is not trusted: running the workspace's code is not allowed. */
export const UNTRUSTED_OVERRIDES: Readonly<Record<string, unknown>> = { 'run.enabled': false };

/** The subset of `WorkspaceConfiguration.inspect()` we use. */
export interface InspectedValue {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type Inspect = (key: string) => InspectedValue | undefined;

export interface ClientSettings {
  path: string;
  interpreter: string;
  importStrategy: 'fromEnvironment' | 'useBundled';
}

/** Server setting keys (dotted, without the `hone.` prefix) from package.json's properties. */
export function serverKeysFromPackageJson(packageJson: unknown): string[] {
  const props = (packageJson as { contributes?: { configuration?: { properties?: object } } })?.contributes
    ?.configuration?.properties;
  if (!props || typeof props !== 'object') {
    return [];
  }
  return Object.keys(props)
    .filter((k) => k.startsWith('hone.'))
    .map((k) => k.slice('hone.'.length))
    .filter((k) => !CLIENT_ONLY_KEYS.includes(k));
}

/** The value explicitly set at the most specific level, or undefined when only the default applies. */
export function explicitValue(inspected: InspectedValue | undefined): unknown {
  if (!inspected) {
    return undefined;
  }
  for (const v of [inspected.workspaceFolderValue, inspected.workspaceValue, inspected.globalValue]) {
    if (v !== undefined && v !== null) {
      return v;
    }
  }
  return undefined;
}

/** `{"llm.baseUrl": x}` -> `{llm: {baseUrl: x}}` (the shape VS Code and the server both use). */
export function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node: Record<string, unknown> = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        node[part] = {};
      }
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/**
 * The nested `hone` settings to send for one scope: every server key the user set, plus the
 * overrides an untrusted workspace requires.
 */
export function serverSettings(inspect: Inspect, serverKeys: readonly string[], trusted: boolean): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const key of serverKeys) {
    const value = explicitValue(inspect(key));
    if (value !== undefined) {
      flat[key] = value;
    }
  }
  if (!trusted) {
    Object.assign(flat, UNTRUSTED_OVERRIDES);
  }
  return nest(flat);
}

/** The extension's own settings, with bad values replaced by defaults. */
export function clientSettings(get: (key: string) => unknown): ClientSettings {
  const str = (key: string): string => {
    const v = get(key);
    return typeof v === 'string' ? v.trim() : '';
  };
  return {
    path: str('path'),
    interpreter: str('interpreter'),
    importStrategy: get('importStrategy') === 'useBundled' ? 'useBundled' : 'fromEnvironment',
  };
}

/** Expand `${workspaceFolder}`, `${userHome}` and `~` in a path setting. */
export function expandPath(value: string, vars: { workspaceFolder?: string; userHome: string }): string {
  let out = value.replace(/\$\{userHome\}/g, vars.userHome);
  if (vars.workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, vars.workspaceFolder);
  }
  if (out === '~' || out.startsWith('~/')) {
    out = vars.userHome + out.slice(1);
  }
  return out;
}
