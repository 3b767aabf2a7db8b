/**
 * Unpacks the bundled server's dependencies (`bundled/deps.pack.br`, written by
 * scripts/pack-libs.mjs: brotli over a JSON index and the files' bytes) into a folder of the
 * extension's storage, once per archive: the folder is named by the archive's hash, filled under
 * a temporary name and renamed into place, so two windows starting at once cannot see it half
 * written. Node only (no `vscode` import).
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';

const decompress = promisify(brotliDecompress);

interface Entry {
  p: string;
  s: number;
  x?: boolean;
}

/** The unpacked folder of `archive` under `root` (unpacked now if needed); older ones are removed. */
export async function unpackedDeps(archive: string, root: string): Promise<string> {
  const data = await fs.readFile(archive);
  const key = createHash('sha256').update(data).digest('hex').slice(0, 16);
  const dest = path.join(root, `deps-${key}`);
  try {
    await fs.access(path.join(dest, '.complete'));
    return dest;
  } catch {
    // not unpacked yet
  }
  await fs.mkdir(root, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(root, `.deps-${key}-`));
  try {
    await unpackInto(data, tmp);
    await fs.writeFile(path.join(tmp, '.complete'), '');
    await fs.rename(tmp, dest).catch(async (e: NodeJS.ErrnoException) => {
      // another window got there first: use its copy
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST' && e.code !== 'EPERM') throw e;
      await fs.rm(tmp, { recursive: true, force: true });
    });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  for (const name of await fs.readdir(root)) {
    if (name.startsWith('deps-') && name !== `deps-${key}`) {
      await fs.rm(path.join(root, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return dest;
}

export async function unpackInto(data: Buffer, dest: string): Promise<number> {
  const raw = await decompress(data);
  const n = raw.readUInt32BE(0);
  const index = JSON.parse(raw.subarray(4, 4 + n).toString('utf8')) as Entry[];
  let at = 4 + n;
  const root = path.resolve(dest);
  for (const e of index) {
    const out = path.resolve(root, ...e.p.split('/'));
    if (!out.startsWith(root + path.sep)) throw new Error(`bad path in the bundled archive: ${e.p}`);
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, raw.subarray(at, at + e.s));
    if (e.x) await fs.chmod(out, 0o755);
    at += e.s;
  }
  if (at !== raw.length) throw new Error('the bundled archive is truncated or corrupt');
  return index.length;
}
