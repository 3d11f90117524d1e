// Helpers of the server tests (tests/js/server*.test.js): a real redis-server on a free
// loopback port, a fake upstream license server, and small HTTP request helpers.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `redis-server --port <free> --save ''`; resolves {url, port, stop()}. */
export async function startRedis() {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 100; i++) {
      if (/Ready to accept connections/.test(output)) {
        return {
          port,
          url: `redis://127.0.0.1:${port}`,
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        };
      }
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
  }
  throw new Error('could not start redis-server');
}

/** One HTTP request: resolves {status, headers, body (Buffer), json (or undefined)}. */
export function request(url, { method = 'POST', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        let json;
        try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A fake upstream license server. `handler(req, body, res)` decides each answer; every
 * request is recorded in `requests` ({method, url, headers, body}).
 */
export async function startUpstream(handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, remotePort: req.socket.remotePort });
      handler(req, body, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A logger that keeps the JSON lines it is given. */
export function memoryLogger() {
  const lines = [];
  const make = (level) => (msg, fields = {}) => lines.push(JSON.parse(JSON.stringify({ level, msg, ...fields })));
  return { lines, debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

// ---- Independent credential builders (node:crypto), so the server's checks are tested
// against tokens and signatures the project's own code did not make.
import { createCipheriv, createHmac } from 'node:crypto';

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
export const uuidBytes = (uuid) => Buffer.from(uuid.replace(/-/g, ''), 'hex');

/** HS256 JWS compact serialisation of `payload` (RFC 7515 section 7.1). */
export function hs256(payload, key, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** Axinom encrypted_key: AES-256-CBC(communication key, IV = KID bytes) of the key, no padding. */
export function encryptKey(comKey, kidUuid, keyHex) {
  const c = createCipheriv('aes-256-cbc', comKey, uuidBytes(kidUuid));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.from(keyHex, 'hex')), c.final()]).toString('base64');
}

/**
 * An Axinom-style entitlement token (envelope version 1, message version 2).
 * keys: [{kid: uuid, key?: hex}] (key -> inline encrypted_key).
 */
export function entitlementToken({
  comKey, comKeyId, keys = [], id, allowPersistence, preventReuse, anyKid, exp, nbf, beginDate, expirationDate,
  header, licenseExpiration,
}) {
  const message = { type: 'entitlement_message', version: 2 };
  if (allowPersistence !== undefined || licenseExpiration) {
    message.license = {};
    if (allowPersistence !== undefined) message.license.allow_persistence = allowPersistence;
    if (licenseExpiration) message.license.expiration_datetime = licenseExpiration;
  }
  message.content_keys_source = anyKid ? { license_request: {} } : {
    inline: keys.map(({ kid, key }) => (key ? { id: kid, encrypted_key: encryptKey(comKey, kid, key) } : { id: kid })),
  };
  if (preventReuse) message.license_server = { access_control: { prevent_drm_message_reuse: true } };
  const payload = { version: 1, com_key_id: comKeyId, message };
  if (id !== undefined) payload.id = id;
  if (beginDate) payload.begin_date = beginDate;
  if (expirationDate) payload.expiration_date = expirationDate;
  if (exp !== undefined) payload.exp = exp;
  if (nbf !== undefined) payload.nbf = nbf;
  return hs256(payload, comKey, header);
}

// RFC 3986 percent-encoding as RFC 5849 section 3.6 requires.
const pct = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * RFC 5849 HMAC-SHA1 Authorization header for a request without a form body: the base
 * string from the method, the base URI and the sorted, encoded query + oauth_* parameters.
 */
export function oauthHeader({ method, url, consumerKey, consumerSecret, token, tokenSecret = '', nonce, timestamp }) {
  const u = new URL(url);
  const oauth = {
    oauth_consumer_key: consumerKey, oauth_nonce: nonce, oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(timestamp), oauth_version: '1.0',
  };
  if (token) oauth.oauth_token = token;
  const params = [...u.searchParams.entries(), ...Object.entries(oauth)].map(([k, v]) => [pct(k), pct(v)]);
  params.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const base = [method.toUpperCase(), pct(`${u.protocol}//${u.host}${u.pathname}`),
    pct(params.map(([k, v]) => `${k}=${v}`).join('&'))].join('&');
  const signature = createHmac('sha1', `${pct(consumerSecret)}&${pct(tokenSecret)}`).update(base).digest('base64');
  const all = { ...oauth, oauth_signature: signature };
  return `OAuth ${Object.entries(all).map(([k, v]) => `${pct(k)}="${pct(v)}"`).join(', ')}`;
}
