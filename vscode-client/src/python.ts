/**
 * The interpreter selected in the Python extension, through its public API
 * (`ms-python.python` exports `environments`).  Only the few members we use are typed here, so
 * the extension works without the Python extension installed and without its npm package.
 */

import * as vscode from 'vscode';

interface EnvironmentPath {
  id: string;
  path: string;
}

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(env: EnvironmentPath | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

const PYTHON_EXTENSION_ID = 'ms-python.python';
const ACTIVATION_TIMEOUT_MS = 15_000;

async function api(): Promise<PythonEnvironmentsApi | undefined> {
  const ext = vscode.extensions.getExtension<{ environments?: PythonEnvironmentsApi }>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  try {
    const exports = ext.isActive
      ? ext.exports
      : await Promise.race([
          ext.activate(),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ACTIVATION_TIMEOUT_MS)),
        ]);
    return exports?.environments;
  } catch {
    return undefined;
  }
}

/** The selected interpreter's executable for `resource`, or undefined (no extension, none selected). */
export async function selectedInterpreter(resource?: vscode.Uri, log?: (msg: string) => void): Promise<string | undefined> {
  const envs = await api();
  if (!envs) {
    return undefined;
  }
  try {
    const active = envs.getActiveEnvironmentPath(resource);
    const resolved = await envs.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? undefined;
  } catch (e) {
    log?.(`could not ask the Python extension for its interpreter: ${String(e)}`);
    return undefined;
  }
}

/** Calls `listener` when the user selects another interpreter in the Python extension. */
export async function onInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  const envs = await api();
  return envs?.onDidChangeActiveEnvironmentPath(() => listener());
}
