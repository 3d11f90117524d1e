// `wasm-eme decrypt` on every external vector: the clear output, read back by ffmpeg's demuxer,
// must hold exactly the per-sample sizes and md5s published in ../shared/testdata/expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ffmpegPacketMd5s, readExpected, testdataDir, vectors } from './testdata.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasm-eme-cli-'));
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const input = (f) => join(testdataDir, f);

for (const v of vectors) {
  test(`decrypt ${v.name} matches the published sample md5s`, () => {
    const out = join(tmp, `${v.expected}.mp4`);
    const r = run('decrypt', ...v.keys.flatMap((k) => ['--key', k]), ...v.inputs.map(input), '-o', out);
    assert.equal(r.status, 0, r.stderr);
    const tracks = ffmpegPacketMd5s(out);
    const expected = readExpected(v.expected);
    const trackIds = [...new Set(expected.map((e) => e.trackId))];
    assert.deepEqual([...tracks.keys()].sort(), trackIds.sort(), 'ffmpeg sees every track');
    for (const trackId of trackIds) {
      // ffmpeg repackages caption tracks (c608 -> eia_608): only audio and video packets are
      // the sample bytes as stored; the C++ stream decryptor test checks the others.
      if (!['audio', 'video'].includes(tracks.get(trackId).type)) continue;
      const want = expected.filter((e) => e.trackId === trackId).map(({ size, md5 }) => ({ size, md5 }));
      assert.deepEqual(tracks.get(trackId).packets, want, `track ${trackId}`);
    }
  });
}

test('decrypt reports a missing key by KID and writes nothing', () => {
  const out = join(tmp, 'missing.mp4');
  const r = run('decrypt', '--key', '00112233445566778899aabbccddeeff:00112233445566778899aabbccddeeff',
    input('mp4ff/prog_8s_enc_dashinit.mp4'), '-o', out);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'wasm-eme decrypt: no key for KID cd7eb9ff88f34caeb06185b00024e4c2');
  assert.equal(existsSync(out), false);
});

test('decrypt rejects a wrong key length and a KID given twice with different keys', () => {
  let r = run('decrypt', '--key', 'cd7eb9ff88f34caeb06185b00024e4c2:63cb5f7184dd4b689a5c5ff11ee6a3', input('mp4ff/cbcs.mp4'), '-o', join(tmp, 'x.mp4'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^wasm-eme decrypt: key is 15 bytes, expected 16$/m);
  r = run('decrypt', '--key', '00000000000000000000000000000000:22bdb0063805260307ee5045c0f3835a',
    '--key', '00000000000000000000000000000000:22bdb0063805260307ee5045c0f3835b', input('mp4ff/cbcs.mp4'), '-o', join(tmp, 'x.mp4'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /KID 00000000000000000000000000000000 is given twice with different keys/);
});

test('decrypt names the box of a truncated file and leaves no output', () => {
  const truncated = join(tmp, 'truncated.mp4');
  const bytes = readFileSync(input('mp4ff/cbcs.mp4'));
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
  const out = join(tmp, 'truncated-out.mp4');
  const r = run('decrypt', '--key', '00000000000000000000000000000000:22bdb0063805260307ee5045c0f3835a', truncated, '-o', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^wasm-eme decrypt: .*(mdat|moof).*$/m);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(out), false);
});

test('decrypt refuses to overwrite its input', () => {
  const r = run('decrypt', '--key', '00000000000000000000000000000000:22bdb0063805260307ee5045c0f3835a',
    input('mp4ff/cbcs.mp4'), '-o', input('mp4ff/cbcs.mp4'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /would overwrite the input/);
});

test('inspect prints the layout of a cbcs file', () => {
  const r = run('inspect', input('mp4ff/cbcs.mp4'));
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.tracks[0].scheme, 'cbcs');
  assert.equal(info.tracks[0].pattern, '1:9');
  assert.equal(info.tracks[0].perSampleIvSize, 0);
  assert.equal(info.tracks[0].constantIv, 'cbe3327da85a1e7a74496db552dfe6d0');
  assert.equal(info.fragments.length, 2);
  assert.deepEqual(info.fragments[0].tracks[0].kids, ['00000000000000000000000000000000']);
});

test('unknown command and missing arguments are usage errors', () => {
  assert.equal(run('frobnicate').status, 2);
  assert.equal(run('decrypt', input('mp4ff/cbcs.mp4')).status, 2);
});
