// A static file server for the browser tests (localhost only): the repository at /, the shared
// test vectors at /testdata/ (../shared/testdata beside the checkout, never copied into the
// repo), and a Clear Key license endpoint at /license that answers the JSON license request
// (EME Clear Key section 9.1.3) with a JWK set of the keys it knows.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testdataRoot = path.resolve(repoRoot, '../shared/testdata');

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.mp4': 'video/mp4', '.m4s': 'video/iso.segment', '.mpd': 'application/dash+xml', '.json': 'application/json',
  '.m3u8': 'application/vnd.apple.mpegurl', '.css': 'text/css', '.m4v': 'video/mp4', '.map': 'application/json',
};

/** Published keys of ../shared/testdata/README.md: KID hex -> key hex. */
export const TEST_KEYS = {
  '4060a865887842679cbf91ae5bae1e72': 'fc35340837310cc0fb53de97e22a69e0',
  'cd7eb9ff88f34caeb06185b00024e4c2': '63cb5f7184dd4b689a5c5ff11ee6a328',
  '21b82dc2ebb24d5aa9f8631f04726650': '602a9289bfb9b1995b75ac63f123fc86',
};

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const fromB64url = (s) => Buffer.from(s, 'base64url');

/** The JWK set answering a Clear Key license request body, or null if it is not one. */
export function licenseFor(requestBody, keys) {
  let request;
  try {
    request = JSON.parse(requestBody);
  } catch {
    return null;
  }
  if (!request || !Array.isArray(request.kids)) return null;
  const jwks = [];
  for (const kid of request.kids) {
    if (typeof kid !== 'string') return null;
    const hex = fromB64url(kid).toString('hex');
    if (keys[hex]) jwks.push({ kty: 'oct', kid, k: b64url(Buffer.from(keys[hex], 'hex')) });
  }
  const license = { keys: jwks };
  if (request.type) license.type = request.type;
  return license;
}

function safeJoin(root, rel) {
  const p = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  return p.startsWith(root + path.sep) || p === root ? p : null;
}

/**
 * Starts the server on 127.0.0.1 with an ephemeral port. Options: keys (KID hex -> key hex),
 * distDir (where /dist/ files come from; default <repo>/dist), routes ({path: (req, res) => void}),
 * crossOriginIsolated (send COOP same-origin + COEP require-corp with every response, so pages
 * are cross-origin isolated and have SharedArrayBuffer).
 * Resolves to {url, close(), state: {licenseRequests (count), paths (every request's path, in order)}}.
 */
export async function startServer(options = {}) {
  const keys = options.keys || TEST_KEYS;
  const distDir = options.distDir || process.env.WEE_DIST_DIR || path.join(repoRoot, 'dist');
  const routes = options.routes || {};
  const state = { licenseRequests: 0, paths: [] };
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      state.paths.push(url.pathname);
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cache-Control', 'no-store');
      if (options.crossOriginIsolated) {
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      }
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Headers', '*');
        res.end();
        return;
      }
      if (routes[url.pathname]) {
        routes[url.pathname](req, res, url);
        return;
      }
      if (url.pathname === '/license') {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        state.licenseRequests += 1;
        const mode = url.searchParams.get('mode');
        if (mode === 'garbage') {
          res.end('this is not a license');
          return;
        }
        const license = licenseFor(Buffer.concat(chunks).toString('utf8'), keys);
        if (!license) {
          res.statusCode = 400;
          res.end('bad license request');
          return;
        }
        if (mode === 'wrong-key') for (const k of license.keys) k.k = b64url(Buffer.alloc(16, 7));
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(license));
        return;
      }
      let file = null;
      const rel = decodeURIComponent(url.pathname);
      if (rel.startsWith('/testdata/')) file = safeJoin(testdataRoot, rel.slice('/testdata/'.length));
      else if (rel.startsWith('/dist/')) file = safeJoin(distDir, rel.slice('/dist/'.length));
      else file = safeJoin(repoRoot, rel.slice(1));
      if (!file || !(await stat(file).catch(() => null))?.isFile()) {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      const body = await readFile(file);
      res.setHeader('Content-Type', TYPES[path.extname(file)] || 'application/octet-stream');
      res.end(body);
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
