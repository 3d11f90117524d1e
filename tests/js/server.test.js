// `wasm-eme serve` as a Clear Key license server: real HTTP requests against a server on a
// free port. Tokens and OAuth signatures are made with node:crypto (server_testlib.js), keys
// are checked against published values, never against the server's own output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCore } from '../../js/src/core/module.js';
import { createServer } from '../../js/src/node/server/index.js';
import { entitlementToken, hs256, memoryLogger, oauthHeader, request, uuidBytes } from './server_testlib.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasm-eme-server-'));
const comKey = Buffer.from('4e5a0f3d8c2b7a6958473625140312f1e0d9c8b7a6958473625140312f1e0d9c', 'hex');
const comKeyId = '6e5a1d26-2757-47d7-8046-eaa5d1d34b5a';
// Key file entries: the shared test vectors' KID/key pairs (../shared/testdata/README.md).
const K1 = { kid: '4060a865-8878-4267-9cbf-91ae5bae1e72', key: 'fc35340837310cc0fb53de97e22a69e0' };
const K2 = { kid: 'cd7eb9ff-88f3-4cae-b061-85b00024e4c2', key: '63cb5f7184dd4b689a5c5ff11ee6a328' };
// Only in a token (encrypted_key), not in the key file.
const K3 = { kid: '21b82dc2-ebb2-4d5a-a9f8-631f04726650', key: '602a9289bfb9b1995b75ac63f123fc86' };
// Microsoft's test key seed and its published example (KID 01020304-0506-0708-090A-AABBCCDDEEFF
// -> content key GUf166PQbx+sgBADjyBMvw==), as quoted in "Generating a PlayReady Content Key
// Using a Key Seed and Key ID" (brokenpipe.wordpress.com, 2016) for learn.microsoft.com's
// PlayReady Key Seed algorithm.
const SEED = 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I';
const SEEDED = { kid: '01020304-0506-0708-090a-aabbccddeeff', key: Buffer.from('GUf166PQbx+sgBADjyBMvw==', 'base64').toString('hex') };
const NOT_ANYWHERE = '00000000-0000-0000-0000-0000000000aa';

const b64u = (uuid) => uuidBytes(uuid).toString('base64url');
const licenseRequest = (kids, type = 'temporary') => JSON.stringify({ kids: kids.map(b64u), type });
const now = () => Math.floor(Date.now() / 1000);
const token = (opts = {}) => entitlementToken({ comKey, comKeyId, exp: now() + 600, ...opts });

let core;
let server;
let base;
const logger = memoryLogger();

async function startServer(config, options = {}) {
  const s = createServer(config, { core, logger: options.logger || memoryLogger(), ...options });
  const { url } = await s.listen(0, '127.0.0.1');
  return { s, url };
}

before(async () => {
  core = await loadCore();
  const keyFile = join(tmp, 'keys.txt');
  writeFileSync(keyFile, `# test keys\n${K1.kid}:${K1.key}\n\n${K2.kid.replace(/-/g, '')}:${K2.key}\n`);
  server = createServer({
    auth: { type: 'entitlement', communicationKey: comKey.toString('base64'), comKeyId, clockSkewSeconds: 5 },
    license: { keyFile, keySeed: SEED },
    limits: { bodyBytes: 4096, headerBytes: 16384, rateLimit: { requests: 1000, windowSeconds: 60 } },
  }, { core, logger });
  base = (await server.listen(0, '127.0.0.1')).url;
});

after(async () => {
  await server?.close();
});

const post = (body, headers = {}, url = `${base}/license`) =>
  request(url, { body, headers: { 'Content-Type': 'application/json', ...headers } });
const withToken = (t) => ({ 'X-AxDRM-Message': t });

function assertLicense(res, keys, type = 'temporary') {
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(res.json, {
    keys: keys.map(({ kid, key }) => ({ kty: 'oct', kid: b64u(kid), k: Buffer.from(key, 'hex').toString('base64url') })),
    type,
  });
}

function assertError(res, status, reason, extra = {}) {
  assert.equal(res.status, status, res.body.toString());
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.json.reason, reason, JSON.stringify(res.json));
  assert.equal(typeof res.json.message, 'string');
  assert.match(res.json.requestId, /^[0-9a-f]{6}-[0-9a-z]+$/);
  for (const [k, v] of Object.entries(extra)) assert.deepEqual(res.json[k], v, k);
}

test('issues a JWK Set for the entitled KIDs from the key file, the token and the key seed', async () => {
  const t = token({ keys: [{ kid: K1.kid }, { kid: K2.kid }, K3, { kid: SEEDED.kid }] });
  assertLicense(await post(licenseRequest([K1.kid]), withToken(t)), [K1]);
  assertLicense(await post(licenseRequest([K2.kid, K1.kid]), withToken(t)), [K2, K1]);
  assertLicense(await post(licenseRequest([K3.kid]), withToken(t)), [K3]);
  assertLicense(await post(licenseRequest([SEEDED.kid]), withToken(t)), [SEEDED]);
  // A request without "type" is a temporary one.
  const res = await post(JSON.stringify({ kids: [b64u(K1.kid)] }), withToken(t));
  assertLicense(res, [K1]);
});

test('a KID the token does not list is refused, naming the KID', async () => {
  const t = token({ keys: [{ kid: K1.kid }] });
  const res = await post(licenseRequest([K1.kid, K2.kid]), withToken(t));
  assertError(res, 403, 'kid-not-entitled', { error: 'forbidden', kid: b64u(K2.kid), kidHex: K2.kid });
  assert.match(res.json.message, new RegExp(K2.kid));
});

test('an entitled KID without a key anywhere is 404 naming it', async () => {
  const t = token({ keys: [{ kid: NOT_ANYWHERE }] });
  // The seed derives a key for any 16-byte KID, so use a server without a seed.
  const { s, url } = await startServer({
    auth: { type: 'entitlement', communicationKey: comKey.toString('hex') },
    license: { keys: { [K1.kid]: K1.key } },
  });
  try {
    const res = await post(licenseRequest([NOT_ANYWHERE]), withToken(t), `${url}/license`);
    assertError(res, 404, 'key-not-found', { kid: b64u(NOT_ANYWHERE), kidHex: NOT_ANYWHERE });
  } finally {
    await s.close();
  }
});

test('persistent-license only when the entitlement allows persistence', async () => {
  const keys = [{ kid: K1.kid }];
  assertError(await post(licenseRequest([K1.kid], 'persistent-license'), withToken(token({ keys }))), 403, 'persistence-not-allowed');
  assertError(await post(licenseRequest([K1.kid], 'persistent-license'), withToken(token({ keys, allowPersistence: false }))),
    403, 'persistence-not-allowed');
  assertLicense(await post(licenseRequest([K1.kid], 'persistent-license'), withToken(token({ keys, allowPersistence: true }))),
    [K1], 'persistent-license');
});

test('a token whose message lets the request choose the KIDs gets any key the server has', async () => {
  const t = token({ anyKid: true });
  assertLicense(await post(licenseRequest([K2.kid, SEEDED.kid]), withToken(t)), [K2, SEEDED]);
});

test('bad and expired tokens: 401 when untrusted, 403 when not valid now, each with its reason', async () => {
  const keys = [{ kid: K1.kid }];
  const body = licenseRequest([K1.kid]);
  const good = token({ keys });
  const [h, p, sig] = good.split('.');
  const otherKey = Buffer.alloc(32, 7);
  const cases = [
    ['no token', {}, 401, 'missing-credentials'],
    ['empty token', withToken(''), 401, 'missing-token'],
    ['not a JWS', withToken('not-a-token'), 401, 'malformed'],
    ['alg none', withToken(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`), 401, 'algorithm'],
    ['alg switched to HS512', withToken(hs256(JSON.parse(Buffer.from(p, 'base64url')), comKey, { alg: 'HS512' })), 401, 'algorithm'],
    ['alg RS256', withToken(`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${p}.${sig}`), 401, 'algorithm'],
    ['truncated signature', withToken(`${h}.${p}.${Buffer.from(sig, 'base64url').subarray(0, 24).toString('base64url')}`), 401, 'signature'],
    ['tampered payload, old signature', withToken(`${h}.${token({ keys: [{ kid: K2.kid }] }).split('.')[1]}.${sig}`), 401, 'signature'],
    ['signed with another key', withToken(entitlementToken({ comKey: otherKey, comKeyId, keys, exp: now() + 600 })), 401, 'signature'],
    ['another com_key_id', withToken(token({ keys, comKeyId: '11111111-2222-3333-4444-555555555555' })), 401, 'com-key-id'],
    ['expired (exp)', withToken(token({ keys, exp: now() - 60 })), 403, 'expired'],
    ['not yet valid (nbf)', withToken(token({ keys, nbf: now() + 3600 })), 403, 'not-yet-valid'],
    ['expired (expiration_date)', withToken(token({ keys, expirationDate: '2001-01-01T00:00:00Z' })), 403, 'expired'],
    ['not yet valid (begin_date)', withToken(token({ keys, beginDate: '2999-01-01T00:00:00Z' })), 403, 'not-yet-valid'],
    ['oversized', withToken(`${h}.${'A'.repeat(9000)}.${sig}`), 401, 'oversized'],
  ];
  for (const [name, headers, status, reason] of cases) {
    const res = await request(`${base}/license`, { body, headers: { 'Content-Type': 'application/json', ...headers } });
    assert.equal(res.status, status, `${name}: ${res.body}`);
    assert.equal(res.json?.reason, reason, `${name}: ${res.body}`);
    assert.equal(res.json.error, status === 401 ? 'unauthorized' : 'forbidden', name);
  }
  // Within the clock skew (5 s) an expired token still passes.
  assertLicense(await post(body, withToken(token({ keys, exp: now() - 2 }))), [K1]);
});

test('replay protection: a token whose message forbids reuse works once', async () => {
  const t = token({ keys: [{ kid: K1.kid }], id: `replay-${Date.now()}`, preventReuse: true });
  assertLicense(await post(licenseRequest([K1.kid]), withToken(t)), [K1]);
  assertError(await post(licenseRequest([K1.kid]), withToken(t)), 403, 'replayed');
  // A refused request (KID not entitled) does not use the token up.
  const t2 = token({ keys: [{ kid: K1.kid }], id: `replay2-${Date.now()}`, preventReuse: true });
  assertError(await post(licenseRequest([K2.kid]), withToken(t2)), 403, 'kid-not-entitled');
  assertLicense(await post(licenseRequest([K1.kid]), withToken(t2)), [K1]);
  // Without prevent_drm_message_reuse the same token may be used again.
  const t3 = token({ keys: [{ kid: K1.kid }], id: 'reusable' });
  assertLicense(await post(licenseRequest([K1.kid]), withToken(t3)), [K1]);
  assertLicense(await post(licenseRequest([K1.kid]), withToken(t3)), [K1]);
});

test('a single-use token without an expiry is refused: no replay cache can remember it forever', async () => {
  // Before: such a token was remembered for 24 h and then accepted again. A fake clock
  // shows the token is refused at once and stays refused a day later.
  let clock = Date.now();
  const { s, url } = await startServer({
    auth: { type: 'entitlement', communicationKey: comKey.toString('hex'), clockSkewSeconds: 5 },
    license: { keys: { [K1.kid]: K1.key } },
  }, { now: () => clock });
  try {
    const keys = [{ kid: K1.kid }];
    const forever = entitlementToken({ comKey, comKeyId, keys, id: `noexp-${clock}`, preventReuse: true });
    for (const days of [0, 1.01]) {
      clock += days * 86400e3;
      const res = await post(licenseRequest([K1.kid]), withToken(forever), `${url}/license`);
      assertError(res, 403, 'replay-expiry-missing');
      assert.match(res.json.message, /exp|expiration_date/);
    }
    // The envelope's expiration_date is an expiry too: used once, then refused until it passes
    // (and after that the token is expired).
    const t0 = Math.floor(clock / 1000);
    const dated = entitlementToken({ comKey, comKeyId, keys, id: `dated-${clock}`, preventReuse: true,
      expirationDate: new Date((t0 + 3600) * 1000).toISOString() });
    assertLicense(await post(licenseRequest([K1.kid]), withToken(dated), `${url}/license`), [K1]);
    for (const seconds of [60, 3604]) {  // until expiration_date + the 5 s skew
      clock = t0 * 1000 + seconds * 1000;
      assertError(await post(licenseRequest([K1.kid]), withToken(dated), `${url}/license`), 403, 'replayed');
    }
    clock = (t0 + 3605) * 1000;
    assertError(await post(licenseRequest([K1.kid]), withToken(dated), `${url}/license`), 403, 'expired');
    // A reusable token (no prevent_drm_message_reuse) needs no expiry.
    const reusable = entitlementToken({ comKey, comKeyId, keys, id: 'reusable-noexp' });
    assertLicense(await post(licenseRequest([K1.kid]), withToken(reusable), `${url}/license`), [K1]);
  } finally {
    await s.close();
  }
});

test('key rollover: several communication keys, each token verified with the one its com_key_id names', async () => {
  const previous = { id: '11111111-2222-4333-8444-555555555555', key: Buffer.alloc(32, 0x71) };
  const current = { id: '66666666-7777-4888-9999-aaaaaaaaaaaa', key: Buffer.alloc(32, 0x72) };
  const { s, url } = await startServer({
    auth: { type: 'entitlement', communicationKeys: { [previous.id]: previous.key.toString('hex'), [current.id]: current.key.toString('base64') } },
    license: { keys: { [K1.kid]: K1.key } },
  });
  try {
    const go = (t, kid = K1.kid) => post(licenseRequest([kid]), withToken(t), `${url}/license`);
    const exp = now() + 600;
    for (const { id, key } of [previous, current]) {
      assertLicense(await go(entitlementToken({ comKey: key, comKeyId: id, exp, keys: [{ kid: K1.kid }] })), [K1]);
      // Inline keys are decrypted with the same communication key.
      assertLicense(await go(entitlementToken({ comKey: key, comKeyId: id.toUpperCase(), exp, keys: [K3] }), K3.kid), [K3]);
    }
    const crossed = entitlementToken({ comKey: previous.key, comKeyId: current.id, exp, keys: [{ kid: K1.kid }] });
    assertError(await go(crossed), 401, 'signature');
    const unknown = entitlementToken({ comKey: current.key, comKeyId: comKeyId, exp, keys: [{ kid: K1.kid }] });
    const res = await go(unknown);
    assertError(res, 401, 'com-key-id');
    assert.match(res.json.message, new RegExp(`${comKeyId} is not configured`));
  } finally {
    await s.close();
  }
  assert.throws(() => createServer({ auth: { type: 'entitlement', communicationKeys: {} }, license: { keys: { [K1.kid]: K1.key } } }),
    /config.auth.communicationKeys: not an object of com_key_id to communication key/);
  assert.throws(() => createServer({ auth: { type: 'entitlement', communicationKey: 'aa', communicationKeys: { a: 'bb' } }, license: {} }),
    /config.auth: communicationKey and communicationKeys exclude each other/);
  const bad = createServer({ auth: { type: 'entitlement', communicationKeys: { [current.id]: 'ab'.repeat(31) } }, license: { keys: { [K1.kid]: K1.key } } },
    { core, logger: memoryLogger() });
  await assert.rejects(bad.listen(0, '127.0.0.1'), new RegExp(`config.auth.communicationKeys.${current.id}: communication key is 31 bytes`));
});

test('replay "always" needs a token id', async () => {
  const { s, url } = await startServer({
    auth: { type: 'entitlement', communicationKey: comKey.toString('hex'), replay: 'always' },
    license: { keys: { [K1.kid]: K1.key } },
  });
  try {
    const keys = [{ kid: K1.kid }];
    assertError(await post(licenseRequest([K1.kid]), withToken(token({ keys })), `${url}/license`), 403, 'replay-id-missing');
    const t = token({ keys, id: 'x1' });
    assertLicense(await post(licenseRequest([K1.kid]), withToken(t), `${url}/license`), [K1]);
    assertError(await post(licenseRequest([K1.kid]), withToken(t), `${url}/license`), 403, 'replayed');
  } finally {
    await s.close();
  }
});

test('malformed license requests are 400 with the field named', async () => {
  const t = withToken(token({ keys: [{ kid: K1.kid }] }));
  const cases = [
    ['', 'empty-body'],
    ['not json', 'malformed-request'],
    ['[]', 'malformed-request'],
    ['{"type":"temporary"}', 'malformed-request'],
    ['{"kids":[]}', 'malformed-request'],
    ['{"kids":"QGCoZYh4QmecvpGuW64ecg"}', 'malformed-request'],
    ['{"kids":["QGCoZYh4QmecvpGuW64ecg=="]}', 'malformed-request'],
    ['{"kids":["@@@"]}', 'malformed-request'],
    ['{"kids":[17]}', 'malformed-request'],
    [`{"kids":["${b64u(K1.kid)}"],"type":"bogus"}`, 'malformed-request'],
    [`{"kids":["${b64u(K1.kid)}"],"type":5}`, 'malformed-request'],
    [Buffer.from([0xff, 0xfe, 0x00]), 'malformed-request'],
  ];
  for (const [body, reason] of cases) {
    const res = await post(body, t);
    assert.equal(res.status, 400, `${body}: ${res.body}`);
    assert.equal(res.json.reason, reason, `${body}: ${res.body}`);
    assert.match(res.json.message, /^license request: /, String(body));
  }
});

test('too large bodies get 413 (declared or streamed), too large headers 431', async () => {
  const t = withToken(token({ keys: [{ kid: K1.kid }] }));
  assertError(await post('x'.repeat(5000), t), 413, 'body-too-large', { error: 'too-large' });
  // Chunked, no Content-Length: counted while reading.
  const chunked = await new Promise((resolve, reject) => {
    const req = http.request(`${base}/license`, { method: 'POST', headers: { ...t, 'Transfer-Encoding': 'chunked' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks)) }));
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('y'.repeat(1000));
    req.end();
  });
  assert.equal(chunked.status, 413);
  assert.equal(chunked.json.reason, 'body-too-large');
  const big = await request(`${base}/license`, { body: '{}', headers: { 'X-Filler': 'z'.repeat(20000) } });
  assert.equal(big.status, 431);
  assert.equal(big.json.error, 'headers-too-large');
});

test('a body that does not arrive in time gets 408', async () => {
  const { s, url } = await startServer({
    auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key } }, limits: { bodyTimeoutMs: 300 },
  });
  try {
    const res = await new Promise((resolve, reject) => {
      const req = http.request(`${url}/license`, { method: 'POST', headers: { 'Content-Length': 100 } }, (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, json: JSON.parse(Buffer.concat(chunks)) }));
      });
      req.on('error', reject);
      req.write('{"kids":');  // and nothing more
    });
    assert.equal(res.status, 408);
    assert.equal(res.json.reason, 'body-timeout');
  } finally {
    await s.close({ timeoutMs: 100 });
  }
});

/** A raw TCP exchange: writes `text`, resolves {data, ms} when the server closes. */
function rawExchange(url, text, { localAddress } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: hostname, port: Number(port), localAddress });
    let data = '';
    socket.on('data', (d) => { data += d; });
    socket.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
    socket.on('close', () => resolve({ data, ms: Date.now() - started }));
    socket.on('connect', () => socket.write(text));
  });
}

test('slow headers get 408 at the configured time, not at Node\'s 30 s check', async () => {
  // headersTimeout follows bodyTimeoutMs unless limits.headersTimeoutMs is given.
  for (const limits of [{ bodyTimeoutMs: 1000 }, { headersTimeoutMs: 1000, bodyTimeoutMs: 5000 }]) {
    const { s, url } = await startServer({ auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key } }, limits });
    try {
      // A request line and one header, then nothing: a slow-loris client.
      const { data, ms } = await rawExchange(url, 'POST /license HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
      assert.match(data, /^HTTP\/1\.1 408 /, `${JSON.stringify(limits)}: ${data}`);
      assert.match(data, /"reason":"headers-timeout"/);
      assert.match(data, /Connection: close/i);
      assert.ok(ms >= 950 && ms < 2100, `${JSON.stringify(limits)}: answered after ${ms} ms`);
    } finally {
      await s.close({ timeoutMs: 100 });
    }
  }
});

test('more headers than limits.headerCount get 431, none is silently dropped', async () => {
  const { s, url } = await startServer({
    auth: { type: 'entitlement', communicationKey: comKey.toString('hex') },
    license: { keys: { [K1.kid]: K1.key } }, limits: { headerBytes: 128 * 1024 },
  });
  try {
    const body = licenseRequest([K1.kid]);
    const send = (filler) => {
      // The token and Content-Length come last: Node's default keeps only the first 2000
      // headers, so they used to vanish (401 missing-credentials).
      const lines = ['POST /license HTTP/1.1', 'Host: x', 'Connection: close'];
      for (let i = 0; i < filler; i++) lines.push(`X-F${i}: 1`);
      lines.push(`X-AxDRM-Message: ${token({ keys: [{ kid: K1.kid }] })}`, `Content-Length: ${body.length}`);
      return rawExchange(url, `${lines.join('\r\n')}\r\n\r\n${body}`);
    };
    const many = await send(2100);
    assert.match(many.data, /^HTTP\/1\.1 431 /, many.data.slice(0, 300));
    assert.match(many.data, /"reason":"too-many-headers"/);
    assert.match(many.data, /more than 100 headers/);
    const limit = await send(96);  // 100 with the 4 others
    assert.match(limit.data, /^HTTP\/1\.1 200 /, limit.data.slice(0, 300));
    const over = await send(97);
    assert.match(over.data, /^HTTP\/1\.1 431 /, over.data.slice(0, 300));
  } finally {
    await s.close({ timeoutMs: 100 });
  }
});

test('connections are capped per client address and in total', async () => {
  const { s, url } = await startServer({
    auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key } },
    limits: { maxConnections: 3, maxConnectionsPerClient: 2 },
  });
  const { hostname, port } = new URL(url);
  const open = (localAddress) => new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
  // Refused: closed by the server at once, without reading or answering.
  const refused = (socket) => new Promise((resolve) => {
    let data = '';
    socket.on('data', (d) => { data += d; });
    socket.on('error', () => {});
    const timer = setTimeout(() => resolve(false), 1000);
    socket.on('close', () => { clearTimeout(timer); resolve(data === ''); });
  });
  const sockets = [];
  try {
    sockets.push(await open('127.0.0.1'), await open('127.0.0.1'));
    const third = await open('127.0.0.1');
    assert.equal(await refused(third), true, 'a third connection from one address is closed');
    sockets.push(await open('127.0.0.2'));
    await new Promise((r) => setTimeout(r, 50));
    const fourth = await open('127.0.0.3');
    assert.equal(await refused(fourth), true, 'a fourth connection in total is closed');
    // The accepted ones still work, and a freed slot can be used again.
    const res = await rawExchange(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.3' })
      .catch((e) => ({ data: String(e) }));
    assert.equal(res.data, '', 'still full');
    sockets.pop().destroy();
    await new Promise((r) => setTimeout(r, 50));
    const ok = await rawExchange(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.3' });
    assert.match(ok.data, /^HTTP\/1\.1 200 /);
    const metrics = (await rawExchange(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.4' })).data;
    assert.match(metrics, /wasm_eme_connections_refused_total\{reason="per-client"\} 1/);
    assert.match(metrics, /wasm_eme_connections_refused_total\{reason="total"\} 2/);
  } finally {
    for (const socket of sockets) socket.destroy();
    await s.close({ timeoutMs: 100 });
  }
});

test('rate limit: 429 with Retry-After once a client exceeds its window', async () => {
  const { s, url } = await startServer({
    auth: { type: 'none' },
    license: { keys: { [K1.kid]: K1.key } },
    limits: { rateLimit: { requests: 3, windowSeconds: 30 } },
  });
  try {
    const statuses = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await post(licenseRequest([K1.kid]), {}, `${url}/license`);
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assertError(last, 429, 'rate-limited', { error: 'rate-limited' });
    const retry = Number(last.headers['retry-after']);
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 30, last.headers['retry-after']);
    // /healthz and /metrics are not rate limited.
    assert.equal((await request(`${url}/healthz`, { method: 'GET' })).status, 200);
  } finally {
    await s.close();
  }
});

test('methods, routes and CORS', async () => {
  const get = await request(`${base}/license`, { method: 'GET' });
  assertError(get, 405, 'method-not-allowed');
  assert.equal(get.headers.allow, 'POST');
  assertError(await request(`${base}/nothing`, { method: 'POST', body: '{}' }), 404, 'no-route');
  const preflight = await request(`${base}/license`, {
    method: 'OPTIONS',
    headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-axdrm-message' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.equal(preflight.headers['access-control-allow-headers'], 'content-type,x-axdrm-message');
  assert.match(preflight.headers['access-control-allow-methods'], /POST/);
  const denied = await post(licenseRequest([K1.kid]), { Origin: 'https://player.example' });
  assert.equal(denied.headers['access-control-allow-origin'], '*', 'errors are readable by the page too');
  assert.match(denied.headers['access-control-expose-headers'], /Retry-After/);
});

test('OAuth 1.0 signed requests: accepted once per nonce, refused with a bad signature', async () => {
  const { s, url } = await startServer({
    auth: [
      { type: 'entitlement', communicationKey: comKey.toString('hex') },
      { type: 'oauth1', consumers: { 'player-backend': 'kd94hf93k423kf44' }, tokens: { tok: 'pfkkdhi9sl3r4s00' } },
    ],
    license: { keys: { [K1.kid]: K1.key } },
  });
  try {
    const target = `${url}/license?asset=42`;
    const sign = (over = {}) => oauthHeader({
      method: 'POST', url: target, consumerKey: 'player-backend', consumerSecret: 'kd94hf93k423kf44',
      token: 'tok', tokenSecret: 'pfkkdhi9sl3r4s00', nonce: `n${Date.now()}`, timestamp: now(), ...over,
    });
    const auth = sign();
    assertLicense(await post(licenseRequest([K1.kid]), { Authorization: auth }, target), [K1]);
    // RFC 5849 section 3.2: a used nonce, like a bad signature or timestamp, is 401.
    assertError(await post(licenseRequest([K1.kid]), { Authorization: auth }, target), 401, 'replayed');
    assertError(await post(licenseRequest([K1.kid]), { Authorization: sign({ consumerSecret: 'wrong' }) }, target), 401, 'signature');
    const stale = await post(licenseRequest([K1.kid]), { Authorization: sign({ timestamp: now() - 3600 }) }, target);
    assert.equal(stale.status, 401, stale.body.toString());
    const unknown = await post(licenseRequest([K1.kid]), { Authorization: sign({ consumerKey: 'nobody' }) }, target);
    assert.equal(unknown.status, 401, unknown.body.toString());
    // The entitlement method still works on the same server.
    assertLicense(await post(licenseRequest([K1.kid]), withToken(token({ keys: [{ kid: K1.kid }] })), `${url}/license`), [K1]);
  } finally {
    await s.close();
  }
});

test('/healthz and /metrics report state, counts and latencies by outcome', async () => {
  const health = await request(`${base}/healthz`, { method: 'GET' });
  assert.equal(health.status, 200);
  assert.equal(health.json.status, 'ok');
  assert.deepEqual(health.json.store, { kind: 'memory', ok: true });
  const metrics = await request(`${base}/metrics`, { method: 'GET' });
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers['content-type'], /^text\/plain/);
  const text = metrics.body.toString();
  const count = (labels) => Number(text.match(new RegExp(`^wasm_eme_requests_total\\{${labels}\\} (\\d+)$`, 'm'))?.[1] || 0);
  assert.ok(count('route="license",outcome="ok",status="200"') >= 5, text);
  assert.ok(count('route="license",outcome="forbidden",status="403"') >= 1);
  assert.ok(count('route="license",outcome="unauthorized",status="401"') >= 1);
  assert.ok(count('route="license",outcome="bad-request",status="400"') >= 1);
  assert.match(text, /^wasm_eme_request_duration_seconds_bucket\{route="license",outcome="ok",status="200",le="\+Inf"\} \d+$/m);
  assert.match(text, /^wasm_eme_requests_in_flight \d+$/m);
});

test('logs are JSON without keys or whole tokens', async () => {
  const t = token({ keys: [K3], id: 'log-check' });
  assertLicense(await post(licenseRequest([K3.kid]), withToken(t)), [K3]);
  const text = JSON.stringify(logger.lines);
  const forbidden = [t, t.split('.')[2], K1.key, K2.key, K3.key, Buffer.from(K3.key, 'hex').toString('base64url'),
    Buffer.from(K1.key, 'hex').toString('base64url'), comKey.toString('hex'), comKey.toString('base64'), SEED, SEEDED.key];
  for (const secret of forbidden) assert.ok(!text.includes(secret), `log contains ${secret.slice(0, 12)}…`);
  const entry = logger.lines.findLast((l) => l.msg === 'request' && l.tokenId === 'log-check');
  assert.ok(entry, 'a request line with the token id');
  assert.equal(entry.status, 200);
  assert.equal(entry.outcome, 'ok');
  assert.deepEqual(entry.kids, [K3.kid]);
  assert.match(entry.tokenFingerprint, /^[0-9a-f]{16}$/);
  const denied = logger.lines.find((l) => l.msg === 'request' && l.reason === 'kid-not-entitled');
  assert.equal(denied.deniedKid, K2.kid);
});

test('hostile input never takes the server down', async () => {
  const t = withToken(token({ keys: [{ kid: K1.kid }] }));
  const bodies = ['{"kids":[' + '"AAAA",'.repeat(500) + '"AAAA"]}', '{'.repeat(3000), '{"kids":["' + 'A'.repeat(3000) + '"]}',
    '\u0000'.repeat(100), '{"kids":["QGCoZYh4QmecvpGuW64ecg"],"type":{"x":[1,2,3]}}'];
  for (const body of bodies) {
    const res = await post(body, t);
    assert.ok(res.status === 400 || res.status === 413, `${body.slice(0, 30)}: ${res.status}`);
  }
  for (const header of ['a.b.c', '..', '...', 'eyJ.eyJ.', `${'x'.repeat(100)}.${'y'.repeat(100)}.z`, '\u00e9t\u00e9']) {
    const res = await post(licenseRequest([K1.kid]), { 'X-AxDRM-Message': Buffer.from(header).toString('latin1') });
    assert.equal(res.status, 401, header);
  }
  // Raw garbage on the socket gets a 400 and the connection closed.
  const raw = await new Promise((resolve) => {
    const socket = net.connect(new URL(base).port, '127.0.0.1', () => socket.write('\x16\x03\x01 not http\r\n\r\n'));
    let data = '';
    socket.on('data', (d) => { data += d; });
    socket.on('close', () => resolve(data));
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
  assert.equal((await request(`${base}/healthz`, { method: 'GET' })).status, 200);
});

test('mutated requests and tokens (seeded, 400 cases) get 4xx answers, never 5xx', async () => {
  let seed = 0x9e3779b9;
  const rand = (n) => {  // xorshift32: the same cases on every run
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const mutate = (text) => {
    const b = Buffer.from(text);
    switch (rand(4)) {
      case 0: b[rand(b.length)] ^= 1 << rand(8); return b;
      case 1: return b.subarray(0, rand(b.length));
      case 2: return Buffer.concat([b.subarray(0, rand(b.length)), Buffer.from([rand(256)]), b.subarray(rand(b.length))]);
      default: { const i = rand(b.length); return Buffer.concat([b.subarray(0, i), b.subarray(i, i + 8), b.subarray(i)]); }
    }
  };
  const t = token({ keys: [{ kid: K1.kid }, K3], allowPersistence: true });
  const body = licenseRequest([K1.kid, K3.kid], 'persistent-license');
  const seen = new Map();
  for (let i = 0; i < 400; i++) {
    const mutateToken = rand(2) === 0;
    const header = mutateToken ? mutate(t).toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, '') : t;
    const res = await post(mutateToken ? body : mutate(body), withToken(header));
    assert.ok([200, 400, 401, 403, 404].includes(res.status), `case ${i}: ${res.status} ${res.body}`);
    seen.set(res.status, (seen.get(res.status) || 0) + 1);
  }
  assert.ok(seen.get(400) > 0 && seen.get(401) > 0, JSON.stringify([...seen]));
  assert.equal((await request(`${base}/healthz`, { method: 'GET' })).json.status, 'ok');
});

test('graceful shutdown finishes the request in flight, then refuses connections', async () => {
  const log = memoryLogger();
  const { s, url } = await startServer({ auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key } } }, { logger: log });
  const body = licenseRequest([K1.kid]);
  // A request whose body arrives slowly: in flight when close() starts.
  const inFlight = new Promise((resolve, reject) => {
    const req = http.request(`${url}/license`, { method: 'POST', headers: { 'Content-Length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: JSON.parse(Buffer.concat(chunks)) }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 5));
    setTimeout(() => req.end(body.slice(5)), 300);
  });
  await new Promise((r) => setTimeout(r, 100));
  const closing = s.close({ timeoutMs: 5000 });
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(res.json.keys[0].kid, b64u(K1.kid));
  assert.equal(res.headers.connection, 'close', 'the connection is not kept for another request');
  await closing;
  await assert.rejects(request(`${url}/healthz`, { method: 'GET' }), /ECONNREFUSED/);
  assert.deepEqual(log.lines.filter((l) => ['draining', 'closed'].includes(l.msg)).map((l) => l.msg), ['draining', 'closed']);
});

test('during shutdown a new request on an idle kept-alive connection gets 503 shutting-down, not a reset', async () => {
  const { s, url } = await startServer({ auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key } } });
  const { hostname, port } = new URL(url);
  const body = licenseRequest([K1.kid]);
  const post = `POST /license HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const idle = net.connect({ host: hostname, port: Number(port) });
  let data = '';
  let reset = false;
  idle.on('data', (d) => { data += d; });
  idle.on('error', () => { reset = true; });
  const closed = new Promise((resolve) => idle.on('close', resolve));
  await new Promise((resolve) => idle.on('connect', resolve));
  idle.write(post);
  for (let i = 0; i < 100 && !/\r\n\r\n\{"keys"[^]*\}$/.test(data); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(data, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(data, /Connection: close/i, 'kept alive');
  data = '';
  // A slow request keeps the server draining.
  const slow = new Promise((resolve, reject) => {
    const req = http.request(`${url}/license`, { method: 'POST', headers: { 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.write(body.slice(0, 5));
    setTimeout(() => req.end(body.slice(5)), 400);
  });
  await new Promise((r) => setTimeout(r, 100));
  const closing = s.close({ timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 50));
  idle.write(post);  // the client did not know yet
  await closed;
  assert.equal(reset, false, 'the connection was not reset');
  assert.match(data, /^HTTP\/1\.1 503 /, data || '(nothing)');
  assert.match(data, /Connection: close/i);
  assert.match(data, /"reason":"shutting-down"/);
  assert.equal(await slow, 200, 'the request in flight finished');
  await closing;
});

test('configuration errors name the member', () => {
  const bad = [
    [{}, /config.auth: missing/],
    [{ auth: { type: 'none' } }, /neither license nor proxy/],
    [{ auth: { type: 'jwt' }, license: {} }, /config.auth.type: 'jwt' is not entitlement, oauth1 or none/],
    [{ auth: { type: 'none' }, license: { keyz: 1 } }, /config.license.keyz: unknown member/],
    [{ auth: { type: 'none' }, proxy: { path: '/p', upstream: 'ftp://x' } }, /config.proxy.upstream: scheme ftp: is not http or https/],
    [{ auth: { type: 'none' }, proxy: [{ path: '/p', upstream: 'http://x', headers: { Host: 'y' } }] }, /config.proxy\[0\].headers.Host: is managed by the proxy/],
    [{ auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key } }, limits: { rateLimit: { requests: 0 } } }, /config.limits.rateLimit.requests: not an integer in 1\.\./],
    [{ auth: { type: 'none' }, license: { keys: { [K1.kid]: K1.key }, path: '/metrics' } }, /route path \/metrics is reserved/],
  ];
  for (const [config, message] of bad) assert.throws(() => createServer(config, { core }), message);
});

test('key material errors are reported at listen() with the file and line', async () => {
  const file = join(tmp, 'bad-keys.txt');
  writeFileSync(file, `${K1.kid}:${K1.key}\n${K2.kid}:63cb5f\n`);
  const s = createServer({ auth: { type: 'none' }, license: { keyFile: file } }, { core, logger: memoryLogger() });
  await assert.rejects(s.listen(0, '127.0.0.1'), new RegExp(`${file.replace(/[.]/g, '\\.')}:2: key is 3 bytes, expected 16`));
  const s2 = createServer({ auth: { type: 'none' }, license: { keySeed: '00112233' } }, { core, logger: memoryLogger() });
  await assert.rejects(s2.listen(0, '127.0.0.1'), /config.license.keySeed: .*30/);
});

test('a 40-character base64 key seed (Axinom\'s test seed) is base64, not 20 bytes of hex', async () => {
  // Expected key: Python hashlib over the base64-decoded seed (tests/js/auth.test.js checks it
  // against a node:crypto implementation of the algorithm too).
  const { s, url } = await startServer({ auth: { type: 'none' }, license: { keySeed: '8888000000000000000000000000000000000000' } });
  try {
    const kid = '11111111-0000-0000-0000-000000000000';
    assertLicense(await post(licenseRequest([kid]), {}, `${url}/license`), [{ kid, key: 'f66648d5cacec4959faae177b09faa86' }]);
  } finally {
    await s.close();
  }
});
