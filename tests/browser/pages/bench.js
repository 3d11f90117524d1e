// Measurements behind tests/browser/bench.js: the same encrypted segments (shaka dash-clearkey,
// 480 cenc samples) decrypted by the wasm module (main thread and worker), by WebCrypto AES-CTR
// one call per sample (what a WebCrypto fallback does), and by aes-js (pure JS), plus time to
// first frame with the polyfill and with the native Clear Key.
import { loadCore } from '/js/src/core/module.js';
import { StreamDecryptor } from '/js/src/core/decryptor.js';
import { startWorkerBackend } from '/js/src/worker/worker_backend.js';

const BASE = '/testdata/shaka-player/dash-clearkey/video-H264-288-400k_';
const FILES = ['init.mp4', '1.m4s', '2.m4s', '3.m4s', '4.m4s', '5.m4s'].map((f) => BASE + f);
const KID = Uint8Array.from('4060a865887842679cbf91ae5bae1e72'.match(/../g), (h) => parseInt(h, 16));
const KEY = Uint8Array.from('fc35340837310cc0fb53de97e22a69e0'.match(/../g), (h) => parseInt(h, 16));
const ROUNDS = 5;

async function segments() {
  return Promise.all(FILES.map(async (f) => new Uint8Array(await (await fetch(f)).arrayBuffer())));
}

// Sample sizes from the published oracle (expected/*.samples.tsv).
async function sampleSizes() {
  const tsv = await (await fetch('/testdata/expected/shaka_dash-clearkey.samples.tsv')).text();
  return tsv.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => Number(l.split('\t')[2]));
}

const mb = (bytes, ms) => (bytes / 1e6) / (ms / 1000);
const best = (list) => Math.min(...list);

window.benchDecrypt = async () => {
  const segs = await segments();
  const total = segs.reduce((n, s) => n + s.length, 0);
  const sizes = await sampleSizes();
  const sampleBytes = sizes.reduce((a, b) => a + b, 0);
  const out = { bytes: total, samples: sizes.length };

  const core = await loadCore();
  let times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const d = new StreamDecryptor(core);
    d.setKey(KID, KEY);
    const t0 = performance.now();
    for (const s of segs) d.push(s);
    times.push(performance.now() - t0);
    d.dispose();
  }
  out.wasmMain = mb(total, best(times));

  const backend = await startWorkerBackend({});
  times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const stream = await backend.createStream();
    stream.setKey(KID, KEY);
    const t0 = performance.now();
    for (const s of segs) await stream.push(s.slice());
    times.push(performance.now() - t0);
    stream.dispose();
  }
  backend.terminate();
  out.wasmWorker = mb(total, best(times));

  const cryptoKey = await crypto.subtle.importKey('raw', KEY, 'AES-CTR', false, ['decrypt']);
  const data = new Uint8Array(Math.max(...sizes));
  times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (const size of sizes) {
      const counter = new Uint8Array(16);
      await crypto.subtle.decrypt({ name: 'AES-CTR', counter, length: 64 }, cryptoKey, data.subarray(0, size));
    }
    times.push(performance.now() - t0);
  }
  out.webCrypto = mb(sampleBytes, best(times));

  times = [];
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    for (const size of sizes) {
      const ctr = new window.aesjs.ModeOfOperation.ctr(KEY, new window.aesjs.Counter(new Uint8Array(16)));
      ctr.decrypt(data.subarray(0, size));
    }
    times.push(performance.now() - t0);
  }
  out.aesJs = mb(sampleBytes, best(times));
  return out;
};

/** Plays the vector and reports time to first frame and the longest main-thread task. */
window.benchPlayback = async (mode) => {
  if (mode !== 'native') {
    const wee = await import('/js/src/index.js');
    await wee.install({ force: true, worker: mode === 'polyfill-worker' });
  }
  let longest = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  const video = document.getElementById('v');
  const t0 = performance.now();
  const segs = await segments();
  video.addEventListener('encrypted', async (e) => {
    if (video.mediaKeys) return;
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
      initDataTypes: ['keyids'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.640015"' }],
    }]);
    const mk = await access.createMediaKeys();
    await video.setMediaKeys(mk);
    const session = mk.createSession();
    session.onmessage = async (m) => {
      const r = await fetch('/license', { method: 'POST', body: m.message });
      await session.update(await r.arrayBuffer());
    };
    const b64 = btoa(String.fromCharCode(...KID)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    await session.generateRequest('keyids', new TextEncoder().encode(JSON.stringify({ kids: [b64] })));
  });
  const ms = new MediaSource();
  video.src = URL.createObjectURL(ms);
  await new Promise((r) => ms.addEventListener('sourceopen', r, { once: true }));
  const sb = ms.addSourceBuffer('video/mp4; codecs="avc1.640015"');
  const firstFrame = new Promise((r) => video.requestVideoFrameCallback(() => r(performance.now())));
  video.play().catch(() => {});
  for (const s of segs) {
    sb.appendBuffer(s);
    await new Promise((r) => sb.addEventListener('updateend', r, { once: true }));
  }
  const first = await firstFrame;
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  return { firstFrameMs: first - t0, longestTaskMs: longest };
};

window.pageReady = true;
