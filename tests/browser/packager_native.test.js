// The packager's output played by Chromium's NATIVE Clear Key CDM (no polyfill): a plain MSE +
// EME page appends the encrypted stream, answers the CDM's license requests with the keys, and
// element screenshots of the paused video at several timestamps must equal those of the clear
// source (Chromium blocks canvas readback of decrypted frames, screenshots are not blocked).
// Chromium decrypts cenc and cbcs (not cens/cbc1: tests/js/packager.test.js checks those with
// ffmpeg and the round trip). H.265 is not decodable by this Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { content, ensureContent, run } from '../js/packager_helpers.js';
import { stableScreenshot } from './harness.js';

const CHROMIUM = process.env.WEE_CHROMIUM || '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) ? `no browser at ${CHROMIUM}` : false;

const KEYS = {
  '00112233445566778899aabbccddeeff': '0123456789abcdef0123456789abcdef',
  '11111111111111111111111111111111': '101112131415161718191a1b1c1d1e1f',
  '22222222222222222222222222222222': '202122232425262728292a2b2c2d2e2f',
};
const [K0, K1, K2] = Object.entries(KEYS).map(([kid, key]) => `${kid}:${key}`);
const SEED = '0f0e0d0c0b0a09080706050403020100';
// Mid-frame times in each of the 4 one-second fragments (30 fps).
const TIMES = [0.25, 1.3, 2.61, 3.9];
const VIDEO = 'video/mp4; codecs="avc1.64000d"';
const AUDIO = 'audio/mp4; codecs="mp4a.40.2"';
const MUXED = 'video/mp4; codecs="avc1.64000d,mp4a.40.2"';
const AV1 = 'video/mp4; codecs="av01.0.04M.08"';
const AV1_MUXED = 'video/mp4; codecs="av01.0.00M.08,mp4a.40.2"';

// The page: plain MSE and EME, nothing of the project's JS.
const PAGE = `<!doctype html><html><body style="margin:0;background:#000">
<video id="v" width="320" height="180" muted></video>
<script>
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
const b64url = (b) => btoa(String.fromCharCode(...b)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
const fromB64url = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
window.events = [];
// streams: [{mime, urls}], one SourceBuffer each. keys: {kidHex: keyHex}, or null for clear.
window.load = async (streams, keys) => {
  const v = document.getElementById('v');
  v.addEventListener('error', () => events.push('error ' + v.error.code + ' ' + v.error.message));
  if (keys) {
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
      initDataTypes: ['cenc'],
      videoCapabilities: [{ contentType: '${VIDEO.replace(/"/g, '\\"')}' }],
      audioCapabilities: [{ contentType: '${AUDIO.replace(/"/g, '\\"')}' }],
    }]);
    const mediaKeys = await access.createMediaKeys();
    await v.setMediaKeys(mediaKeys);
    // Clear Key (EME 9.1): the CDM's license request lists KIDs; the license is a JWK set.
    v.addEventListener('encrypted', (e) => {
      const session = mediaKeys.createSession();
      session.addEventListener('message', (m) => {
        const kids = JSON.parse(new TextDecoder().decode(m.message)).kids;
        events.push('license ' + kids.map((k) => hex(fromB64url(k))).join(','));
        const license = { keys: kids.filter((k) => keys[hex(fromB64url(k))])
          .map((k) => ({ kty: 'oct', kid: k, k: b64url(fromHex(keys[hex(fromB64url(k))])) })) };
        session.update(new TextEncoder().encode(JSON.stringify(license))).catch((err) => events.push('update ' + err));
      });
      session.generateRequest(e.initDataType, e.initData).catch((err) => events.push('generateRequest ' + err));
    });
  }
  const ms = new MediaSource();
  v.src = URL.createObjectURL(ms);
  await new Promise((r) => ms.addEventListener('sourceopen', r, { once: true }));
  await Promise.all(streams.map(async ({ mime, urls }) => {
    const sb = ms.addSourceBuffer(mime);
    for (const url of urls) {
      sb.appendBuffer(await (await fetch(url)).arrayBuffer());
      await new Promise((r, j) => { sb.onupdateend = r; sb.onerror = j; });
    }
  }));
  ms.endOfStream();
  return ms.duration;
};
// The streams of a static MPD addressed by SegmentTemplate + SegmentTimeline ($Number$), read
// with the browser's own XML parser: [{mime (with the MPD's codecs), urls (init, media...)}].
window.mpdStreams = async (mpdUrl) => {
  const base = new URL(mpdUrl, location.href);
  const doc = new DOMParser().parseFromString(await (await fetch(base)).text(), 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('the MPD is not well-formed XML');
  return Array.from(doc.getElementsByTagName('Representation'), (rep) => {
    const template = rep.getElementsByTagName('SegmentTemplate')[0];
    const resolve = (name) => new URL(name, base).pathname;
    const urls = [resolve(template.getAttribute('initialization'))];
    let number = +(template.getAttribute('startNumber') || 1);
    for (const s of template.getElementsByTagName('S')) {
      for (let i = 0; i <= +(s.getAttribute('r') || 0); i++) urls.push(resolve(template.getAttribute('media').replace('$Number$', number++)));
    }
    return { mime: rep.parentElement.getAttribute('mimeType') + '; codecs="' + rep.getAttribute('codecs') + '"', urls };
  });
};
// Seeks and waits until the frame for t is presented (or 3 s pass).
window.seek = async (t) => {
  const v = document.getElementById('v');
  const frame = new Promise((resolve) => {
    const deadline = performance.now() + 3000;
    const check = (now, meta) => {
      if (Math.abs(meta.mediaTime - t) < 1 / 30 + 1e-3 || performance.now() > deadline) resolve(meta.mediaTime);
      else v.requestVideoFrameCallback(check);
    };
    v.requestVideoFrameCallback(check);
  });
  v.currentTime = t;
  const timeout = (ms) => new Promise((r) => setTimeout(() => r(null), ms));
  // A seek that cannot decode (no usable key) never completes: give up after 5 s.
  const seeked = await Promise.race([new Promise((r) => v.addEventListener('seeked', () => r(true), { once: true })), timeout(5000)]);
  const mediaTime = seeked ? await Promise.race([frame, timeout(3000)]) : null;
  return { seeked: !!seeked, mediaTime, error: v.error && v.error.code };
};
</script></body></html>`;

let tmp;
let server;
let url;
let browser;
const clearShots = new Map();

before(async () => {
  if (skip) return;
  ensureContent();
  tmp = mkdtempSync(path.join(tmpdir(), 'wasm-eme-native-'));
  // Serves the page, the clear content and the encrypted outputs (localhost: a secure context).
  server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://localhost');
    if (u.pathname === '/') {
      res.setHeader('Content-Type', 'text/html');
      res.end(PAGE);
      return;
    }
    const [, root, ...rest] = decodeURIComponent(u.pathname).split('/');
    const base = { clear: content('.'), out: tmp }[root];
    const file = base && path.resolve(base, rest.join('/'));
    if (!file || !file.startsWith(path.resolve(base) + path.sep) || !existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--mute-audio'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
});


/** Plays streams in a fresh page; returns the screenshots at TIMES and the page's events. */
async function screenshots(streams, keys) {
  const page = await browser.newPage({ viewport: { width: 320, height: 180 } });
  try {
    await page.goto(url + '/');
    await page.evaluate(([s, k]) => window.load(s, k), [streams, keys]);
    const before = await page.locator('#v').screenshot();
    const shots = [];
    for (const t of TIMES) {
      const r = await page.evaluate((time) => window.seek(time), t);
      shots.push({ ...r, png: await stableScreenshot(page, '#v', shots.at(-1)?.png ?? before) });
    }
    return { shots, events: await page.evaluate(() => window.events) };
  } finally {
    await page.close();
  }
}

async function clearShotsOf(key, streams) {
  if (!clearShots.has(key)) {
    const { shots, events } = await screenshots(streams, null);
    assert.deepEqual(events, []);
    // A test that can fail: the clear frames differ from one another.
    assert.equal(new Set(shots.map((s) => s.png.toString('base64'))).size, TIMES.length);
    clearShots.set(key, shots);
  }
  return clearShots.get(key);
}

function encrypt(input, output, args) {
  const r = run('encrypt', input, '-o', output, '--iv-seed', SEED, ...args);
  assert.equal(r.status, 0, r.stderr);
}

const fileCases = [
  { name: 'cenc, one key', input: 'avc_aac.mp4', args: ['--key', K0], licenses: 1 },
  { name: 'cbcs constant IV, one key', input: 'avc_aac.mp4', args: ['--scheme', 'cbcs', '--key', K0], licenses: 1 },
  { name: 'cbcs per-sample IVs, 4 slices per picture (several protected ranges)', input: 'avc_slices.mp4', args: ['--scheme', 'cbcs', '--per-sample-iv', '--key', K0], licenses: 1 },
  { name: 'cenc, 4 slices per picture', input: 'avc_slices.mp4', args: ['--key', K0], licenses: 1 },
  { name: 'cenc, separate video and audio keys', input: 'avc_aac.mp4', args: ['--video-key', K1, '--audio-key', K2], licenses: 1 },
  { name: 'cenc, key rotation every fragment (3 keys), Clear Key pssh too', input: 'avc_aac.mp4', args: ['--rotate', '1', '--clearkey-pssh', '--key', K0, '--key', K1, '--key', K2], licenses: 3 },
  { name: 'cbcs, key rotation every 2 fragments', input: 'avc_slices.mp4', args: ['--scheme', 'cbcs', '--rotate', '2', '--key', K1, '--key', K2], licenses: 2 },
  { name: 'AV1 cenc', input: 'av1.mp4', mime: AV1_MUXED, args: ['--key', K0], licenses: 1 },
  { name: 'AV1 cbcs, separate video and audio keys', input: 'av1.mp4', mime: AV1_MUXED, args: ['--scheme', 'cbcs', '--video-key', K1, '--audio-key', K2], licenses: 1 },
  { name: 'AV1 cenc, 2x2 tiles', input: 'av1_tiles.mp4', mime: AV1, args: ['--key', K0], licenses: 1 },
  { name: 'AV1 cbcs, 2x2 tiles', input: 'av1_tiles.mp4', mime: AV1, args: ['--scheme', 'cbcs', '--key', K0], licenses: 1 },
].filter((c) => existsSync(content(c.input)));

for (const c of fileCases) {
  test(`native Clear Key plays the packager's ${c.name}: frames equal the clear source's`, { skip }, async () => {
    const out = `${c.name.replace(/[^\w]+/g, '_')}.mp4`;
    encrypt(content(c.input), path.join(tmp, out), c.args);
    const mime = c.mime || MUXED;
    const clear = await clearShotsOf(c.input, [{ mime, urls: [`/clear/${c.input}`] }]);
    const { shots, events } = await screenshots([{ mime, urls: [`/out/${out}`] }], KEYS);
    assert.ok(!events.some((e) => /^(error|update|generateRequest)/.test(e)), events.join('\n'));
    // The CDM asked for the KIDs (rotation: new ones from the pssh of later moofs).
    const requested = new Set(events.filter((e) => e.startsWith('license ')).flatMap((e) => e.slice(8).split(',')));
    assert.ok(requested.size >= c.licenses, events.join('\n'));
    shots.forEach((s, i) => {
      assert.equal(s.error, null);
      assert.ok(s.seeked, `seek to ${TIMES[i]} s did not complete`);
      assert.ok(s.png.equals(clear[i].png), `frame at ${TIMES[i]} s (presented ${s.mediaTime}) differs from the clear one`);
    });
  });
}

test('native Clear Key plays the packager\'s DASH set (video and audio representations, cenc, separate keys)', { skip }, async () => {
  const out = path.join(tmp, 'dash');
  encrypt(path.join(content('dash'), 'manifest.mpd'), out, ['--video-key', K1, '--audio-key', K2]);
  const rep = (root, id, count) => [`/${root}/init-${id}.m4s`, ...Array.from({ length: count }, (_, i) => `/${root}/chunk-${id}-0000${i + 1}.m4s`)];
  const clear = await clearShotsOf('dash', [
    { mime: VIDEO, urls: rep('clear/dash', 0, 4) }, { mime: AUDIO, urls: rep('clear/dash', 1, 5) }]);
  const { shots, events } = await screenshots([
    { mime: VIDEO, urls: rep('out/dash', 0, 4) }, { mime: AUDIO, urls: rep('out/dash', 1, 5) }], KEYS);
  assert.ok(!events.some((e) => /^(error|update|generateRequest)/.test(e)), events.join('\n'));
  shots.forEach((s, i) => assert.ok(s.png.equals(clear[i].png), `frame at ${TIMES[i]} s differs`));
});

test('native Clear Key plays the set made from a single file (a representation per track, found through its MPD)', { skip }, async () => {
  const out = path.join(tmp, 'single-file-set');
  encrypt(content('avc_aac.mp4'), out + path.sep, ['--video-key', K1, '--audio-key', K2]);
  const reader = await browser.newPage();
  const streams = await reader.goto(url + '/')
    .then(() => reader.evaluate((mpd) => window.mpdStreams(mpd), '/out/single-file-set/manifest.mpd'))
    .finally(() => reader.close());
  // The MPD's codecs are what Chromium's MSE is given (addSourceBuffer throws on unsupported ones).
  assert.deepEqual(streams.map((s) => [s.mime, s.urls.length]), [[VIDEO, 5], [AUDIO, 5]]);
  const clear = await clearShotsOf('avc_aac.mp4', [{ mime: MUXED, urls: ['/clear/avc_aac.mp4'] }]);
  const { shots, events } = await screenshots(streams, KEYS);
  assert.ok(!events.some((e) => /^(error|update|generateRequest)/.test(e)), events.join('\n'));
  const requested = new Set(events.filter((e) => e.startsWith('license ')).flatMap((e) => e.slice(8).split(',')));
  assert.deepEqual([...requested].sort(), [K1, K2].map((k) => k.split(':')[0]));
  shots.forEach((s, i) => {
    assert.equal(s.error, null);
    assert.ok(s.seeked, `seek to ${TIMES[i]} s did not complete`);
    assert.ok(s.png.equals(clear[i].png), `frame at ${TIMES[i]} s (presented ${s.mediaTime}) differs from the clear one`);
  });
});

test('negative control: with a wrong key the native CDM does not show the clear frames', { skip }, async () => {
  const out = 'wrong_key.mp4';
  encrypt(content('avc_aac.mp4'), path.join(tmp, out), ['--key', K0]);
  const clear = await clearShotsOf('avc_aac.mp4', [{ mime: MUXED, urls: ['/clear/avc_aac.mp4'] }]);
  const wrong = { '00112233445566778899aabbccddeeff': 'ffffffffffffffffffffffffffffffff' };
  const { shots, events } = await screenshots([{ mime: MUXED, urls: [`/out/${out}`] }], wrong);
  // Chromium reports a decode error, or cannot complete the seeks, or shows other pixels.
  const failed = events.some((e) => e.startsWith('error ')) || shots.some((s) => !s.seeked || s.error);
  assert.ok(failed || shots.every((s, i) => !s.png.equals(clear[i].png)), events.join('\n'));
});
