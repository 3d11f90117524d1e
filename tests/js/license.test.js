// js/src/core/license.js over the wasm module. Expected values come from Node itself
// (Buffer base64, crypto MD5, encodeURIComponent) and from the inputstream.adaptive wiki.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { loadCore, WasmEmeError } from '../../js/src/core/module.js';
import { LicenseExchange } from '../../js/src/core/license.js';

const core = await loadCore();

const CHALLENGE = new Uint8Array([0xfb, 0xff, 0x00, 0x41]);  // base64 "+/8AQQ=="
const KID = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');

// The wiki's Integration page example: '|'.join([url, urlencode(headers), 'R{SSM}', 'R']).
const WIKI_KEY = 'https://license.server.com/licenserequest|'
  + 'User-Agent=Mozilla%2F5.0+%28Windows+NT+10.0%3B+Win64%3B+x64%3B+rv%3A109.0%29+Gecko%2F'
  + '20100101+Firefox%2F109.0&Content-Type=application%2Foctet-stream&Origin=https%3A%2F%2F'
  + 'www.somesite.com|R{SSM}|R';

const failsWith = (message, extra = {}) => (e) => {
  assert.ok(e instanceof WasmEmeError, String(e));
  assert.equal(e.message, message);
  for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, k);
  return true;
};

test('the wiki license_key becomes the documented request', () => {
  const exchange = LicenseExchange.fromConfig(core, WIKI_KEY);
  const request = exchange.wrapRequest({ challenge: CHALLENGE, sessionId: 's1' });
  assert.deepEqual(request, {
    url: 'https://license.server.com/licenserequest',
    method: 'POST',
    headers: {
      'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/109.0',
      'Content-Type': 'application/octet-stream',
      Origin: 'https://www.somesite.com',
    },
    body: CHALLENGE,
  });
  const license = exchange.unwrapResponse(new Uint8Array([8, 1, 2]));
  assert.deepEqual(license, { license: new Uint8Array([8, 1, 2]), hdcp: null });
  exchange.dispose();
  assert.throws(() => exchange.wrapRequest({ challenge: CHALLENGE }), /after dispose/);
});

test('toJsonConfig shows what a string means', () => {
  assert.deepEqual(LicenseExchange.toJsonConfig(core,
    'https://l.test/{HASH}|X-Token=a%2Bb|{"c":"b{SSM}","k":"{KID}"}|JB[license;hdcp]'), {
    url: 'https://l.test/{CHA-MD5}',
    method: 'POST',
    headers: { 'X-Token': 'a+b' },
    body: '{"c":"{CHA-B64}","k":"{KID-UUID}"}',
    response: { unwrap: ['json', 'base64'], path: 'license', hdcpPath: 'hdcp' },
  });
  assert.deepEqual(LicenseExchange.toJsonConfig(core,
    '{"com.widevine.alpha":{"license":{"server_url":"https://wv.test/","unwrapper":"base64"}}}'), {
    keySystem: 'com.widevine.alpha',
    url: 'https://wv.test/',
    method: 'POST',
    response: { unwrap: ['base64'] },
  });
});

test('placeholders in URL and body match Node encodings', () => {
  const exchange = LicenseExchange.fromConfig(core,
    'https://l.test/get?c=B{SSM}&h={HASH}|||');
  const request = exchange.wrapRequest({ challenge: CHALLENGE });
  assert.equal(request.method, 'GET');
  assert.equal(request.body, null);
  assert.equal(request.url,
    `https://l.test/get?c=${encodeURIComponent(b64(CHALLENGE))}&h=${md5(CHALLENGE)}`);

  const json = LicenseExchange.fromConfig(core, {
    url: 'https://l.test/',
    body: '{"challenge":"{CHA-B64}","kid":"{KID-HEX}","session":"{SID-B64}","pssh":"{PSSH-B64U}"}',
  });
  const pssh = new Uint8Array([0, 1, 0xfe, 0xff]);
  const body = json.wrapRequest({ challenge: CHALLENGE, sessionId: 'sé', kid: KID, pssh }).body;
  assert.equal(Buffer.from(body).toString(), JSON.stringify({
    challenge: b64(CHALLENGE),
    kid: Buffer.from(KID).toString('hex'),
    session: Buffer.from('sé').toString('base64'),
    pssh: encodeURIComponent(b64(pssh)),
  }));

  // No URL in the configuration: the player's URL.
  const bare = LicenseExchange.fromConfig(core, '||b{SSM}|B');
  const fromPlayer = bare.wrapRequest({ challenge: CHALLENGE, url: 'https://manifest.test/lic' });
  assert.equal(fromPlayer.url, 'https://manifest.test/lic');
  assert.equal(Buffer.from(fromPlayer.body).toString(), b64(CHALLENGE));
});

test('responses: JSON with HDCP, auto by Content-Type, certificate pass-through', () => {
  const exchange = LicenseExchange.fromConfig(core, 'https://l.test/||R{SSM}|JBlicense;hdcp');
  const answer = JSON.stringify({ status: 'ok', data: { license: [b64([1, 2, 3])], hdcp: 1080 } });
  assert.deepEqual(exchange.unwrapResponse(new TextEncoder().encode(answer)),
    { license: new Uint8Array([1, 2, 3]), hdcp: '1080' });
  // A Widevine service certificate request (08 04) answered in binary is passed through.
  assert.deepEqual(exchange.unwrapResponse(new Uint8Array([8, 5, 9]),
    { contentType: 'application/octet-stream', challenge: new Uint8Array([8, 4]) }).license,
  new Uint8Array([8, 5, 9]));

  const auto = LicenseExchange.fromConfig(core, { response: { unwrap: ['auto'], path: 'license' } });
  const json = new TextEncoder().encode(JSON.stringify({ license: b64([4, 5]) }));
  assert.deepEqual(auto.unwrapResponse(json, { contentType: 'application/json; charset=utf-8' }).license,
    new Uint8Array([4, 5]));
  assert.deepEqual(auto.unwrapResponse(new Uint8Array([4, 5]), { contentType: 'application/octet-stream' }).license,
    new Uint8Array([4, 5]));
});

test('drm_legacy Clear Key keys need no server', () => {
  const exchange = LicenseExchange.fromConfig(core,
    'org.w3.clearkey|00112233445566778899aabbccddeeff:ABEiM0RVZneImaq7zN3u_w');
  assert.deepEqual(exchange.keys,
    { '00112233445566778899aabbccddeeff': '00112233445566778899aabbccddeeff' });
  assert.equal(LicenseExchange.fromConfig(core, WIKI_KEY).keys, null);
  assert.throws(() => exchange.wrapRequest({ challenge: CHALLENGE }),
    failsWith('request: no license URL (the configuration has none and none was passed)',
      { code: 'invalid-argument' }));
});

test('bad templates fail with the position', () => {
  assert.throws(() => LicenseExchange.fromConfig(core, 'https://lic.example.com/paths||a={FOO}|R'),
    failsWith('license_key: unknown placeholder {FOO} at column 34', { code: 'malformed', column: 34 }));
  assert.throws(() => LicenseExchange.fromConfig(core, 'https://l.test/||{"c":"b{SSM}"|R'),
    failsWith('license_key: unbalanced brace at column 18', { column: 18 }));
  assert.throws(() => LicenseExchange.fromConfig(core, { url: 'https://l.test/', bodi: 'x' }),
    failsWith("config: unknown member 'bodi'", { code: 'invalid-argument' }));
  assert.throws(() => LicenseExchange.fromConfig(core, 42), TypeError);
  assert.throws(() => LicenseExchange.fromConfig(core, WIKI_KEY).wrapRequest({}), TypeError);
});

test('bad responses fail with the position', () => {
  const exchange = LicenseExchange.fromConfig(core, 'https://l.test/||R{SSM}|B');
  assert.throws(() => exchange.unwrapResponse(new TextEncoder().encode('AAAAAAAAAAAAAAAAA!')),
    failsWith("response: not valid base64 at byte 17 ('!' is not in the base64 alphabet)",
      { code: 'malformed', byte: 17 }));
  const json = LicenseExchange.fromConfig(core, 'https://l.test/||R{SSM}|JBlicense');
  assert.throws(() => json.unwrapResponse(new TextEncoder().encode('{"status":"denied"}')),
    failsWith("response: JSON path 'license' found nothing: looked in key status",
      { code: 'not-found' }));
});

test('a full exchange with a JSON-wrapping server over HTTP', async () => {
  // The server wants {"challenge": base64} with a token header and answers {"license": base64}.
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      if (req.headers['x-token'] !== 'secret' || body.challenge !== b64(CHALLENGE)) {
        res.writeHead(403).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ license: b64([0xca, 0xfe]) }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/license`;
    const exchange = LicenseExchange.fromConfig(core,
      `${url}|X-Token=secret&Content-Type=application%2Fjson|{"challenge":"b{SSM}"}|JBlicense`);
    const request = exchange.wrapRequest({ challenge: CHALLENGE });
    const response = await fetch(request.url,
      { method: request.method, headers: request.headers, body: request.body });
    assert.equal(response.status, 200);
    const { license } = exchange.unwrapResponse(new Uint8Array(await response.arrayBuffer()),
      { contentType: response.headers.get('content-type') });
    assert.deepEqual(license, new Uint8Array([0xca, 0xfe]));
  } finally {
    server.close();
  }
});
