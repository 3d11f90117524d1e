// The npm package in a browser, as users get it (tests/js/package_pack.js: npm pack, installed
// offline into a new project): a tiny page bundled with esbuild (the worker bundled as a
// second entry from "wasm-eme/worker", the module file from "wasm-eme/wasm"), and the same
// page as plain <script type="module"> code loaded from node_modules/wasm-eme through an
// import map. Each installs the polyfill with force: true and plays Shaka Player's
// dash-clearkey vector (cenc) in headless Chromium, with licenses from a local endpoint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { missingForPack, packAndInstall, repoRoot, testdataRoot } from '../js/package_pack.js';
import { launch, CHROMIUM } from './harness.js';
import { licenseFor } from './server.js';
import { VECTORS } from './vectors.js';

const esbuild = path.join(repoRoot, 'node_modules/.bin/esbuild');
const skip = missingForPack() || (!existsSync(CHROMIUM) && `no browser at ${CHROMIUM}`) ||
  (!existsSync(esbuild) && 'esbuild is not installed (npm install)');
const VECTOR = VECTORS[0];  // shaka dash-clearkey: init + 5 segments, one KID

// The page's part, the same for both loading styles: standard EME + MSE code, given the
// package's exports and install() options. Resolves with what the test checks.
const PLAY_JS = `
const b64url = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((h) => parseInt(h, 16))))
  .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');

export async function play(wee, options, vector) {
  const installed = await wee.install(options);
  const video = document.querySelector('video');
  let session = null;
  video.addEventListener('encrypted', async () => {
    if (session) return;
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
      initDataTypes: ['keyids'], videoCapabilities: [{ contentType: vector.videoType }] }]);
    const keys = await access.createMediaKeys();
    await video.setMediaKeys(keys);
    session = keys.createSession();
    session.addEventListener('message', async (e) => {
      const r = await fetch('/license', { method: 'POST', body: e.message });
      await session.update(await r.arrayBuffer());
    });
    // The vector's pssh boxes are PlayReady and Widevine only: ask by KID.
    await session.generateRequest('keyids', new TextEncoder().encode(JSON.stringify({ kids: vector.keyIds.map(b64url) })));
  });
  const ms = new MediaSource();
  video.src = URL.createObjectURL(ms);
  await new Promise((resolve) => ms.addEventListener('sourceopen', resolve, { once: true }));
  const sb = ms.addSourceBuffer(vector.mime);
  for (const url of vector.segments) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    await new Promise((resolve, reject) => {
      sb.addEventListener('updateend', resolve, { once: true });
      sb.addEventListener('error', () => reject(new Error('append error ' + url)), { once: true });
      sb.appendBuffer(bytes);
    });
  }
  ms.endOfStream();
  video.muted = true;
  await video.play();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stuck at ' + video.currentTime + ' s')), 20000);
    video.addEventListener('timeupdate', () => { if (video.currentTime >= 2) { clearTimeout(timer); resolve(); } });
    video.addEventListener('error', () => reject(new Error('media error ' + (video.error && video.error.message))));
  });
  return {
    installed,
    polyfillKeys: video.mediaKeys instanceof wee.MediaKeys,
    currentTime: video.currentTime,
  };
}
`;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.mp4': 'video/mp4', '.m4s': 'video/mp4' };

// The temporary project at /, the shared vectors at /testdata/, the license endpoint at /license.
function serve(appDir, keys) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/license') {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const license = licenseFor(Buffer.concat(chunks).toString('utf8'), keys);
      res.writeHead(license ? 200 : 400, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(license || { error: 'bad request' }));
    }
    const [root, rel] = url.pathname.startsWith('/testdata/') ? [testdataRoot, url.pathname.slice(10)] : [appDir, url.pathname.slice(1)];
    const file = path.resolve(root, '.' + path.posix.normalize('/' + decodeURIComponent(rel)));
    if (!file.startsWith(root + path.sep) || !(await stat(file).catch(() => null))?.isFile()) {
      res.writeHead(404);
      return res.end('not found');
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(await readFile(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

describe('the npm package in Chromium, installed from its tarball', { skip }, () => {
  let pkg;
  let server;
  let browser;
  before(async () => {
    pkg = packAndInstall();
    const vector = { ...VECTOR, keys: undefined };
    writeFileSync(path.join(pkg.app, 'play.js'), `${PLAY_JS}\nexport const VECTOR = ${JSON.stringify(vector)};\n`);
    server = await serve(pkg.app, VECTOR.keys);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    pkg?.cleanup();
  });

  async function run(pagePath) {
    const page = await browser.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => logs.push(`failed: ${r.url()}`));
    const loaded = [];  // paths answered 200, from the page and its worker
    page.context().on('response', (r) => { if (r.status() === 200) loaded.push(new URL(r.url()).pathname); });
    await page.goto(server.url + pagePath);
    try {
      return { ...await page.evaluate(() => window.result), loaded };
    } catch (e) {
      throw new Error(`${e.message}\n${logs.join('\n')}`);
    } finally {
      await page.close();
    }
  }

  test('bundled with esbuild: install({force: true}) plays dash-clearkey through the polyfill', async () => {
    writeFileSync(path.join(pkg.app, 'bundle-entry.js'), `
      import * as wee from 'wasm-eme';
      import wasmFile from 'wasm-eme/wasm';
      import wasmSimdFile from 'wasm-eme/wasm-simd';
      import { play, VECTOR } from './play.js';
      // esbuild's file loader gives the .wasm's path relative to the bundle.
      window.result = play(wee, { force: true, wasmUrl: new URL(wasmFile, import.meta.url),
        wasmSimdUrl: new URL(wasmSimdFile, import.meta.url), worker: new URL('./worker.js', import.meta.url) }, VECTOR);
    `);
    writeFileSync(path.join(pkg.app, 'worker-entry.js'), "import 'wasm-eme/worker';\n");
    try {
      execFileSync(esbuild, ['bundle-entry.js', 'worker-entry.js', '--bundle', '--format=esm', '--platform=browser',
        '--outdir=out', '--entry-names=[name]', '--loader:.wasm=file', '--log-level=warning'], { cwd: pkg.app, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      assert.fail(`esbuild failed:\n${e.stderr}`);
    }
    execFileSync('mv', [path.join(pkg.app, 'out/worker-entry.js'), path.join(pkg.app, 'out/worker.js')]);
    writeFileSync(path.join(pkg.app, 'bundled.html'),
      '<!doctype html><meta charset="utf-8"><video></video><script type="module" src="/out/bundle-entry.js"></script>');
    const result = await run('/bundled.html');
    assert.deepEqual({ installed: result.installed, polyfillKeys: result.polyfillKeys }, { installed: true, polyfillKeys: true });
    assert.ok(result.currentTime >= 2);
    assert.ok(result.loaded.includes('/out/worker.js'), `the worker bundle was not loaded: ${result.loaded}`);
    // Chromium has wasm SIMD: the SIMD variant, and nothing else.
    const wasm = result.loaded.filter((p) => p.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one .wasm: ${wasm}`);
    assert.match(wasm[0], /^\/out\/wasm_eme_web_simd-\w+\.wasm$/, `the SIMD .wasm was not loaded from out/: ${result.loaded}`);
  });

  test('plain <script type="module"> from node_modules/wasm-eme: the .wasm and the worker are found next to the sources', async () => {
    writeFileSync(path.join(pkg.app, 'plain.html'), `<!doctype html><meta charset="utf-8">
      <script type="importmap">{"imports": {"wasm-eme": "/node_modules/wasm-eme/js/src/index.js"}}</script>
      <video></video>
      <script type="module">
        import * as wee from 'wasm-eme';
        import { play, VECTOR } from '/play.js';
        window.result = play(wee, { force: true }, VECTOR);
      </script>`);
    const result = await run('/plain.html');
    assert.deepEqual({ installed: result.installed, polyfillKeys: result.polyfillKeys }, { installed: true, polyfillKeys: true });
    assert.ok(result.currentTime >= 2);
    for (const file of ['/node_modules/wasm-eme/js/src/worker/decrypt_worker.js', '/node_modules/wasm-eme/dist/wasm_eme_web_simd.wasm']) {
      assert.ok(result.loaded.includes(file), `${file} was not loaded: ${result.loaded}`);
    }
  });
});
