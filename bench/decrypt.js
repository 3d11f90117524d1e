// Decrypt speed in Node on the 12.6 MB 1080p fragment (bench/content.js), through public
// interfaces only: the CLI as a whole process (`wasm-eme decrypt`) against the `openssl enc
// -aes-128-ctr` command over the same file, alternating; then in one process the
// StreamDecryptor class (package entry wasm-eme/node) against Node's crypto AES-128-CTR
// (OpenSSL) over the same bytes. Prints Markdown tables; asserts nothing.
import { createCipheriv } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, StreamDecryptor } from '../js/src/node/index.js';
import { KEY, KID, audioContent, bigContent, cli, dir } from './content.js';
import { fixed, mbps, median, spread, table, timeProcess } from './util.js';

const RUNS = Number(process.env.WEE_BENCH_RUNS || 5);
const files = bigContent();
const small = audioContent().cenc;  // 0.5 MB: mostly the start-up cost of the CLI
const size = statSync(files.cenc).size;
const tmp = join(dir, 'tmp');
mkdirSync(tmp, { recursive: true });

// 1. Whole processes, alternating: cenc CLI, cbcs CLI, openssl, cenc CLI, ...
const procs = {
  cenc: [process.execPath, [cli, 'decrypt', '--key', `${KID}:${KEY}`, files.cenc, '-o', join(tmp, 'out-cenc.mp4')]],
  cbcs: [process.execPath, [cli, 'decrypt', '--key', `${KID}:${KEY}`, files.cbcs, '-o', join(tmp, 'out-cbcs.mp4')]],
  small: [process.execPath, [cli, 'decrypt', '--key', `${KID}:${KEY}`, small, '-o', join(tmp, 'out-small.mp4')]],
  openssl: ['openssl', ['enc', '-d', '-aes-128-ctr', '-K', KEY, '-iv', '0'.repeat(32), '-in', files.cenc, '-out', join(tmp, 'out-openssl.bin')]],
};
const times = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
const failures = {};
for (let r = -1; r < RUNS; r++) {  // r = -1: warm-up (page cache), not counted
  for (const [name, [cmd, args]] of Object.entries(procs)) {
    const t = await timeProcess(cmd, args, { capMs: 60000 });
    if (t.ms == null) failures[name] = t.timedOut ? 'over 60 s' : `exit ${t.code}: ${t.stderr.trim().split('\n').pop()}`;
    if (r >= 0) times[name].push(t.ms);
  }
}
const osslMs = median(times.openssl);
console.log(`Content: ${(size / 1e6).toFixed(2)} MB, one fragment of 120 samples (4 s of 1080p30 H.264, subsamples); `
  + `whole processes, median of ${RUNS} alternating runs (min-max in brackets), MB/s over every byte of the file.\n`);
const row = (what, name, bytes) => {
  const ms = median(times[name]);
  if (failures[name] && ms == null) return [what, `failed (${failures[name]})`, '', ''];
  return [what, `${fixed(ms, 0)} (${spread(times[name])})`, fixed(mbps(bytes, ms)), { openssl: '1', small: '' }[name] ?? fixed(osslMs / ms, 2)];
};
table(['command', 'wall ms', 'MB/s', 'speed vs openssl'], [
  row('`wasm-eme decrypt`, cenc (node + wasm start included)', 'cenc', size),
  row('`wasm-eme decrypt`, cbcs 1:9 (node + wasm start included)', 'cbcs', statSync(files.cbcs).size),
  row(`\`wasm-eme decrypt\` of a ${(statSync(small).size / 1e6).toFixed(2)} MB AAC file (about the start-up cost)`, 'small', statSync(small).size),
  row('`openssl enc -d -aes-128-ctr` over the cenc file (every byte)', 'openssl', size),
]);

// 2. In one process: the StreamDecryptor (module loaded once) vs Node's crypto.
const key = Buffer.from(KEY, 'hex');
const kid = Buffer.from(KID, 'hex');
const t0 = performance.now();
const core = await loadCore();
const loadMs = performance.now() - t0;
const inProc = [];
const data = { cenc: readFileSync(files.cenc), cbcs: readFileSync(files.cbcs) };
const ms = { cenc: [], cbcs: [], node: [] };
for (let r = -1; r < RUNS; r++) {
  for (const scheme of ['cenc', 'cbcs']) {
    const s = performance.now();
    const d = new StreamDecryptor(core);
    d.setKey(kid, key);
    const out = await d.push(data[scheme]);  // await: the same whether push() is sync or async
    const end = await d.flush();
    d.dispose();
    const e = performance.now() - s;
    if (out.missingKid || end.missingKid) throw new Error('the StreamDecryptor reports a missing key');
    if (r >= 0) ms[scheme].push(e);
  }
  const s = performance.now();
  const c = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  c.update(data.cenc);
  c.final();
  if (r >= 0) ms.node.push(performance.now() - s);
}
for (const scheme of ['cenc', 'cbcs']) {
  const m = median(ms[scheme]);
  inProc.push([`StreamDecryptor push + flush, ${scheme}`, `${fixed(m, 1)} (${spread(ms[scheme], 1)})`,
    fixed(mbps(data[scheme].length, m)), fixed(median(ms.node) / m, 2)]);
}
inProc.push(['Node crypto AES-128-CTR (OpenSSL) over the same bytes, one update()', `${fixed(median(ms.node), 1)} (${spread(ms.node, 1)})`,
  fixed(mbps(size, median(ms.node))), '1']);
console.log(`\nIn one process (loadCore() took ${fixed(loadMs, 0)} ms, not counted), median of ${RUNS}:\n`);
table(['what', 'ms', 'MB/s', 'speed vs Node crypto'], inProc);
rmSync(tmp, { recursive: true, force: true });
