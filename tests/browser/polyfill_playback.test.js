// The plain MSE + EME page plays every playable vector of ../shared/testdata through the
// polyfill, with {force: true} over Chromium's Clear Key and with native EME removed, and the
// frames it shows must be identical to those of Chromium's own Clear Key CDM. Chromium blocks
// canvas readback of natively decrypted frames, so element screenshots of the paused video
// after a seek are compared.
// WEE_ENGINE=webkitgtk (Debian's WebKitGTK: no EME at all) and firefox (native Clear Key, but its
// natively decrypted video screenshots black) cannot give native frames: there the reference is
// the vector's clear counterpart played in the same engine, and in WebKitGTK install() must
// activate by default. Per engine, what cannot apply is said where it is left out.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE, missingPrerequisite, setUp, stableScreenshot } from './harness.js';
import { repoRoot, testdataRoot } from './server.js';
import { withoutTrack } from './mp4_strip.js';
import { AUDIO_VECTORS, VECTORS } from './vectors.js';
import { content, ensureContent, ffmpegPackets, run } from '../js/packager_helpers.js';

const skip = missingPrerequisite({ engines: ['chromium', 'webkitgtk', 'firefox'] });
const NATIVE_EME = ENGINE !== 'webkitgtk';
// Native frames are the reference only where they can be screenshot (Chromium).
const NATIVE_FRAMES = ENGINE === 'chromium';
// Each way the polyfill can run, with the AES backend it must have chosen: WebCrypto in the
// worker by default (the test pages are a secure context), the module's AES when asked, and
// the module's AES on the main thread when the page has no WebCrypto (insecure contexts).
const MODES = [
  { name: 'force', options: { force: true }, backend: 'webcrypto', thread: 'worker' },
  { name: 'no-native', removeNative: true, options: {}, backend: 'webcrypto', thread: 'worker' },
  { name: 'force, cipher wasm', options: { force: true, cipher: 'wasm' }, backend: 'wasm', thread: 'worker' },
  { name: 'force, main thread, no WebCrypto', noWebCrypto: true, options: { force: true, worker: false }, backend: 'wasm', thread: 'main' },
].map((m) => (NATIVE_EME || m.options.cipher || m.noWebCrypto ? m
  // No EME in the engine: 'force' and 'no-native' are both the default install().
  : { name: 'default install() (no EME in this engine)', options: {}, backend: 'webcrypto', thread: 'worker' }))
  .filter((m, i, all) => all.findIndex((o) => o.name === m.name) === i);
const NATIVE = { name: 'native' };
// The clear counterpart, played without EME: the frame reference where native frames are not.
const CLEAR = { name: 'clear counterpart' };

// Served from the checkout (build/ is not committed): copies the engines need.
const MEDIA = path.join(repoRoot, 'build', 'engines-media');
const mediaUrl = (name) => `/build/engines-media/${name}`;

/**
 * The vector as this engine can play it, with its clear counterpart. WebKitGTK lacks GStreamer's
 * cea608tott and fails any append carrying a CEA-608 track, so it gets copies without that track
 * (encrypted and clear alike). dash-clearkey ships no clear file: the CLI's decryption, whose
 * every sample must have the md5 of expected/shaka_dash-clearkey.samples.tsv, is it.
 */
function forEngine(vector) {
  if (NATIVE_FRAMES) return vector;
  mkdirSync(MEDIA, { recursive: true });
  const local = (url) => path.join(testdataRoot, url.replace(/^\/testdata\//, ''));
  // The clear file's samples (track 1) must be the published ones: the reference is the right picture.
  const checkSamples = (file, tsv) => {
    const expected = readFileSync(path.join(testdataRoot, 'expected', tsv), 'utf8').split('\n')
      .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')).filter((f) => f[0] === '1').map((f) => f[3]);
    assert.deepEqual(ffmpegPackets(file).map((l) => l.split(',')[5]), expected, `${file} vs the sample md5s of ${tsv}`);
  };
  if (!vector.clear) {
    const file = path.join(MEDIA, 'dash-clearkey_clear.mp4');
    const [kid, key] = Object.entries(vector.keys)[0];
    const r = run('decrypt', '--key', `${kid}:${key}`, ...vector.segments.map(local), '-o', file);
    assert.equal(r.status, 0, r.stderr);
    checkSamples(file, 'shaka_dash-clearkey.samples.tsv');
    return { ...vector, clear: [mediaUrl('dash-clearkey_clear.mp4')] };
  }
  if (vector.cea608TrackId && ENGINE === 'webkitgtk') {
    const strip = (url, name) => {
      writeFileSync(path.join(MEDIA, name), withoutTrack(readFileSync(local(url)), vector.cea608TrackId));
      return [mediaUrl(name)];
    };
    const stripped = { ...vector, segments: strip(vector.segments[0], 'cbcs_no608.mp4'), clear: strip(vector.clear[0], 'cbcsdec_no608.mp4') };
    checkSamples(path.join(MEDIA, 'cbcsdec_no608.mp4'), 'mp4ff_cbcs.samples.tsv');
    return stripped;
  }
  return vector;
}

async function openPage(env, mode) {
  const page = await env.page();
  await page.waitForFunction(() => window.pageReady);
  if (mode === CLEAR) return page;
  if (mode.removeNative) await page.evaluate(() => window.removeNativeEme());
  if (mode.noWebCrypto) await page.evaluate(() => Object.defineProperty(crypto, 'subtle', { value: undefined }));
  if (mode.options) {
    const active = await page.evaluate((o) => window.wee.install(o), mode.options);
    assert.equal(active, true, 'install() did not activate the polyfill');
  }
  return page;
}

async function play(page, vector, mode) {
  if (mode === CLEAR) {
    const result = await page.evaluate((v) => window.play(v), { ...vector, segments: vector.clear });
    assert.deepEqual(await page.evaluate(() => window.events), [], 'the clear counterpart has encrypted events');
    return result;
  }
  const result = await page.evaluate((v) => window.play(v), vector);
  const polyfilled = await page.evaluate(() => document.getElementById('v').mediaKeys instanceof window.wee.MediaKeys);
  assert.equal(polyfilled, mode !== NATIVE, `${mode.name}: whose MediaKeys played`);
  if (mode !== NATIVE) {
    const state = await page.evaluate(() => window.weeDebugState(window.sourceBuffer));
    assert.equal(`${state.backend} ${state.thread}`, `${mode.backend} ${mode.thread}`, `${mode.name}: AES backend`);
  }
  return result;
}

async function screenshots(page, times) {
  const before = await page.locator('#v').screenshot();
  const shots = [];
  for (const t of times) {
    await page.evaluate((time) => window.showFrame(time), t);
    shots.push(await stableScreenshot(page, '#v', shots.at(-1) ?? before));
  }
  return shots;
}


function saveForInspection(name, label, shots) {
  const dir = path.join(repoRoot, 'test-results', name.replace(/[^a-z0-9]+/gi, '_'));
  mkdirSync(dir, { recursive: true });
  shots.forEach((png, i) => writeFileSync(path.join(dir, `${label}_${i}.png`), png));
  return dir;
}

/**
 * The frames every mode must show: native Clear Key's in Chromium, else the clear counterpart's.
 * Where native Clear Key exists but its frames cannot be compared (Firefox), it must still play.
 */
async function referenceFrames(env, vector) {
  if (NATIVE_EME && !NATIVE_FRAMES) {
    const page = await openPage(env, NATIVE);
    await play(page, vector, NATIVE);
    await page.evaluate((t) => window.showFrame(t), vector.times.at(-1));
    assert.equal(await page.evaluate(() => document.getElementById('v').error), null, 'native Clear Key: media error');
  }
  const ref = NATIVE_FRAMES ? NATIVE : CLEAR;
  const page = await openPage(env, ref);
  await play(page, vector, ref);
  const frames = await screenshots(page, vector.times);
  // The compared frames must show content: different times, different pictures.
  for (let i = 1; i < frames.length; i++) {
    assert.ok(!frames[i].equals(frames[i - 1]), `${ref.name} frames at ${vector.times[i - 1]}s and ${vector.times[i]}s are identical`);
  }
  return frames;
}

describe(`polyfill frames equal ${NATIVE_FRAMES ? 'native Clear Key' : 'clear counterpart'} frames (${ENGINE})`, { skip }, () => {
  if (!NATIVE_EME) {
    test('install() activates by default: the engine has no EME', async () => {
      const env = await setUp();
      try {
        const page = await env.page();
        await page.waitForFunction(() => window.pageReady);
        assert.equal(await page.evaluate(() => typeof navigator.requestMediaKeySystemAccess), 'undefined');
        assert.equal(await page.evaluate(() => window.wee.install()), true);
      } finally {
        await env.close();
      }
    });
  } else if (ENGINE !== 'chromium') {
    test('install() stays out by default over native Clear Key; {force: true} activates', async () => {
      const env = await setUp();
      try {
        const page = await env.page();
        await page.waitForFunction(() => window.pageReady);
        assert.equal(await page.evaluate(() => window.wee.install()), false);
        assert.equal(await page.evaluate(() => window.wee.install({ force: true })), true);
      } finally {
        await env.close();
      }
    });
  }

  for (const shipped of VECTORS) {
    test(shipped.name, async () => {
      const vector = forEngine(shipped);
      const env = await setUp({ keys: vector.keys });
      try {
        const native = await referenceFrames(env, vector);
        for (const mode of MODES) {
          const page = await openPage(env, mode);
          await play(page, vector, mode);
          const shots = await screenshots(page, vector.times);
          for (let i = 0; i < shots.length; i++) {
            if (!shots[i].equals(native[i])) {
              const dir = saveForInspection(vector.name, mode.name, shots);
              saveForInspection(vector.name, 'reference', native);
              assert.fail(`${mode.name}: frame at ${vector.times[i]}s differs from the reference (PNGs in ${dir}); log: ${page.logs.join(' | ')}`);
            }
          }
        }
      } finally {
        await env.close();
      }
    });
  }

  // Key rotation as the packager writes it: a new KID every fragment, named only by the pssh of
  // the moof that starts using it (the init names the first). A page that opens a session per
  // encrypted event gets every key only if the polyfill reports each moof's pssh, as Chromium
  // does; otherwise playback stalls waiting for the second key.
  test('key rotation with a pssh in each moof: an encrypted event per new pssh, frames equal native', { timeout: 180000 }, async () => {
    ensureContent();
    const keys = {
      '00112233445566778899aabbccddeeff': '0123456789abcdef0123456789abcdef',
      '11111111111111111111111111111111': '101112131415161718191a1b1c1d1e1f',
      '22222222222222222222222222222222': '202122232425262728292a2b2c2d2e2f',
    };
    const dir = path.join(repoRoot, 'content', 'tests');
    mkdirSync(dir, { recursive: true });
    const r = run('encrypt', content('avc_aac.mp4'), '-o', path.join(dir, 'rotation.mp4'), '--rotate', '1',
      '--iv-seed', '000102030405060708090a0b0c0d0e0f', ...Object.entries(keys).flatMap(([kid, key]) => ['--key', `${kid}:${key}`]));
    assert.equal(r.status, 0, r.stderr);
    const vector = {
      name: 'packager key rotation',
      segments: ['/content/tests/rotation.mp4'],
      clear: ['/content/clear/avc_aac.mp4'],
      mime: 'video/mp4; codecs="avc1.64000d,mp4a.40.2"',
      videoType: 'video/mp4; codecs="avc1.64000d"',
      audioType: 'audio/mp4; codecs="mp4a.40.2"',
      sessionPerEvent: true,
      times: [0.25, 1.3, 2.61, 3.9],
    };
    const env = await setUp({ keys });
    try {
      const native = await referenceFrames(env, vector);
      for (const mode of MODES) {
        const page = await openPage(env, mode);
        await play(page, vector, mode);
        const events = await page.evaluate(() => window.events);
        // The init's pssh, then each of the 4 moofs' (KIDs 0 1 2 0: each differs from the last).
        assert.equal(events.filter((e) => e.startsWith('encrypted:cenc:')).length, 5, events.join(' '));
        const shots = await screenshots(page, vector.times);
        shots.forEach((png, i) => assert.ok(png.equals(native[i]), `${mode.name}: frame at ${vector.times[i]}s differs from the reference`));
      }
    } finally {
      await env.close();
    }
  });

  for (const vector of AUDIO_VECTORS) {
    test(`${vector.name} plays to the end`, async () => {
      const env = await setUp({ keys: vector.keys });
      try {
        // No EME in the engine: the polyfill's modes only.
        for (const mode of NATIVE_EME ? [NATIVE, ...MODES] : MODES) {
          const page = await openPage(env, mode);
          await play(page, vector, mode);
          const end = await page.evaluate(() => window.playToEnd());
          const error = await page.evaluate(() => document.getElementById('v').error);
          assert.equal(error, null, `${mode.name}: media error`);
          assert.ok(end > 4, `${mode.name}: ended at ${end}`);
        }
      } finally {
        await env.close();
      }
    });
  }
});
