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

const skip = missingPrerequisite();
const MODES = ['force', 'no-native'];

async function openPage(env, mode, extra = {}) {
  const page = await env.page();
  await page.waitForFunction(() => window.pageReady);
  if (mode === 'no-native') await page.evaluate(() => window.removeNativeEme());
  if (mode !== 'native') {
    const active = await page.evaluate((o) => window.wee.install(o), { force: mode === 'force', ...extra });
    assert.equal(active, true, 'install() did not activate the polyfill');
  }
  return page;
}

async function play(page, vector, mode) {
  const result = await page.evaluate((v) => window.play(v), vector);
  const polyfilled = await page.evaluate(() => document.getElementById('v').mediaKeys instanceof window.wee.MediaKeys);
  assert.equal(polyfilled, mode !== 'native', `${mode}: whose MediaKeys played`);
  return result;
}

async function screenshots(page, times) {
  const shots = [];
  for (const t of times) {
    await page.evaluate((time) => window.showFrame(time), t);
    shots.push(await stableScreenshot(page));
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
        const nativePage = await openPage(env, 'native');
        await play(nativePage, vector, 'native');
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
              const dir = saveForInspection(vector.name, mode, shots);
              saveForInspection(vector.name, 'native', native);
              assert.fail(`${mode}: frame at ${vector.times[i]}s differs from native (PNGs in ${dir}); log: ${page.logs.join(' | ')}`);
            }
          }
        }
      } finally {
        await env.close();
      }
    });
  }

  for (const vector of AUDIO_VECTORS) {
    test(`${vector.name} plays to the end`, async () => {
      const env = await setUp({ keys: vector.keys });
      try {
        for (const mode of ['native', ...MODES]) {
          const page = await openPage(env, mode);
          await play(page, vector, mode);
          const end = await page.evaluate(() => window.playToEnd());
          const error = await page.evaluate(() => document.getElementById('v').error);
          assert.equal(error, null, `${mode}: media error`);
          assert.ok(end > 4, `${mode}: ended at ${end}`);
        }
      } finally {
        await env.close();
      }
    });
  }
});
