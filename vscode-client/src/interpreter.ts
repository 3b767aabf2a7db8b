/**
 * Choosing how to start `hone serve`.  Pure logic: the probing of an interpreter is passed in, so
 * the decision is unit-tested without VS Code or Python.
 *
 * Order: `hone.path` (an executable) > `hone.interpreter` > the interpreter selected in the Python
 * extension (trusted workspaces only) > `python3`/`python` on PATH.  The chosen interpreter runs
 * the hone installed in its environment (importStrategy "fromEnvironment") or, when hone is not
 * installed there or importStrategy is "useBundled", the copy bundled in the .vsix (PYTHONPATH).
 */

import type { ClientSettings } from './settings';

export const MIN_PYTHON: readonly [number, number] = [3, 11];

/** What the probe script reports about one interpreter. */
export interface ProbeResult {
  /** The interpreter could not be run at all (missing file, not executable, crashed). */
  spawnError?: string;
  python?: [number, number, number];
  executable?: string;
  /** hone's version when hone and its native dependencies import cleanly. */
  hone?: string;
  /** Why importing hone failed (module missing, a native module built for another Python, ...). */
  importError?: string;
}

/** Runs the probe script with `python`; `pythonPath` set means "with the bundled libraries". */
export type Probe = (python: string, pythonPath?: string) => Promise<ProbeResult>;

export interface PlanInputs {
  settings: ClientSettings;
  trusted: boolean;
  /** Interpreter selected in the Python extension, when it is installed and has one. */
  pythonExtension?: string;
  /** The bundled hone and its dependencies (folders joined by the path delimiter), when present. */
  bundledLibs?: string;
  systemPythons: readonly string[];
}

export type ServerSource = 'path' | 'interpreter' | 'python-extension' | 'system';

export interface ServerPlan {
  command: string;
  args: string[];
  /** Environment variables to add for the server process. */
  env: Record<string, string>;
  source: ServerSource;
  bundled: boolean;
  python?: string;
  honeVersion?: string;
  /** One line for the output channel. */
  description: string;
}

export type PlanResult =
  | { ok: true; plan: ServerPlan; warnings: string[] }
  | { ok: false; error: string; warnings: string[] };

/**
 * Printed as one JSON line by any Python (even 2.x, so that a too-old interpreter is reported
 * clearly instead of failing on syntax).  hone counts as usable only when the native modules it
 * needs import too: a bundle built for another Python version fails here, not in the server.
 */
export const PROBE_SCRIPT = [
  'import json, sys',
  'out = {"python": list(sys.version_info[:3]), "executable": sys.executable}',
  'if tuple(sys.version_info[:2]) >= (3, 11):',
  '    try:',
  '        import hone, pygls, lsprotocol, libcst.native, pydantic_core',
  '        out["hone"] = hone.__version__',
  '    except Exception as e:',
  '        out["importError"] = "%s: %s" % (type(e).__name__, e)',
  'sys.stdout.write(json.dumps(out) + "\\n")',
].join('\n');

/** Parse the probe's stdout; anything unexpected becomes a spawnError with the text. */
export function parseProbeOutput(stdout: string, stderr = ''): ProbeResult {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) {
    return { spawnError: `no answer from the interpreter${stderr.trim() ? `: ${stderr.trim().slice(0, 500)}` : ''}` };
  }
  try {
    const data = JSON.parse(line) as Record<string, unknown>;
    const py = data.python;
    if (!Array.isArray(py) || py.length < 3 || !py.every((n) => typeof n === 'number')) {
      return { spawnError: 'unexpected answer from the interpreter' };
    }
    const result: ProbeResult = { python: [py[0], py[1], py[2]] as [number, number, number] };
    if (typeof data.executable === 'string') result.executable = data.executable;
    if (typeof data.hone === 'string') result.hone = data.hone;
    if (typeof data.importError === 'string') result.importError = data.importError;
    return result;
  } catch {
    return { spawnError: 'unexpected answer from the interpreter' };
  }
}

export function versionString(v: readonly number[]): string {
  return v.join('.');
}

export function isSupported(v: readonly number[]): boolean {
  return v[0] > MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] >= MIN_PYTHON[1]);
}

interface Candidate {
  python: string;
  source: Exclude<ServerSource, 'path'>;
  /** Chosen by the user in hone's settings: its problems are errors, never skipped silently. */
  explicit: boolean;
}

const SOURCE_NAMES: Record<ServerSource, string> = {
  path: 'hone.path',
  interpreter: 'hone.interpreter',
  'python-extension': 'the Python extension',
  system: 'PATH',
};

/**
 * Starts the bundled server without PYTHONPATH: an environment variable would be inherited by the
 * programs hone runs ("Run with timing", verification) and put hone's dependencies ahead of the
 * user's own.  `-P` keeps the working directory off sys.path.
 */
export const BUNDLED_LAUNCHER =
  'import os, sys; sys.path[0:0] = sys.argv.pop(1).split(os.pathsep); sys.argv[0] = "hone"; ' +
  'from hone.cli.main import main; sys.exit(main(["serve"]))';

export function bundledArgs(libs: string): string[] {
  return ['-P', '-c', BUNDLED_LAUNCHER, libs];
}

export async function planServer(inputs: PlanInputs, probe: Probe): Promise<PlanResult> {
  const warnings: string[] = [];
  const { settings } = inputs;
  if (settings.path) {
    return {
      ok: true,
      warnings,
      plan: {
        command: settings.path,
        args: ['serve'],
        env: {},
        source: 'path',
        bundled: false,
        description: `${settings.path} serve (from hone.path)`,
      },
    };
  }

  const candidates: Candidate[] = [];
  if (settings.interpreter) {
    candidates.push({ python: settings.interpreter, source: 'interpreter', explicit: true });
  } else {
    if (inputs.pythonExtension && inputs.trusted) {
      candidates.push({ python: inputs.pythonExtension, source: 'python-extension', explicit: false });
    }
    for (const p of inputs.systemPythons) {
      candidates.push({ python: p, source: 'system', explicit: false });
    }
  }

  const problems: string[] = [];
  for (const c of candidates) {
    const where = `${c.python} (from ${SOURCE_NAMES[c.source]})`;
    const fail = (message: string): PlanResult | undefined => {
      if (c.explicit) {
        return { ok: false, error: message, warnings };
      }
      problems.push(message);
      warnings.push(`${message}; trying the next interpreter`);
      return undefined;
    };

    const env = await probe(c.python);
    if (env.spawnError || !env.python) {
      const r = fail(`cannot run ${where}: ${env.spawnError ?? 'no version reported'}`);
      if (r) return r;
      continue;
    }
    const version = versionString(env.python);
    if (!isSupported(env.python)) {
      const r = fail(`Python ${version} at ${where} is too old: hone needs Python ${MIN_PYTHON.join('.')} or newer`);
      if (r) return r;
      continue;
    }
    const python = env.executable || c.python;

    if (settings.importStrategy === 'fromEnvironment' && env.hone) {
      return {
        ok: true,
        warnings,
        plan: {
          command: python,
          args: ['-P', '-m', 'hone', 'serve'],
          env: {},
          source: c.source,
          bundled: false,
          python,
          honeVersion: env.hone,
          description: `hone ${env.hone} installed in Python ${version} at ${where}`,
        },
      };
    }

    if (inputs.bundledLibs) {
      const bundled = await probe(c.python, inputs.bundledLibs);
      if (bundled.hone) {
        return {
          ok: true,
          warnings,
          plan: {
            command: python,
            args: bundledArgs(inputs.bundledLibs),
            env: {},
            source: c.source,
            bundled: true,
            python,
            honeVersion: bundled.hone,
            description: `bundled hone ${bundled.hone} run by Python ${version} at ${where}`,
          },
        };
      }
      const r = fail(
        `the hone bundled with this extension does not run on Python ${version} at ${where}` +
          ` (${bundled.importError ?? bundled.spawnError ?? 'unknown error'}); install hone in that` +
          ' environment (pip install hone-lsp) or choose another interpreter',
      );
      if (r) return r;
      continue;
    }

    const why = env.importError ? ` (${env.importError})` : '';
    const r = fail(
      `hone is not installed in Python ${version} at ${where}${why} and this build of the extension has no bundled` +
        ' server: run `pip install hone-lsp` in that environment or set hone.interpreter / hone.path',
    );
    if (r) return r;
  }

  const detail = problems.length ? problems.map((p) => `\n  - ${p}`).join('') : '';
  return {
    ok: false,
    warnings,
    error: `hone found no Python ${MIN_PYTHON.join('.')}+ to run its server${detail}\nSet hone.interpreter to a Python >= 3.11 or hone.path to a hone executable.`,
  };
}
