// The two builds (CMakeLists.txt): the Node module has everything, the browser module (both
// variants) only what a page and its worker call, and every export the browser-side JS calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreVariant, loadCore } from '../../js/src/core/module.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODE_ONLY = ['packager_create', 'packager_push', 'splitter_create', 'splitter_segment', 'jwt_sign',
  'entitlement_verify', 'oauth_sign', 'keyseed_derive', 'keyseed_decode'];

// The wee_* names called by the sources a page loads: js/src/index.js and the decrypt worker,
// with everything they import.
function browserCalls() {
  const seen = new Set();
  const calls = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const m of src.matchAll(/\bcall(?:Json|Text)?\('(\w+)'/g)) calls.add(m[1]);
    for (const m of src.matchAll(/(?:from\s+|import\(\s*)'(\.[^']+\.js)'/g)) walk(path.resolve(path.dirname(file), m[1]));
  };
  walk(path.join(root, 'js/src/index.js'));
  walk(path.join(root, 'js/src/worker/decrypt_worker.js'));
  return [...calls].sort();
}

test('Node picks the full module, pages the browser module (SIMD unless told otherwise)', () => {
  assert.equal(coreVariant(), 'node');
  assert.equal(coreVariant({ flavor: 'web' }), 'web-simd');  // Node >= 20 has wasm SIMD
  assert.equal(coreVariant({ flavor: 'web', simd: false }), 'web');
  assert.equal(coreVariant({ flavor: 'web', wasmUrl: '/x.wasm' }), 'web');
  assert.equal(coreVariant({ flavor: 'web', wasmUrl: '/x.wasm', wasmSimdUrl: '/y.wasm' }), 'web-simd');
});

test('the Node module has the packager, splitter and auth exports', async () => {
  const core = await loadCore();
  for (const name of [...NODE_ONLY, 'cdm_create', 'stream_push', 'license_wrap']) {
    assert.equal(typeof core.m[`_wee_${name}`], 'function', `node module: no wee_${name}`);
  }
});

for (const [variant, options] of [['web-simd', { flavor: 'web' }], ['web', { flavor: 'web', simd: false }]]) {
  test(`the browser module (${variant}) has every export the browser-side JS calls, and no packager, splitter or auth`, async () => {
    assert.equal(coreVariant(options), variant);
    const core = await loadCore(options);
    const calls = browserCalls();
    assert.ok(calls.includes('stream_push') && calls.includes('cdm_create') && calls.includes('license_wrap'), calls.join(' '));
    for (const name of calls) assert.equal(typeof core.m[`_wee_${name}`], 'function', `${variant}: no wee_${name}`);
    for (const name of NODE_ONLY) assert.equal(core.m[`_wee_${name}`], undefined, `${variant}: has wee_${name}`);
    // It runs: a CDM handle.
    const { handle } = core.callJson('cdm_create');
    assert.ok(handle > 0);
    core.call('cdm_destroy', handle);
  });
}
