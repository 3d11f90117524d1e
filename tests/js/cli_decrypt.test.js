// `wasm-eme decrypt` on every external vector: the clear output, read back by ffmpeg's demuxer,
// must hold exactly the per-sample sizes and md5s published in ../shared/testdata/expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync,
  truncateSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, ffmpegPacketMd5s, readExpected, repoRoot, testdataDir, vectors } from './testdata.js';
import { withAbsoluteBaseOffsets } from './base_offset_rewrite.js';
import { content, ensureContent, ffmpegPackets } from './packager_helpers.js';
import { loadCore } from '../../js/src/core/module.js';
import { StreamDecryptor } from '../../js/src/node/stream_decryptor.js';

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

// --- tfhd base_data_offset (absolute file positions, 14496-12 8.8.7.1) ---------------------
// Known-good files rewritten by base_offset_rewrite.js to carry base-data-offset-present, as
// ffmpeg (without +default_base_moof) and Smooth/PIFF packagers write them. ffmpeg, given the
// key, must read the rewritten encrypted file as it reads the original (so the rewrite is a
// valid file); the decrypted output must then hold the published (or the clear source's) samples.

/**
 * Rewrites the concatenated `files`, writes the result back as files at the same boundaries
 * and checks that ffmpeg reads the same (still encrypted) samples from it as from the original:
 * the rewrite moved no sample.
 */
function rewriteFiles(files, name, options) {
  const parts = files.map((f) => readFileSync(f));
  const { bytes, newPos } = withAbsoluteBaseOffsets(Buffer.concat(parts), options);
  const whole = (file, data) => (writeFileSync(file, data), file);
  assert.deepEqual(ffmpegPacketMd5s(whole(join(tmp, `${name}.all.mp4`), bytes)),
    ffmpegPacketMd5s(whole(join(tmp, `${name}.orig.mp4`), Buffer.concat(parts))), `${name}: ffmpeg reads the rewrite as the original`);
  let at = 0;
  return parts.map((part, i) => {
    const file = join(tmp, `${name}-${i}.mp4`);
    writeFileSync(file, bytes.subarray(newPos(at), newPos(at + part.length)));
    at += part.length;
    return file;
  });
}

// stream,size,md5 of ffmpeg's packets (the sample bytes, without timing).
const samples = (lines) => lines.map((l) => l.split(',')).map((c) => `${c[0]},${c[4]},${c[5]}`);

const abs = [
  { v: vectors[0], ffmpegKey: '63cb5f7184dd4b689a5c5ff11ee6a328' },  // audio + video trafs, one mdat
  // init + 5 segments with sidx; ffmpeg 5.1 cannot decrypt these ("subsample size exceeds the
  // packet size left", the original files too): only its reading of the rewrite is compared.
  { v: vectors[5], ffmpegKey: null },
];
for (const { v, ffmpegKey } of abs) {
  for (const sencToFree of [false, true]) {
    test(`decrypt ${v.name} with absolute tfhd base_data_offset${sencToFree ? ', IVs through saio only' : ''}`, () => {
      const files = rewriteFiles(v.inputs.map(input), `abs-${v.expected}-${sencToFree}`, { sencToFree });
      // ffmpeg's own decryption sees the same IVs and subsamples (saio resolved as ffmpeg does).
      if (ffmpegKey) assert.deepEqual(ffmpegPackets(files, ffmpegKey), ffmpegPackets(v.inputs.map(input), ffmpegKey));
      const out = join(tmp, `abs-${v.expected}-${sencToFree}.dec.mp4`);
      const r = run('decrypt', ...v.keys.flatMap((k) => ['--key', k]), ...files, '-o', out);
      assert.equal(r.status, 0, r.stderr);
      const tracks = ffmpegPacketMd5s(out);
      for (const [trackId, { packets }] of tracks) {
        const want = readExpected(v.expected).filter((e) => e.trackId === trackId).map(({ size, md5 }) => ({ size, md5 }));
        assert.deepEqual(packets, want, `track ${trackId}`);
      }
      const info = JSON.parse(run('inspect', ...files).stdout);
      assert.equal(info.fragments.length, JSON.parse(run('inspect', ...v.inputs.map(input)).stdout).fragments.length);
    });
  }
}

test('decrypt our packager\'s cenc (8-byte IVs), cbcs (16-byte IVs) and AV1 with absolute base offsets', () => {
  ensureContent();
  const KEY = '4060a865887842679cbf91ae5bae1e72:fc35340837310cc0fb53de97e22a69e0';
  const cases = [['avc_aac.mp4', ['--scheme', 'cenc']], ['avc_aac.mp4', ['--scheme', 'cbcs', '--per-sample-iv']],
    ['av1.mp4', ['--scheme', 'cenc']], ['av1.mp4', ['--scheme', 'cbcs', '--per-sample-iv']]];
  for (const [name, scheme] of cases) {
    const where = `${name} ${scheme.join(' ')}`;
    const enc = join(tmp, `pk-${name}-${scheme[1]}.mp4`);
    const e = run('encrypt', ...scheme, '--key', KEY, '--iv-seed', '0001020304050607', content(name), '-o', enc);
    assert.equal(e.status, 0, e.stderr);
    const ivSize = JSON.parse(run('inspect', enc).stdout).tracks[0].perSampleIvSize;
    assert.equal(ivSize, scheme[1] === 'cbcs' ? 16 : 8, where);
    for (const sencToFree of [false, true]) {
      const [file] = rewriteFiles([enc], `pk-${name}-${scheme[1]}-${sencToFree}`, { sencToFree });
      const key = KEY.split(':')[1];
      assert.deepEqual(ffmpegPackets(file, key), ffmpegPackets(enc, key), `${where}: ffmpeg decrypts the rewrite as the original`);
      const out = `${file}.dec.mp4`;
      const r = run('decrypt', '--key', KEY, file, '-o', out);
      assert.equal(r.status, 0, `${where}: ${r.stderr}`);
      assert.deepEqual(samples(ffmpegPackets(out)), samples(ffmpegPackets(content(name))), `${where}${sencToFree ? ', saio only' : ''}`);
    }
  }
});

test('StreamDecryptor: a file by default; as an MSE byte stream, base-data-offset-present is refused', async () => {
  const [file] = rewriteFiles([input('mp4ff/prog_8s_enc_dashinit.mp4')], 'api', {});
  const bytes = readFileSync(file);
  const core = await loadCore();
  const [kid, key] = vectors[0].keys[0].split(':').map((h) => Buffer.from(h, 'hex'));
  const decrypt = (options) => {
    const stream = new StreamDecryptor(core, options);
    try {
      stream.setKey(kid, key);
      return Buffer.concat([stream.push(bytes).output, stream.flush().output]);
    } finally {
      stream.dispose();
    }
  };
  const viaCli = join(tmp, 'api-cli.mp4');
  assert.equal(run('decrypt', '--key', vectors[0].keys[0], file, '-o', viaCli).status, 0);
  assert.deepEqual(decrypt({}), readFileSync(viaCli));
  assert.throws(() => decrypt({ file: false }),
    /moof at byte 1518: moof\/traf\[1\]\/tfhd: base-data-offset-present .* not allowed in an MSE byte stream/);
});

// --- large inputs: streamed in chunks, memory bounded by the largest fragment ------------
test('decrypt streams a file over 256 MiB with bounded memory; a corrupt tail leaves no output', () => {
  // prog_8s's init and first fragment (moof + mdat, audio and video), the fragment repeated
  // past 256 MiB (default-base-is-moof: each copy is valid where it lands).
  const source = readFileSync(input('mp4ff/prog_8s_enc_dashinit.mp4'));
  const firstMoof = source.indexOf('moof', 0, 'latin1') - 4;
  const init = source.subarray(0, source.indexOf('sidx', 0, 'latin1') - 4);
  const moofSize = source.readUInt32BE(firstMoof);
  const fragment = source.subarray(firstMoof, firstMoof + moofSize + source.readUInt32BE(firstMoof + moofSize));
  const copies = Math.ceil(((256 << 20) + (16 << 20)) / fragment.length);
  const big = join(tmp, 'big.mp4');
  const fd = openSync(big, 'w');
  writeSync(fd, init);
  for (let i = 0; i < copies; i++) writeSync(fd, fragment);
  closeSync(fd);
  const size = init.length + copies * fragment.length;
  assert.ok(size > 256 << 20);

  // The expected bytes: the decrypt of the init and one copy.
  const small = join(tmp, 'big-one.mp4');
  writeFileSync(small, Buffer.concat([init, fragment]));
  const one = join(tmp, 'big-one.dec.mp4');
  assert.equal(run('decrypt', '--key', vectors[0].keys[0], small, '-o', one).status, 0);
  const clearOne = readFileSync(one);
  const md5 = (b) => createHash('md5').update(b).digest('hex');
  const clearFragment = md5(clearOne.subarray(init.length));
  assert.notEqual(clearFragment, md5(fragment));

  // The CLI in a child process that reports its peak RSS.
  const wrapper = join(tmp, 'rss.mjs');
  writeFileSync(wrapper, `import { main } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'js/src/node/cli.js')).href)};
process.exitCode = await main(process.argv.slice(2));
process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS * 1024 + '\\n');`);
  const out = join(tmp, 'big.dec.mp4');
  const decrypt = (file) => spawnSync(process.execPath, [wrapper, 'decrypt', '--key', vectors[0].keys[0], file, '-o', out], { encoding: 'utf8' });
  const r = decrypt(big);
  assert.equal(r.status, 0, r.stderr);
  const rss = +/maxRSS (\d+)/.exec(r.stderr)[1];
  assert.ok(rss < size / 2, `peak RSS ${rss} bytes for a ${size}-byte file`);
  assert.equal(statSync(out).size, size);
  const check = openSync(out, 'r');
  try {
    const head = Buffer.alloc(init.length);
    readSync(check, head, 0, head.length, 0);
    assert.ok(head.equals(clearOne.subarray(0, init.length)), 'the clear init segment');
    const piece = Buffer.alloc(fragment.length);
    for (let i = 0; i < copies; i++) {
      readSync(check, piece, 0, piece.length, init.length + i * fragment.length);
      if (md5(piece) !== clearFragment) assert.fail(`fragment ${i} differs from the single-fragment decrypt`);
    }
  } finally {
    closeSync(check);
  }
  rmSync(out);

  // A corrupt tail: the last fragment cut short. Exit 1, no output, no temporary file left.
  truncateSync(big, size - 1000);
  const bad = decrypt(big);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^wasm-eme decrypt: the stream ends before the samples of the moof at byte \d+ are complete/m);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes('big.dec.mp4')), []);
  rmSync(big);
});
