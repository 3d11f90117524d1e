// How the page gets the browser module: install() fetches and compiles one .wasm per page and
// hands the compiled WebAssembly.Module to the decrypt worker (no second fetch); the SIMD
// variant where the engine has wasm SIMD, the scalar one with {simd: false} or without SIMD.
// Each variant must play a vector with frames identical to Chromium's own Clear Key.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { missingPrerequisite, setUp, stableScreenshot } from './harness.js';
import { VECTORS } from './vectors.js';

const skip = missingPrerequisite();
const VECTOR = VECTORS[0];  // shaka dash-clearkey, cenc

async function frames(page) {
  const shots = [await page.locator('#v').screenshot()];
  for (const t of VECTOR.times) {
    await page.evaluate((time) => window.showFrame(time), t);
    shots.push(await stableScreenshot(page, '#v', shots.at(-1)));
  }
  return shots.slice(1);
}

const CASES = [
  { name: 'SIMD available: the SIMD variant', options: {}, file: '/dist/wasm_eme_web_simd.wasm' },
  { name: 'install({simd: false}): the scalar variant', options: { simd: false }, file: '/dist/wasm_eme_web.wasm' },
  { name: 'no wasm SIMD in the engine: the scalar variant', options: {}, noSimd: true, file: '/dist/wasm_eme_web.wasm' },
];

describe('the browser module: one fetch per page, the worker gets it compiled, SIMD or scalar', { skip }, () => {
  test('each variant plays dash-clearkey like the native CDM, from one .wasm request', { timeout: 180000 }, async () => {
    const env = await setUp({ keys: VECTOR.keys });
    try {
      const nativePage = await env.page();
      await nativePage.waitForFunction(() => window.pageReady);
      await nativePage.evaluate((v) => window.play(v), VECTOR);
      const native = await frames(nativePage);

      for (const c of CASES) {
        const page = await env.page();
        await page.waitForFunction(() => window.pageReady);
        const simd = await page.evaluate(async (noSimd) => {
          // An engine without SIMD: the probe module does not validate.
          if (noSimd) WebAssembly.validate = () => false;
          return (await import('/js/src/core/module.js')).simdSupported();
        }, !!c.noSimd);
        assert.equal(simd, !c.noSimd, `${c.name}: SIMD detection`);
        env.server.state.paths.length = 0;
        assert.equal(await page.evaluate((o) => window.wee.install({ force: true, ...o }), c.options), true);
        await page.evaluate((v) => window.play(v), VECTOR);
        const shots = await frames(page);
        shots.forEach((png, i) => assert.ok(png.equals(native[i]), `${c.name}: frame at ${VECTOR.times[i]}s differs from native; ${page.logs.join(' | ')}`));

        const wasm = env.server.state.paths.filter((p) => p.endsWith('.wasm'));
        assert.deepEqual(wasm, [c.file], `${c.name}: the .wasm requests of the page and its worker`);
        const backend = await page.evaluate(async () => {
          const b = await (await import('/js/src/mse/decrypt_backend.js')).getBackend();
          return b.kind;
        });
        assert.equal(backend, 'worker', `${c.name}: segments were decrypted in the worker`);
        await page.close();
      }
    } finally {
      await env.close();
    }
  });
});
