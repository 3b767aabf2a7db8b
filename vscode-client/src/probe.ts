/** Runs the probe script with a real interpreter (Node only, no `vscode` import). */

import { execFile } from 'node:child_process';
import * as os from 'node:os';

import { PROBE_SCRIPT, parseProbeOutput, type Probe, type ProbeResult } from './interpreter';

const PROBE_TIMEOUT_MS = 30_000;

export function makeProbe(baseEnv: NodeJS.ProcessEnv = process.env): Probe {
  return (python: string, pythonPath?: string): Promise<ProbeResult> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = { ...baseEnv };
      if (pythonPath) {
        env.PYTHONPATH = pythonPath;
        env.PYTHONNOUSERSITE = '1';
      }
      // A neutral cwd: `python -c` puts the cwd first on sys.path, and a workspace folder could
      // shadow `hone` (the probe runs on interpreters too old for `-P`).
      execFile(
        python,
        ['-c', PROBE_SCRIPT],
        { env, cwd: os.tmpdir(), timeout: PROBE_TIMEOUT_MS, windowsHide: true, maxBuffer: 1 << 20 },
        (error, stdout, stderr) => {
          const parsed = parseProbeOutput(String(stdout), String(stderr));
          if (error && parsed.spawnError) {
            const code = (error as NodeJS.ErrnoException).code;
            const reason = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : error.message;
            resolve({ spawnError: reason });
            return;
          }
          resolve(parsed);
        },
      );
    });
}
