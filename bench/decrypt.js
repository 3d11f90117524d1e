// Decrypt throughput of the wasm module in Node (cenc and cbcs, ~4 MB of 1080p H.264 with
// subsamples) next to Node's own OpenSSL AES-128-CTR over the same number of bytes, and the
// gzip size of the module. Prints a table; asserts nothing.
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCore } from '../js/src/core/module.js';
import { StreamDecryptor } from '../js/src/core/decryptor.js';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'build', 'bench');
const cli = join(root, 'js', 'bin', 'wasm-eme.js');
const KID = '0123456789abcdef0123456789abcdef';
const KEY = '00112233445566778899aabbccddeeff';

function makeContent() {
  mkdirSync(dir, { recursive: true });
  const clear = join(dir, 'clear-1080p.mp4');
  if (!existsSync(clear)) {
    // One fragment of ~4 MB: 2 s of busy 1080p at a high bitrate.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '16M', '-g', '60', '-pix_fmt', 'yuv420p',
      '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '10000000', clear]);
  }
  const out = {};
  for (const scheme of ['cenc', 'cbcs']) {
    const file = join(dir, `${scheme}-1080p.mp4`);
    if (!existsSync(file)) {
      execFileSync(process.execPath, [cli, 'encrypt', '--scheme', scheme, '--key', `${KID}:${KEY}`, clear, '-o', file]);
    }
    out[scheme] = file;
  }
  return out;
}

function timeIt(fn, minMs = 1500) {
  fn();  // warm-up
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsed / runs;
}

const core = await loadCore();
const files = makeContent();
const rows = [];
for (const [scheme, file] of Object.entries(files)) {
  const bytes = readFileSync(file);
  const ms = timeIt(() => {
    const d = new StreamDecryptor(core);
    d.setKey(Buffer.from(KID, 'hex'), Buffer.from(KEY, 'hex'));
    d.push(bytes);
    d.flush();
    d.dispose();
  });
  rows.push({ what: `wasm-eme ${scheme} (wasm, whole segment)`, mb: bytes.length / 1e6, ms });
}
const size = statSync(files.cenc).size;
const data = randomBytes(size);
const ms = timeIt(() => {
  const c = createCipheriv('aes-128-ctr', Buffer.from(KEY, 'hex'), Buffer.alloc(16));
  c.update(data);
  c.final();
});
rows.push({ what: 'Node OpenSSL AES-128-CTR (same bytes)', mb: size / 1e6, ms });

const wasm = readFileSync(join(root, 'dist', 'wasm_eme.wasm'));
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}`);
console.log('| what | MB | ms per run | MB/s |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.what} | ${r.mb.toFixed(2)} | ${r.ms.toFixed(2)} | ${(r.mb / (r.ms / 1000)).toFixed(1)} |`);
console.log(`\nwasm module: ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} bytes gzipped`);
