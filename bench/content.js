// The content of `npm run bench`, made once by ffmpeg and `wasm-eme encrypt` (the public CLI) and
// cached under build/bench/v2 (delete the folder to make it again):
//  - big: 4 s of busy 1080p30 H.264 (testsrc2, libx264 at ~24 Mbit/s, one keyframe) in ONE
//    fragment (ftyp moov moof mdat, ~12.6 MB), clear, cenc and cbcs;
//  - audio: 30 s of AAC-LC in fragments of 0.25 s (~4 KB each), clear and cenc;
//  - scaling: one stream of 100000 tiny frames (96x64, ~100 bytes each) muxed into 1e2, 1e3,
//    1e4 and 1e5 fragments (1000, 100, 10 and 1 samples each), encrypted cenc; and its init
//    segment (ftyp + moov) alone, once and repeated 1e2, 1e3 and 1e4 times.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const dir = join(root, 'build', 'bench', 'v2');
export const cli = join(root, 'js', 'bin', 'wasm-eme.js');
export const KID = '0123456789abcdef0123456789abcdef';
export const KEY = '00112233445566778899aabbccddeeff';
export const SCALING_COUNTS = [100, 1000, 10000, 100000];
export const INIT_REPEATS = [1, 100, 1000, 10000];  // 1: the start-up baseline of the CLI
const SCALING_FRAMES = 100000;

// Runs a maker into a temporary name and renames it, so that an interrupted run leaves no
// half-written file in the cache.
function make(file, run) {
  if (existsSync(file)) return file;
  const tmp = file.replace(/(\.\w+)$/, '.tmp$1');
  run(tmp);
  renameSync(tmp, file);
  return file;
}

const ffmpeg = (args) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });

function encrypt(clear, scheme, out) {
  return make(out, (tmp) => execFileSync(process.execPath, [cli, 'encrypt', '--scheme', scheme,
    '--key', `${KID}:${KEY}`, '--iv-seed', '00000000000000000000000000000001', clear, '-o', tmp], { stdio: 'ignore' }));
}

/** The 1080p fragment: {clear, cenc, cbcs} paths. */
export function bigContent() {
  mkdirSync(dir, { recursive: true });
  const clear = make(join(dir, 'big-clear.mp4'), (tmp) => ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=4',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '24M', '-maxrate', '24M', '-bufsize', '48M',
    '-g', '120', '-keyint_min', '120', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '100000000', tmp]));
  return {
    clear,
    cenc: encrypt(clear, 'cenc', join(dir, 'big-cenc.mp4')),
    cbcs: encrypt(clear, 'cbcs', join(dir, 'big-cbcs.mp4')),
  };
}

/** The finely fragmented AAC track: {clear, cenc}. */
export function audioContent() {
  mkdirSync(dir, { recursive: true });
  const clear = make(join(dir, 'audio-clear.mp4'), (tmp) => ffmpeg([
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=30', '-ac', '2',
    '-c:a', 'aac', '-b:a', '128k',
    '-movflags', '+empty_moov+default_base_moof+frag_keyframe', '-frag_duration', '250000', tmp]));
  return { clear, cenc: encrypt(clear, 'cenc', join(dir, 'audio-cenc.mp4')) };
}

/** The scaling set: {count: cenc path} for SCALING_COUNTS (the same samples in each). */
export function scalingContent() {
  mkdirSync(dir, { recursive: true });
  const es = make(join(dir, 'scaling-es.mp4'), (tmp) => ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=30', '-frames:v', String(SCALING_FRAMES),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '24k', '-g', '300', '-pix_fmt', 'yuv420p',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof', tmp]));
  const out = {};
  for (const n of SCALING_COUNTS) {
    const clear = make(join(dir, `scaling-${n}-clear.mp4`), (tmp) => {
      const flags = n === SCALING_FRAMES ? ['-movflags', '+empty_moov+default_base_moof+frag_every_frame']
        // frag_duration in microseconds: SCALING_FRAMES / n frames at 30 fps per fragment.
        : ['-movflags', '+empty_moov+default_base_moof', '-frag_duration', String(Math.floor((SCALING_FRAMES / n) * 1e6 / 30))];
      ffmpeg(['-i', es, '-c', 'copy', ...flags, tmp]);
    });
    out[n] = encrypt(clear, 'cenc', join(dir, `scaling-${n}-cenc.mp4`));
  }
  return out;
}

/** The init segment of the scaling stream repeated: {count: path} for INIT_REPEATS. */
export function repeatedInitContent() {
  const source = readFileSync(scalingContent()[SCALING_COUNTS[0]]);
  let end = 0;  // the top-level boxes before the first moof
  while (end + 8 <= source.length && source.toString('latin1', end + 4, end + 8) !== 'moof') end += source.readUInt32BE(end);
  const init = source.subarray(0, end);
  const out = {};
  for (const n of INIT_REPEATS) {
    out[n] = make(join(dir, `scaling-init-x${n}.mp4`), (tmp) => writeFileSync(tmp, Buffer.concat(Array(n).fill(init))));
  }
  return out;
}

/** Repository-relative URL path of a content file (the browser bench's server serves the repo). */
export const urlPath = (file) => file.slice(root.length);
