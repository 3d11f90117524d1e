// `wasm-eme serve` as a library: a Clear Key license server and/or a reverse proxy in front
// of other license servers, on node:http with no framework.
//
//   const server = createServer(config, {core, logger, now});
//   const {url} = await server.listen();   // port 0 picks a free port
//   await server.close();                  // graceful: finishes requests in flight
//
// Every request to a license or proxy route goes through the same steps, each of which may
// end it with a JSON error (http_util.js): route -> method (405) -> rate limit (429) -> body
// (413/408) -> authentication (401/403) -> the route's handler (400/403/404/502/504).
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { loadCore } from '../../core/module.js';
import { createAuthenticator } from './authenticate.js';
import { ConfigError, normalizeConfig } from './config.js';
import { HttpError, clientAddress, readBody, sendJson } from './http_util.js';
import { KeySource } from './keys.js';
import { createLicenseHandler } from './license_handler.js';
import { createLogger } from './log.js';
import { Metrics } from './metrics.js';
import { createProxyHandler, isServiceCertificateRequest } from './proxy_handler.js';
import { MemoryStore, RedisStore, StoreError } from './store.js';

export { ConfigError, normalizeConfig } from './config.js';
export { MemoryStore, RedisStore } from './store.js';
export { parseKeyFile } from './keys.js';

/**
 * Options: core (a loaded Core; loaded on listen() if absent), logger ({debug, info, warn,
 * error}; default JSON lines on stdout at config.log.level), now (() => ms, for tests),
 * store (a MemoryStore/RedisStore to use instead of the configured one).
 */
export function createServer(rawConfig, options = {}) {
  const config = normalizeConfig(rawConfig);
  const log = options.logger || createLogger({ level: config.log.level });
  const now = options.now || Date.now;
  const metrics = new Metrics();
  const routes = new Map();  // path -> {name, methods, handler, needsAuthBody}
  const idPrefix = randomBytes(3).toString('hex');
  let requestCount = 0;
  let state = 'new';  // new -> starting -> listening -> draining -> closed
  let coreFailed = false;
  let core = options.core || null;
  let store = options.store || null;
  let authenticator = null;
  let keySource = null;
  const closers = [];
  const inFlight = new Set();

  const limits = config.limits;
  const server = http.createServer({
    maxHeaderSize: limits.headerBytes,  // larger header blocks get 431 from Node
    headersTimeout: limits.headersTimeoutMs,
    // A backstop: readBody's own timer answers a slow body first (408 body-timeout).
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 1000,
    // Node enforces both timeouts only when it checks, every 30 s by default: check often
    // enough that a limit holds to within a quarter of it (at most 1 s late).
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  }, (req, res) => {
    handle(req, res).catch((e) => {
      log.error('unhandled', { error: e?.message });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', reason: 'internal', message: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  // Node keeps only the first 2000 headers by default and drops the rest silently (a token
  // or Content-Length among them): keep all, and refuse more than headerCount in handle().
  server.maxHeadersCount = 0;
  server.maxConnections = limits.maxConnections;  // Node closes the ones over it unread
  server.on('drop', () => metrics.refuseConnection('total'));
  const perClient = new Map();  // remote address -> open connections
  server.prependListener('connection', (socket) => {
    const address = socket.remoteAddress || 'unknown';
    const open = perClient.get(address) || 0;
    if (limits.maxConnectionsPerClient && open >= limits.maxConnectionsPerClient) {
      metrics.refuseConnection('per-client');
      socket.destroy();
      return;
    }
    perClient.set(address, open + 1);
    metrics.connections++;
    socket.once('close', () => {
      metrics.connections--;
      const n = perClient.get(address) - 1;
      if (n > 0) perClient.set(address, n);
      else perClient.delete(address);
    });
  });
  server.on('clientError', (err, socket) => {
    // Malformed HTTP, header blocks over the limit, header and request timeouts: answer if
    // the socket still can and no response has started on it.
    if (!socket.writable || socket._httpMessage?.headersSent) return socket.destroy();
    const [status, error, reason, message] =
      err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers-too-large', err.code, `request headers exceed ${limits.headerBytes} bytes`]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? (socket._httpMessage
          ? [408, 'request-timeout', 'request-timeout', `request not received within ${limits.headersTimeoutMs + limits.bodyTimeoutMs} ms`]
          : [408, 'request-timeout', 'headers-timeout', `request headers not received within ${limits.headersTimeoutMs} ms`])
          : [400, 'bad-request', err.code || 'parse-error', 'malformed HTTP request'];
    const body = JSON.stringify({ error, reason, message });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    metrics.observe({ route: 'none', outcome: error, status, seconds: 0 });
  });

  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!config.cors || !origin) return {};
    if (config.cors.origins !== '*' && !config.cors.origins.includes(origin)) return {};
    return {
      'Access-Control-Allow-Origin': config.cors.origins === '*' ? '*' : origin,
      'Access-Control-Expose-Headers': 'Retry-After, X-HDCP-Level, X-Request-Id',
      ...(config.cors.origins === '*' ? {} : { Vary: 'Origin' }),
    };
  }

  async function handle(req, res) {
    const started = process.hrtime.bigint();
    const requestId = `${idPrefix}-${(++requestCount).toString(36)}`;
    const path = req.url.split('?')[0];
    const route = routes.get(path);
    const info = { requestId, method: req.method, path, route: route?.name || (['/healthz', '/metrics'].includes(path) ? path.slice(1) : 'none'), client: clientAddress(req, config.trustProxy) };
    const cors = corsHeaders(req);
    const common = { ...cors, 'X-Request-Id': requestId, ...(state === 'draining' ? { Connection: 'close' } : {}) };
    inFlight.add(res);
    metrics.inFlight++;
    res.on('close', () => {
      inFlight.delete(res);
      metrics.inFlight--;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const outcome = info.outcome || (status < 400 ? 'ok' : `http-${status}`);
      if (!res.writableFinished) info.aborted = true;
      metrics.observe({ route: info.route, outcome, status, seconds });
      if (info.route !== 'healthz' && info.route !== 'metrics') {
        log.info('request', { ...info, status, outcome, ms: Math.round(seconds * 1e4) / 10 });
      }
    });

    try {
      if (req.rawHeaders.length / 2 > limits.headerCount) {
        throw new HttpError(431, 'too-many-headers', `more than ${limits.headerCount} headers (${req.rawHeaders.length / 2})`,
          { headers: { Connection: 'close' } });
      }
      if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return await health(res, common);
      if (path === '/metrics' && req.method === 'GET') {
        res.writeHead(200, { ...common, 'Content-Type': 'text/plain; version=0.0.4', 'Cache-Control': 'no-store' });
        return res.end(metrics.text());
      }
      if (!route) throw new HttpError(404, 'no-route', `no route ${path.slice(0, 100)}`);
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.writeHead(204, {
          ...common,
          ...(cors['Access-Control-Allow-Origin'] ? {
            'Access-Control-Allow-Methods': route.methods.join(', '),
            'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '',
            'Access-Control-Max-Age': '600',
          } : {}),
        });
        return res.end();
      }
      if (!route.methods.includes(req.method)) {
        throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${path}`,
          { headers: { Allow: route.methods.join(', ') } });
      }
      if (state !== 'listening') throw new HttpError(503, 'shutting-down', 'the server is shutting down');
      await rateLimit(info.client);
      const body = await readBody(req, { limit: config.limits.bodyBytes, timeoutMs: config.limits.bodyTimeoutMs });
      info.bodyBytes = body.length;
      let principal = null;
      if (route.kind === 'proxy' && isServiceCertificateRequest(req, body)) {
        info.serviceCertificate = true;
      } else {
        principal = await authenticator.authenticate(req, { nowMs: now(), body });
        info.auth = principal.method;
        info.principal = principal.client;
        if (principal.tokenId) info.tokenId = principal.tokenId;
        if (principal.tokenFingerprint) info.tokenFingerprint = principal.tokenFingerprint;
      }
      let answer;
      try {
        answer = await route.handler({ req, body, principal, info });
      } finally {
        for (const key of principal?.tokenKeys?.values() || []) key?.fill(0);
      }
      info.outcome = 'ok';
      res.writeHead(answer.status, { ...answer.headers, ...common, 'Cache-Control': 'no-store', 'Content-Length': answer.body.length });
      res.end(answer.body);
      answer.wipe?.fill(0);  // the written license held keys; the socket has its own copy
    } catch (e) {
      let error = e;
      if (e instanceof StoreError) error = new HttpError(503, 'store-unavailable', `state store unavailable: ${e.message}`);
      else if (!(e instanceof HttpError)) {
        // A trap inside the wasm module leaves it unusable: report unhealthy so that the
        // orchestrator replaces this instance, rather than answering 500 forever.
        if (e instanceof WebAssembly.RuntimeError) coreFailed = true;
        log.error('handler-error', { requestId, error: e?.message, code: e?.code, wasmTrap: coreFailed || undefined });
        error = new HttpError(500, 'internal', 'internal error');
      }
      info.outcome = error.code;
      info.reason = error.reason;
      if (error.extra?.kidHex) info.deniedKid = error.extra.kidHex;
      sendJson(res, error.status, error.body(requestId), { ...error.headers, ...common });
    }
  }

  async function rateLimit(client) {
    const rl = config.limits.rateLimit;
    if (!rl) return;
    const { allowed, retryAfterMs } = await store.hit(client, rl.requests, rl.windowSeconds * 1000);
    if (!allowed) {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new HttpError(429, 'rate-limited', `more than ${rl.requests} requests in ${rl.windowSeconds} s; retry in ${seconds} s`,
        { headers: { 'Retry-After': String(seconds) } });
    }
  }

  async function health(res, common) {
    let storeOk = true;
    try {
      storeOk = await store.ping();
    } catch {
      storeOk = false;
    }
    const ok = state === 'listening' && storeOk && !coreFailed;
    sendJson(res, ok ? 200 : 503, {
      status: ok ? 'ok' : coreFailed ? 'failed' : state === 'listening' ? 'degraded' : state,
      store: { kind: store.describe().split(':')[0], ok: storeOk },
      uptimeSeconds: Math.round((Date.now() - metrics.started) / 1000),
      inFlight: Math.max(0, inFlight.size - 1),
    }, common);
  }

  async function start() {
    core = core || await loadCore();
    authenticator = createAuthenticator(core, config.auth, { trustProxy: config.trustProxy });
    if (!store) {
      store = config.redis ? new RedisStore(config.redis.url, { prefix: config.redis.prefix }) : new MemoryStore({ now });
      closers.push(() => store.close());
    }
    if (config.license) {
      keySource = new KeySource(core, config.license);
      closers.push(() => keySource.wipe());
      routes.set(config.license.path, {
        name: 'license', kind: 'license', methods: ['POST'],
        handler: createLicenseHandler(core, { keySource, maxKids: config.license.maxKids, store }),
      });
    }
    for (const route of config.proxy) {
      let exchange = null;
      if (route.unwrap !== undefined) {
        const { LicenseExchange } = await import('../../core/license.js');
        try {
          exchange = LicenseExchange.fromConfig(core, route.unwrap);
        } catch (e) {
          throw new ConfigError(`config.proxy ${route.path} unwrap: ${e.message}`);
        }
        closers.push(() => exchange.dispose());
      }
      const handler = createProxyHandler(core, route, { store, metrics, exchange });
      closers.push(() => handler.close());
      routes.set(route.path, { name: `proxy:${route.path}`, kind: 'proxy', methods: ['POST', 'GET'], handler });
    }
  }

  return {
    config,
    metrics,
    server,
    /** Starts listening; resolves {host, port, url}. port/host default to the config's. */
    async listen(port = config.port, host = config.host) {
      if (state !== 'new') throw new Error(`listen() called on a server that is ${state}`);
      state = 'starting';
      try {
        await start();
        await new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        state = 'closed';
        for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => {});
        throw e;
      }
      state = 'listening';
      const address = server.address();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      log.info('listening', {
        url, store: store.describe(), auth: config.auth.map((a) => a.type),
        routes: [...routes.values()].map((r) => r.name), keyCount: keySource?.size, usesKeySeed: keySource ? !!keySource.seed : undefined,
      });
      return { host: address.address, port: address.port, url };
    },

    /**
     * Graceful shutdown: stops accepting connections, lets requests in flight finish (new
     * requests on kept-alive connections get 503 with Connection: close), then closes the
     * connections and releases everything. After timeoutMs the remaining ones are cut.
     */
    async close({ timeoutMs = config.shutdownTimeoutMs } = {}) {
      if (state === 'closed' || state === 'draining') return;
      const wasListening = state === 'listening';
      state = 'draining';
      log.info('draining', { inFlight: inFlight.size });
      // Requests in flight finish, but their connections are not kept for another one.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      if (wasListening) {
        // net's close, not http's: http's also destroys idle kept-alive connections at once,
        // so a request the client is sending on one meets a reset instead of the 503 below.
        // They stay open while the server drains; each new request on them gets 503
        // shutting-down with Connection: close.
        const closed = new Promise((resolve) => net.Server.prototype.close.call(server, resolve));
        const deadline = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
        const drained = (async () => {
          while (inFlight.size) await new Promise((r) => setTimeout(r, 10));
        })();
        await Promise.race([drained, deadline]);
        server.closeAllConnections();
        await closed;
      }
      for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => {});
      state = 'closed';
      log.info('closed', {});
    },

    address: () => server.address(),
  };
}
