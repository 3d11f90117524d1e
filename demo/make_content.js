#!/usr/bin/env node
// Makes the demo's protected content with the project's own packager (`wasm-eme encrypt`) from
// the clear DASH set of scripts/make-content.sh (ffmpeg's synthetic sources, 12 seconds, in
// content/demo-clear/), into content/demo/<id>/ (git-ignored). Each set is made once: its demo.json, written last, marks
// it done, so the second run only checks. Keys are derived from fixed names (demo keys, public
// by design): the catalog, the license server and the page all compute the same ones.
//
//   node demo/make_content.js [--force]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'js/bin/wasm-eme.js');

/** The demo's key for a name: 16-byte KID and key from SHA-256 of fixed strings. */
export function demoKey(name) {
  const h = (what) => createHash('sha256').update(`wasm-eme demo ${what} ${name}`).digest('hex').slice(0, 32);
  return { kid: h('kid'), key: h('key') };
}

const arg = (k) => `${k.kid}:${k.key}`;
// Bumped when the sets change: older ones are made again.
const VERSION = 2;
const SECONDS = 12;

/** The content sets: packager options and what the page says about them. */
export const SETS = [
  { id: 'cenc-1key', title: 'testsrc2 (packager)', scheme: 'cenc', keyLayout: 'single', keyLayoutText: '1 key',
    keys: { '': [demoKey('single')] } },
  { id: 'cbcs-1key', title: 'testsrc2 (packager)', scheme: 'cbcs', keyLayout: 'single', keyLayoutText: '1 key',
    keys: { '': [demoKey('single')] } },
  { id: 'cenc-2keys', title: 'testsrc2 (packager)', scheme: 'cenc', keyLayout: 'multi', keyLayoutText: 'video and audio keys',
    keys: { video: [demoKey('video')], audio: [demoKey('audio')] } },
  { id: 'cbcs-2keys', title: 'testsrc2 (packager)', scheme: 'cbcs', keyLayout: 'multi', keyLayoutText: 'video and audio keys',
    keys: { video: [demoKey('video')], audio: [demoKey('audio')] } },
  // HLS cannot tell Shaka Player about rotated Clear Key keys (its identity keys map to the
  // init segment's KID), so rotation is offered as DASH only.
  { id: 'cenc-rotation', title: 'testsrc2 (packager)', scheme: 'cenc', keyLayout: 'rotation', keyLayoutText: 'key rotation every 2 s (4 keys)',
    rotate: 2, dashOnly: true, keys: { '': [1, 2, 3, 4].map((i) => demoKey(`rot${i}`)) } },
];

function log(text) {
  process.stderr.write(`[demo content] ${text}\n`);
}

function hasEncrypt() {
  try {
    execFileSync(process.execPath, [cli, 'encrypt', '--help'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export async function makeDemoContent({ contentDir = path.join(root, 'content'), force = false } = {}) {
  const clearDir = path.join(contentDir, 'demo-clear');
  const clearMpd = path.join(clearDir, 'dash/manifest.mpd');
  const outRoot = path.join(contentDir, 'demo');
  const current = (id) => {
    try {
      return JSON.parse(readFileSync(path.join(outRoot, id, 'demo.json'), 'utf8')).version === VERSION;
    } catch {
      return false;
    }
  };
  const pending = SETS.filter((s) => force || !current(s.id));
  if (!pending.length) return { made: 0 };
  if (!hasEncrypt()) {
    log('this checkout has no `wasm-eme encrypt` yet: the demo plays the external vectors only');
    return { made: 0, skipped: true };
  }
  if (!existsSync(clearMpd)) {
    log(`making the clear source with scripts/make-content.sh (ffmpeg, ${SECONDS} s; once)`);
    execFileSync('bash', [path.join(root, 'scripts/make-content.sh'), clearDir],
      { stdio: 'inherit', env: { ...process.env, WEE_CONTENT_SECONDS: String(SECONDS) } });
  }
  for (const set of pending) {
    const out = path.join(outRoot, set.id);
    await rm(out, { recursive: true, force: true });  // an interrupted earlier run
    const args = [cli, 'encrypt', clearMpd, '-o', out, '--scheme', set.scheme, '--clearkey-pssh',
      '--iv-seed', createHash('sha256').update(`wasm-eme demo iv ${set.id}`).digest('hex').slice(0, 32)];
    for (const k of set.keys[''] || []) args.push('--key', arg(k));
    for (const k of set.keys.video || []) args.push('--video-key', arg(k));
    for (const k of set.keys.audio || []) args.push('--audio-key', arg(k));
    if (set.rotate) args.push('--rotate', String(set.rotate));
    log(`${set.id}: wasm-eme encrypt --scheme ${set.scheme}${set.rotate ? ` --rotate ${set.rotate}` : ''}`);
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const files = readdirSync(out);
    const keys = {};
    for (const list of Object.values(set.keys)) for (const k of list) keys[k.kid] = k.key;
    const descriptor = {
      version: VERSION,
      title: set.title, scheme: set.scheme, keyLayout: set.keyLayout, keyLayoutText: set.keyLayoutText,
      dash: files.includes('manifest.mpd') ? 'manifest.mpd' : null,
      hls: !set.dashOnly && files.includes('master.m3u8') ? 'master.m3u8' : null,
      keys,
    };
    await writeFile(path.join(out, 'demo.json'), JSON.stringify(descriptor, null, 2) + '\n');
  }
  log(`made ${pending.length} set(s) in ${path.relative(process.cwd(), outRoot) || outRoot}`);
  return { made: pending.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await makeDemoContent({ force: process.argv.includes('--force') });
  } catch (e) {
    log(`failed: ${e.message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}
