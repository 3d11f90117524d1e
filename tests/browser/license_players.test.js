// License templates wired into players (js/src/players/*) and into the polyfill itself
// (js/src/eme/license_acquisition.js): Shaka Player, dash.js and hls.js play
// ../shared/testdata/shaka-player/dash-clearkey through the polyfill (native EME removed)
// against ./license_server.js, whose wrapped protocols are chosen by URL path and configured
// only through template strings; wrong templates and wrong answers must reach each player's
// error path with the engine's message.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { missingPrerequisite, setUp } from './harness.js';
import { API_KEY, HDCP_LEVEL, wrappedLicenseRoutes } from './license_server.js';
import { testdataRoot } from './server.js';
import { VECTORS, dashClearKeyHlsPlaylist } from './vectors.js';

const DASH = VECTORS[0];
const KID = Object.keys(DASH.keys)[0];
const KEY = DASH.keys[KID];
const BASE = '/testdata/shaka-player/dash-clearkey/';
const PAGE = '/tests/browser/pages/license.html';

function skipReason() {
  const missing = missingPrerequisite();
  if (missing) return missing;
  const loader = readFileSync(path.join(process.env.WEE_DIST_DIR || 'dist', 'wasm_eme.mjs'), 'utf8');
  return loader.includes('_wee_license_wrap') ? false : 'the wasm module has no license exports yet';
}
const skip = skipReason();

// The MPD with a Clear Key ContentProtection (the original lists PlayReady and Widevine only),
// optionally carrying the license URL as players read it from manifests.
function clearKeyMpd(laurl = '') {
  const mpd = readFileSync(path.join(testdataRoot, 'shaka-player/dash-clearkey/dash.mpd'), 'utf8');
  const marker = '<ContentProtection schemeIdUri="urn:uuid:9a04f079';
  assert.ok(mpd.includes(marker));
  const inner = laurl.startsWith('dashif:')
    ? `<dashif:Laurl xmlns:dashif="https://dashif.org/CPS">${laurl.slice(7)}</dashif:Laurl>`
    : laurl.startsWith('clearkey:')
      ? `<clearkey:Laurl xmlns:clearkey="http://dashif.org/guidelines/clearKey" Lic_type="EME-1.0">${laurl.slice(9)}</clearkey:Laurl>`
      : '';
  const cp = `<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">${inner}</ContentProtection>`;
  return mpd.replace(marker, `${cp}\n      ${marker}`);
}

// The protocols, each configured only by an inputstream.adaptive license_key string.
function templates(origin) {
  const w = `${origin}/wrapped`;
  return {
    raw: `${w}/raw|Content-Type=application%2Foctet-stream|R{SSM}|R`,
    base64: `${w}/base64|Content-Type=text%2Fplain|b{SSM}|B`,
    json: `${w}/json|Content-Type=application%2Fjson|{"challenge":"b{SSM}"}|JBlicense`,
    nested: `${w}/nested|X-Api-Key=${API_KEY}&Content-Type=application%2Fjson|{"drm":{"kid":"{KID}","payload":"b{SSM}"}}|JB[license;hdcp_level]`,
    get: `${w}/get?challenge=B{SSM}&md5={HASH}|||R`,
    hb: `${w}/hb||R{SSM}|HB`,
  };
}

// The code each player's error path gives a failed wrap (bad template) and a failed unwrap.
const ERROR_CODES = {
  shaka: [6007, 6007],  // LICENSE_REQUEST_FAILED, wrapping 1006 / 1007 (request / response filter)
  dashjs: [114, 114],  // MEDIA_KEY_MESSAGE_LICENSER_ERROR_CODE
  hlsjs: ['keySystemNoKeys', 'keySystemLicenseRequestFailed'],
};

const MANIFESTS = {
  shaka: `${BASE}clearkey.mpd`,
  dashjs: `${BASE}clearkey.mpd`,
  hlsjs: '/hls/media.m3u8',
};

describe('license templates attached to players, through the polyfill', { skip }, () => {
  let env;
  let wrapped;
  before(async () => {
    wrapped = wrappedLicenseRoutes(DASH.keys);
    const mpdRoute = (laurl) => (req, res) => {
      res.setHeader('Content-Type', 'application/dash+xml');
      res.end(clearKeyMpd(laurl));
    };
    env = await setUp({
      keys: DASH.keys,
      routes: {
        ...wrapped.routes,
        [`${BASE}clearkey.mpd`]: mpdRoute(''),
        // Filled in once the origin is known (the Laurl must be absolute).
        [`${BASE}laurl-dashif.mpd`]: (req, res) => mpdRoute(`dashif:${env.server.url}/wrapped/json`)(req, res),
        [`${BASE}laurl-clearkey.mpd`]: (req, res) => mpdRoute(`clearkey:${env.server.url}/wrapped/json`)(req, res),
        '/hls/media.m3u8': (req, res) => {
          res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
          res.end(dashClearKeyHlsPlaylist());
        },
      },
    });
  });
  after(async () => { if (env) await env.close(); });

  async function playerPage() {
    const page = await env.page(PAGE);
    await page.waitForFunction(() => window.pageReady);
    await page.evaluate(() => window.removeNativeEme());
    assert.equal(await page.evaluate(() => window.wee.install({ worker: false })), true);
    return page;
  }

  async function run(page, name, options) {
    const result = await page.evaluate(({ name, options }) => window.runLicensed(name, options), { name, options });
    result.log = () => `events: ${JSON.stringify(result)}\nlog: ${page.logs.slice(-12).join(' | ')}`;
    return result;
  }

  const requestsTo = (protocol) => (wrapped.state.requests[protocol] || []).length;

  for (const name of ['shaka', 'dashjs', 'hlsjs']) {
    test(`${name}: six wrapped protocols by template, static keys, errors through the player`, async () => {
      const page = await playerPage();
      const manifest = MANIFESTS[name];
      for (const [protocol, template] of Object.entries(templates(env.server.url))) {
        const before = requestsTo(protocol);
        const r = await run(page, name, { manifest, configs: { 'org.w3.clearkey': template } });
        assert.equal(r.error, null, `${protocol}: ${r.log()}`);
        assert.ok(r.time >= 3 && r.frames > 0, `${protocol}: played to ${r.time}s, ${r.frames} frames`);
        assert.equal(r.polyfilled, true);
        assert.ok(requestsTo(protocol) > before, `${protocol}: the server got no request`);
        const last = wrapped.state.requests[protocol].at(-1);
        assert.equal(last.method, protocol === 'get' ? 'GET' : 'POST', protocol);
        if (protocol === 'nested') assert.deepEqual(r.hdcp, [String(HDCP_LEVEL)], 'the HDCP value reached onLicense');
      }

      // Static keys: no server at all (KID hex, key base64url).
      const keyB64url = Buffer.from(KEY, 'hex').toString('base64url');
      const staticRun = await run(page, name, { manifest, configs: { 'org.w3.clearkey': { [KID]: keyB64url } } });
      assert.equal(staticRun.error, null, `static keys: ${staticRun.log()}`);
      assert.ok(staticRun.time >= 3);

      // A template that does not parse: the player reports the engine's message and position.
      const bad = await run(page, name, { manifest, configs: { 'org.w3.clearkey': `${env.server.url}/wrapped/raw||{"c":"b{SSM}"|R` } });
      assert.equal(bad.error && bad.error.license,
        'wasm-eme license (org.w3.clearkey): license_key: unbalanced brace at column '
        + `${`${env.server.url}/wrapped/raw||`.length + 1}`, bad.log());
      assert.equal(bad.error.code, ERROR_CODES[name][0]);
      assert.equal(bad.error.licenseCode, 'malformed');

      // A server answer that does not unwrap: the JSON path names where it looked.
      const denied = await run(page, name, { manifest, configs: { 'org.w3.clearkey': `${env.server.url}/wrapped/denied||R{SSM}|JBlicense` } });
      assert.equal(denied.error && denied.error.license,
        "wasm-eme license (org.w3.clearkey): response: JSON path 'license' found nothing: looked in keys status, reason",
        denied.log());
      assert.equal(denied.error.code, ERROR_CODES[name][1]);
      assert.equal(denied.error.licenseCode, 'not-found');
      await page.context().close();
    });
  }

  for (const [name, laurl] of [['shaka', 'laurl-clearkey'], ['dashjs', 'laurl-dashif']]) {
    test(`${name}: a template without URL goes to the MPD's ${laurl.slice(6)}:Laurl`, async () => {
      const page = await playerPage();
      const before = requestsTo('json');
      const r = await run(page, name, {
        manifest: `${BASE}${laurl}.mpd`,
        laurl: true,
        configs: { 'org.w3.clearkey': '|Content-Type=application%2Fjson|{"challenge":"b{SSM}"}|JBlicense' },
      });
      assert.equal(r.error, null, r.log());
      assert.ok(r.time >= 3);
      assert.ok(requestsTo('json') > before, 'the Laurl got no request');
      await page.context().close();
    });
  }
});

describe('the polyfill acquires licenses itself for pages that only listen for encrypted', { skip }, () => {
  let env;
  let wrapped;
  before(async () => {
    wrapped = wrappedLicenseRoutes(DASH.keys);
    env = await setUp({ keys: DASH.keys, routes: wrapped.routes });
  });
  after(async () => { if (env) await env.close(); });

  const media = { segments: DASH.segments, mime: DASH.mime, kid: KID };
  const requestsTo = (protocol) => (wrapped.state.requests[protocol] || []).length;

  // A fresh page with native EME removed and the polyfill installed with `license`.
  async function page(license) {
    const p = await env.page(PAGE);
    await p.waitForFunction(() => window.pageReady);
    await p.evaluate(() => window.removeNativeEme());
    const active = await p.evaluate((license) => window.wee.install({
      worker: false, license: license ?? undefined, onLicenseError: window.licenseFailed,
    }), license);
    assert.equal(active, true);
    return p;
  }

  async function run(p, options) {
    const result = await p.evaluate((o) => window.runPolyfill(o), { ...media, ...options });
    result.log = () => `${JSON.stringify(result)}\nlog: ${p.logs.slice(-12).join(' | ')}`;
    return result;
  }

  test('install({license: template}) and install({license: {kid: key}})', async () => {
    const before = requestsTo('nested');
    const p = await page(templates(env.server.url).nested);
    const r = await run(p, {});
    assert.equal(r.error, null, r.log());
    assert.ok(r.time >= 3);
    assert.deepEqual(r.statuses, ['usable']);
    assert.equal(requestsTo('nested'), before + 1);
    await p.context().close();

    const requests = JSON.stringify(wrapped.state.requests);
    const q = await page({ [KID]: Buffer.from(KEY, 'hex').toString('base64') });
    const s = await run(q, {});
    assert.equal(s.error, null, s.log());
    assert.ok(s.time >= 3);
    assert.equal(JSON.stringify(wrapped.state.requests), requests, 'static keys need no server');
    await q.context().close();
  });

  test('setLicense(mediaKeys, template, {url}) uses the manifest URL; a page that listens is left alone', async () => {
    const p = await page(null);
    const before = requestsTo('json');
    const r = await run(p, {
      setLicense: ['|Content-Type=application%2Fjson|{"challenge":"b{SSM}"}|JBlicense', { url: `${env.server.url}/wrapped/json` }],
    });
    assert.equal(r.error, null, r.log());
    assert.ok(r.time >= 3);
    assert.equal(requestsTo('json'), before + 1);

    const listened = await run(p, {
      listen: true, timeoutMs: 2500,
      setLicense: [`${env.server.url}/wrapped/json|Content-Type=application%2Fjson|{"challenge":"b{SSM}"}|JBlicense`],
    });
    assert.equal(listened.error && listened.error.code, 'timeout', listened.log());
    assert.equal(requestsTo('json'), before + 1, 'the polyfill answered a message the page listens for');
    assert.deepEqual(listened.statuses, []);
    await p.context().close();
  });

  test('failures reach onLicenseError / onError with the message', async () => {
    const p = await page(`${env.server.url}/wrapped/base64||b{SSM}|JBlicense`);
    const r = await run(p, {});
    assert.equal(r.error && r.error.license,
      "wasm-eme license (org.w3.clearkey): response: not valid JSON at byte 0 (unexpected 'e')", r.log());
    // The server's refusal, with its reason (no Content-Type: application/json was sent).
    const refused = await run(p, { setLicense: [`${env.server.url}/wrapped/json||{"challenge":"b{SSM}"}|JBlicense`] });
    assert.equal(refused.error && refused.error.license,
      `wasm-eme license (org.w3.clearkey): HTTP 400 Bad Request from ${env.server.url}/wrapped/json: Content-Type is not application/json`,
      refused.log());
    // A bad template is refused by setLicense() itself.
    const bad = await p.evaluate(async (mime) => {
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        initDataTypes: ['keyids'], videoCapabilities: [{ contentType: mime }],
      }]);
      const mediaKeys = await access.createMediaKeys();
      return window.wee.setLicense(mediaKeys, 'https://l.test/||a={FOO}|R').then(() => 'resolved', (e) => `${e.name}: ${e.message} (${e.column})`);
    }, DASH.mime);
    assert.equal(bad, 'LicenseExchangeError: wasm-eme license (org.w3.clearkey): license_key: unknown placeholder {FOO} at column 20 (20)');
    await p.context().close();
  });
});
