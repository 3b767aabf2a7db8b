import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { brotliCompressSync } from 'node:zlib';

import { unpackInto, unpackedDeps } from '../../src/unpack';

const PACK = path.join(__dirname, '..', '..', 'scripts', 'pack-libs.mjs');

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(root);
  return out;
}

describe('the bundled dependencies archive', () => {
  it('unpacks exactly what scripts/pack-libs.mjs packed, once per archive', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hone-pack-'));
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'pkg', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'pkg', '__init__.py'), 'x = 1\n');
    fs.writeFileSync(path.join(src, 'pkg', 'sub', 'native.so'), Buffer.from([0, 1, 2, 255, 254]));
    fs.writeFileSync(path.join(src, 'empty.txt'), '');
    const archive = path.join(tmp, 'deps.pack.br');
    execFileSync(process.execPath, [PACK, 'pack', src, archive]);
    const root = path.join(tmp, 'storage');
    const first = await unpackedDeps(archive, root);
    assert.deepEqual(tree(first), { ...tree(src), '.complete': '' });
    fs.writeFileSync(path.join(first, 'marker'), 'kept');
    assert.equal(await unpackedDeps(archive, root), first, 'unpacked once');
    assert.ok(fs.existsSync(path.join(first, 'marker')));
    // a new archive replaces the old folder
    fs.writeFileSync(path.join(src, 'pkg', '__init__.py'), 'x = 2\n');
    execFileSync(process.execPath, [PACK, 'pack', src, archive]);
    const second = await unpackedDeps(archive, root);
    assert.notEqual(second, first);
    assert.ok(!fs.existsSync(first));
    assert.equal(fs.readFileSync(path.join(second, 'pkg', '__init__.py'), 'utf8'), 'x = 2\n');
  });

  it('refuses paths that leave the folder and truncated archives', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hone-pack-'));
    const make = (index: unknown[], body: Buffer): Buffer => {
      const head = Buffer.from(JSON.stringify(index));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(head.length);
      return brotliCompressSync(Buffer.concat([len, head, body]));
    };
    await assert.rejects(unpackInto(make([{ p: '../evil', s: 1 }], Buffer.from('x')), path.join(tmp, 'a')), /bad path/);
    await assert.rejects(unpackInto(make([{ p: 'ok', s: 5 }], Buffer.from('x')), path.join(tmp, 'b')), /truncated/);
    assert.ok(!fs.existsSync(path.join(tmp, 'evil')));
  });
});
