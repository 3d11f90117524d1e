// The npm package as users get it: `npm pack`, installed from the tarball into a new project
// (offline), then used from there: the tarball holds what users need and nothing else, every
// "exports" target exists, Node imports it and decrypts mp4ff's cbcs.mp4 to the bytes of
// mp4ff's own clear file (the API and the installed `wasm-eme` command), and the shipped
// declarations type-check a TypeScript file that uses both entries (tsc --noEmit).
// The browser half (bundled with esbuild, and as plain modules) is
// tests/browser/package_tarball.test.js.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { missingForPack, packAndInstall, repoRoot, testdataRoot } from './package_pack.js';

const skip = missingForPack();
const CBCS = { file: 'mp4ff/cbcs.mp4', clear: 'mp4ff/cbcsdec.mp4', kid: '00000000000000000000000000000000', key: '22bdb0063805260307ee5045c0f3835a' };

// The sample bytes of a fragmented MP4: its mdat payloads, in order.
function mdatPayloads(bytes) {
  const parts = [];
  for (let o = 0; o + 8 <= bytes.length;) {
    const size = bytes.readUInt32BE(o);
    if (size < 8) throw new Error(`box of size ${size} at ${o}`);
    if (bytes.toString('latin1', o + 4, o + 8) === 'mdat') parts.push(bytes.subarray(o + 8, o + size));
    o += size;
  }
  return Buffer.concat(parts);
}

describe('the npm package, installed from its tarball', { skip }, () => {
  let pkg;
  before(() => { pkg = packAndInstall(); });
  after(() => pkg?.cleanup());

  test('the tarball holds the module, the sources, the types and the CLI, and nothing else', () => {
    for (const f of ['package.json', 'README.md', 'dist/wasm_eme.wasm', 'dist/wasm_eme.mjs', 'dist/wasm_eme_web.wasm',
      'dist/wasm_eme_web.mjs', 'dist/wasm_eme_web_simd.wasm', 'dist/wasm_eme_web_simd.mjs', 'js/src/index.js',
      'js/src/node/index.js', 'js/src/worker/decrypt_worker.js', 'js/types/index.d.ts', 'js/types/node.d.ts', 'js/bin/wasm-eme.js']) {
      assert.ok(pkg.files.includes(f), `${f} is missing from the tarball`);
    }
    for (const f of pkg.files) {
      assert.match(f, /^(package\.json|README\.md|LICENSE|dist\/wasm_eme(_web(_simd)?)?\.(mjs|wasm)|js\/(src|bin|types)\/.+|docs\/[\w-]+\.md)$/, `${f} should not be in the tarball`);
    }
  });

  test('every "exports" target resolves inside the installed package', () => {
    const script = `
      const out = {};
      for (const s of ['wasm-eme', 'wasm-eme/node', 'wasm-eme/worker', 'wasm-eme/wasm', 'wasm-eme/wasm-simd', 'wasm-eme/wasm-node', 'wasm-eme/package.json']) out[s] = import.meta.resolve(s);
      console.log(JSON.stringify(out));`;
    const resolved = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg.app, encoding: 'utf8' }));
    const local = (u) => path.relative(pkg.pkgDir, new URL(u).pathname);
    assert.deepEqual(Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, local(v)])), {
      'wasm-eme': 'js/src/node/index.js',  // the "node" condition
      'wasm-eme/node': 'js/src/node/index.js',
      'wasm-eme/worker': 'js/src/worker/decrypt_worker.js',
      'wasm-eme/wasm': 'dist/wasm_eme_web.wasm',
      'wasm-eme/wasm-simd': 'dist/wasm_eme_web_simd.wasm',
      'wasm-eme/wasm-node': 'dist/wasm_eme.wasm',
      'wasm-eme/package.json': 'package.json',
    });
    const manifest = JSON.parse(readFileSync(path.join(pkg.pkgDir, 'package.json'), 'utf8'));
    const targets = [];
    const walk = (v) => (typeof v === 'string' ? targets.push(v) : Object.values(v).forEach(walk));
    walk(manifest.exports);
    targets.push(manifest.main, manifest.types, ...Object.values(manifest.bin));
    for (const t of targets) assert.ok(existsSync(path.join(pkg.pkgDir, t)), `${t} does not exist in the package`);
  });

  test('Node: import from "wasm-eme" and decrypt cbcs.mp4 to the samples of mp4ff\'s clear file', () => {
    const input = path.join(testdataRoot, CBCS.file);
    const out = path.join(pkg.tmp, 'api.mp4');
    writeFileSync(path.join(pkg.app, 'decrypt.mjs'), `
      import { readFileSync, writeFileSync } from 'node:fs';
      import { loadCore, StreamDecryptor, install, createServer, encryptFile } from 'wasm-eme';
      for (const [name, f] of Object.entries({ install, createServer, encryptFile })) {
        if (typeof f !== 'function') throw new Error(name + ' is not exported');
      }
      const core = await loadCore();
      const stream = new StreamDecryptor(core);
      stream.setKey(Buffer.from('${CBCS.kid}', 'hex'), Buffer.from('${CBCS.key}', 'hex'));
      const a = stream.push(readFileSync(${JSON.stringify(input)}));
      const b = stream.flush();
      if (a.missingKid || b.missingKid) throw new Error('a key is missing');
      writeFileSync(${JSON.stringify(out)}, Buffer.concat([a.output, b.output]));
      stream.dispose();`);
    execFileSync(process.execPath, ['decrypt.mjs'], { cwd: pkg.app, stdio: 'pipe' });
    const clear = mdatPayloads(readFileSync(path.join(testdataRoot, CBCS.clear)));
    const encrypted = mdatPayloads(readFileSync(input));
    const decrypted = mdatPayloads(readFileSync(out));
    assert.notDeepEqual(encrypted, clear);
    assert.ok(decrypted.equals(clear), 'the decrypted samples differ from cbcsdec.mp4');

    // The command the package installs does the same.
    const cliOut = path.join(pkg.tmp, 'cli.mp4');
    execFileSync(path.join(pkg.app, 'node_modules/.bin/wasm-eme'),
      ['decrypt', '--key', `${CBCS.kid}:${CBCS.key}`, input, '-o', cliOut], { cwd: pkg.app, stdio: 'pipe' });
    assert.ok(readFileSync(cliOut).equals(readFileSync(out)));
  });

  const tsc = path.join(repoRoot, 'node_modules/.bin/tsc');
  test('tsc --noEmit: the shipped declarations type a use of both entries', { skip: !existsSync(tsc) && 'typescript is not installed' }, () => {
    // Node resolution ("node" condition): js/types/node.d.ts, everything.
    writeFileSync(path.join(pkg.app, 'server.ts'), `
      import { loadCore, StreamDecryptor, LicenseExchange, createServer, encryptFile, install, main, type InstallOptions } from 'wasm-eme';
      import * as node from 'wasm-eme/node';
      export async function run(bytes: Uint8Array): Promise<number> {
        const core = await loadCore();
        const stream = new StreamDecryptor(core);
        stream.setKey(new Uint8Array(16), new Uint8Array(16));
        const result = stream.push(bytes);
        const missing: Uint8Array | null = result.missingKid;
        const inModule = new StreamDecryptor(core, { cipher: null, minCipherBytes: 0 });
        const viaWebCrypto = new StreamDecryptor(core, { cipher: new node.WebCryptoCipher() });
        const later = await viaWebCrypto.pushAsync(bytes, (chunk: Uint8Array) => chunk.length);
        const backend: string = inModule.backend + later.output.length;
        const exchange = LicenseExchange.fromConfig(core, 'https://license.test/||R{SSM}|JB[license]');
        const request = exchange.wrapRequest({ challenge: bytes });
        const method: 'GET' | 'POST' = request.method;
        const { output } = encryptFile(core, bytes, [{ kid: '00112233445566778899aabbccddeeff', key: new Uint8Array(16) }], { scheme: 'cbcs' });
        const server = createServer({ auth: { type: 'none' }, license: { keys: {} } });
        const { url } = await server.listen(0);
        await server.close();
        const options: InstallOptions = { force: true, worker: false };
        const installed: boolean = await install(options);
        const code: number = await main(['--help']);
        const again: typeof node.loadCore = loadCore;
        return output.length + url.length + code + backend.length + (missing ? 1 : 0) + (installed ? 1 : 0) + method.length + (again === node.loadCore ? 0 : 1);
      }
      // @ts-expect-error: a number is not a Core
      new StreamDecryptor(42);
    `);
    // Bundler resolution (browsers): js/types/index.d.ts, the polyfill only.
    writeFileSync(path.join(pkg.app, 'page.ts'), `
      import { install, uninstall, isInstalled, MediaKeys } from 'wasm-eme';
      // @ts-expect-error: the browser entry has no license server
      import { createServer } from 'wasm-eme';
      export async function start(video: HTMLVideoElement): Promise<boolean> {
        const active = await install({ force: true, wasmUrl: '/wasm_eme.wasm', worker: new URL('./worker.js', location.href) });
        if (!active) uninstall();
        return isInstalled() && (video.mediaKeys === null || video.mediaKeys instanceof MediaKeys);
      }
      // @ts-expect-error: force is a boolean
      install({ force: 'yes' });
    `);
    const base = { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false };
    writeFileSync(path.join(pkg.app, 'tsconfig.node.json'), JSON.stringify({
      compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['server.ts'],
    }));
    writeFileSync(path.join(pkg.app, 'tsconfig.bundler.json'), JSON.stringify({
      compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['page.ts'],
    }));
    for (const config of ['tsconfig.node.json', 'tsconfig.bundler.json']) {
      try {
        execFileSync(tsc, ['-p', config], { cwd: pkg.app, encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        assert.fail(`tsc -p ${config} found errors:\n${e.stdout}${e.stderr}`);
      }
    }
  });
});
