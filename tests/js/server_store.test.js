// The server's shared state: the RESP client against a real redis-server, and the memory and
// Redis stores' rate-limit and replay semantics (the same tests run on both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseReply, RedisClient, RedisError } from '../../js/src/node/server/redis_client.js';
import { MemoryStore, RedisStore, StoreError } from '../../js/src/node/server/store.js';
import { freePort, startRedis } from './server_testlib.js';

let redis;
before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

test('RESP replies parse by the protocol spec, incomplete input asks for more', () => {
  const b = (s) => Buffer.from(s);
  assert.deepEqual(parseReply(b('+OK\r\n')), { value: 'OK', next: 5 });
  assert.deepEqual(parseReply(b(':42\r\n')), { value: 42, next: 5 });
  assert.deepEqual(parseReply(b('$5\r\nhello\r\n')), { value: 'hello', next: 11 });
  assert.deepEqual(parseReply(b('$-1\r\n')), { value: null, next: 5 });
  assert.deepEqual(parseReply(b('*2\r\n:1\r\n$2\r\nab\r\n')).value, [1, 'ab']);
  assert.equal(parseReply(b('$5\r\nhel')), null);
  assert.equal(parseReply(b('*2\r\n:1\r\n')), null);
  assert.equal(parseReply(b('+OK')), null);
  const err = parseReply(b('-ERR wrong\r\n')).value;
  assert.ok(err instanceof RedisError);
  assert.equal(err.message, 'redis: ERR wrong');
  assert.throws(() => parseReply(b('?x\r\n')), /unexpected reply type 0x3f/);
  assert.throws(() => parseReply(b('$-7\r\n')), /bad bulk length/);
});

test('RedisClient pipelines commands in order and reports server errors per command', async () => {
  const client = new RedisClient(redis.url);
  try {
    const replies = await Promise.all([
      client.command('SET', 'k1', 'v1'), client.command('GET', 'k1'), client.command('INCR', 'n'),
      client.command('INCR', 'n'), client.command('GET', 'missing'), client.command('PING'),
    ]);
    assert.deepEqual(replies, ['OK', 'v1', 1, 2, null, 'PONG']);
    await assert.rejects(client.command('INCR', 'k1'), /not an integer/);
    assert.equal(await client.command('GET', 'k1'), 'v1');  // the connection survives a command error
    const big = 'x'.repeat(100000);
    await client.command('SET', 'big', big);
    assert.equal(await client.command('GET', 'big'), big);  // a reply split over many TCP reads
  } finally {
    client.close();
  }
});

test('RedisClient fails fast when nothing listens and reconnects later', async () => {
  const port = await freePort();
  const client = new RedisClient(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 500, commandTimeoutMs: 500 });
  await assert.rejects(client.command('PING'), (e) => e instanceof RedisError && /ECONNREFUSED/.test(e.message));
  client.close();
  const good = new RedisClient(redis.url);
  assert.equal(await good.command('PING'), 'PONG');
  good.close();
  await assert.rejects(good.command('PING'), /client closed/);
});

test('RedisClient times out a server that never answers', async () => {
  const silent = net.createServer(() => {});
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const client = new RedisClient(`redis://127.0.0.1:${silent.address().port}`, { commandTimeoutMs: 200 });
  await assert.rejects(client.command('PING'), /no reply within 200 ms/);
  client.close();
  silent.close();
});

test('RedisClient rejects non-redis URLs and bad database numbers', () => {
  assert.throws(() => new RedisClient('http://127.0.0.1:6379'), /must start with redis:\/\//);
  assert.throws(() => new RedisClient('redis://127.0.0.1:6379/x'), /database 'x' is not a number/);
});

for (const kind of ['memory', 'redis']) {
  test(`${kind} store: fixed-window rate limit with the time left`, async () => {
    let now = 1_000_000;
    const store = kind === 'memory' ? new MemoryStore({ now: () => now }) : new RedisStore(redis.url, { prefix: `t${Date.now()}:` });
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await store.hit('1.2.3.4', 3, 60000));
      assert.deepEqual(results.map((r) => r.allowed), [true, true, true, false]);
      assert.deepEqual(results.map((r) => r.count), [1, 2, 3, 4]);
      assert.ok(results[3].retryAfterMs > 58000 && results[3].retryAfterMs <= 60000, String(results[3].retryAfterMs));
      assert.equal((await store.hit('5.6.7.8', 3, 60000)).allowed, true, 'another client has its own window');
      if (kind === 'memory') {
        now += 60000;
        assert.deepEqual(await store.hit('1.2.3.4', 3, 60000), { allowed: true, count: 1, retryAfterMs: 60000 });
      }
    } finally {
      await store.close();
    }
  });

  test(`${kind} store: an id is claimed once until its ttl ends`, async () => {
    let now = 1_000_000;
    const store = kind === 'memory' ? new MemoryStore({ now: () => now }) : new RedisStore(redis.url, { prefix: `c${Date.now()}:` });
    try {
      assert.equal(await store.claim('jwt::abc', kind === 'memory' ? 1000 : 150), true);
      assert.equal(await store.claim('jwt::abc', 1000), false);
      assert.equal(await store.claim('jwt::other', 1000), true);
      if (kind === 'memory') now += 1001;
      else await new Promise((r) => setTimeout(r, 250));
      assert.equal(await store.claim('jwt::abc', 1000), true, 'usable again after the ttl');
      assert.equal(await store.ping(), true);
    } finally {
      await store.close();
    }
  });
}

for (const kind of ['memory', 'redis']) {
  test(`${kind} store: reserve, then commit or release, exactly once under concurrency`, async () => {
    let now = 1_000_000;
    const store = kind === 'memory' ? new MemoryStore({ now: () => now }) : new RedisStore(redis.url, { prefix: `r${Date.now()}:` });
    try {
      // Fifty reservations at once: one wins.
      const tickets = await Promise.all(Array.from({ length: 50 }, () => store.reserve('jwt::a', 5000)));
      const won = tickets.filter(Boolean);
      assert.equal(won.length, 1);
      assert.equal(await store.claim('jwt::a', 1000), false, 'a reserved id is not free');
      // Released (the upstream failed): free again; a stale ticket cannot commit later.
      await store.release('jwt::a', won[0]);
      const second = await store.reserve('jwt::a', 5000);
      assert.ok(second);
      assert.equal(await store.commit('jwt::a', won[0], 60000), false, 'a released ticket is void');
      assert.equal(await store.commit('jwt::a', second, 60000), true);
      assert.equal(await store.reserve('jwt::a', 5000), null, 'committed: used');
      await store.release('jwt::a', second);
      assert.equal(await store.reserve('jwt::a', 5000), null, 'release after commit changes nothing');
      // A reservation whose holder died ends with its lease.
      const lost = await store.reserve('jwt::b', kind === 'memory' ? 1000 : 150);
      assert.ok(lost);
      if (kind === 'memory') now += 1001;
      else await new Promise((r) => setTimeout(r, 250));
      assert.ok(await store.reserve('jwt::b', 1000), 'free after the lease');
      assert.equal(await store.commit('jwt::b', lost, 1000), false);
    } finally {
      await store.close();
    }
  });
}

test('memory store: a full replay cache refuses new ids instead of forgetting live ones', async () => {
  let now = 0;
  const store = new MemoryStore({ maxEntries: 3, now: () => now });
  for (const id of ['a', 'b', 'c']) assert.equal(await store.claim(id, 1000), true);
  await assert.rejects(store.claim('d', 1000), (e) => e instanceof StoreError && /replay cache is full/.test(e.message));
  assert.equal(await store.claim('a', 1000), false, 'a live id is still remembered');
  now = 2000;
  assert.equal(await store.claim('d', 1000), true, 'expired ids make room');
  // Rate windows may evict the oldest live counter (harmless).
  for (const c of ['w', 'x', 'y', 'z']) await store.hit(c, 10, 1000);
  assert.equal(store.windows.size, 3);
});

test('redis store: errors become StoreError (the server answers 503)', async () => {
  const port = await freePort();
  const store = new RedisStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300, commandTimeoutMs: 300 });
  await assert.rejects(store.hit('c', 1, 1000), StoreError);
  await assert.rejects(store.claim('x', 1000), StoreError);
  assert.equal(store.describe(), `redis://127.0.0.1:${port}/0`);
  await store.close();
});
