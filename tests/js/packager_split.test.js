// `wasm-eme encrypt in.mp4 -o OUTDIR/`: a multiplexed fragmented MP4 (ffmpeg testsrc2 + sine,
// every moof with a video and an audio traf) becomes a streaming set, a representation per
// track. Checked by readers that are not the packager:
//   - ffmpeg with -decryption_key on each track's init + segment: the packets (sizes, md5s,
//     durations, composition offsets) of that stream in the clear input;
//   - ffmpeg's DASH demuxer (libxml2) on the MPD: it finds every segment through the
//     SegmentTemplate and SegmentTimeline, with the clear input's timestamps and sizes;
//   - `wasm-eme decrypt` back to clear, read by ffmpeg;
//   - ffmpeg's own DASH muxer for the codecs strings of the same encoding.
// Chromium's native Clear Key CDM plays the set in tests/browser/packager_native.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { content, ensureContent, ffmpegPackets, keysFromJwks, run, sha256 } from './packager_helpers.js';

ensureContent();
const tmp = mkdtempSync(join(tmpdir(), 'wasm-eme-split-'));
const KEY = '00112233445566778899aabbccddeeff:0123456789abcdef0123456789abcdef';
const SEED = '000102030405060708090a0b0c0d0e0f';
const INPUT = content('avc_aac.mp4');
const uuid = (hex) => hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

function encrypt(output, ...args) {
  const r = run('encrypt', INPUT, '-o', output, '--iv-seed', SEED, ...args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r;
}

// sha256 of every file under a folder, by path relative to it.
function tree(dir, base = dir, out = {}) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tree(path, base, out);
    else out[relative(base, path)] = sha256(path);
  }
  return out;
}

// The top-level boxes of a file, and the children of its first moof.
function boxes(bytes, begin = 0, end = bytes.length) {
  const out = [];
  for (let pos = begin; pos < end; pos += bytes.readUInt32BE(pos)) out.push({ type: bytes.toString('latin1', pos + 4, pos + 8), pos });
  return out;
}

const clearPackets = ffmpegPackets(INPUT);
// A stream's packets without stream index and absolute times: ffmpeg 5.1 reads init + one
// segment through concat from time 0 whatever the tfdt, so only pts - dts is comparable there.
// AV1: ffmpeg 5.1 estimates packet durations from the bitstream, differently for a whole file and
// for a concat of segments, so they are left out there.
const relativePackets = (lines, { durations = true } = {}) => lines.map((l) => {
  const [, dts, pts, duration, ...rest] = l.split(',').map((c) => c.trim());
  return [pts - dts, ...(durations ? [duration] : []), ...rest].join(',');
});
const streamPackets = (index) => clearPackets.filter((l) => l.startsWith(`${index},`));

const TRACKS = [{ name: 'video', stream: 0, segments: 4 }, { name: 'audio', stream: 1, segments: 4 }];

// Each track of a set (video, audio if there) against the clear input's stream: one trak per init, one traf per moof,
// ffmpeg -decryption_key per segment, wasm-eme decrypt of the whole track.
function checkTracks(out, input, options) {
  const clear = ffmpegPackets(input);
  const stream = (index) => clear.filter((l) => l.startsWith(`${index},`));
  const tracks = TRACKS.filter((t) => existsSync(join(out, t.name)));
  assert.ok(tracks.length);
  for (const { name, stream: index } of tracks) {
    const segments = readdirSync(join(out, name)).filter((f) => f.startsWith('seg-')).length;
    const init = join(out, name, 'init.mp4');
    const segment = (i) => join(out, name, `seg-${i + 1}.m4s`);
    assert.equal(readFileSync(init).toString('latin1').split('trak').length - 1, 1, `${name}: one trak`);
    const got = [];
    for (let i = 0; i < segments; ++i) {
      const bytes = readFileSync(segment(i));
      const [moof] = boxes(bytes).filter((b) => b.type === 'moof');
      assert.equal(boxes(bytes, moof.pos + 8, moof.pos + bytes.readUInt32BE(moof.pos)).filter((c) => c.type === 'traf').length, 1);
      got.push(...relativePackets(ffmpegPackets([init, segment(i)], KEY.split(':')[1]), options));
    }
    assert.deepEqual(got, relativePackets(stream(index), options), `${name} through ffmpeg -decryption_key`);

    const back = join(tmp, `${basename(out)}-${name}.mp4`);
    const d = run('decrypt', '--key', KEY, init, ...Array.from({ length: segments }, (_, i) => segment(i)), '-o', back);
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual(relativePackets(ffmpegPackets(back), options), relativePackets(stream(index), options), `${name} through wasm-eme decrypt`);
  }
}

test('the input is what this test is about: every moof carries a video and an audio traf', () => {
  const file = readFileSync(INPUT);
  const moofs = boxes(file).filter((b) => b.type === 'moof');
  assert.equal(moofs.length, 4);
  for (const m of moofs) {
    const children = boxes(file, m.pos + 8, m.pos + file.readUInt32BE(m.pos));
    assert.equal(children.filter((c) => c.type === 'traf').length, 2);
  }
});

test('single file -> set: ffmpeg decrypts each track\'s segments to the clear stream; wasm-eme decrypt round-trips', () => {
  const out = join(tmp, 'set') + '/';
  const before = sha256(INPUT);
  const r = encrypt(out, '--key', KEY);
  assert.match(r.stdout, /track 1 video avc1: cenc KID 00112233445566778899aabbccddeeff\ntrack 2 audio mp4a: cenc KID 0{2}112233/);
  assert.match(r.stdout, /wrote 14 files in /);
  assert.equal(sha256(INPUT), before, 'the input is untouched');
  assert.deepEqual(Object.keys(tree(out)).sort(), ['audio.m3u8', 'audio/init.mp4', 'audio/seg-1.m4s', 'audio/seg-2.m4s', 'audio/seg-3.m4s',
    'audio/seg-4.m4s', 'manifest.mpd', 'master.m3u8', 'video.m3u8', 'video/init.mp4', 'video/seg-1.m4s', 'video/seg-2.m4s',
    'video/seg-3.m4s', 'video/seg-4.m4s'].sort());
  checkTracks(out, INPUT);
});

test('H.265: the codecs string agrees with ffprobe\'s profile and level; each track decrypts', { skip: !existsSync(content('hevc_aac.mp4')) && 'no hevc_aac.mp4 (ffmpeg without libx265)' }, () => {
  const input = content('hevc_aac.mp4');
  const out = join(tmp, 'hevc') + '/';
  const r = run('encrypt', input, '-o', out, '--iv-seed', SEED, '--key', KEY);
  assert.equal(r.status, 0, r.stderr);
  checkTracks(out, input);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=profile,level', '-of', 'json', input], { encoding: 'utf8' });
  const { profile, level } = JSON.parse(probe.stdout).streams[0];
  const profileIdc = { Main: 1, 'Main 10': 2, 'Main Still Picture': 3, Rext: 4 }[profile];
  // hvc1.<profile_idc>.<compatibility>.L<level_idc>[.<constraint bytes>] (14496-15 E.3)
  assert.match(readFileSync(join(out, 'manifest.mpd'), 'utf8'), new RegExp(`codecs="hvc1\\.${profileIdc}\\.[0-9A-F]+\\.L${level}(\\.[0-9A-F]{1,2})*"`));
});

for (const name of ['av1.mp4', 'av1_rav1e.mp4', 'av1_svt.mp4', 'av1_tiles.mp4']) {
  test(`AV1 ${name}: the codecs string agrees with ffprobe's profile, level and pixel format; each track decrypts`, { skip: !existsSync(content(name)) && `no ${name}` }, () => {
    const input = content(name);
    const out = join(tmp, name) + '/';
    const r = run('encrypt', input, '-o', out, '--iv-seed', SEED, '--key', KEY);
    assert.equal(r.status, 0, r.stderr);
    checkTracks(out, input, { durations: false });
    const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=profile,level,pix_fmt', '-of', 'json', input], { encoding: 'utf8' });
    const { profile, level, pix_fmt: pixels } = JSON.parse(probe.stdout).streams[0];
    const seqProfile = { Main: 0, High: 1, Professional: 2 }[profile];
    const depth = /p12/.test(pixels) ? '12' : /p10/.test(pixels) ? '10' : '08';
    // av01.<seq_profile>.<seq_level_idx><tier>.<bit depth> (ffprobe does not show the tier),
    // then the colour fields unless they are the defaults: rav1e's sequence header declares
    // unspecified (2) colours, which the binding says the string must carry.
    const colour = name === 'av1_rav1e.mp4' ? '\\.0\\.110\\.02\\.02\\.02\\.0' : '';
    assert.match(readFileSync(join(out, 'manifest.mpd'), 'utf8'), new RegExp(`codecs="av01\\.${seqProfile}\\.${String(level).padStart(2, '0')}[MH]\\.${depth}${colour}"`));
  });
}

test('the MPD: ffmpeg\'s DASH demuxer finds every packet at its clear time; ContentProtection and codecs per AdaptationSet', () => {
  const out = join(tmp, 'mpd');
  mkdirSync(out);  // an existing empty folder is an output folder too
  const keysFile = join(tmp, 'mpd-keys.json');
  encrypt(out, '--keys-out', keysFile, '--separate-keys', '--la-url', 'https://license.example/ck?a=1&b=2');
  const [videoKey, audioKey] = keysFromJwks(keysFile).map((k) => k.split(':')[0]);
  const mpd = readFileSync(join(out, 'manifest.mpd'), 'utf8');

  // ffmpeg's DASH demuxer drops the last packet of the last segment of a representation (it
  // does so with its own DASH output too), so each stream must be the clear one, or it minus
  // its last packet.
  const r = spawnSync('ffmpeg', ['-v', 'quiet', '-i', join(out, 'manifest.mpd'), '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  const dash = r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
  const timesAndSizes = (lines) => lines.map((l) => l.split(',').map((c) => c.trim()).filter((_, i) => [0, 1, 2, 4].includes(i)).join(','));
  for (const { stream } of TRACKS) {
    const got = timesAndSizes(dash.filter((l) => l.startsWith(`${stream},`)));
    const want = timesAndSizes(streamPackets(stream));
    assert.ok(got.length >= want.length - 1, `stream ${stream}: ${got.length} of ${want.length} packets`);
    assert.deepEqual(got, want.slice(0, got.length), `stream ${stream} through ffmpeg's DASH demuxer`);
  }

  // One AdaptationSet per track, each with its own default_KID and the Clear Key element.
  const sets = mpd.split('<AdaptationSet').slice(1);
  assert.equal(sets.length, 2);
  for (const [set, kind, kid] of [[sets[0], 'video', videoKey], [sets[1], 'audio', audioKey]]) {
    assert.match(set, new RegExp(`^ id="\\d+" contentType="${kind}" mimeType="${kind}/mp4"`));
    assert.ok(set.includes(`<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${uuid(kid)}"/>`), set);
    assert.match(set, /<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">\s*<dashif:Laurl>https:\/\/license.example\/ck\?a=1&amp;b=2<\/dashif:Laurl>\s*<\/ContentProtection>/);
  }
  assert.match(mpd, /<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" [^>]*xmlns:cenc="urn:mpeg:cenc:2013" xmlns:dashif="https:\/\/dashif.org\/CPS">/);
  // The SegmentTimeline: one S per segment file, each starting at the decode time of a packet of
  // the clear stream (ffmpeg's DASH demuxer takes times from the segments, not from these).
  for (const [set, { name, stream, segments }] of [[sets[0], TRACKS[0]], [sets[1], TRACKS[1]]]) {
    const starts = [];
    let time = 0;
    for (const m of set.matchAll(/<S(?: t="(\d+)")? d="(\d+)"(?: r="(\d+)")?\/>/g)) {
      if (m[1] !== undefined) time = +m[1];
      for (let i = 0; i <= +(m[3] || 0); ++i, time += +m[2]) starts.push(time);
    }
    assert.equal(starts.length, segments, `${name}: segments in the timeline`);
    const dts = new Set(streamPackets(stream).map((l) => +l.split(',')[1]));
    for (const t of starts) assert.ok(dts.has(t), `${name}: no clear packet at the segment time ${t}`);
  }
  // codecs as ffmpeg's DASH muxer writes them for the same encoding (scripts/make-content.sh).
  const ffmpegMpd = readFileSync(join(content('dash'), 'manifest.mpd'), 'utf8');
  const codecs = (text) => [...text.matchAll(/codecs="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(codecs(mpd), codecs(ffmpegMpd));
  assert.match(sets[0], /width="320" height="180"/);
  assert.match(sets[1], /audioSamplingRate="48000"/);
  assert.match(sets[1], /audio_channel_configuration:2011" value="1"/);  // mono, as ffmpeg says

  // HLS: the multivariant playlist names both KIDs; each media playlist its own.
  const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
  assert.match(master, /#EXT-X-STREAM-INF:BANDWIDTH=\d+,CODECS="avc1\.64000d,mp4a\.40\.2",RESOLUTION=320x180,AUDIO="audio"\nvideo\.m3u8/);
  for (const kid of [videoKey, audioKey]) assert.match(master, new RegExp(`#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,URI="https://license.example/ck\\?a=1&b=2",KEYID=0x${kid},`));
  const video = readFileSync(join(out, 'video.m3u8'), 'utf8');
  assert.match(video, new RegExp(`#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,[^\\n]*KEYID=0x${videoKey},[^\\n]*\\n#EXT-X-MAP:URI="video/init.mp4"\\n#EXTINF:1\\.000000,\\nvideo/seg-1\\.m4s`));
  assert.equal(video.match(/#EXTINF:1\.000000,\nvideo\/seg-\d\.m4s/g).length, 4);
});

test('set output is deterministic for a given key and IV seed; rotation and cbcs follow the options', () => {
  const a = join(tmp, 'det-a') + '/';
  const b = join(tmp, 'det-b') + '/';
  encrypt(a, '--key', KEY);
  encrypt(b, '--key', KEY);
  assert.deepEqual(tree(a), tree(b));

  const rot = join(tmp, 'rotation') + '/';
  const other = '11111111111111111111111111111111:101112131415161718191a1b1c1d1e1f';
  encrypt(rot, '--scheme', 'cbcs', '--rotate', '2', '--key', KEY, '--key', other);
  const video = readFileSync(join(rot, 'video.m3u8'), 'utf8');
  const kids = [...video.matchAll(/#EXT-X-KEY:METHOD=SAMPLE-AES,[^\n]*KEYID=0x([0-9a-f]{32})/g)].map((m) => m[1]);
  assert.deepEqual(kids, [KEY, other].map((k) => k.split(':')[0]));
  assert.match(readFileSync(join(rot, 'manifest.mpd'), 'utf8'), /value="cbcs" cenc:default_KID="00112233-4455-6677-8899-aabbccddeeff"/);
  const back = join(tmp, 'rotation-video.mp4');
  const names = ['init.mp4', 'seg-1.m4s', 'seg-2.m4s', 'seg-3.m4s', 'seg-4.m4s'].map((n) => join(rot, 'video', n));
  assert.equal(run('decrypt', '--key', KEY, '--key', other, ...names, '-o', back).status, 0);
  assert.deepEqual(relativePackets(ffmpegPackets(back)), relativePackets(streamPackets(0)));

  const cens = join(tmp, 'cens') + '/';
  const r = encrypt(cens, '--scheme', 'cens', '--key', KEY);
  assert.match(r.stdout, /no HLS playlists: HLS has no METHOD for 'cens'/);
  assert.equal(existsSync(join(cens, 'master.m3u8')), false);
  assert.match(readFileSync(join(cens, 'manifest.mpd'), 'utf8'), /value="cens" cenc:default_KID=/);
});

// --- bad input: one line on stderr, a non-zero exit, the input untouched, no output ------------

function refuse(args, message, output) {
  const r = run(...args);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], message);
  if (output) assert.equal(existsSync(output), false, `${output} must not exist`);
}

test('bad cases: output inside the input (also through a link), a non-empty folder, truncated or corrupt input', () => {
  const input = join(tmp, 'in.mp4');
  writeFileSync(input, readFileSync(INPUT));
  const before = sha256(input);
  refuse(['encrypt', input, '-o', `${input}/`, '--key', KEY], /^wasm-eme encrypt: output .* would overwrite the input/);
  refuse(['encrypt', input, '-o', join(input, 'sub') + '/', '--key', KEY], /^wasm-eme encrypt: output .* would overwrite the input/);
  const full = join(tmp, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'x');
  refuse(['encrypt', input, '-o', full, '--key', KEY], /^wasm-eme encrypt: output .* already exists and is not an empty folder$/);
  assert.deepEqual(readdirSync(full), ['keep.txt']);
  assert.equal(sha256(input), before);

  // Through a linked folder, a new output under the input is still seen as inside it.
  const linked = join(tmp, 'linked');
  symlinkSync(tmp, linked);
  refuse(['encrypt', join(linked, 'in.mp4'), '-o', join(linked, 'in.mp4', 'sub') + '/', '--key', KEY], /would overwrite the input/);
  const dash = join(tmp, 'dash');
  mkdirSync(dash);
  for (const name of readdirSync(content('dash'))) writeFileSync(join(dash, name), readFileSync(join(content('dash'), name)));
  refuse(['encrypt', join(linked, 'dash', 'manifest.mpd'), '-o', join(linked, 'dash', 'sub'), '--key', KEY], /is inside the input set/, join(dash, 'sub'));

  const truncated = join(tmp, 'truncated.mp4');
  const bytes = readFileSync(INPUT);
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 5000));
  const out = join(tmp, 'truncated-out') + '/';
  refuse(['encrypt', truncated, '-o', out, '--key', KEY], /^wasm-eme encrypt: the input is truncated: mdat at \d+/, out);

  // A trun pointing before its mdat: refused by the splitter, naming the moof.
  const corrupt = join(tmp, 'corrupt.mp4');
  const bad = Buffer.from(bytes);
  const [moof] = boxes(bad).filter((b) => b.type === 'moof');
  const trun = bad.indexOf('trun', moof.pos) - 4;
  bad.writeInt32BE(16, trun + 16);  // data_offset: into the moof itself
  writeFileSync(corrupt, bad);
  refuse(['encrypt', corrupt, '-o', out, '--key', KEY], new RegExp(`^wasm-eme encrypt: moof at ${moof.pos}: sample data at \\d+\\.\\.\\d+ is not inside an 'mdat' of this input$`), out);
  refuse(['encrypt', content('progressive.mp4'), '-o', out, '--key', KEY], /^wasm-eme encrypt: the input is not a fragmented MP4 \(no 'mvex' in 'moov'\)/, out);
});
