// Scaling of `wasm-eme decrypt` (a whole process) with the number of fragments: the same
// 100000 small H.264 samples (bench/content.js) in 1e2, 1e3, 1e4 and 1e5 fragments, so about
// the same bytes each time. A cost linear in the input keeps the wall time about flat (only the
// per-fragment work adds up); erasing each emitted box from the front of a buffer holding the
// rest costs fragments x bytes, about x10 per row (x100 with the bytes growing too). Each run is capped (WEE_BENCH_CAP_S, default 60 s) and printed as "> N s";
// after a capped count the larger ones are not run. Prints a Markdown table; asserts nothing.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KEY, KID, SCALING_COUNTS, cli, dir, scalingContent } from './content.js';
import { fixed, mbps, median, spread, table, timeProcess } from './util.js';

const CAP_S = Number(process.env.WEE_BENCH_CAP_S || 60);
const files = scalingContent();
const tmp = join(dir, 'tmp-scaling');
mkdirSync(tmp, { recursive: true });
const rows = [];
let capped = null;
let previous = null;
for (const n of SCALING_COUNTS) {
  const file = files[n];
  const bytes = statSync(file).size;
  const cells = [String(n), String(100000 / n), (bytes / 1e6).toFixed(1)];
  if (capped) {
    rows.push([...cells, `not run (${capped} fragments took > ${CAP_S} s)`, '', '', '']);
    continue;
  }
  const times = [];
  let failure = null;
  // Up to 3 runs; one when a run takes over 10 s (the median of 3 of those would cost minutes).
  for (let r = 0; r < 3; r++) {
    const t = await timeProcess(process.execPath, [cli, 'decrypt', '--key', `${KID}:${KEY}`, file, '-o', join(tmp, 'out.mp4')],
      { capMs: CAP_S * 1000 });
    if (t.timedOut) { capped = n; break; }
    if (t.ms == null) { failure = `exit ${t.code}: ${t.stderr.trim().split('\n').pop()}`; break; }
    times.push(t.ms);
    if (t.ms > 10000) break;
  }
  if (capped) {
    rows.push([...cells, `> ${CAP_S} s`, '', '', previous ? `> ${fixed(CAP_S * 1000 / previous, 1)}` : '']);
    continue;
  }
  if (failure) {
    rows.push([...cells, `failed (${failure})`, '', '', '']);
    continue;
  }
  const ms = median(times);
  rows.push([...cells, `${fixed(ms / 1000, 2)}${times.length > 1 ? ` (${spread(times.map((t) => t / 1000), 2)})` : ''}`,
    fixed(ms * 1000 / n, 0), fixed(mbps(bytes, ms)), previous ? fixed(ms / previous, 1) : '']);
  previous = ms;
}
rmSync(tmp, { recursive: true, force: true });
console.log('The same 100000 samples (96x64 H.264, cenc with subsamples) in more and more fragments; `wasm-eme decrypt` '
  + `as a whole process (start-up included), median of up to 3 runs, each capped at ${CAP_S} s:\n`);
table(['fragments', 'samples each', 'MB', 'wall s', 'µs per fragment', 'MB/s', 'time vs the row above (x10 fragments)'], rows);
