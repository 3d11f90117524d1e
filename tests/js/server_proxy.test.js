// `wasm-eme serve` as a reverse proxy in front of a fake upstream license server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { loadCore } from '../../js/src/core/module.js';
import { createServer } from '../../js/src/node/server/index.js';
import { entitlementToken, freePort, memoryLogger, request, startUpstream, uuidBytes } from './server_testlib.js';

const comKey = Buffer.alloc(32, 0x5a);
const comKeyId = '6e5a1d26-2757-47d7-8046-eaa5d1d34b5a';
const KID = '4060a865-8878-4267-9cbf-91ae5bae1e72';
const OTHER_KID = 'cd7eb9ff-88f3-4cae-b061-85b00024e4c2';
const now = () => Math.floor(Date.now() / 1000);
const token = (opts = {}) => entitlementToken({ comKey, comKeyId, exp: now() + 600, keys: [{ kid: KID }], ...opts });
const challenge = Buffer.from('0801121035b21b2a5ab2d04d8cfa7a5e1a7f0b8f', 'hex');  // opaque bytes
const LICENSE = Buffer.from('license-bytes-\u0000\u0001\u00ff', 'latin1');

let core;
let upstream;
let behaviour = 'ok';
const auth = { type: 'entitlement', communicationKey: comKey.toString('hex'), comKeyId };

before(async () => {
  core = await loadCore();
  upstream = await startUpstream((req, body, res) => {
    if (behaviour === 'hang') return;  // never answers
    if (body.equals(Buffer.from([0x08, 0x04]))) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      return res.end(Buffer.from('service-certificate'));
    }
    if (behaviour === 'huge') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      return res.end(Buffer.alloc(300000));
    }
    if (behaviour === 'error') {
      res.writeHead(500, { 'Content-Type': 'text/plain', 'X-Upstream': 'yes' });
      return res.end('upstream says no');
    }
    if (req.url.startsWith('/json')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ status: 'ok', license: LICENSE.toString('base64') }));
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Upstream': 'yes', 'Set-Cookie': 'a=b' });
    res.end(LICENSE);
  });
});

after(async () => {
  await upstream?.close();
});

async function startProxy(proxy, extra = {}) {
  const s = createServer({ auth, proxy, ...extra }, { core, logger: memoryLogger() });
  const { url } = await s.listen(0, '127.0.0.1');
  return { s, url };
}

test('forwards an authenticated challenge with injected headers and returns the answer unchanged', async () => {
  behaviour = 'ok';
  const { s, url } = await startProxy([{ path: '/widevine', upstream: `${upstream.url}/wv?provider=test`, headers: { 'X-Api-Key': 'secret-api-key' } }]);
  try {
    upstream.requests.length = 0;
    const res = await request(`${url}/widevine?asset=7`, {
      body: challenge, headers: { 'Content-Type': 'application/octet-stream', 'X-AxDRM-Message': token(), Cookie: 'c=d' },
    });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(res.body, LICENSE);
    assert.equal(res.headers['x-upstream'], 'yes');
    assert.equal(res.headers['set-cookie'], undefined, 'upstream cookies are not passed to players');
    const seen = upstream.requests[0];
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/wv?provider=test&asset=7');
    assert.deepEqual(seen.body, challenge);
    assert.equal(seen.headers['x-api-key'], 'secret-api-key');
    assert.equal(seen.headers['content-type'], 'application/octet-stream');
    assert.equal(seen.headers['x-axdrm-message'], undefined, 'the token is not forwarded by default');
    assert.equal(seen.headers.cookie, undefined);
  } finally {
    await s.close();
  }
});

test('upstream connections are kept alive across requests', async () => {
  behaviour = 'ok';
  const { s, url } = await startProxy([{ path: '/p', upstream: upstream.url }]);
  try {
    upstream.requests.length = 0;
    for (let i = 0; i < 5; i++) {
      const res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
      assert.equal(res.status, 200);
    }
    const ports = new Set(upstream.requests.map((r) => r.remotePort));
    assert.equal(upstream.requests.length, 5);
    assert.equal(ports.size, 1, `one upstream connection, saw ports ${[...ports]}`);
  } finally {
    await s.close();
  }
});

test('a Widevine service-certificate request passes through without a token', async () => {
  behaviour = 'ok';
  const { s, url } = await startProxy([{ path: '/p', upstream: `${upstream.url}/json`, unwrap: 'http://upstream.invalid/||R{SSM}|JB[license]' }]);
  try {
    const res = await request(`${url}/p`, { body: Buffer.from([0x08, 0x04]) });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.toString(), 'service-certificate', 'returned raw, not unwrapped');
    // Anything else needs the token.
    const denied = await request(`${url}/p`, { body: Buffer.from([0x08, 0x05]) });
    assert.equal(denied.status, 401);
    assert.equal(denied.json.reason, 'missing-credentials');
  } finally {
    await s.close();
  }
});

test('the upstream answer can be unwrapped by a license template', async () => {
  behaviour = 'ok';
  const { s, url } = await startProxy([{ path: '/p', upstream: `${upstream.url}/json`, unwrap: 'http://upstream.invalid/|Content-Type=application/octet-stream|R{SSM}|JB[license]' }]);
  try {
    const res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(res.body, LICENSE);
  } finally {
    await s.close();
  }
});

test('upstream down is 502, slow is 504, oversized answer is 502; upstream errors pass through', async () => {
  const deadPort = await freePort();
  const { s, url } = await startProxy([
    { path: '/down', upstream: `http://127.0.0.1:${deadPort}/` },
    { path: '/slow', upstream: upstream.url, timeoutMs: 300 },
    { path: '/big', upstream: upstream.url, maxResponseBytes: 100000 },
    { path: '/plain', upstream: upstream.url },
  ]);
  const go = (path) => request(`${url}${path}`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
  try {
    let res = await go('/down');
    assert.equal(res.status, 502);
    assert.equal(res.json.error, 'bad-gateway');
    assert.equal(res.json.reason, 'upstream-unreachable');
    assert.match(res.json.message, /ECONNREFUSED/);

    behaviour = 'hang';
    const started = Date.now();
    res = await go('/slow');
    assert.equal(res.status, 504);
    assert.equal(res.json.reason, 'upstream-timeout');
    assert.ok(Date.now() - started < 5000);

    behaviour = 'huge';
    res = await go('/big');
    assert.equal(res.status, 502);
    assert.equal(res.json.reason, 'upstream-response-too-large');

    behaviour = 'error';
    res = await go('/plain');
    assert.equal(res.status, 500);
    assert.equal(res.body.toString(), 'upstream says no');
    assert.equal(res.headers['x-upstream'], 'yes');

    const metrics = (await request(`${url}/metrics`, { method: 'GET' })).body.toString();
    assert.match(metrics, /^wasm_eme_upstream_requests_total\{route="\/slow",result="timeout"\} 1$/m);
    assert.match(metrics, /^wasm_eme_upstream_requests_total\{route="\/down",result="error"\} 1$/m);
    assert.match(metrics, /^wasm_eme_requests_total\{route="proxy:\/slow",outcome="gateway-timeout",status="504"\} 1$/m);
  } finally {
    behaviour = 'ok';
    await s.close();
  }
});

test('bad tokens, body limit and rate limit stop requests before the upstream', async () => {
  behaviour = 'ok';
  const { s, url } = await startProxy([{ path: '/p', upstream: upstream.url }],
    { limits: { bodyBytes: 1000, rateLimit: { requests: 4, windowSeconds: 60 } } });
  try {
    upstream.requests.length = 0;
    let res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token({ exp: now() - 100 }) } });
    assert.equal(res.status, 403);
    assert.equal(res.json.reason, 'expired');
    res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': 'x.y.z' } });
    assert.equal(res.status, 401);
    res = await request(`${url}/p`, { body: Buffer.alloc(1001), headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 413);
    assert.equal(res.json.reason, 'body-too-large');
    res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 200);
    res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.equal(upstream.requests.length, 1, 'only the good request reached the upstream');
  } finally {
    await s.close();
  }
});

test('a Clear Key upstream route checks the requested KIDs against the token', async () => {
  behaviour = 'ok';
  const { s, url } = await startProxy([{ path: '/ck', upstream: upstream.url, keySystem: 'clearkey' }]);
  try {
    const body = (kid) => JSON.stringify({ kids: [uuidBytes(kid).toString('base64url')], type: 'temporary' });
    let res = await request(`${url}/ck`, { body: body(OTHER_KID), headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 403);
    assert.equal(res.json.reason, 'kid-not-entitled');
    assert.equal(res.json.kidHex, OTHER_KID);
    res = await request(`${url}/ck`, { body: 'nope', headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 400);
    res = await request(`${url}/ck`, { body: body(KID), headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 200);
  } finally {
    await s.close();
  }
});

test('shutdown waits for a proxied request in flight', async () => {
  behaviour = 'ok';
  // An upstream that answers after 300 ms.
  const slow = await startUpstream((req, body, res) => setTimeout(() => res.end('late'), 300));
  const { s, url } = await startProxy([{ path: '/p', upstream: slow.url }]);
  try {
    const pending = request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
    await new Promise((r) => setTimeout(r, 100));
    await s.close();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'late');
  } finally {
    await slow.close();
  }
});

test('a single-use token is consumed only when the upstream issues a license, exactly once under concurrency', async () => {
  // The fake vendor fails (502 from the proxy, 504, a 500 of its own) before it answers.
  let script = [];
  let gate = null;
  const vendor = await startUpstream((req, body, res) => {
    const step = script.shift() || 'ok';
    if (step === 'reset') return req.socket.destroy();
    if (step === 'hang') return;
    if (step === 'error') { res.writeHead(500); return res.end('vendor down'); }
    const answer = () => { res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); res.end(LICENSE); };
    if (gate) gate.then(answer); else answer();
  });
  const { s, url } = await startProxy([{ path: '/p', upstream: vendor.url, timeoutMs: 300 }]);
  const go = (t) => request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': t } });
  try {
    const t = token({ id: `once-${Date.now()}`, preventReuse: true });
    script = ['reset', 'hang', 'error'];
    assert.equal((await go(t)).status, 502, 'connection reset by the vendor');
    assert.equal((await go(t)).status, 504, 'vendor timeout');
    assert.equal((await go(t)).status, 500, "the vendor's own error");
    const ok = await go(t);
    assert.equal(ok.status, 200, 'the retry after the failures gets the license');
    assert.deepEqual(ok.body, LICENSE);
    const again = await go(t);
    assert.equal(again.status, 403);
    assert.equal(again.json.reason, 'replayed');
    // Ten requests with one token at once, the vendor slow: one license, nine refused.
    let open;
    gate = new Promise((r) => { open = r; });
    const t2 = token({ id: `race-${Date.now()}`, preventReuse: true });
    const racing = Array.from({ length: 10 }, () => go(t2));
    await new Promise((r) => setTimeout(r, 100));
    open();
    const statuses = (await Promise.all(racing)).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(9).fill(403)]);
    assert.equal(vendor.requests.filter((r) => r.headers['content-length'] === String(challenge.length)).length, 5,
      'only the reserving request reached the vendor each time');
  } finally {
    gate = null;
    await s.close();
    await vendor.close();
  }
});

test('an unwrap template that could never be applied is refused at start-up, naming the column', async () => {
  // It used to load; its canonical form then failed to parse on every exchange (502).
  const s = createServer({ auth, proxy: { path: '/p', upstream: upstream.url, unwrap: 'https://l.test/|X=1|{"a":"\\H{KID}"}|R' } },
    { core, logger: memoryLogger() });
  await assert.rejects(s.listen(0, '127.0.0.1'),
    /config.proxy \/p unwrap: license_key: the backslash at column 27 escapes the first character of \{KID-HEX\}'s value/);
  // The same template with an escaped backslash loads and unwraps.
  const { s: ok, url } = await startProxy({ path: '/p', upstream: upstream.url, unwrap: 'https://l.test/|X=1|{"a":"\\\\H{KID}"}|R' });
  try {
    const res = await request(`${url}/p`, { body: challenge, headers: { 'X-AxDRM-Message': token() } });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(res.body, LICENSE);
  } finally {
    await ok.close();
  }
});
