// Two `wasm-eme serve` instances sharing a real redis-server (started here on a free port):
// the rate limit and the replay protection hold across both, and a lost Redis fails closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from '../../js/src/core/module.js';
import { createServer } from '../../js/src/node/server/index.js';
import { entitlementToken, memoryLogger, request, startRedis, uuidBytes } from './server_testlib.js';

const comKey = Buffer.alloc(32, 0x11);
const KID = '4060a865-8878-4267-9cbf-91ae5bae1e72';
const KEY = 'fc35340837310cc0fb53de97e22a69e0';
const body = JSON.stringify({ kids: [uuidBytes(KID).toString('base64url')], type: 'temporary' });
const now = () => Math.floor(Date.now() / 1000);

let core;
let redis;
let instances = [];

before(async () => {
  core = await loadCore();
  redis = await startRedis();
});

after(async () => {
  for (const { s } of instances) await s.close();
  await redis?.stop();
});

async function startInstances(n, limits, prefix) {
  const started = [];
  for (let i = 0; i < n; i++) {
    const s = createServer({
      auth: { type: 'entitlement', communicationKey: comKey.toString('hex') },
      license: { keys: { [KID]: KEY } },
      limits,
      redis: { url: redis.url, prefix },
    }, { core, logger: memoryLogger() });
    const { url } = await s.listen(0, '127.0.0.1');
    started.push({ s, url });
  }
  instances.push(...started);
  return started;
}

test('the rate limit holds across two instances', async () => {
  const [a, b] = await startInstances(2, { rateLimit: { requests: 5, windowSeconds: 60 } }, `rl${Date.now()}:`);
  const t = entitlementToken({ comKey, comKeyId: 'x', keys: [{ kid: KID }], exp: now() + 600 });
  const statuses = [];
  let last;
  for (let i = 0; i < 8; i++) {
    last = await request(`${(i % 2 ? b : a).url}/license`, { body, headers: { 'X-AxDRM-Message': t } });
    statuses.push(last.status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  assert.equal(last.json.reason, 'rate-limited');
  const retry = Number(last.headers['retry-after']);
  assert.ok(retry >= 1 && retry <= 60, String(retry));
});

test('a token that forbids reuse is accepted by one instance only', async () => {
  const [a, b] = await startInstances(2, { rateLimit: false }, `rp${Date.now()}:`);
  const t = entitlementToken({ comKey, comKeyId: 'x', keys: [{ kid: KID }], exp: now() + 600, id: `once-${Date.now()}`, preventReuse: true });
  const first = await request(`${a.url}/license`, { body, headers: { 'X-AxDRM-Message': t } });
  assert.equal(first.status, 200, first.body.toString());
  assert.equal(first.json.keys[0].k, Buffer.from(KEY, 'hex').toString('base64url'));
  const second = await request(`${b.url}/license`, { body, headers: { 'X-AxDRM-Message': t } });
  assert.equal(second.status, 403);
  assert.equal(second.json.reason, 'replayed');
  const third = await request(`${a.url}/license`, { body, headers: { 'X-AxDRM-Message': t } });
  assert.equal(third.status, 403);
  // The claim expires with the token: Redis holds it with a TTL, not forever.
  const health = await request(`${b.url}/healthz`, { method: 'GET' });
  assert.deepEqual(health.json.store, { kind: 'redis', ok: true });
});

test('without Redis the server fails closed with 503 and /healthz says so', async () => {
  const scratch = await startRedis();
  const s = createServer({
    auth: { type: 'entitlement', communicationKey: comKey.toString('hex') },
    license: { keys: { [KID]: KEY } },
    redis: scratch.url,
  }, { core, logger: memoryLogger() });
  const { url } = await s.listen(0, '127.0.0.1');
  try {
    const t = entitlementToken({ comKey, comKeyId: 'x', keys: [{ kid: KID }], exp: now() + 600 });
    assert.equal((await request(`${url}/license`, { body, headers: { 'X-AxDRM-Message': t } })).status, 200);
    await scratch.stop();
    const res = await request(`${url}/license`, { body, headers: { 'X-AxDRM-Message': t } });
    assert.equal(res.status, 503);
    assert.equal(res.json.reason, 'store-unavailable');
    const health = await request(`${url}/healthz`, { method: 'GET' });
    assert.equal(health.status, 503);
    assert.equal(health.json.status, 'degraded');
  } finally {
    await s.close();
  }
});
