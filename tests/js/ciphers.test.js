// The AES backends of StreamDecryptor (the module's mbedTLS, Node's OpenSSL, WebCrypto - Node's
// own implementation of it here, Chromium's in tests/browser) must give the same bytes as the
// module on every vector and on randomized layouts: ranges not multiples of 16, many
// subsamples, patterns, 8- and 16-byte IVs, constant IVs, counters that carry across 64 bits.
// The module's own path is checked against the published per-sample md5s (tests/cpp and
// cli_decrypt.test.js), so agreeing with it byte for byte is agreeing with those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { loadCore } from '../../js/src/core/module.js';
import { StreamDecryptor } from '../../js/src/core/decryptor.js';
import { WebCryptoCipher } from '../../js/src/core/cipher_webcrypto.js';
import { makeCipher } from '../../js/src/core/cipher_choice.js';
import { NodeCipher } from '../../js/src/node/cipher_node.js';
import { StreamDecryptor as NodeStreamDecryptor } from '../../js/src/node/stream_decryptor.js';
import { testdataDir, vectors } from './testdata.js';

const core = await loadCore();
const hexBytes = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));

// Backends: minCipherBytes 0 sends every chain to the cipher; the default keeps small ones in
// the module, so mixed plans are covered too.
const BACKENDS = [
  { name: 'node', make: () => ({ cipher: new NodeCipher(), minCipherBytes: 0 }) },
  { name: 'node (small chains in wasm)', make: () => ({ cipher: new NodeCipher() }) },
  { name: 'webcrypto', make: () => ({ cipher: new WebCryptoCipher(webcrypto.subtle), minCipherBytes: 0 }) },
  { name: 'webcrypto (small chains in wasm)', make: () => ({ cipher: new WebCryptoCipher(webcrypto.subtle) }) },
];

// Decrypts `inputs` (appended one by one, each split into `piece`-byte pushes), returning all
// output bytes and how many early chunks pushAsync handed out.
async function decrypt(options, keys, inputs, piece = Infinity) {
  const d = new StreamDecryptor(core, options);
  try {
    for (const [kid, key] of keys) d.setKey(hexBytes(kid), hexBytes(key));
    const parts = [];
    let chunks = 0;
    const take = (r) => {
      assert.equal(r.missingKid, null);
      parts.push(r.output);
    };
    for (const input of inputs) {
      for (let at = 0; at < input.length; at += piece) {
        const bytes = input.subarray(at, Math.min(input.length, at + piece));
        if (d.cipher && d.cipher.async) {
          take(await d.pushAsync(bytes, (c) => { chunks++; parts.push(c); }));
        } else {
          take(d.push(bytes));
        }
      }
    }
    take(d.cipher && d.cipher.async ? await d.flushAsync() : d.flush());
    return { bytes: Buffer.concat(parts), chunks };
  } finally {
    d.dispose();
  }
}

test('every vector: each backend gives the module\'s bytes, whole and in pieces', async () => {
  for (const v of vectors) {
    const inputs = v.inputs.map((f) => new Uint8Array(readFileSync(join(testdataDir, f))));
    const keys = v.keys.map((k) => k.split(':'));
    const reference = (await decrypt({}, keys, inputs)).bytes;
    assert.equal(reference.length, inputs.reduce((n, b) => n + b.length, 0));
    for (const backend of BACKENDS) {
      for (const piece of [Infinity, 7001]) {
        const { bytes } = await decrypt(backend.make(), keys, inputs, piece);
        assert.ok(bytes.equals(reference), `${v.name}: ${backend.name}, pieces of ${piece}`);
      }
    }
  }
});

// --- randomized streams --------------------------------------------------------------------

// Deterministic pseudo-random numbers (xorshift32): a failure can be replayed by its seed.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

const cat = (parts) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const u8 = (v) => [v & 255];
const u16 = (v) => [(v >>> 8) & 255, v & 255];
const u24 = (v) => [(v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const u32 = (v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const cc = (s) => Buffer.from(s, 'latin1');
const box = (type, ...body) => { const b = cat(body); return cat([u32(8 + b.length), cc(type), b]); };
const fullBox = (type, version, flags, ...body) => box(type, u8(version), u24(flags), ...body);

// ftyp + moov: one protected video track (encv/avc1) with the scheme's tenc.
function makeInit({ scheme, pattern, ivSize, constantIv, kid }) {
  const tenc = fullBox('tenc', 1, 0, [0, pattern, 1, ivSize], kid,
    constantIv ? cat([u8(constantIv.length), constantIv]) : []);
  const sinf = box('sinf', box('frma', cc('avc1')), fullBox('schm', 0, 0, cc(scheme), u32(0x10000)), box('schi', tenc));
  const encv = box('encv', new Uint8Array(6), u16(1), new Uint8Array(70), sinf);
  const stbl = box('stbl', fullBox('stsd', 0, 0, u32(1), encv));
  const trak = box('trak', fullBox('tkhd', 0, 7, new Uint8Array(8), u32(1), new Uint8Array(68)),
    box('mdia', fullBox('hdlr', 0, 0, u32(0), cc('vide'), new Uint8Array(13)), box('minf', stbl)));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0)));
  return cat([box('ftyp', cc('iso6'), u32(0), cc('iso6')), box('moov', trak, mvex)]);
}

// moof + mdat: samples of random sizes, random subsample layouts and IVs, random bytes (any
// bytes are a ciphertext; all backends must agree on what they decrypt to).
function makeFragment(random, { ivSize, blockAligned }, sampleCount) {
  const samples = [];
  for (let i = 0; i < sampleCount; i++) {
    const size = [0, 1, 15, 16, 17, 100, 4096, 5000 + random(60000)][random(8)];
    const subsamples = [];
    if (random(4)) {  // else full-sample encryption
      let left = size;
      while (left > 0 && subsamples.length < 40) {
        const clear = Math.min(left, random(3) ? random(40) : 0);
        left -= clear;
        let prot = Math.min(left, random(2) ? random(3000) : left);
        if (blockAligned) prot -= prot % 16;
        left -= prot;
        subsamples.push([clear, prot]);
        if (random(3) === 0) break;
      }
      if (left) subsamples.push([left, 0]);
      // A clear run above 65535 does not fit the field: split it.
      for (let s = 0; s < subsamples.length; s++) {
        if (subsamples[s][0] > 65535) subsamples.splice(s, 1, [65535, 0], [subsamples[s][0] - 65535, subsamples[s][1]]);
      }
    }
    const iv = Buffer.alloc(ivSize);
    for (let b = 0; b < ivSize; b++) iv[b] = random(256);
    // Counters about to carry out of the low 64 bits (and out of all 128) now and then.
    if (ivSize === 16 && random(3) === 0) iv.fill(0xff, random(2) ? 8 : 0, 16);
    const data = Buffer.alloc(size);
    for (let b = 0; b < size; b++) data[b] = random(256);
    samples.push({ size, subsamples, iv, data });
  }
  const senc = fullBox('senc', 0, 2, u32(samples.length), ...samples.map((s) => cat([
    s.iv, u16(s.subsamples.length), ...s.subsamples.map(([c, p]) => cat([u16(c), u32(p)])),
  ])));
  const traf = (moofSize) => box('traf', fullBox('tfhd', 0, 0x20000, u32(1)),
    fullBox('trun', 0, 0x201, u32(samples.length), u32(moofSize + 8), ...samples.map((s) => u32(s.size))), senc);
  const moofSize = 8 + 16 + traf(0).length;
  return cat([box('moof', fullBox('mfhd', 0, 0, u32(1)), traf(moofSize)), box('mdat', ...samples.map((s) => s.data))]);
}

const LAYOUTS = [
  { scheme: 'cenc', pattern: 0, ivSize: 8 },
  { scheme: 'cenc', pattern: 0, ivSize: 16 },
  { scheme: 'cbc1', pattern: 0, ivSize: 16, blockAligned: true },
  { scheme: 'cens', pattern: 0x19, ivSize: 8, blockAligned: true },
  { scheme: 'cens', pattern: 0x52, ivSize: 16, blockAligned: true },
  { scheme: 'cbcs', pattern: 0x19, ivSize: 16 },
  { scheme: 'cbcs', pattern: 0x19, ivSize: 0, constantIv: hexBytes('0123456789abcdef0123456789abcdef') },
  { scheme: 'cbcs', pattern: 0x37, ivSize: 0, constantIv: hexBytes('fedcba9876543210fedcba9876543210') },
  { scheme: 'cbcs', pattern: 0x00, ivSize: 8 },
];

test('randomized layouts: every scheme, IV size and pattern, each backend gives the module\'s bytes', async () => {
  const kid = '11'.repeat(16);
  const key = '2b7e151628aed2a6abf7158809cf4f3c';
  for (const [n, layout] of LAYOUTS.entries()) {
    const random = rng(1000 + n);
    const init = makeInit({ ...layout, kid: hexBytes(kid) });
    const fragments = [0, 1, 2].map(() => makeFragment(random, layout, 1 + random(30)));
    const inputs = [init, ...fragments].map((b) => new Uint8Array(b));
    const reference = (await decrypt({}, [[kid, key]], inputs)).bytes;
    assert.equal(reference.length, inputs.reduce((t, b) => t + b.length, 0));
    // The module did decrypt something: the output differs from the input in the mdats.
    assert.ok(!reference.equals(Buffer.concat(inputs)), `${layout.scheme}: nothing decrypted`);
    for (const backend of BACKENDS) {
      const { bytes } = await decrypt(backend.make(), [[kid, key]], inputs);
      assert.ok(bytes.equals(reference), `${layout.scheme} ${JSON.stringify(layout)}: ${backend.name}`);
    }
  }
});

test('pushAsync hands out clear prefixes early; together they are the whole output', async () => {
  const kid = '11'.repeat(16);
  const key = '2b7e151628aed2a6abf7158809cf4f3c';
  const random = rng(7);
  const layout = LAYOUTS[0];
  const init = makeInit({ ...layout, kid: hexBytes(kid) });
  // One large fragment: many samples of up to 65 KB.
  const fragment = makeFragment(random, layout, 200);
  const inputs = [new Uint8Array(cat([init, fragment]))];
  const reference = (await decrypt({}, [[kid, key]], inputs)).bytes;
  for (const options of [{ cipher: new WebCryptoCipher(webcrypto.subtle) }, { progressive: true }]) {
    // decrypt() uses pushAsync for async ciphers only: the module-only stream is driven here.
    const d = new StreamDecryptor(core, options);
    d.setKey(hexBytes(kid), hexBytes(key));
    const parts = [];
    const r = await d.pushAsync(inputs[0], (c) => parts.push(c));
    const chunks = parts.length;
    parts.push(r.output, (await d.flushAsync()).output);
    d.dispose();
    assert.ok(Buffer.concat(parts).equals(reference), d.backend);
    assert.ok(chunks >= 2, `${d.backend}: only ${chunks} early chunks for a ${fragment.length}-byte fragment`);
  }
});

test('the Node StreamDecryptor uses OpenSSL by default; the choice of a page\'s cipher', () => {
  const d = new NodeStreamDecryptor(core);
  assert.equal(d.backend, 'node');
  d.dispose();
  const w = new NodeStreamDecryptor(core, { cipher: null });
  assert.equal(w.backend, 'wasm');
  w.dispose();
  // Node 20 has WebCrypto as a global, like a secure browser context.
  assert.equal(makeCipher('auto').kind, 'webcrypto');
  assert.equal(makeCipher('wasm'), null);
  assert.throws(() => makeCipher('rot13'), TypeError);
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
  try {
    assert.equal(makeCipher('auto'), null);  // no WebCrypto: the module's AES
    assert.throws(() => makeCipher('webcrypto'), /not available/);
  } finally {
    Object.defineProperty(globalThis, 'crypto', saved);
  }
});

test('a key removed while a plan waits fails the push, it does not decrypt with stale keys', async () => {
  const v = vectors[0];
  const bytes = new Uint8Array(readFileSync(join(testdataDir, v.inputs[0])));
  const [kid, key] = v.keys[0].split(':');
  const d = new StreamDecryptor(core, { cipher: new WebCryptoCipher(webcrypto.subtle), minCipherBytes: 0 });
  d.setKey(hexBytes(kid), hexBytes(key));
  await d.cipher.ready();
  d.cipher.removeKey(hexBytes(kid));
  await assert.rejects(d.pushAsync(bytes), /no key for KID/);
  d.dispose();
});
