// Benchmark (not a test; nothing asserted): `node tests/browser/bench.js` prints a Markdown table.
// Headless Chromium from Debian; see tests/browser/pages/bench.js for what is measured.
import { setUp } from './harness.js';
import { TEST_KEYS } from './server.js';

const env = await setUp({ keys: TEST_KEYS });
try {
  const page = await env.page('/tests/browser/pages/bench.html');
  await page.waitForFunction(() => window.pageReady);
  const d = await page.evaluate(() => window.benchDecrypt());
  const playback = {};
  for (const mode of ['native', 'polyfill-worker', 'polyfill-main']) {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const p = await env.page('/tests/browser/pages/bench.html');
      await p.waitForFunction(() => window.pageReady);
      runs.push(await p.evaluate((m) => window.benchPlayback(m), mode));
    }
    playback[mode] = {
      firstFrameMs: Math.min(...runs.map((r) => r.firstFrameMs)),
      longestTaskMs: Math.max(...runs.map((r) => r.longestTaskMs)),
    };
  }
  const f = (x) => x.toFixed(1);
  const task = (ms) => (ms ? f(ms) : '< 50 (no long task)');
  console.log(`shaka dash-clearkey: ${(d.bytes / 1e6).toFixed(2)} MB in 6 files, ${d.samples} cenc samples; best of several rounds\n`);
  console.log('| what | result |');
  console.log('|---|---|');
  console.log(`| wasm polyfill decrypt, main thread (StreamDecryptor.push) | ${f(d.wasmMain)} MB/s |`);
  console.log(`| wasm polyfill decrypt, worker (incl. transfer round trips) | ${f(d.wasmWorker)} MB/s |`);
  console.log(`| WebCrypto AES-CTR, one decrypt() per sample | ${f(d.webCrypto)} MB/s |`);
  console.log(`| aes-js (pure JS) AES-CTR per sample | ${f(d.aesJs)} MB/s |`);
  for (const [mode, r] of Object.entries(playback)) {
    console.log(`| ${mode}: time to first frame | ${f(r.firstFrameMs)} ms |`);
    console.log(`| ${mode}: longest main-thread task during appends | ${task(r.longestTaskMs)} ms |`);
  }
} finally {
  await env.close();
}
