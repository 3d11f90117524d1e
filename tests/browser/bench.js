// Benchmark (not a test; nothing asserted): `node tests/browser/bench.js` prints Markdown tables
// of the polyfill in headless Chromium (the harness's launch flags) on the content of
// bench/content.js: the append of one 12.6 MB 1080p fragment (clear / native Clear Key /
// polyfill with install({force: true})) for cenc and cbcs, the polyfill's decrypt rate, WebCrypto
// AES-CTR references, first frame, install() and first-append times, and 100 small AAC appends.
// Every figure is the median of WEE_BENCH_RUNS (default 5) rounds; within a round the modes
// alternate (clear, native, polyfill, ...) and every run gets a fresh page.
import { audioContent, bigContent, KEY, KID, urlPath } from '../../bench/content.js';
import { fixed, mbps, median, spread, table } from '../../bench/util.js';
import { setUp } from './harness.js';

const ROUNDS = Number(process.env.WEE_BENCH_RUNS || 5);
const RUN_CAP_MS = 90000;
const MODES = ['clear', 'native', 'polyfill'];
const SCHEMES = ['cenc', 'cbcs'];
const big = bigContent();
const audio = audioContent();
const url = (file) => urlPath(file);

const env = await setUp({ keys: { [KID]: KEY } });
const errors = [];
// One fresh page (its own browser context) per measurement.
async function run(fn, args, label) {
  const page = await env.page('/tests/browser/pages/bench.html');
  try {
    await page.waitForFunction(() => window.pageReady, null, { timeout: 20000 });
    let timer;
    const cap = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`over ${RUN_CAP_MS / 1000} s`)), RUN_CAP_MS); });
    try {
      return await Promise.race([page.evaluate(({ fn: f, args: a }) => window[f](a), { fn, args }), cap]);
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    const logs = page.logs.filter((l) => /error/i.test(l)).slice(-3).join('; ');
    errors.push(`${label}: ${String(e.message).split('\n')[0]}${logs ? ` (${logs})` : ''}`);
    return null;
  } finally {
    await page.context().close().catch(() => {});
  }
}

const file = (mode, scheme) => url(mode === 'clear' ? big.clear : big[scheme]);
const res = { append: {}, frame: {}, webcrypto: [], small: {} };
for (const s of SCHEMES) {
  res.append[s] = Object.fromEntries(MODES.map((m) => [m, []]));
  res.frame[s] = Object.fromEntries(MODES.map((m) => [m, []]));
}
res.small = Object.fromEntries(MODES.map((m) => [m, []]));
res.smallMain = [];  // the polyfill with install({worker: false})
const started = Date.now();
for (let r = 0; r < ROUNDS; r++) {
  for (const s of SCHEMES) {
    for (const m of MODES) res.append[s][m].push(await run('benchAppend', { mode: m, url: file(m, s) }, `append ${s} ${m} #${r + 1}`));
  }
  for (const s of SCHEMES) {
    for (const m of MODES) res.frame[s][m].push(await run('benchFirstFrame', { mode: m, url: file(m, s) }, `first frame ${s} ${m} #${r + 1}`));
  }
  res.webcrypto.push(await run('benchWebCrypto', { url: url(big.cenc), key: KEY }, `WebCrypto #${r + 1}`));
  for (const m of MODES) {
    res.small[m].push(await run('benchSmallAppends', { mode: m, url: url(m === 'clear' ? audio.clear : audio.cenc) }, `small appends ${m} #${r + 1}`));
  }
  res.smallMain.push(await run('benchSmallAppends', { mode: 'polyfill', url: url(audio.cenc), install: { worker: false } }, `small appends main thread #${r + 1}`));
}
const browserVersion = env.browser.version();
await env.close();

// Medians over rounds; `pick` reads a figure from one run, `pair` combines the runs of a round.
const med = (runs, pick) => median(runs.map((x) => (x ? pick(x) : null)));
const cell = (runs, pick, digits = 0) => {
  const xs = runs.map((x) => (x ? pick(x) : null)).filter((x) => x != null);
  if (!xs.length) return 'failed';
  return `${fixed(median(xs), digits)} [${spread(xs, digits)}]${xs.length < runs.length ? ` (${xs.length}/${runs.length} runs)` : ''}`;
};
const paired = (a, b, f) => a.map((x, i) => (x && b[i] ? f(x, b[i]) : null));

const bytes = res.append.cenc.polyfill.find(Boolean)?.bytes || res.append.cenc.clear.find(Boolean)?.bytes || 0;
console.log(`Headless Chromium ${browserVersion}; content: one fragment of ${(bytes / 1e6).toFixed(2)} MB (4 s of 1080p30 H.264, 120 samples), `
  + `after its init segment; median [min-max] of ${ROUNDS} rounds, modes alternating, a fresh page each; `
  + `${((Date.now() - started) / 1000).toFixed(0)} s in all.\n`);

console.log('Appending the whole fragment (ms from appendBuffer() to updateend, nothing playing) and the polyfill\'s decrypt rate '
  + 'inside it, fragment bytes / (polyfill append - clear append) of the same round:\n');
const appendRows = [];
for (const s of SCHEMES) {
  const a = res.append[s];
  const rate = paired(a.polyfill, a.clear, (p, c) => (p.appendMs > c.appendMs ? mbps(p.bytes, p.appendMs - c.appendMs) : null));
  appendRows.push([s, cell(a.clear, (x) => x.appendMs), cell(a.native, (x) => x.appendMs), cell(a.polyfill, (x) => x.appendMs),
    cell(rate.map((x) => (x == null ? null : { v: x })), (x) => x.v, 1)]);
}
table(['scheme', 'clear', 'native Clear Key', 'polyfill', 'polyfill decrypt MB/s'], appendRows);

const wc = res.webcrypto;
const wcBytes = wc.find(Boolean);
console.log(`\nReferences in the same browser, WebCrypto AES-CTR on the cenc fragment (MB/s over its ${(bytes / 1e6).toFixed(2)} MB; `
  + `${wcBytes ? `${(wcBytes.protectedBytes / 1e6).toFixed(2)} MB of it protected, in ${wcBytes.samples} samples` : 'no layout'}; `
  + 'protected bytes gathered per sample beforehand, not timed):\n');
table(['what', 'MB/s'], [
  ['WebCrypto AES-CTR, the whole fragment in one decrypt()', cell(wc, (x) => mbps(x.bytes, median(x.oneCallMs)), 1)],
  ['WebCrypto AES-CTR, one decrypt() per sample\'s protected bytes, Promise.all', cell(wc, (x) => mbps(x.bytes, median(x.perSampleMs)), 1)],
  ['polyfill inside the append (from the table above), cenc', cell(paired(res.append.cenc.polyfill, res.append.cenc.clear,
    (p, c) => (p.appendMs > c.appendMs ? { v: mbps(p.bytes, p.appendMs - c.appendMs) } : null)), (x) => x.v, 1)],
]);

console.log('\nFirst frame: ms from appendBuffer(fragment) + play() to the first requestVideoFrameCallback '
  + '(keys and init segment in place before); the difference is paired by round:\n');
const frameRows = [];
for (const s of SCHEMES) {
  const f = res.frame[s];
  frameRows.push([s, cell(f.clear, (x) => x.firstFrameMs), cell(f.native, (x) => x.firstFrameMs), cell(f.polyfill, (x) => x.firstFrameMs),
    cell(paired(f.polyfill, f.native, (p, n) => ({ v: p.firstFrameMs - n.firstFrameMs })), (x) => x.v)]);
}
table(['scheme', 'clear', 'native Clear Key', 'polyfill', 'polyfill - native'], frameRows);

const allAppend = (m) => SCHEMES.flatMap((s) => res.append[s][m]);
console.log(`\nStart-up (${2 * ROUNDS} pages: the append runs of both schemes), ms:\n`);
table(['what', 'clear', 'native Clear Key', 'polyfill'], [
  ['`await install({force: true})`', '', '', cell(allAppend('polyfill'), (x) => x.installMs)],
  ['first append (the init segment), appendBuffer() to updateend', ...MODES.map((m) => cell(allAppend(m), (x) => x.initAppendMs))],
  ['from the start of install() (or of the set-up) to the end of the first append, keys included',
    ...MODES.map((m) => cell(allAppend(m), (x) => x.firstAppendDoneMs))],
  ['longest main-thread task during the fragment\'s append (0: none over 50 ms)', ...MODES.map((m) => cell(allAppend(m), (x) => x.longestTaskMs))],
]);

const sm = res.small;
const one = MODES.map((m) => sm[m].find(Boolean)).find(Boolean);
console.log(`\nSmall appends: ${one ? one.count : 100} AAC fragments of ${one ? `${one.minBytes}-${one.maxBytes}` : '?'} bytes `
  + '(0.25 s each, cenc for native and polyfill), appended one after the other, each awaited; ms per append:\n');
const mean = (x) => x.totalMs / x.count;
table(['what', 'clear', 'native Clear Key', 'polyfill'], [
  ['mean per append', ...MODES.map((m) => cell(sm[m], mean, 2))],
  ['median append', ...MODES.map((m) => cell(sm[m], (x) => median(x.each), 2))],
  ['slowest append', ...MODES.map((m) => cell(sm[m], (x) => Math.max(...x.each), 1))],
  ['overhead per append vs clear (mean, paired by round)', '',
    cell(paired(sm.native, sm.clear, (n, c) => ({ v: mean(n) - mean(c) })), (x) => x.v, 2),
    cell(paired(sm.polyfill, sm.clear, (p, c) => ({ v: mean(p) - mean(c) })), (x) => x.v, 2)],
  ['the same, polyfill on the main thread (`install({worker: false})`)', '', '',
    cell(paired(res.smallMain, sm.clear, (p, c) => ({ v: mean(p) - mean(c) })), (x) => x.v, 2)],
]);
if (errors.length) {
  console.log(`\nRuns that failed (left out of the medians):\n${errors.map((e) => `- ${e}`).join('\n')}`);
}
