// `wasm-eme encrypt` end to end on content made by scripts/make-content.sh (ffmpeg testsrc2 +
// sine): the encrypted output is checked by decryptors that are not the packager:
//   - ffmpeg's mov demuxer with -decryption_key (its own cenc/cbcs/cens/cbc1 code): its packets
//     must equal the clear input's (sizes, timestamps, md5s);
//   - `wasm-eme decrypt` (the project's stream decryptor) back to clear, read by ffmpeg.
// Chromium's native Clear Key CDM is the third, in tests/browser/packager_native.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { content, ensureContent, ffmpegPackets, keysFromJwks, run, sha256, treeHashes } from './packager_helpers.js';

ensureContent();
const tmp = mkdtempSync(join(tmpdir(), 'wasm-eme-packager-'));
const KEY = '00112233445566778899aabbccddeeff:0123456789abcdef0123456789abcdef';
const KEY_HEX = '0123456789abcdef0123456789abcdef';
const VIDEO_KEY = '11111111111111111111111111111111:101112131415161718191a1b1c1d1e1f';
const AUDIO_KEY = '22222222222222222222222222222222:202122232425262728292a2b2c2d2e2f';
const SEED = '000102030405060708090a0b0c0d0e0f';

const AV1_INPUTS = ['av1.mp4', 'av1_tiles.mp4', 'av1_svt.mp4', 'av1_rav1e.mp4'].filter((f) => existsSync(content(f)));
const inputs = ['avc_aac.mp4', 'avc_slices.mp4', 'hevc_aac.mp4', 'hevc_slices.mp4', ...AV1_INPUTS].filter((f) => existsSync(content(f)));

function encrypt(input, output, ...args) {
  const r = run('encrypt', input, '-o', output, '--iv-seed', SEED, ...args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r;
}

function decrypt(inputFiles, output, keys) {
  const r = run('decrypt', ...keys.flatMap((k) => ['--key', k]), ...[].concat(inputFiles), '-o', output);
  assert.equal(r.status, 0, r.stderr);
}

for (const scheme of ['cenc', 'cbcs', 'cens', 'cbc1']) {
  for (const name of inputs) {
    test(`${scheme} ${name}: ffmpeg decrypts it, and wasm-eme decrypt gives the clear packets back`, () => {
      // FFmpeg estimates AV1 packet durations from the average frame rate of what it probed,
      // which changes once the 'sidx' the packager adds tells the total duration: for AV1 the
      // timestamps (dts, pts) carry the timing.
      const packets = (...args) => ffmpegPackets(...args).map((l) => (AV1_INPUTS.includes(name) ? l.replace(/^(\d+,\d+,\d+),\d+,/, '$1,-,') : l));
      const clear = packets(content(name));
      const out = join(tmp, `${name}.${scheme}.mp4`);
      encrypt(content(name), out, '--scheme', scheme, '--key', KEY);
      assert.deepEqual(packets(out, KEY_HEX), clear);
      const back = join(tmp, `${name}.${scheme}.clear.mp4`);
      decrypt(out, back, [KEY]);
      assert.deepEqual(packets(back), clear);
    });
  }
}

// The video samples of an MP4 as ffmpeg reads them: [Buffer] (4-byte NAL unit lengths).
function videoSamples(file) {
  const sizes = ffmpegPackets(file).filter((l) => l.startsWith('0,')).map((l) => +l.split(',')[4]);
  const raw = join(tmp, 'packets.bin');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-map', '0:v', '-c', 'copy', '-f', 'data', raw]);
  assert.equal(r.status, 0, String(r.stderr));
  const data = readFileSync(raw);
  let pos = 0;
  return sizes.map((n) => data.subarray(pos, (pos += n)));
}

// Where FFmpeg's trace_headers (its own H.264 / H.265 parser) ends each slice header: per
// packet, per slice, the bit after the last syntax element it reports for the header (the
// CABAC or byte alignment bits included: both end where the slice data starts), counted from
// the start of the NAL unit's RBSP.
function ffmpegSliceHeaderEnds(file) {
  const r = spawnSync('ffmpeg', ['-v', 'trace', '-i', file, '-map', '0:v', '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-'],
    { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0);
  const packets = [];
  let slice = null;
  for (const line of r.stderr.split('\n')) {
    if (!line.includes('[trace_headers @')) continue;
    if (/\] Packet: /.test(line)) packets.push([]);
    else if (/\] Slice (Segment )?Header$/.test(line)) { slice = { end: 0 }; packets.at(-1).push(slice); }
    else if (/\] [A-Z]/.test(line)) slice = null;  // another structure (SEI, parameter sets)
    else {
      const m = /\] (\d+)\s+(\S+)\s+([01]+) = /.exec(line);
      if (m && slice) slice.end = +m[1] + m[3].length;
    }
  }
  return packets.map((p) => p.map((s) => s.end));
}

// Bytes of the NAL unit that hold its first `rbspBytes` RBSP bytes (emulation prevention
// bytes 0x000003 count).
function rawBytes(nal, rbspBytes) {
  let zeros = 0;
  let raw = 0;
  for (let got = 0; got < rbspBytes && raw < nal.length; ++raw) {
    if (zeros >= 2 && nal[raw] === 3) { zeros = 0; continue; }
    zeros = nal[raw] === 0 ? zeros + 1 : 0;
    ++got;
  }
  return raw;
}

// The subsamples of every sample of a track, from the 'senc' boxes ([[clear, protected]...]).
function sencSubsamples(file, trackId, ivSize) {
  const b = readFileSync(file);
  const out = [];
  const walk = (begin, end, fn) => {
    for (let pos = begin; pos < end;) {
      const size = b.readUInt32BE(pos);
      fn(b.toString('latin1', pos + 4, pos + 8), pos + 8, pos + size);
      pos += size;
    }
  };
  walk(0, b.length, (type, start, end) => {
    if (type !== 'moof') return;
    walk(start, end, (t, s, e) => {
      if (t !== 'traf') return;
      let track = 0;
      walk(s, e, (tt, ss) => { if (tt === 'tfhd') track = b.readUInt32BE(ss + 4); });
      if (track !== trackId) return;
      walk(s, e, (tt, ss) => {
        if (tt !== 'senc') return;
        let p = ss + 8;
        for (let i = b.readUInt32BE(ss + 4); i > 0; --i) {
          p += ivSize;
          const subs = [];
          for (let n = b.readUInt16BE(p), q = 0; q < n; ++q) subs.push([b.readUInt16BE(p + 2 + 6 * q), b.readUInt32BE(p + 4 + 6 * q)]);
          p += 2 + 6 * subs.length;
          out.push(subs);
        }
      });
    });
  });
  return out;
}

// [start, size] of each protected range of a sample's subsamples, which must cover it exactly.
function protectedRanges(subsamples, sampleSize) {
  const ranges = [];
  let at = 0;
  for (const [clear, prot] of subsamples) {
    at += clear;
    if (prot) ranges.push([at, prot]);
    at += prot;
  }
  assert.equal(at, sampleSize);
  return ranges;
}

test('cbcs: every H.264 and H.265 slice is protected from where FFmpeg\'s parser ends its slice header', () => {
  for (const name of ['avc_aac.mp4', 'avc_slices.mp4', 'hevc_aac.mp4', 'hevc_slices.mp4'].filter((f) => existsSync(content(f)))) {
    const hevc = name.startsWith('hevc');
    const out = join(tmp, `${name}.cbcs-headers.mp4`);
    encrypt(content(name), out, '--scheme', 'cbcs', '--key', KEY);
    const samples = videoSamples(content(name));
    const ends = ffmpegSliceHeaderEnds(content(name));
    const subsamples = sencSubsamples(out, 1, 0);
    assert.equal(samples.length, subsamples.length);
    assert.equal(samples.length, ends.length);
    let slices = 0;
    samples.forEach((sample, i) => {
      // Expected protected ranges: from each slice's data to its NAL unit's end (16 bytes at
      // least; a shorter one stays clear).
      const want = [];
      let k = 0;
      for (let pos = 0; pos < sample.length;) {
        const size = sample.readUInt32BE(pos);
        const nal = sample.subarray(pos + 4, pos + 4 + size);
        const vcl = hevc ? ((nal[0] >> 1) & 0x3f) < 32 : [1, 5].includes(nal[0] & 0x1f);
        if (vcl) {
          const start = pos + 4 + rawBytes(nal, Math.ceil(ends[i][k++] / 8));
          if (pos + 4 + size - start >= 16) want.push([start, pos + 4 + size - start]);
          ++slices;
        }
        pos += 4 + size;
      }
      assert.equal(k, ends[i].length, `sample ${i}: slice count`);
      assert.deepEqual(protectedRanges(subsamples[i], sample.length), want, `${name} sample ${i}`);
    });
    assert.ok(slices >= samples.length * (name === 'avc_slices.mp4' ? 4 : 1));
  }
});

// Where FFmpeg's trace_headers (its own AV1 parser, CBS) puts the tile data of each Frame and
// Tile Group OBU: per packet, per such OBU, the byte after its tile group header (counted from
// the OBU's first byte), the tiles it holds and the frame's TileSizeBytes.
function ffmpegAv1TileGroups(file) {
  const r = spawnSync('ffmpeg', ['-v', 'trace', '-i', file, '-map', '0:v', '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-'],
    { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0);
  const packets = [];
  let section = '';
  let group = null;
  let frame = { tiles: 1, tileSizeBytes: 4 };
  let obuEnd = 0;  // the byte after the last syntax element of the current OBU
  for (const line of r.stderr.split('\n')) {
    if (!line.includes('[trace_headers @')) continue;
    if (/\] Packet: /.test(line)) { packets.push([]); continue; }
    const heading = /\] ([A-Z][A-Za-z ]+)$/.exec(line);
    if (heading) {
      section = heading[1];
      if (section === 'Frame Header') frame = { tiles: 1, tileSizeBytes: 4 };
      if (section === 'OBU header') obuEnd = 0;
      if (section === 'Tile Group') {
        group = { headerEnd: obuEnd, first: 0, last: frame.tiles - 1, tileSizeBytes: frame.tileSizeBytes };
        packets.at(-1)?.push(group);
      }
      continue;
    }
    const tiles = /\] Frame \d+: .* tiles (\d+)x(\d+)\.$/.exec(line);
    if (tiles) { frame.tiles = tiles[1] * tiles[2]; continue; }
    const m = /\] (\d+)\s+(\S+)\s+([01]+) = (\d+)$/.exec(line);
    if (!m) continue;
    const [, bit, name, bits, value] = m;
    if (name === 'tile_size_bytes_minus1') frame.tileSizeBytes = +value + 1;
    obuEnd = Math.ceil((+bit + bits.length) / 8);
    if (section === 'Tile Group' && group) {
      group.headerEnd = obuEnd;
      if (name === 'tg_start') group.first = +value;
      if (name === 'tg_end') group.last = +value;
    }
  }
  return packets.filter((p) => p);
}

// The AV1 OBUs of a sample: [{type, start, end}] (obu_size always present in MP4 samples here).
function av1Obus(sample) {
  const obus = [];
  for (let pos = 0; pos < sample.length;) {
    const type = (sample[pos] >> 3) & 15;
    let at = pos + 1 + ((sample[pos] & 4) ? 1 : 0);
    let size = 0;
    for (let i = 0; ; ++i) {
      const b = sample[at++];
      size += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) break;
    }
    obus.push({ type, start: pos, end: at + size });
    pos = at + size;
  }
  return obus;
}

test('AV1: tiles protected as the AV1 ISOBMFF binding says, at the tile data FFmpeg\'s parser finds', () => {
  assert.ok(AV1_INPUTS.length >= 2, 'make-content.sh makes AV1 content with libaom-av1');
  for (const name of AV1_INPUTS) {
    const samples = videoSamples(content(name));
    const groups = ffmpegAv1TileGroups(content(name));
    assert.equal(groups.length, samples.length, name);
    // [start, size] of every tile's decode_tile() bytes, per sample.
    let multiTile = false;
    const tiles = samples.map((sample, i) => {
      const out = [];
      const obus = av1Obus(sample).filter((o) => o.type === 4 || o.type === 6);
      assert.equal(obus.length, groups[i].length, `${name} sample ${i}: tile group OBUs`);
      obus.forEach((obu, k) => {
        const g = groups[i][k];
        let pos = obu.start + g.headerEnd;
        for (let t = g.first; t <= g.last; ++t) {
          let size = obu.end - pos;
          if (t < g.last) {
            size = sample.readUIntLE(pos, g.tileSizeBytes) + 1;
            pos += g.tileSizeBytes;
          }
          out.push([pos, size]);
          pos += size;
        }
        assert.equal(pos, obu.end, `${name} sample ${i}: tile sizes fill the OBU`);
        multiTile ||= g.last > g.first;
      });
      return out;
    });
    if (name !== 'av1.mp4') assert.ok(multiTile, `${name} has frames of several tiles`);
    for (const scheme of ['cbcs', 'cenc']) {
      const out = join(tmp, `${name}.${scheme}-tiles.mp4`);
      encrypt(content(name), out, '--scheme', scheme, '--key', KEY);
      const subsamples = sencSubsamples(out, 1, scheme === 'cbcs' ? 0 : 8);
      assert.equal(subsamples.length, samples.length);
      samples.forEach((sample, i) => {
        // cbcs: each decode_tile() whole, however short; cenc: its whole blocks, up to its end.
        const want = scheme === 'cbcs'
          ? tiles[i]
          : tiles[i].filter(([, size]) => size >= 16).map(([start, size]) => [start + size % 16, size - size % 16]);
        assert.deepEqual(protectedRanges(subsamples[i], sample.length), want, `${name} ${scheme} sample ${i}`);
      });
    }
  }
});

test('cbcs with 16-byte per-sample IVs and the Clear Key pssh', () => {
  const name = 'avc_slices.mp4';
  const out = join(tmp, 'psiv.mp4');
  encrypt(content(name), out, '--scheme', 'cbcs', '--per-sample-iv', '--clearkey-pssh', '--key', KEY);
  assert.deepEqual(ffmpegPackets(out, KEY_HEX), ffmpegPackets(content(name)));
  const info = JSON.parse(run('inspect', out).stdout);
  assert.equal(info.tracks[0].perSampleIvSize, 16);
  assert.equal(info.tracks[0].scheme, 'cbcs');
});

test('separate video and audio keys', () => {
  const out = join(tmp, 'separate.mp4');
  const r = encrypt(content('avc_aac.mp4'), out, '--scheme', 'cbcs', '--video-key', VIDEO_KEY, '--audio-key', AUDIO_KEY);
  assert.match(r.stdout, /track 1 video avc1: cbcs KID 1{32}/);
  assert.match(r.stdout, /track 2 audio mp4a: cbcs KID 2{32}/);
  const back = join(tmp, 'separate.clear.mp4');
  decrypt(out, back, [VIDEO_KEY, AUDIO_KEY]);
  assert.deepEqual(ffmpegPackets(back), ffmpegPackets(content('avc_aac.mp4')));
  // One key alone is not enough.
  const fail = run('decrypt', '--key', VIDEO_KEY, out, '-o', join(tmp, 'x.mp4'));
  assert.equal(fail.status, 1);
  assert.match(fail.stderr, /no key for KID 2{32}/);
});

test('key rotation: a KID per fragment, round trip through wasm-eme decrypt', () => {
  const keys = [KEY, VIDEO_KEY, AUDIO_KEY];
  for (const scheme of ['cenc', 'cbcs']) {
    const out = join(tmp, `rotation.${scheme}.mp4`);
    encrypt(content('avc_aac.mp4'), out, '--scheme', scheme, '--rotate', '1', '--clearkey-pssh',
      ...keys.flatMap((k) => ['--key', k]));
    const info = JSON.parse(run('inspect', out).stdout);
    const kids = info.fragments.map((f) => JSON.stringify(f));
    for (const [i, kid] of ['00112233445566778899aabbccddeeff', '1'.repeat(32), '2'.repeat(32), '00112233445566778899aabbccddeeff'].entries()) {
      assert.ok(kids[i].includes(kid), `fragment ${i} uses KID ${kid}: ${kids[i]}`);
    }
    const back = join(tmp, `rotation.${scheme}.clear.mp4`);
    decrypt(out, back, keys);
    assert.deepEqual(ffmpegPackets(back), ffmpegPackets(content('avc_aac.mp4')));
  }
});

test('generated keys go to a JWK set; rotation generates one per period', () => {
  const out = join(tmp, 'generated.mp4');
  const keysFile = join(tmp, 'generated.json');
  const r = encrypt(content('avc_aac.mp4'), out, '--keys-out', keysFile, '--rotate', '2');
  assert.match(r.stdout, /keys: .*generated\.json \(generated\)/);
  const keys = keysFromJwks(keysFile);
  assert.equal(keys.length, 2);  // 4 fragments, 2 per key
  assert.ok(!r.stdout.includes(keys[0].split(':')[1]), 'keys are never printed');
  const back = join(tmp, 'generated.clear.mp4');
  decrypt(out, back, keys);
  assert.deepEqual(ffmpegPackets(back), ffmpegPackets(content('avc_aac.mp4')));
});

test('output is deterministic for a given input, key and IV seed', () => {
  const a = join(tmp, 'det-a.mp4');
  const b = join(tmp, 'det-b.mp4');
  const c = join(tmp, 'det-c.mp4');
  encrypt(content('avc_aac.mp4'), a, '--key', KEY);
  encrypt(content('avc_aac.mp4'), b, '--key', KEY);
  assert.equal(sha256(a), sha256(b));
  const r = run('encrypt', content('avc_aac.mp4'), '-o', c, '--key', KEY, '--iv-seed', 'ffffffffffffffff');
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(sha256(a), sha256(c));
  // Without --iv-seed the IVs are random.
  const d = join(tmp, 'det-d.mp4');
  const e = join(tmp, 'det-e.mp4');
  assert.equal(run('encrypt', content('avc_aac.mp4'), '-o', d, '--key', KEY).status, 0);
  assert.equal(run('encrypt', content('avc_aac.mp4'), '-o', e, '--key', KEY).status, 0);
  assert.notEqual(sha256(d), sha256(e));
});

test('DASH set: encrypted segments, MPD ContentProtection, HLS playlists; both decryptors agree', () => {
  const dir = join(content('dash'));
  const out = join(tmp, 'dash-out');
  const keysFile = join(tmp, 'dash-keys.json');
  const before = treeHashes(dir);
  const r = encrypt(join(dir, 'manifest.mpd'), out, '--keys-out', keysFile, '--separate-keys',
    '--la-url', 'https://license.example/clearkey?x=1&y=2');
  assert.match(r.stdout, /wrote 15 files in /);
  assert.deepEqual(treeHashes(dir), before, 'the input set is untouched');
  const [videoKey, audioKey] = keysFromJwks(keysFile);
  const uuid = (hex) => hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

  const mpd = readFileSync(join(out, 'manifest.mpd'), 'utf8');
  assert.match(mpd, /xmlns:cenc="urn:mpeg:cenc:2013"/);
  assert.match(mpd, /xmlns:dashif="https:\/\/dashif.org\/CPS"/);
  for (const key of [videoKey, audioKey]) {
    assert.ok(mpd.includes(`<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${uuid(key.split(':')[0])}"/>`));
  }
  assert.equal(mpd.match(/schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">/g).length, 2);
  assert.equal(mpd.match(/<dashif:Laurl>https:\/\/license.example\/clearkey\?x=1&amp;y=2<\/dashif:Laurl>/g).length, 2);
  // Apart from the protection, the MPD is the input's.
  const stripped = mpd.replace(/ xmlns:(cenc|dashif)="[^"]*"/g, '').replace(/\n\s*<ContentProtection[^>]*\/>/g, '')
    .replace(/\n\s*<ContentProtection[^>]*>[\s\S]*?<\/ContentProtection>/g, '');
  assert.equal(stripped, readFileSync(join(dir, 'manifest.mpd'), 'utf8'));

  const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
  assert.match(master, /#EXT-X-STREAM-INF:BANDWIDTH=\d+,CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2",RESOLUTION=320x180,AUDIO="audio"\nvideo-0\.m3u8/);
  assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio-1",DEFAULT=YES,AUTOSELECT=YES,URI="audio-1.m3u8"/);
  assert.equal(master.match(/#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,URI="https:\/\/license.example\/clearkey\?x=1&y=2",KEYID=0x[0-9a-f]{32},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"/g).length, 2);
  const video = readFileSync(join(out, 'video-0.m3u8'), 'utf8');
  assert.match(video, new RegExp(`#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,[^\\n]*KEYID=0x${videoKey.split(':')[0]}`));
  assert.match(video, /#EXT-X-MAP:URI="init-0.m4s"/);
  assert.equal(video.match(/#EXTINF:1\.000000,\nchunk-0-0000\d\.m4s/g).length, 4);
  assert.match(video, /#EXT-X-TARGETDURATION:1\n/);
  assert.match(video, /#EXT-X-ENDLIST\n$/);

  for (const [rep, key, count] of [[0, videoKey, 4], [1, audioKey, 5]]) {
    const init = (d) => join(d, `init-${rep}.m4s`);
    const segment = (d, i) => join(d, `chunk-${rep}-0000${i + 1}.m4s`);
    const names = (d) => [init(d), ...Array.from({ length: count }, (_, i) => segment(d, i))];
    // ffmpeg 5.1 decrypts one segment at a time (with several fragments read through concat it
    // pairs encryption info with the wrong samples, even for other packagers' files).
    for (let i = 0; i < count; ++i) {
      assert.deepEqual(ffmpegPackets([init(out), segment(out, i)], key.split(':')[1]),
        ffmpegPackets([init(dir), segment(dir, i)]), `representation ${rep} segment ${i + 1} through ffmpeg`);
    }
    const back = join(tmp, `dash-${rep}.mp4`);
    decrypt(names(out), back, [key]);
    assert.deepEqual(ffmpegPackets(back), ffmpegPackets(names(dir)), `representation ${rep} through wasm-eme decrypt`);
  }
});

test('DASH set with key rotation: each segment\'s EXT-X-KEY names its KID; cbcs is SAMPLE-AES', () => {
  const out = join(tmp, 'dash-rotation');
  encrypt(join(content('dash'), 'manifest.mpd'), out, '--scheme', 'cbcs', '--rotate', '1', '--key', KEY, '--key', VIDEO_KEY);
  const video = readFileSync(join(out, 'video-0.m3u8'), 'utf8');
  const keys = [...video.matchAll(/#EXT-X-KEY:METHOD=SAMPLE-AES,URI="[^"]*",KEYID=0x([0-9a-f]{32}),/g)].map((m) => m[1]);
  const [kid0, kid1] = [KEY, VIDEO_KEY].map((k) => k.split(':')[0]);
  assert.deepEqual(keys, [kid0, kid1, kid0, kid1]);
  // The key line comes before the segment it applies to.
  assert.match(video, new RegExp(`KEYID=0x${kid1},[^\\n]*\\n#EXTINF:1\\.000000,\\nchunk-0-00002\\.m4s`));
  // The MPD's default_KID is the first period's.
  assert.match(readFileSync(join(out, 'manifest.mpd'), 'utf8'), /value="cbcs" cenc:default_KID="00112233-4455-6677-8899-aabbccddeeff"/);
  const back = join(tmp, 'dash-rotation.mp4');
  const names = (d) => [join(d, 'init-0.m4s'), ...[1, 2, 3, 4].map((i) => join(d, `chunk-0-0000${i}.m4s`))];
  decrypt(names(out), back, [KEY, VIDEO_KEY]);
  assert.deepEqual(ffmpegPackets(back), ffmpegPackets(names(content('dash'))));
});

test('DASH set with cens: no HLS (HLS has no METHOD for it), the MPD says cens', () => {
  const out = join(tmp, 'dash-cens');
  const r = encrypt(join(content('dash'), 'manifest.mpd'), out, '--scheme', 'cens', '--key', KEY);
  assert.match(r.stdout, /no HLS playlists: HLS has no METHOD for 'cens'/);
  assert.equal(existsSync(join(out, 'master.m3u8')), false);
  assert.match(readFileSync(join(out, 'manifest.mpd'), 'utf8'), /value="cens" cenc:default_KID="00112233-4455-6677-8899-aabbccddeeff"/);
});

// --- bad input: one line on stderr, a non-zero exit, the input untouched, no output ------------

function refuse(args, { status = 1, message, output }) {
  const r = run(...args);
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trim().split('\n');
  if (status === 1) assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], message);
  if (output) assert.equal(existsSync(output), false, `${output} must not exist`);
  return r;
}

test('bad input: truncated, corrupt, non-fragmented, unsupported codec, already encrypted', () => {
  const full = readFileSync(content('avc_aac.mp4'));
  const truncated = join(tmp, 'truncated.mp4');
  writeFileSync(truncated, full.subarray(0, full.length - 5000));
  const out = join(tmp, 'bad-out.mp4');
  refuse(['encrypt', truncated, '-o', out, '--key', KEY], { message: /^wasm-eme encrypt: the input is truncated: mdat at \d+/, output: out });

  const corrupt = join(tmp, 'corrupt.mp4');
  const bytes = Buffer.from(full);
  bytes.writeUInt32BE(3, 28);  // the moov's size field
  writeFileSync(corrupt, bytes);
  refuse(['encrypt', corrupt, '-o', out, '--key', KEY], { message: /^wasm-eme encrypt: moov at 28: size 3 is smaller than its 8-byte header/, output: out });

  const before = sha256(content('progressive.mp4'));
  refuse(['encrypt', content('progressive.mp4'), '-o', out, '--key', KEY], {
    message: /^wasm-eme encrypt: the input is not a fragmented MP4 \(no 'mvex' in 'moov'\): fragment it first, e\.g\. ffmpeg -i in\.mp4 -c copy -movflags \+frag_keyframe\+empty_moov\+default_base_moof out\.mp4$/,
    output: out,
  });
  assert.equal(sha256(content('progressive.mp4')), before);

  const mp4v = join(tmp, 'mp4v.mp4');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=10:duration=1',
    '-c:v', 'mpeg4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', mp4v]);
  assert.equal(made.status, 0, String(made.stderr));
  refuse(['encrypt', mp4v, '-o', out, '--key', KEY], { message: /^wasm-eme encrypt: track 1: codec 'mp4v' is not supported \(supported: avc1, avc3, hvc1, hev1, av01/, output: out });
  if (AV1_INPUTS.length) {
    // FFmpeg fragmenting while it encodes AV1 writes an empty 'av1C'.
    const empty = join(tmp, 'empty-av1c.mp4');
    const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=10:duration=0.3',
      '-c:v', 'libaom-av1', '-cpu-used', '8', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', empty]);
    assert.equal(r.status, 0, String(r.stderr));
    refuse(['encrypt', empty, '-o', out, '--key', KEY], { message: /av1C: 0 bytes, less than 4 \(FFmpeg writes an empty av1C when it fragments while encoding AV1: encode to a plain MP4 first, then fragment it with -c copy\)$/, output: out });
  }
  const encrypted = join(tmp, 'avc_aac.mp4.cenc.mp4');
  if (!existsSync(encrypted)) encrypt(content('avc_aac.mp4'), encrypted, '--key', KEY);
  refuse(['encrypt', encrypted, '-o', out, '--key', KEY], { message: /^wasm-eme encrypt: the input is already encrypted \(track 1 has 'encv'\)$/, output: out });
});

test('bad keys: wrong length, a KID twice with different keys, missing keys file', () => {
  const out = join(tmp, 'bad-keys.mp4');
  refuse(['encrypt', content('avc_aac.mp4'), '-o', out, '--key', '00112233445566778899aabbccddeeff:0123456789abcdef0123456789abcd'],
    { message: /^wasm-eme encrypt: key is 15 bytes, expected 16$/, output: out });
  refuse(['encrypt', content('avc_aac.mp4'), '-o', out, '--key', KEY, '--audio-key', '00112233445566778899aabbccddeeff:ffffffffffffffffffffffffffffffff'],
    { message: /^wasm-eme encrypt: KID 00112233445566778899aabbccddeeff is given twice with different keys$/, output: out });
  refuse(['encrypt', content('avc_aac.mp4'), '-o', out], { status: 2, message: /no key given: generated keys need --keys-out FILE/, output: out });
  refuse(['encrypt', content('avc_aac.mp4'), '-o', out, '--key', KEY, '--key', AUDIO_KEY],
    { message: /^wasm-eme encrypt: 2 keys for the video track need key rotation$/, output: out });
  refuse(['encrypt', content('avc_aac.mp4'), '-o', out, '--key', KEY, '--scheme', 'abcd'], { status: 2, message: /--scheme abcd: not cenc, cbcs, cens or cbc1/ });
});

test('output inside the input set is refused before anything is written', () => {
  const before = sha256(content('avc_aac.mp4'));
  refuse(['encrypt', content('avc_aac.mp4'), '-o', content('avc_aac.mp4'), '--key', KEY], { message: /would overwrite the input/ });
  assert.equal(sha256(content('avc_aac.mp4')), before);
  const dir = content('dash');
  const hashes = treeHashes(dir);
  refuse(['encrypt', join(dir, 'manifest.mpd'), '-o', dir, '--key', KEY], { message: /^wasm-eme encrypt: output folder .* is inside the input set/ });
  refuse(['encrypt', join(dir, 'manifest.mpd'), '-o', join(dir, 'sub'), '--key', KEY], { message: /is inside the input set/, output: join(dir, 'sub') });
  refuse(['encrypt', join(dir, 'manifest.mpd'), '-o', join(tmp, 'k'), '--key', KEY, '--keys-out', join(dir, 'keys.json')], { message: /--keys-out .* is inside the input set/, output: join(tmp, 'k') });
  assert.deepEqual(treeHashes(dir), hashes);
});

test('a DASH set with a broken segment leaves no output folder', () => {
  const src = content('dash');
  const dir = mkdtempSync(join(tmp, 'broken-'));
  for (const [name] of Object.entries(treeHashes(src))) writeFileSync(join(dir, name), readFileSync(join(src, name)));
  const seg = readFileSync(join(dir, 'chunk-1-00003.m4s'));
  writeFileSync(join(dir, 'chunk-1-00003.m4s'), seg.subarray(0, seg.length - 10));
  const out = join(tmp, 'broken-out');
  refuse(['encrypt', join(dir, 'manifest.mpd'), '-o', out, '--key', KEY], { message: /^wasm-eme encrypt: chunk-1-00003\.m4s: the input is truncated: mdat/, output: out });
  writeFileSync(join(dir, 'chunk-1-00003.m4s'), seg);
  writeFileSync(join(dir, 'chunk-0-00002.m4s'), '');
  refuse(['encrypt', join(dir, 'manifest.mpd'), '-o', out, '--key', KEY], { message: /^wasm-eme encrypt: chunk-0-00002\.m4s: not a media segment \(no 'moof'\)$/, output: out });
});

test('manifest counts are bounded before anything is allocated, the error naming the attribute', async () => {
  const { dashRepresentations } = await import('../../js/src/core/packager.js');
  const mpd = (template, extra = '') => `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S"${extra}><Period>
<AdaptationSet contentType="video"><Representation id="v" bandwidth="1">${template}</Representation></AdaptationSet></Period></MPD>`;
  const timeline = (s, attrs = '') =>
    `<SegmentTemplate timescale="1" initialization="i.mp4" media="s$Number$.m4s"${attrs}><SegmentTimeline>${s}</SegmentTimeline></SegmentTemplate>`;
  // The 311-byte manifest of the report: 100 million segment names, then out of heap.
  const bomb = mpd(timeline('<S d="1" r="100000000"/>'));
  const started = Date.now();
  assert.throws(() => dashRepresentations(bomb), /representation v: S@r="100000000" makes more than 100000 segments/);
  assert.ok(Date.now() - started < 1000, 'refused before expanding');
  const cases = [
    [timeline('<S d="1" r="60000"/><S d="1" r="60000"/>'), /representation v: S@r="60000" makes more than 100000 segments/],
    [timeline('<S d="1" r="1e3"/>'), /representation v: S@r="1e3" is not a whole number/],
    [timeline('<S d="0"/>'), /representation v: S@d="0" is not a positive whole number/],
    [timeline('<S r="2"/>'), /representation v: S@d is missing/],
    [timeline('<S t="-5" d="1"/>'), /representation v: S@t="-5" is not a whole number/],
    [timeline('<S t="9007199254740991" d="9"/><S d="1"/>'), /representation v: S@t \+ S@d exceeds 2\^53/],
    [timeline('<S d="1"/>', ' startNumber="x"'), /representation v: SegmentTemplate@startNumber="x" is not a whole number/],
    [timeline('<S d="1"/>').replace('timescale="1"', 'timescale="0"'), /representation v: SegmentTemplate@timescale="0" is not a positive whole number/],
    [timeline('<S d="1"/>').replace('s$Number$', 's$Number%0100000000d$'), /SegmentTemplate@media: \$Number%0100000000d\$ pads to 100000000 digits, more than 32/],
    // Without a timeline: @duration against the presentation's length.
    ['<SegmentTemplate timescale="1000" duration="1" initialization="i.mp4" media="s$Number$.m4s"/>',
      /representation v: SegmentTemplate@duration="1" makes more than 100000 segments/, ' mediaPresentationDuration="P1000D"'],
    ['<SegmentTemplate timescale="1" duration="-2" initialization="i.mp4" media="s$Number$.m4s"/>',
      /representation v: SegmentTemplate@duration="-2" is not a positive number/],
  ];
  for (const [template, message, extra] of cases) {
    const text = extra ? mpd(template).replace(' mediaPresentationDuration="PT10S"', extra) : mpd(template);
    assert.throws(() => dashRepresentations(text, () => true), message, template);
  }
  // At the bound it works: 100000 names.
  const { representations } = dashRepresentations(mpd(timeline('<S d="1" r="99999"/>')));
  assert.equal(representations[0].media.length, 100000);
  assert.equal(representations[0].media[99999], 's100000.m4s');
  // The CLI fails at once with the file named.
  const dir = join(tmp, 'bomb');
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'manifest.mpd'), bomb);
  const r = run('encrypt', join(dir, 'manifest.mpd'), '-o', join(tmp, 'bomb-out'), '--key', KEY);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /manifest\.mpd: representation v: S@r="100000000" makes more than 100000 segments/);
});
