// End to end through `wasm-eme serve` (js/src/node/server): Shaka Player with the polyfill
// (native EME removed) gets its Clear Key licenses from the wasm-eme proxy, which checks an
// Axinom-style entitlement token (X-AxDRM-Message, attached by a Shaka request filter) and
// forwards to the wasm-eme Clear Key license server. A good token plays dash-clearkey; a token
// signed with another key (401 signature) and one for another KID (403 kid-not-entitled) end
// in a Shaka error whose message carries the status and the reason.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCore } from '../../js/src/core/module.js';
import { makeEntitlement } from '../../js/src/core/auth.js';
import { createServer } from '../../js/src/node/server/index.js';
import { missingPrerequisite, setUp } from './harness.js';
import { testdataRoot } from './server.js';
import { VECTORS } from './vectors.js';

const DASH = VECTORS[0];
const KID = Object.keys(DASH.keys)[0];
const BASE = '/testdata/shaka-player/dash-clearkey/';
const COM_KEY = randomBytes(32);
const COM_KEY_ID = '8f6f6d1e-2f4c-4f5a-9a1e-0c6f1f1d2e3b';
const OTHER_KID = '00000000000000000000000000000001';

function skipReason() {
  const missing = missingPrerequisite();
  if (missing) return missing;
  const loader = readFileSync(path.join(process.env.WEE_DIST_DIR || 'dist', 'wasm_eme.mjs'), 'utf8');
  return loader.includes('_wee_entitlement_make') ? false : 'the wasm module has no auth exports yet';
}
const skip = skipReason();

// The MPD with a Clear Key ContentProtection (the original lists PlayReady and Widevine only).
function clearKeyMpd() {
  const mpd = readFileSync(path.join(testdataRoot, 'shaka-player/dash-clearkey/dash.mpd'), 'utf8');
  const marker = '<ContentProtection schemeIdUri="urn:uuid:9a04f079';
  assert.ok(mpd.includes(marker));
  return mpd.replace(marker, '<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/>\n      ' + marker);
}

function recordingLogger() {
  const lines = [];
  const make = (level) => (msg, fields = {}) => lines.push({ level, msg, ...fields });
  return { lines, debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

describe('Shaka Player through the wasm-eme proxy with entitlement tokens', { skip }, () => {
  let env;
  let core;
  let upstream;
  let proxy;
  let proxyUrl;
  const proxyLog = recordingLogger();
  const upstreamLog = recordingLogger();

  before(async () => {
    core = await loadCore();
    upstream = createServer({ auth: { type: 'none' }, license: { keys: { ...DASH.keys } } },
      { core, logger: upstreamLog });
    const upstreamUrl = (await upstream.listen(0, '127.0.0.1')).url;
    proxy = createServer({
      auth: { type: 'entitlement', header: 'X-AxDRM-Message', communicationKey: COM_KEY.toString('hex'), comKeyId: COM_KEY_ID },
      proxy: { path: '/license', upstream: `${upstreamUrl}/license`, keySystem: 'clearkey' },
      cors: { origins: '*' },
    }, { core, logger: proxyLog });
    proxyUrl = (await proxy.listen(0, '127.0.0.1')).url;
    env = await setUp({
      routes: {
        [`${BASE}clearkey.mpd`]: (req, res) => {
          res.setHeader('Content-Type', 'application/dash+xml');
          res.end(clearKeyMpd());
        },
      },
    });
  });
  after(async () => {
    if (env) await env.close();
    await proxy?.close();
    await upstream?.close();
  });

  const token = (communicationKey, kid) => makeEntitlement(core, {
    communicationKey, comKeyId: COM_KEY_ID, keys: [{ kid }],
    expirationDate: Math.floor(Date.now() / 1000) + 600,
  });
  // POSTs only: Shaka's cross-origin request with a custom header is preflighted (OPTIONS).
  const proxied = () => proxyLog.lines.filter((l) => l.msg === 'request' && l.path === '/license' && l.method === 'POST');

  async function play(tokenText) {
    const page = await env.page('/tests/browser/pages/license.html');
    await page.waitForFunction(() => window.pageReady);
    await page.evaluate(() => window.removeNativeEme());
    assert.equal(await page.evaluate(() => window.wee.install({ worker: false })), true);
    const result = await page.evaluate((o) => window.runShakaToken(o), {
      manifest: `${BASE}clearkey.mpd`, licenseUrl: `${proxyUrl}/license`, token: tokenText,
    });
    result.log = () => `${JSON.stringify(result)}\nlog: ${page.logs.slice(-10).join(' | ')}`;
    await page.context().close();
    return result;
  }

  test('a token entitling the KID plays; the proxy forwarded to the license server', async () => {
    const before = proxied().length;
    const r = await play(token(COM_KEY, KID));
    assert.equal(r.error, null, r.log());
    assert.ok(r.time >= 3 && r.frames > 0, `played to ${r.time}s`);
    assert.equal(r.polyfilled, true);
    const lines = proxied().slice(before);
    assert.ok(lines.length >= 1 && lines.every((l) => l.status === 200), JSON.stringify(lines));
    assert.ok(upstreamLog.lines.some((l) => l.msg === 'request' && l.status === 200), 'the license server issued no license');
  });

  for (const [what, make, status, reason] of [
    ['signed with another communication key', () => token(randomBytes(32), KID), 401, 'signature'],
    ['entitling another KID', () => token(COM_KEY, OTHER_KID), 403, 'kid-not-entitled'],
  ]) {
    test(`a token ${what}: Shaka error 6007 carrying ${status} ${reason}`, async () => {
      const before = proxied().length;
      const r = await play(make());
      assert.ok(r.error, r.log());
      assert.equal(r.error.code, 6007, r.log());  // DRM.LICENSE_REQUEST_FAILED
      // The debug build's message nests the 1001 error: URL, status, then the JSON body.
      assert.match(r.error.message, new RegExp(`NETWORK\\.BAD_HTTP_STATUS \\(${proxyUrl}/license,${status},`), r.log());
      assert.match(r.error.message, new RegExp(`reason\\W+${reason}\\W`), r.log());
      assert.ok(proxied().slice(before).some((l) => l.status === status && l.reason === reason));
    });
  }
});
