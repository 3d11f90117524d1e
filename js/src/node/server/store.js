// Shared state of the server: per-client rate-limit counters and the replay cache of token
// ids and OAuth nonces. In memory for one process; in Redis when several instances run
// behind a load balancer, so a limit and a "used once" hold across all of them.
//
// Rate limit: a fixed window per client, opened by its first request. Replay cache: an id
// is claimed once and remembered until `ttlMs` has passed (the token's own lifetime).
import { RedisClient } from './redis_client.js';

/** The store could not answer; the server fails closed (503) rather than skip a check. */
export class StoreError extends Error {}

export class MemoryStore {
  constructor({ maxEntries = 100000, now = Date.now } = {}) {
    this.maxEntries = maxEntries;
    this.now = now;
    this.windows = new Map();  // client -> {count, resetAt}
    this.claims = new Map();   // id -> expiresAt
  }

  /** Counts one request of `client`: {allowed, count, retryAfterMs}. */
  async hit(client, limit, windowMs) {
    const now = this.now();
    let w = this.windows.get(client);
    if (!w || w.resetAt <= now) {
      if (!w) this.makeRoom(this.windows);
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(client, w);
    }
    w.count++;
    return { allowed: w.count <= limit, count: w.count, retryAfterMs: w.resetAt - now };
  }

  /** True the first time `id` is claimed within its ttl, false on every replay. */
  async claim(id, ttlMs) {
    const now = this.now();
    const expiresAt = this.claims.get(id);
    if (expiresAt !== undefined && expiresAt > now) return false;
    if (expiresAt === undefined && !this.makeRoom(this.claims, false)) {
      throw new StoreError(`replay cache is full (${this.maxEntries} live ids)`);
    }
    this.claims.set(id, now + ttlMs);
    return true;
  }

  /**
   * Keeps a map under maxEntries: drops expired entries first; then, for rate windows only,
   * the oldest (forgetting a counter is harmless; forgetting a claimed id would allow a replay).
   */
  makeRoom(map, evictLive = true) {
    if (map.size < this.maxEntries) return true;
    const now = this.now();
    for (const [k, v] of map) {
      const end = typeof v === 'number' ? v : v.resetAt;
      if (end <= now) map.delete(k);
    }
    if (map.size < this.maxEntries) return true;
    if (!evictLive) return false;
    for (const k of map.keys()) {
      map.delete(k);
      if (map.size < this.maxEntries) break;
    }
    return true;
  }

  async ping() {
    return true;
  }

  describe() {
    return 'memory';
  }

  async close() {}
}

// INCR + first-hit PEXPIRE in one atomic step; returns {count, ms left in the window}.
const RATE_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export class RedisStore {
  constructor(url, { prefix = 'wasm-eme:', ...options } = {}) {
    this.client = new RedisClient(url, options);
    this.prefix = prefix;
    this.url = url;
  }

  async run(...args) {
    try {
      return await this.client.command(...args);
    } catch (e) {
      throw new StoreError(e.message);
    }
  }

  async hit(client, limit, windowMs) {
    const reply = await this.run('EVAL', RATE_SCRIPT, 1, `${this.prefix}rate:${client}`, Math.max(1, Math.round(windowMs)));
    if (!Array.isArray(reply) || reply.length !== 2) throw new StoreError('redis: unexpected rate-limit reply');
    const [count, ttl] = reply.map(Number);
    return { allowed: count <= limit, count, retryAfterMs: ttl };
  }

  async claim(id, ttlMs) {
    const reply = await this.run('SET', `${this.prefix}seen:${id}`, '1', 'NX', 'PX', Math.max(1, Math.round(ttlMs)));
    return reply === 'OK';
  }

  async ping() {
    return (await this.run('PING')) === 'PONG';
  }

  describe() {
    // Never the password.
    return `redis://${this.client.host}:${this.client.port}/${this.client.db}`;
  }

  async close() {
    this.client.close();
  }
}
