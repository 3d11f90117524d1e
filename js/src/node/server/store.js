// Shared state of the server: per-client rate-limit counters and the replay cache of token
// ids and OAuth nonces. In memory for one process; in Redis when several instances run
// behind a load balancer, so a limit and a "used once" hold across all of them.
//
// Rate limit: a fixed window per client, opened by its first request. Replay cache: an id
// is claimed once and remembered until `ttlMs` has passed (the token's own lifetime). A
// request that may still fail (the upstream has not answered) reserves the id for a lease
// instead, then commits it (used until the ttl) or releases it (usable again): a failure
// does not burn a single-use token, and two requests never both succeed with it.
import { randomBytes } from 'node:crypto';
import { RedisClient } from './redis_client.js';

const ticket = () => randomBytes(12).toString('base64url');

/** The store could not answer; the server fails closed (503) rather than skip a check. */
export class StoreError extends Error {}

export class MemoryStore {
  constructor({ maxEntries = 100000, now = Date.now } = {}) {
    this.maxEntries = maxEntries;
    this.now = now;
    this.windows = new Map();  // client -> {count, resetAt}
    this.claims = new Map();   // id -> {end, ticket}: ticket set while reserved, null once used
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
    const t = await this.reserve(id, ttlMs);
    return t !== null && this.commit(id, t, ttlMs);
  }

  /** A ticket if `id` is free (held for leaseMs), null if it is used or reserved. */
  async reserve(id, leaseMs) {
    const now = this.now();
    const entry = this.claims.get(id);
    if (entry !== undefined && entry.end > now) return null;
    if (entry === undefined && !this.makeRoom(this.claims, false)) {
      throw new StoreError(`replay cache is full (${this.maxEntries} live ids)`);
    }
    const t = ticket();
    this.claims.set(id, { end: now + leaseMs, ticket: t });
    return t;
  }

  /** Marks a reserved id used for ttlMs; false if the ticket no longer holds it. */
  async commit(id, t, ttlMs) {
    const entry = this.claims.get(id);
    if (!entry || entry.ticket !== t || entry.end <= this.now()) return false;
    this.claims.set(id, { end: this.now() + ttlMs, ticket: null });
    return true;
  }

  /** Frees a reserved id (nothing happens unless the ticket still holds it). */
  async release(id, t) {
    if (this.claims.get(id)?.ticket === t) this.claims.delete(id);
  }

  /**
   * Keeps a map under maxEntries: drops expired entries first; then, for rate windows only,
   * the oldest (forgetting a counter is harmless; forgetting a claimed id would allow a replay).
   */
  makeRoom(map, evictLive = true) {
    if (map.size < this.maxEntries) return true;
    const now = this.now();
    for (const [k, v] of map) {
      const end = v.end ?? v.resetAt;
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

// Commit and release act only while the key still holds the caller's ticket.
const COMMIT_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'used', 'PX', ARGV[2])
return 1`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

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
    const reply = await this.run('SET', `${this.prefix}seen:${id}`, 'used', 'NX', 'PX', Math.max(1, Math.round(ttlMs)));
    return reply === 'OK';
  }

  async reserve(id, leaseMs) {
    const t = `reserved:${ticket()}`;
    const reply = await this.run('SET', `${this.prefix}seen:${id}`, t, 'NX', 'PX', Math.max(1, Math.round(leaseMs)));
    return reply === 'OK' ? t : null;
  }

  async commit(id, t, ttlMs) {
    return (await this.run('EVAL', COMMIT_SCRIPT, 1, `${this.prefix}seen:${id}`, t, Math.max(1, Math.round(ttlMs)))) === 1;
  }

  async release(id, t) {
    await this.run('EVAL', RELEASE_SCRIPT, 1, `${this.prefix}seen:${id}`, t);
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
