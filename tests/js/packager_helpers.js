// Shared by the packager tests: the generated clear content, the CLI, and ffmpeg as the
// independent oracle (its mov demuxer reads the structure and, given -decryption_key, decrypts
// cenc, cbcs, cens and cbc1 itself).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cli, repoRoot } from './testdata.js';

export const contentDir = join(repoRoot, 'content', 'clear');

/** Makes what is missing of content/clear with scripts/make-content.sh (quick when nothing is). */
export function ensureContent() {
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'make-content.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-content.sh failed: ${r.stderr}`);
  return contentDir;
}

export const content = (name) => join(contentDir, name);

export function run(...args) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/**
 * ffmpeg's packets of every stream as "stream,dts,pts,duration,size,md5" lines (side data left
 * out: encrypted packets carry their encryption info as side data). `key`: -decryption_key.
 */
export function ffmpegPackets(files, key) {
  const inputs = [].concat(files);
  const args = ['-v', 'error'];
  if (key) args.push('-decryption_key', key);
  // Several files (an init segment and media segments) are read as one stream through concat.
  if (inputs.length > 1) args.push('-i', `concat:${inputs.join('|')}`);
  else args.push('-i', inputs[0]);
  args.push('-map', '0', '-c', 'copy', '-f', 'framemd5', '-fflags', '+bitexact', '-');
  const r = spawnSync('ffmpeg', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || r.stderr.trim()) throw new Error(`ffmpeg failed on ${inputs.join(' ')}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').slice(0, 6).map((c) => c.trim()).join(','));
}

export const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** sha256 of every file under a folder, by relative name. */
export function treeHashes(dir) {
  const out = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out[name] = sha256(path);
  }
  return out;
}

/** KID:KEY hex pairs from a JWK set file. */
export function keysFromJwks(file) {
  const hex = (b64url) => Buffer.from(b64url, 'base64url').toString('hex');
  return JSON.parse(readFileSync(file, 'utf8')).keys.map((k) => `${hex(k.kid)}:${hex(k.k)}`);
}
