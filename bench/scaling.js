// Scaling of `wasm-eme decrypt` (a whole process) with the number of boxes in its input:
//  - the same 100000 small H.264 samples (bench/content.js) in 1e2, 1e3, 1e4 and 1e5 fragments,
//    so about the same bytes each time. A cost linear in the input keeps the wall time about
//    flat (only the per-fragment work adds up); erasing each emitted box from the front of a
//    buffer holding the rest costs fragments x bytes, about x10 per row;
//  - an init segment repeated 1e2, 1e3, 1e4 times (bytes x10 per row: linear is x10, quadratic
//    x100).
// Each run is capped (WEE_BENCH_CAP_S, default 60 s) and printed as "> N s"; after a capped
// count the larger ones are not run. Prints Markdown tables; asserts nothing.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KEY, KID, cli, dir, repeatedInitContent, scalingContent } from './content.js';
import { fixed, mbps, median, spread, table, timeProcess } from './util.js';

const CAP_S = Number(process.env.WEE_BENCH_CAP_S || 60);
const tmp = join(dir, 'tmp-scaling');
mkdirSync(tmp, { recursive: true });

const decrypt = (file) => timeProcess(process.execPath, [cli, 'decrypt', '--key', `${KID}:${KEY}`, file, '-o', join(tmp, 'out.mp4')],
  { capMs: CAP_S * 1000 });

// The start-up of the CLI (node, the module, one 2 KB init segment), taken off the figures below.
const inits = repeatedInitContent();
const startups = [];
for (let r = 0; r < 3; r++) startups.push((await decrypt(inits[1])).ms);
const startupMs = median(startups) || 0;
delete inits[1];

/** Rows for {count: file}; `extra(n)` gives the cells after the count. */
async function series(files, extra) {
  const rows = [];
  let capped = null;
  let previous = null;
  for (const [key, file] of Object.entries(files)) {
    const n = Number(key);
    const bytes = statSync(file).size;
    const cells = [String(n), ...extra(n), (bytes / 1e6).toFixed(1)];
    if (capped) {
      rows.push([...cells, `not run (${capped} took > ${CAP_S} s)`, '', '', '', '']);
      continue;
    }
    const times = [];
    let failure = null;
    // Up to 3 runs; one when a run takes over 10 s (the median of 3 of those would cost minutes).
    for (let r = 0; r < 3; r++) {
      const t = await decrypt(file);
      if (t.timedOut) { capped = n; break; }
      if (t.ms == null) { failure = `exit ${t.code}: ${t.stderr.trim().split('\n').pop()}`; break; }
      times.push(t.ms);
      if (t.ms > 10000) break;
    }
    if (capped) {
      rows.push([...cells, `> ${CAP_S} s`, '', '', '', previous ? `> ${fixed((CAP_S * 1000 - startupMs) / previous, 1)}` : '']);
    } else if (failure) {
      rows.push([...cells, `failed (${failure})`, '', '', '', '']);
    } else {
      const ms = median(times);
      const wall = `${fixed(ms / 1000, 2)}${times.length > 1 ? ` (${spread(times.map((t) => t / 1000), 2)})` : ''}`;
      const net = ms - startupMs;
      if (net < 50) {  // within the noise of the start-up: no rate, no ratio
        rows.push([...cells, wall, '< 0.05', '', '', '']);
        previous = null;
      } else {
        rows.push([...cells, wall, fixed(net / 1000, 2), fixed(net * 1000 / n, 0), fixed(mbps(bytes, net)),
          previous ? fixed(net / previous, 1) : '']);
        previous = net;
      }
    }
  }
  return rows;
}

console.log('`wasm-eme decrypt` as a whole process, median of up to 3 runs, each capped at '
  + `${CAP_S} s; "net" takes off the start-up, ${fixed(startupMs / 1000, 2)} s (the median of 3 runs on one 2 KB init segment).\n`);
console.log('The same 100000 samples (96x64 H.264, cenc with subsamples) in more and more fragments:\n');
table(['fragments', 'samples each', 'MB', 'wall s', 'net s', 'net µs per fragment', 'net MB/s', 'net time vs the row above (x10 fragments)'],
  await series(scalingContent(), (n) => [String(100000 / n)]));

console.log('\nIts init segment (ftyp + moov, no fragment) repeated, the same way:\n');
table(['init segments', 'MB', 'wall s', 'net s', 'net µs per init segment', 'net MB/s', 'net time vs the row above (x10 bytes)'],
  await series(inits, () => []));
rmSync(tmp, { recursive: true, force: true });
