// The plain MSE + EME page plays every playable vector of ../shared/testdata through the
// polyfill, with {force: true} over Chromium's Clear Key and with native EME removed, and the
// frames it shows must be identical to those of Chromium's own Clear Key CDM. Chromium blocks
// canvas readback of natively decrypted frames, so element screenshots of the paused video
// after a seek are compared.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { missingPrerequisite, setUp, stableScreenshot } from './harness.js';
import { repoRoot } from './server.js';
import { AUDIO_VECTORS, VECTORS } from './vectors.js';
import { content, ensureContent, run } from '../js/packager_helpers.js';

const skip = missingPrerequisite();
// Each way the polyfill can run, with the AES backend it must have chosen: WebCrypto in the
// worker by default (the test pages are a secure context), the module's AES when asked, and
// the module's AES on the main thread when the page has no WebCrypto (insecure contexts).
const MODES = [
  { name: 'force', options: { force: true }, backend: 'webcrypto', thread: 'worker' },
  { name: 'no-native', removeNative: true, options: {}, backend: 'webcrypto', thread: 'worker' },
  { name: 'force, cipher wasm', options: { force: true, cipher: 'wasm' }, backend: 'wasm', thread: 'worker' },
  { name: 'force, main thread, no WebCrypto', noWebCrypto: true, options: { force: true, worker: false }, backend: 'wasm', thread: 'main' },
];
const NATIVE = { name: 'native' };

async function openPage(env, mode) {
  const page = await env.page();
  await page.waitForFunction(() => window.pageReady);
  if (mode.removeNative) await page.evaluate(() => window.removeNativeEme());
  if (mode.noWebCrypto) await page.evaluate(() => Object.defineProperty(crypto, 'subtle', { value: undefined }));
  if (mode.options) {
    const active = await page.evaluate((o) => window.wee.install(o), mode.options);
    assert.equal(active, true, 'install() did not activate the polyfill');
  }
  return page;
}

async function play(page, vector, mode) {
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

describe('polyfill frames equal native Clear Key frames', { skip }, () => {
  for (const vector of VECTORS) {
    test(vector.name, async () => {
      const env = await setUp({ keys: vector.keys });
      try {
        const nativePage = await openPage(env, NATIVE);
        await play(nativePage, vector, NATIVE);
        const native = await screenshots(nativePage, vector.times);
        // The compared frames must show content: different times, different pictures.
        for (let i = 1; i < native.length; i++) {
          assert.ok(!native[i].equals(native[i - 1]), `native frames at ${vector.times[i - 1]}s and ${vector.times[i]}s are identical`);
        }
        for (const mode of MODES) {
          const page = await openPage(env, mode);
          await play(page, vector, mode);
          const shots = await screenshots(page, vector.times);
          for (let i = 0; i < shots.length; i++) {
            if (!shots[i].equals(native[i])) {
              const dir = saveForInspection(vector.name, mode.name, shots);
              saveForInspection(vector.name, 'native', native);
              assert.fail(`${mode.name}: frame at ${vector.times[i]}s differs from native (PNGs in ${dir}); log: ${page.logs.join(' | ')}`);
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
      mime: 'video/mp4; codecs="avc1.64000d,mp4a.40.2"',
      videoType: 'video/mp4; codecs="avc1.64000d"',
      audioType: 'audio/mp4; codecs="mp4a.40.2"',
      sessionPerEvent: true,
      times: [0.25, 1.3, 2.61, 3.9],
    };
    const env = await setUp({ keys });
    try {
      const nativePage = await openPage(env, NATIVE);
      await play(nativePage, vector, NATIVE);
      const native = await screenshots(nativePage, vector.times);
      for (const mode of MODES) {
        const page = await openPage(env, mode);
        await play(page, vector, mode);
        const events = await page.evaluate(() => window.events);
        // The init's pssh, then each of the 4 moofs' (KIDs 0 1 2 0: each differs from the last).
        assert.equal(events.filter((e) => e.startsWith('encrypted:cenc:')).length, 5, events.join(' '));
        const shots = await screenshots(page, vector.times);
        shots.forEach((png, i) => assert.ok(png.equals(native[i]), `${mode.name}: frame at ${vector.times[i]}s differs from native`));
      }
    } finally {
      await env.close();
    }
  });

  for (const vector of AUDIO_VECTORS) {
    test(`${vector.name} plays to the end`, async () => {
      const env = await setUp({ keys: vector.keys });
      try {
        for (const mode of [NATIVE, ...MODES]) {
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
