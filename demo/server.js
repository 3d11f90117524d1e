// The demo's one HTTP server: the page, the polyfill sources and the wasm module, Shaka
// Player's files from node_modules, the content, and the license endpoints:
//
//   POST /license   the wasm-eme Clear Key license server (js/src/node/server, no authentication)
//   POST /proxy     the wasm-eme license proxy (entitlement token in X-AxDRM-Message; KIDs checked)
//                   -> /wrapped, whose answer it unwraps with the JSON template below
//   POST /wrapped   a "vendor" license server speaking a wrapped protocol:
//                   {"challenge": base64} in, {"status":"ok","result":{"license": base64}} out
//   GET  /demo/api/catalog, /demo/api/token?kid=HEX   the content list; an entitlement token
//
// The two wasm-eme servers (their authentication differs) are createServer() instances whose
// request handlers this server calls in-process: the user sees one port. The instance that
// owns the port is the license server; the proxy instance also listens on a loopback port
// of its own, which nothing uses (createServer() serves only once listening).
import http from 'node:http';
import net from 'node:net';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../js/src/core/module.js';
import { makeEntitlement } from '../js/src/core/auth.js';
import { createServer as createLicenseServer } from '../js/src/node/server/index.js';
import { createLogger } from '../js/src/node/server/log.js';
import { buildCatalog, shakaHlsPlaylist } from './catalog.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Demo-only secrets: the communication key that signs the proxy's entitlement tokens.
export const DEMO_COMMUNICATION_KEY = Buffer.from('demo-communication-key-32-bytes!').toString('hex');
export const DEMO_COM_KEY_ID = 'a7d1b6b0-7d0e-4c1e-9c3b-6d656d6f6b31';
const TOKEN_HEADER = 'X-AxDRM-Message';
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;

/** The template the page starts with for the wrapped protocol (Kodi license_key form). */
export const DEFAULT_TEMPLATE = '/wrapped|Content-Type=application/json|{"drm":"clearkey","challenge":"b{SSM}"}|JB[license]';
// How the proxy unwraps the vendor's answer (the JSON configuration form).
const PROXY_UNWRAP = { response: { unwrap: ['json', 'base64'], path: 'license' } };

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json', '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4', '.m4s': 'video/iso.segment', '.m4v': 'video/mp4', '.m4a': 'audio/mp4', '.cmfv': 'video/mp4',
  '.mpd': 'application/dash+xml', '.m3u8': 'application/vnd.apple.mpegurl', '.woff2': 'font/woff2',
};

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body over ${limit} bytes`));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// A path below `root` or null (no '..' escapes, no absolute paths).
function safeJoin(root, rel) {
  const p = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  return p === root || p.startsWith(root + path.sep) ? p : null;
}

// Static files with single byte ranges (Shaka fetches SegmentList/BYTERANGE media by range).
async function sendFile(req, res, file) {
  const info = file && await stat(file).catch(() => null);
  if (!info || !info.isFile()) return sendJson(res, 404, { error: 'not-found', message: `no file ${req.url.split('?')[0]}` });
  const headers = {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
    'Cache-Control': 'no-store',
    'Accept-Ranges': 'bytes',
  };
  let start = 0;
  let end = info.size - 1;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  if (req.headers.range) {
    if (!range || (range[1] === '' && range[2] === '')) {
      res.writeHead(416, { 'Content-Range': `bytes */${info.size}` });
      return res.end();
    }
    if (range[1] === '') {
      start = Math.max(0, info.size - Number(range[2]));
    } else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(end, Number(range[2]));
    }
    if (start > end || start >= info.size) {
      res.writeHead(416, { 'Content-Range': `bytes */${info.size}` });
      return res.end();
    }
    headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
  }
  headers['Content-Length'] = end - start + 1;
  res.writeHead(req.headers.range ? 206 : 200, headers);
  if (req.method === 'HEAD') return res.end();
  createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
}

function freePort(host) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the demo server. Options: port (default 8080; 0 = any free port), host (default
 * 127.0.0.1), strictPort (fail when `port` is taken instead of picking a free one),
 * contentDir (default <repo>/content), testdataDir (default <repo>/../shared/testdata if it
 * exists), logLevel for the license servers' JSON logs (default 'warn'), write (log sink).
 * Resolves to {url, catalog, close()}.
 */
export async function startDemo(options = {}) {
  const host = options.host || '127.0.0.1';
  const contentDir = path.resolve(options.contentDir || path.join(repoRoot, 'content'));
  const testdataDir = options.testdataDir === undefined ? path.resolve(repoRoot, '../shared/testdata') : options.testdataDir;
  const write = options.write || ((line) => process.stdout.write(line));
  const logger = createLogger({ level: options.logLevel || 'warn', write });
  const catalog = buildCatalog({ contentDir, testdataDir });
  const core = options.core || await loadCore();

  let port = options.port === undefined ? 8080 : options.port;
  if (port === 0) port = await freePort(host);
  let servers;
  for (;;) {
    servers = makeServers({ core, logger, host, port, catalog });
    try {
      await servers.license.listen(port, host);
      break;
    } catch (e) {
      if (e?.code !== 'EADDRINUSE' || options.strictPort) throw e;
      port = await freePort(host);  // 8080 is taken: any free port will do for a demo
    }
  }
  await servers.proxy.listen(0, '127.0.0.1');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // The license server's http.Server owns the port; its one request listener becomes ours.
  const httpServer = servers.license.server;
  const [licenseHandler] = httpServer.listeners('request');
  const [proxyHandler] = servers.proxy.server.listeners('request');
  if (!licenseHandler || !proxyHandler) throw new Error('createServer() has no request listener to delegate to');
  httpServer.removeAllListeners('request');
  const demoHandler = makeDemoHandler({ core, catalog, url, contentDir, testdataDir });
  httpServer.on('request', (req, res) => {
    const p = req.url.split('?')[0];
    if (p === '/license' || p === '/healthz' || p === '/metrics') return licenseHandler(req, res);
    if (p === '/proxy') return proxyHandler(req, res);
    demoHandler(req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: String(e?.message || e) });
      else res.destroy();
    });
  });

  return {
    url,
    catalog,
    async close() {
      await servers.proxy.close({ timeoutMs: 1000 });
      await servers.license.close({ timeoutMs: 1000 });
    },
  };
}

function makeServers({ core, logger, host, port, catalog }) {
  const limits = { rateLimit: false };  // a local demo: the check loads many times a minute
  const license = createLicenseServer({
    host, port, auth: { type: 'none' }, limits, cors: false,
    license: { path: '/license', keys: { ...catalog.keys } },
  }, { core, logger });
  const proxy = createLicenseServer({
    host: '127.0.0.1', port: 0, limits, cors: false,
    auth: { type: 'entitlement', header: TOKEN_HEADER, communicationKey: DEMO_COMMUNICATION_KEY, comKeyId: DEMO_COM_KEY_ID },
    proxy: { path: '/proxy', upstream: `http://127.0.0.1:${port}/wrapped`, keySystem: 'clearkey', unwrap: PROXY_UNWRAP },
  }, { core, logger });
  return { license, proxy };
}

function makeDemoHandler({ core, catalog, url, contentDir, testdataDir }) {
  const demoDir = path.join(repoRoot, 'demo');
  const shakaDir = path.join(repoRoot, 'node_modules/shaka-player/dist');
  const statics = [
    ['/demo/', demoDir],
    ['/js/src/', path.join(repoRoot, 'js/src')],
    ['/dist/', path.join(repoRoot, 'dist')],
    ['/node_modules/shaka-player/dist/', shakaDir],
    ['/content/', contentDir],
  ];
  if (testdataDir) statics.push(['/testdata/', path.resolve(testdataDir)]);

  return async (req, res) => {
    const u = new URL(req.url, url);
    const p = decodeURIComponent(u.pathname);
    if (p === '/' || p === '/demo') {
      res.writeHead(302, { Location: `/demo/${u.search}` });
      return res.end();
    }
    if (p === '/demo/api/catalog') {
      return sendJson(res, 200, {
        entries: catalog.entries.map(({ keys, ...e }) => ({ ...e, keys })),
        // The template's URL must be absolute: the address the browser used for this page.
        template: `http://${req.headers.host || new URL(url).host}${DEFAULT_TEMPLATE}`,
        tokenHeader: TOKEN_HEADER,
      });
    }
    if (p === '/demo/api/token') return token(u, res);
    if (p === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (p === '/wrapped') return wrapped(req, res);
    if (p.startsWith('/demo/key/')) {
      return sendJson(res, 403, {
        error: 'forbidden',
        message: 'this URI names a KID; the demo page turns the HLS key request into a Clear Key license request',
      });
    }
    const generated = catalog.routes.get(p);
    if (generated) {
      res.writeHead(200, { 'Content-Type': generated.type, 'Cache-Control': 'no-store' });
      return res.end(generated.body);
    }
    if (p.startsWith('/content/') && p.endsWith('.m3u8')) {
      const file = safeJoin(contentDir, p.slice('/content/'.length));
      const text = file && await readFile(file, 'utf8').catch(() => null);
      if (text === null || !file) return sendJson(res, 404, { error: 'not-found', message: `no playlist ${p}` });
      res.writeHead(200, { 'Content-Type': TYPES['.m3u8'], 'Cache-Control': 'no-store' });
      return res.end(shakaHlsPlaylist(text));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method-not-allowed', message: `${req.method} ${p}` });
    for (const [prefix, dir] of statics) {
      if (p.startsWith(prefix)) {
        const rel = p.slice(prefix.length) || (prefix === '/demo/' ? 'index.html' : '');
        return sendFile(req, res, safeJoin(dir, rel));
      }
    }
    return sendJson(res, 404, { error: 'not-found', message: `no route ${p}` });
  };

  // An entitlement for the KIDs the page asks for, if the demo knows them.
  function token(u, res) {
    const kids = u.searchParams.getAll('kid').map((k) => k.toLowerCase());
    const unknown = kids.find((k) => !catalog.keys[k]);
    if (!kids.length || unknown !== undefined) {
      return sendJson(res, 400, { error: 'bad-request', message: kids.length ? `unknown KID ${unknown}` : 'no kid parameter' });
    }
    const expires = Date.now() + TOKEN_LIFETIME_MS;
    const value = makeEntitlement(core, {
      communicationKey: DEMO_COMMUNICATION_KEY,
      comKeyId: DEMO_COM_KEY_ID,
      messageVersion: 1,
      expirationDate: new Date(expires),
      keys: kids.map((kid) => ({ kid })),
    });
    return sendJson(res, 200, { header: TOKEN_HEADER, token: value, expires: new Date(expires).toISOString() });
  }

  // The vendor's wrapped protocol, in front of the wasm-eme license server.
  async function wrapped(req, res) {
    if (req.method !== 'POST') return sendJson(res, 405, { status: 'error', message: 'POST a JSON license request' });
    let challenge;
    try {
      const body = JSON.parse((await readBody(req)).toString('utf8'));
      if (body && typeof body.challenge === 'string') challenge = Buffer.from(body.challenge, 'base64');
      else if (body && Array.isArray(body.kids)) challenge = Buffer.from(JSON.stringify(body));  // from the proxy
      else throw new Error('neither {"challenge": base64} nor a Clear Key request');
    } catch (e) {
      return sendJson(res, 400, { status: 'error', message: `wrapped license request: ${e.message}` });
    }
    const answer = await fetch(`${url}/license`, { method: 'POST', body: challenge, headers: { 'Content-Type': 'application/json' } });
    const bytes = Buffer.from(await answer.arrayBuffer());
    if (!answer.ok) {
      let detail;
      try { detail = JSON.parse(bytes.toString('utf8')); } catch { detail = { message: bytes.toString('utf8').slice(0, 200) }; }
      return sendJson(res, answer.status, { status: 'error', message: detail.message, reason: detail.reason });
    }
    const license = bytes.toString('base64');
    bytes.fill(0);
    return sendJson(res, 200, { status: 'ok', result: { license, issued: new Date().toISOString() } });
  }
}
