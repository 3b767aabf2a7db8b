// Packs a folder into one brotli-compressed file (the bundled server's dependencies), and back.
//
//   node scripts/pack-libs.mjs pack SRC_DIR OUT.pack.br
//   node scripts/pack-libs.mjs unpack IN.pack.br DEST_DIR
//
// Why: the dependencies carry one native module per Python version (libcst, pydantic-core, jiter
// for 3.11-3.14), nearly identical builds of the same code. A .vsix is a zip, whose deflate sees
// 32 KB at a time and compresses each file alone (21 MB for linux-x64); brotli over the whole
// folder with a 16 MB window finds the repeats across versions (about 9 MB). Node has brotli
// built in, so the extension unpacks it on first start (src/unpack.ts reads the same format).
//
// Format, before compression: a 4-byte big-endian length, a JSON index
// [{"p": "relative/path", "s": size, "x": executable}], then the files' bytes in index order.
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push({ path: p, size: st.size, x: (st.mode & 0o111) !== 0 });
  }
  return out;
}

export function pack(src) {
  const files = walk(src);
  const index = files.map((f) => ({ p: relative(src, f.path).split(sep).join('/'), s: f.size, x: f.x }));
  const head = Buffer.from(JSON.stringify(index));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  const raw = Buffer.concat([len, head, ...files.map((f) => readFileSync(f.path))]);
  return brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

export function unpack(data, dest) {
  const raw = brotliDecompressSync(data);
  const n = raw.readUInt32BE(0);
  const index = JSON.parse(raw.subarray(4, 4 + n).toString('utf8'));
  let at = 4 + n;
  for (const e of index) {
    if (e.p.split('/').includes('..')) throw new Error(`bad path in pack: ${e.p}`);
    const out = join(dest, ...e.p.split('/'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, raw.subarray(at, at + e.s));
    if (e.x) chmodSync(out, 0o755);
    at += e.s;
  }
  return index.length;
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'pack') {
  writeFileSync(b, pack(a));
} else if (cmd === 'unpack') {
  unpack(readFileSync(a), b);
} else if (cmd !== undefined) {
  console.error('usage: pack-libs.mjs pack SRC OUT | unpack IN DEST');
  process.exit(2);
}
