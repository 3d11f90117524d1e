// A small Redis client: RESP2 over node:net, commands pipelined in order on one connection,
// connected lazily and again after a failure. Enough for the rate limiter and replay cache
// (EVAL, SET NX PX, PING); not a general client.
import net from 'node:net';

export class RedisError extends Error {}

const CRLF = Buffer.from('\r\n');
const MAX_REPLY = 1 << 20;  // our commands have tiny replies; anything larger is a protocol error

function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/**
 * Parses one RESP2 value at `offset`. Returns {value, next} or null when more bytes are
 * needed. Server errors become RedisError values (not thrown) so the caller can hand them to
 * the command that caused them.
 */
export function parseReply(buf, offset = 0) {
  const lineEnd = buf.indexOf(CRLF, offset);
  if (lineEnd < 0) {
    if (buf.length - offset > MAX_REPLY) throw new RedisError('redis: reply line too long');
    return null;
  }
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+': return { value: line, next };
    case '-': return { value: new RedisError(`redis: ${line}`), next };
    case ':': return { value: Number(line), next };
    case '$': {
      const len = Number(line);
      if (len === -1) return { value: null, next };
      if (!Number.isInteger(len) || len < 0 || len > MAX_REPLY) throw new RedisError(`redis: bad bulk length ${line}`);
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString('utf8', next, next + len), next: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count === -1) return { value: null, next };
      if (!Number.isInteger(count) || count < 0 || count > 1024) throw new RedisError(`redis: bad array length ${line}`);
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return null;
        items.push(item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    default:
      throw new RedisError(`redis: unexpected reply type 0x${buf[offset].toString(16)}`);
  }
}

/** Options: connectTimeoutMs, commandTimeoutMs. URL: redis://[[user]:password@]host[:port][/db]. */
export class RedisClient {
  constructor(url, { connectTimeoutMs = 2000, commandTimeoutMs = 2000 } = {}) {
    const u = new URL(url);
    if (u.protocol !== 'redis:') throw new RedisError(`redis URL must start with redis:// (got ${u.protocol})`);
    this.host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    this.port = Number(u.port || 6379);
    this.user = decodeURIComponent(u.username || '');
    this.password = decodeURIComponent(u.password || '');
    const db = u.pathname.replace(/^\//, '');
    if (db && !/^\d+$/.test(db)) throw new RedisError(`redis URL database '${db}' is not a number`);
    this.db = db ? Number(db) : 0;
    this.connectTimeoutMs = connectTimeoutMs;
    this.commandTimeoutMs = commandTimeoutMs;
    this.socket = null;
    this.pending = [];
    this.buffer = Buffer.alloc(0);
    this.closed = false;
  }

  /** Sends one command; resolves with its reply, rejects with RedisError. */
  command(...args) {
    if (this.closed) return Promise.reject(new RedisError('redis: client closed'));
    if (!this.socket) this.connect();
    return this.send(args);
  }

  send(args) {
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, timer: null };
      entry.timer = setTimeout(() => {
        // Replies arrive in order: after a lost one the connection cannot be trusted.
        this.fail(new RedisError(`redis: no reply within ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      this.pending.push(entry);
      this.socket.write(encodeCommand(args));
    });
  }

  connect() {
    const socket = net.createConnection({ host: this.host, port: this.port });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.setTimeout(this.connectTimeoutMs, () => {
      if (socket.connecting) this.fail(new RedisError(`redis: cannot connect to ${this.host}:${this.port} within ${this.connectTimeoutMs} ms`), socket);
    });
    socket.once('connect', () => socket.setTimeout(0));
    socket.on('data', (chunk) => this.onData(chunk, socket));
    socket.on('error', (e) => this.fail(new RedisError(`redis: ${e.code || e.message} (${this.host}:${this.port})`), socket));
    socket.on('close', () => this.fail(new RedisError('redis: connection closed'), socket));
    // Queued before any caller's command, so they run first on this connection.
    const setup = [];
    if (this.password) setup.push(this.user ? ['AUTH', this.user, this.password] : ['AUTH', this.password]);
    if (this.db) setup.push(['SELECT', this.db]);
    for (const args of setup) this.send(args).catch(() => {});
  }

  onData(chunk, socket) {
    if (socket !== this.socket) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      let offset = 0;
      for (;;) {
        const reply = parseReply(this.buffer, offset);
        if (!reply) break;
        offset = reply.next;
        const entry = this.pending.shift();
        if (!entry) throw new RedisError('redis: reply without a command');
        clearTimeout(entry.timer);
        if (reply.value instanceof RedisError) entry.reject(reply.value);
        else entry.resolve(reply.value);
      }
      this.buffer = this.buffer.subarray(offset);
    } catch (e) {
      this.fail(e instanceof RedisError ? e : new RedisError(`redis: ${e.message}`), socket);
    }
  }

  /** Drops the connection and rejects every command waiting on it. */
  fail(error, socket = this.socket) {
    if (socket !== this.socket || !socket) return;
    this.socket = null;
    socket.destroy();
    const pending = this.pending;
    this.pending = [];
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  close() {
    this.closed = true;
    this.fail(new RedisError('redis: client closed'));
  }
}
