// Bundles the extension (src/extension.ts -> dist/extension.js) with esbuild, or the unit tests
// (test/unit/*.test.ts -> out/test/*.test.js, run by `node --test`, no VS Code needed).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');

if (process.argv.includes('--tests')) {
  const dir = join(root, 'test', 'unit');
  await esbuild.build({
    entryPoints: readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)),
    outdir: join(root, 'out', 'test'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // The unit tests cover the pure modules; importing `vscode` from them is a bug.
    external: [],
    logLevel: 'warning',
  });
} else {
  await esbuild.build({
    entryPoints: [join(root, 'src', 'extension.ts')],
    outfile: join(root, 'dist', 'extension.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'warning',
  });
}
