// The player adapters (js/src/players/*) with stand-ins for the players' filter APIs, on the
// native-DRM path the browser test cannot take (no Widevine/PlayReady CDM in headless
// Chromium): binary challenges in, license bytes out. Expected requests are built with Node's
// own Buffer base64, crypto MD5 and encodeURIComponent, not with the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadCore } from '../../js/src/core/module.js';
import { attachShaka } from '../../js/src/players/shaka.js';
import { attachDashjs } from '../../js/src/players/dashjs.js';
import { attachHlsjs, hlsjsConfig } from '../../js/src/players/hlsjs.js';
import { LicenseExchangeError, TEMPLATE_URL, licenseErrorOf } from '../../js/src/players/license_router.js';

const core = await loadCore();
const WV = 'com.widevine.alpha';
const PR = 'com.microsoft.playready';
const CK = 'org.w3.clearkey';
// A Widevine-like binary challenge (protobuf bytes, not text) and a license.
const CHALLENGE = Uint8Array.from([0x08, 0x01, 0x12, 0xfb, 0xff, 0x00, 0x41, 0x3e, 0x3f]);
const LICENSE = Uint8Array.from([0x08, 0x02, 0x12, 0x80, 0x00, 0xff]);
const KID_HEX = '00112233445566778899aabbccddeeff';
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');
const text = (bytes) => Buffer.from(bytes).toString('utf8');
const json = (value) => new Uint8Array(Buffer.from(JSON.stringify(value)));
const pending = async (promise) => Promise.race([promise.then(() => 'settled', () => 'settled'),
  new Promise((r) => setTimeout(() => r('pending'), 50))]);

function fakeShaka() {
  const requestFilters = [];
  const responseFilters = [];
  const engine = {
    registerRequestFilter: (f) => requestFilters.push(f),
    registerResponseFilter: (f) => responseFilters.push(f),
    unregisterRequestFilter: (f) => requestFilters.splice(requestFilters.indexOf(f), 1),
    unregisterResponseFilter: (f) => responseFilters.splice(responseFilters.indexOf(f), 1),
  };
  return { player: { getNetworkingEngine: () => engine }, requestFilters, responseFilters };
}

function shakaRequest(keySystem, body, extra = {}) {
  return {
    uris: ['https://player.test/license'], method: 'POST', body: body.slice().buffer,
    headers: { 'Content-Type': 'application/octet-stream' }, sessionId: 'session-1',
    drmInfo: { keySystem, keyIds: new Set([KID_HEX]) }, ...extra,
  };
}

test('Shaka: a Widevine challenge wrapped into JSON, the license unwrapped with its HDCP value', async () => {
  const shaka = fakeShaka();
  const seen = [];
  const handle = attachShaka(shaka.player, {
    [WV]: 'https://wv.test/lic?h={HASH}|X-Token=a%2Bb|{"payload":"b{SSM}","kid":"{KID}","sid":"R{SID}"}|JB[license;hdcp]',
  }, { core, onLicense: (info) => seen.push(info) });
  await handle.ready;
  const [requestFilter] = shaka.requestFilters;
  const [responseFilter] = shaka.responseFilters;

  const request = shakaRequest(WV, CHALLENGE);
  await requestFilter(2, request);
  assert.deepEqual(request.uris, [`https://wv.test/lic?h=${md5(CHALLENGE)}`]);
  assert.equal(request.method, 'POST');
  assert.deepEqual(request.headers, { 'Content-Type': 'application/octet-stream', 'X-Token': 'a+b' });
  assert.equal(text(request.body), JSON.stringify({
    payload: b64(CHALLENGE), kid: '00112233-4455-6677-8899-aabbccddeeff', sid: 'session-1',
  }));

  const response = {
    uri: request.uris[0], originalRequest: request, headers: { 'content-type': 'application/json' },
    data: json({ status: 'ok', data: [{ license: b64(LICENSE), hdcp: '2.2' }] }).buffer,
  };
  responseFilter(2, response);
  assert.deepEqual(new Uint8Array(response.data), LICENSE);

  // Shaka filters the same request again for a retry: the original challenge is wrapped again.
  const firstBody = text(request.body);
  request.headers = { 'Content-Type': 'application/octet-stream' };
  await requestFilter(2, request);
  assert.equal(text(request.body), firstBody);
  assert.deepEqual(request.uris, [`https://wv.test/lic?h=${md5(CHALLENGE)}`]);
  assert.deepEqual(seen, [{ keySystem: WV, hdcp: '2.2', url: request.uris[0] }]);

  // Segments, and key systems without a configuration, are not touched.
  const segment = shakaRequest(WV, CHALLENGE);
  await requestFilter(1, segment);
  assert.deepEqual(segment.uris, ['https://player.test/license']);
  const playready = shakaRequest(PR, CHALLENGE);
  await requestFilter(2, playready);
  assert.deepEqual(playready.uris, ['https://player.test/license']);

  // An answer that does not unwrap throws what Shaka turns into error 1007 (inside 6007).
  const bad = { uri: 'x', originalRequest: request, headers: {}, data: json({ error: 'denied' }).buffer };
  assert.throws(() => responseFilter(2, bad), (e) => e instanceof LicenseExchangeError &&
    e.message === `wasm-eme license (${WV}): response: JSON path 'license' found nothing: looked in key error` &&
    e.code === 'not-found');
  const shakaError = { code: 6007, data: [{ code: 1007, data: [(() => { try { responseFilter(2, bad); } catch (e) { return e; } })()] }] };
  assert.equal(licenseErrorOf(shakaError).code, 'not-found');

  handle.detach();
  assert.equal(shaka.requestFilters.length + shaka.responseFilters.length, 0);
});

test('Shaka: the player URL when the template has none; inputstream.adaptive.drm entries; static keys', async () => {
  const shaka = fakeShaka();
  attachShaka(shaka.player, {
    [WV]: '||B{SSM}|B',
    [PR]: { license: { server_url: 'https://pr.test/rightsmanager.asmx', req_headers: 'SOAPAction=x', unwrapper: 'none' } },
    [CK]: { [KID_HEX]: b64(Buffer.from('ffeeddccbbaa99887766554433221100', 'hex')) },
  }, { core });
  const [requestFilter] = shaka.requestFilters;

  const wv = shakaRequest(WV, CHALLENGE);
  await requestFilter(2, wv);
  assert.deepEqual(wv.uris, ['https://player.test/license']);
  assert.equal(text(wv.body), encodeURIComponent(b64(CHALLENGE)));

  const pr = shakaRequest(PR, CHALLENGE);
  await requestFilter(2, pr);
  assert.deepEqual(pr.uris, ['https://pr.test/rightsmanager.asmx']);
  assert.equal(pr.headers.SOAPAction, 'x');
  assert.deepEqual(new Uint8Array(pr.body), CHALLENGE);

  // Clear Key with static keys: the license comes from a data: URL, no server.
  const kid = Buffer.from(KID_HEX, 'hex').toString('base64url');
  const ck = shakaRequest(CK, json({ kids: [kid], type: 'temporary' }));
  await requestFilter(2, ck);
  assert.equal(ck.method, 'GET');
  const [, payload] = ck.uris[0].split(';base64,');
  assert.deepEqual(JSON.parse(Buffer.from(payload, 'base64')), {
    keys: [{ kty: 'oct', kid, k: Buffer.from('ffeeddccbbaa99887766554433221100', 'hex').toString('base64url') }],
    type: 'temporary',
  });
  // A KID the map does not have is an error, not an empty license.
  const other = shakaRequest(CK, json({ kids: ['AAAAAAAAAAAAAAAAAAAAAA'] }));
  await assert.rejects(requestFilter(2, other),
    { message: `wasm-eme license (${CK}): static keys: no key for KID 00000000000000000000000000000000` });
});

test('an inputstream.adaptive.drm JSON text configures each of its key systems', async () => {
  const shaka = fakeShaka();
  const handle = attachShaka(shaka.player, JSON.stringify({
    // req_data is the body template in base64: '{CHA-B64}'.
    [WV]: { license: { server_url: 'https://wv.test/', req_data: 'e0NIQS1CNjR9' } },
    [PR]: { license: { server_url: 'https://pr.test/' } },
  }), { core });
  await handle.ready;
  const wv = shakaRequest(WV, CHALLENGE);
  await shaka.requestFilters[0](2, wv);
  assert.deepEqual([wv.uris, text(wv.body)], [['https://wv.test/'], b64(CHALLENGE)]);
  const pr = shakaRequest(PR, CHALLENGE);
  await shaka.requestFilters[0](2, pr);
  assert.deepEqual([pr.uris, new Uint8Array(pr.body)], [['https://pr.test/'], CHALLENGE]);
  // An entry without its key system name is ambiguous.
  const bare = attachShaka(fakeShaka().player, { license: { server_url: 'https://x.test/' } }, { core });
  await assert.rejects(bare.ready, { message: 'wasm-eme license (any key system): an inputstream.adaptive.drm entry ({license: ...}) must be keyed by its key system' });
});

test('Shaka: a template that does not parse rejects the filter (Shaka error 1006) and ready', async () => {
  const shaka = fakeShaka();
  const handle = attachShaka(shaka.player, { [WV]: 'https://wv.test/||a={FOO}|R' }, { core });
  const expected = { name: 'LicenseExchangeError', message: `wasm-eme license (${WV}): license_key: unknown placeholder {FOO} at column 21`, column: 21 };
  await assert.rejects(handle.ready, expected);
  await assert.rejects(shaka.requestFilters[0](2, shakaRequest(WV, CHALLENGE)), expected);
});

function fakeDashjs() {
  const listeners = {};
  const triggered = [];
  const filters = { request: [], response: [] };
  const player = {
    on: (type, f) => { (listeners[type] ||= []).push(f); },
    off: (type, f) => { listeners[type] = (listeners[type] || []).filter((g) => g !== f); },
    trigger: (type, payload) => triggered.push({ type, payload }),
    registerLicenseRequestFilter: (f) => filters.request.push(f),
    registerLicenseResponseFilter: (f) => filters.response.push(f),
    unregisterLicenseRequestFilter: (f) => { filters.request = filters.request.filter((g) => g !== f); },
    unregisterLicenseResponseFilter: (f) => { filters.response = filters.response.filter((g) => g !== f); },
  };
  const emit = (type, payload) => (listeners[type] || []).forEach((f) => f(payload));
  return { player, emit, triggered, filters };
}

test('dash.js: a PlayReady challenge wrapped by a JSON configuration; failures become protection errors', async () => {
  const dash = fakeDashjs();
  attachDashjs(dash.player, {
    [PR]: { url: 'https://pr.test/{CHA-MD5}', headers: { 'X-Key': 'v' }, body: '{CHA-B64}', response: { unwrap: ['base64'] } },
  }, { core });
  dash.emit('public_keySystemSelected', { data: { keySystem: { systemString: PR } } });
  const pssh = Uint8Array.from([0, 0, 0, 8, 0x70, 0x73, 0x73, 0x68]);
  dash.emit('public_keyMessage', { data: { sessionToken: { getSessionId: () => 'sid', normalizedKeyId: KID_HEX, initData: pssh.buffer } } });

  const request = {
    url: 'https://player.test/pr', method: 'POST', responseType: 'arraybuffer', sessionId: 'sid',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: 'http://schemas.microsoft.com/DRM/2007/03/protocols/AcquireLicense' },
    data: CHALLENGE.slice().buffer,
  };
  await dash.filters.request[0](request);
  assert.equal(request.url, `https://pr.test/${md5(CHALLENGE)}`);
  assert.equal(text(request.data), b64(CHALLENGE));
  assert.equal(request.headers['X-Key'], 'v');
  assert.equal(request.headers.SOAPAction, 'http://schemas.microsoft.com/DRM/2007/03/protocols/AcquireLicense');
  assert.equal(request.responseType, 'arraybuffer');

  const response = { url: request.url, headers: { 'content-type': 'text/plain' }, data: new Uint8Array(Buffer.from(b64(LICENSE))).buffer };
  await dash.filters.response[0](response);
  assert.deepEqual(new Uint8Array(response.data), LICENSE);
  assert.equal(dash.triggered.length, 0);

  // Not base64: reported through dash.js's protection error, the request left pending.
  const bad = { url: request.url, headers: {}, data: new Uint8Array(Buffer.from('AAAA!')).buffer };
  assert.equal(await pending(dash.filters.response[0](bad)), 'pending');
  assert.equal(dash.triggered.length, 1);
  const { type, payload } = dash.triggered[0];
  assert.equal(type, 'public_licenseRequestComplete');
  assert.equal(payload.error.code, 114);
  assert.equal(payload.error.message,
    `wasm-eme license (${PR}): response: not valid base64 at byte 4 ('!' is not in the base64 alphabet)`);
  assert.equal(licenseErrorOf(payload).byte, 4);
});

test('dash.js: Clear Key answers are handed on as the parsed JWK Set its server model reads', async () => {
  const dash = fakeDashjs();
  attachDashjs(dash.player, { [CK]: 'https://ck.test/||b{SSM}|JBlicense' }, { core });
  dash.emit('public_keySystemSelected', { data: { selectedSystemString: CK } });
  const challenge = json({ kids: ['ABEiM0RVZneImaq7zN3u_w'], type: 'temporary' });
  const request = { url: 'https://player.test/ck', method: 'POST', responseType: 'json', headers: {}, sessionId: 's', data: challenge.buffer };
  await dash.filters.request[0](request);
  assert.equal(request.responseType, 'arraybuffer', 'the wrapped answer is not the JWK Set JSON');
  const jwk = { keys: [{ kty: 'oct', kid: 'ABEiM0RVZneImaq7zN3u_w', k: 'AAECAwQFBgcICQoLDA0ODw' }] };
  const response = { url: request.url, headers: {}, data: json({ license: b64(json(jwk)) }).buffer };
  await dash.filters.response[0](response);
  assert.deepEqual(response.data, jwk);
});

function fakeXhr(response = null, contentType = '') {
  return {
    opened: null, headers: {}, response, responseURL: '',
    open(method, url) { this.opened = [method, url]; this.readyState = 1; },
    setRequestHeader(name, value) { this.headers[name] = value; },
    getResponseHeader(name) { return name.toLowerCase() === 'content-type' ? contentType : null; },
  };
}

test('hls.js: licenseXhrSetup wraps a Widevine challenge, licenseResponseCallback unwraps', async () => {
  const config = hlsjsConfig({ [WV]: 'https://wv.test/get?c=B{SSM}&k={KID}|||JBlicense' },
    { core, drmSystems: { [WV]: {}, [PR]: { licenseUrl: 'https://pr.test/' } } });
  assert.deepEqual(config.drmSystems, { [WV]: { licenseUrl: TEMPLATE_URL }, [PR]: { licenseUrl: 'https://pr.test/' } });
  const context = {
    keySystem: WV, mediaKeysSession: { sessionId: 's' },
    decryptdata: { keyId: Uint8Array.from(Buffer.from(KID_HEX, 'hex')), pssh: null },
  };
  const xhr = fakeXhr();
  const body = await config.licenseXhrSetup(xhr, TEMPLATE_URL, context, CHALLENGE);
  assert.equal(body, undefined, 'a GET has no body');
  assert.deepEqual(xhr.opened, ['GET',
    `https://wv.test/get?c=${encodeURIComponent(b64(CHALLENGE))}&k=00112233-4455-6677-8899-aabbccddeeff`]);
  xhr.response = json({ license: b64(LICENSE) }).buffer;
  assert.deepEqual(new Uint8Array(config.licenseResponseCallback.call({}, xhr, TEMPLATE_URL, context)), LICENSE);

  // An answer that does not unwrap: a fatal hls.js ERROR with the LicenseExchangeError.
  const events = [];
  const hls = { trigger: (type, data) => events.push({ type, data }) };
  const bad = fakeXhr();
  await config.licenseXhrSetup(bad, TEMPLATE_URL, context, CHALLENGE);
  bad.response = json({ nope: 1 }).buffer;
  assert.throws(() => config.licenseResponseCallback.call(hls, bad, TEMPLATE_URL, context), LicenseExchangeError);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'hlsError');
  assert.equal(events[0].data.fatal, true);
  assert.equal(events[0].data.details, 'keySystemLicenseRequestFailed');
  assert.equal(events[0].data.error.message, `wasm-eme license (${WV}): response: JSON path 'license' found nothing: looked in key nope`);
});

test('hls.js: a wrap failure rejects licenseXhrSetup, again on hls.js second call; attachHlsjs patches and restores', async () => {
  const hls = { config: { drmSystems: { [CK]: {} }, licenseXhrSetup: undefined, licenseResponseCallback: undefined } };
  const handle = attachHlsjs(hls, { [CK]: '||R{SSM}|R' }, { core });
  assert.equal(hls.config.drmSystems[CK].licenseUrl, TEMPLATE_URL);
  const context = { keySystem: CK, decryptdata: {} };
  const xhr = fakeXhr();
  const expected = { message: `wasm-eme license (${CK}): request: no license URL (the configuration has none and none was passed)` };
  await assert.rejects(hls.config.licenseXhrSetup(xhr, TEMPLATE_URL, context, json({ kids: [] })), expected);
  await assert.rejects(hls.config.licenseXhrSetup(xhr, TEMPLATE_URL, context, json({ kids: [] })), expected);
  assert.equal(xhr.opened, null);
  handle.detach();
  assert.equal(hls.config.licenseXhrSetup, undefined);
  assert.deepEqual(hls.config.drmSystems, { [CK]: {} });
});
