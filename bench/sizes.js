// Sizes of every module in dist/ (*.wasm and *.mjs, whatever the build makes), raw and gzip -9.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from './content.js';
import { table } from './util.js';

const dist = join(root, 'dist');
const files = readdirSync(dist).filter((f) => /\.(wasm|mjs)$/.test(f)).sort();
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let raw = 0;
let gz = 0;
const rows = files.map((f) => {
  const bytes = readFileSync(join(dist, f));
  const g = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += g;
  return [`dist/${f}`, `${bytes.length} (${kb(bytes.length)})`, `${g} (${kb(g)})`];
});
rows.push(['all together', `${raw} (${kb(raw)})`, `${gz} (${kb(gz)})`]);
table(['file', 'bytes', 'gzip -9 bytes'], rows);
