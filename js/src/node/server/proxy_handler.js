// The reverse proxy: forwards an authenticated license request to an upstream license
// server (Widevine, PlayReady, Clear Key) over kept-alive connections, with configured
// headers injected, and returns the upstream answer unchanged or unwrapped by a license
// template (js/src/core/license.js).
//
// Widevine service-certificate requests (the two-byte body 08 04) carry no token in
// players' flows; they pass through without authentication and without unwrapping.
import http from 'node:http';
import https from 'node:https';
import { HttpError } from './http_util.js';
import { checkEntitled, kidText, parseLicenseRequest, reserveOnce } from './license_handler.js';

const SERVICE_CERTIFICATE_REQUEST = Buffer.from([0x08, 0x04]);
// RFC 7230 section 6.1 hop-by-hop headers, plus what this proxy sets itself.
const NOT_RETURNED = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'transfer-encoding',
  'upgrade', 'te', 'trailer', 'content-length', 'set-cookie', 'access-control-allow-origin',
  'access-control-allow-credentials', 'access-control-expose-headers', 'vary']);

export const isServiceCertificateRequest = (req, body) =>
  req.method === 'POST' && body.length === 2 && body.equals(SERVICE_CERTIFICATE_REQUEST);

function upstreamUrl(route, reqUrl) {
  const url = new URL(route.upstream);
  const q = reqUrl.indexOf('?');
  if (q >= 0 && q < reqUrl.length - 1) {
    const extra = reqUrl.slice(q + 1);
    url.search = url.search ? `${url.search}&${extra}` : `?${extra}`;
  }
  return url;
}

/** One exchange with the upstream: {status, headers, body}; 502 or 504 on failure. */
function forward(route, agent, { method, url, headers, body }, metrics) {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    let settled = false;
    const settle = (error, value, result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      metrics.observeUpstream({ route: route.path, result });
      if (error) {
        upstream.destroy();
        reject(error);
      } else {
        resolve(value);
      }
    };
    const upstream = client.request(url, { method, headers, agent });
    // One deadline for connect, request, response headers and body.
    const timer = setTimeout(() => settle(new HttpError(504, 'upstream-timeout',
      `upstream did not answer within ${route.timeoutMs} ms`), null, 'timeout'), route.timeoutMs);
    upstream.on('error', (e) => settle(new HttpError(502, 'upstream-unreachable',
      `upstream request failed: ${e.code || e.message}`), null, 'error'));
    upstream.on('response', (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > route.maxResponseBytes) {
          settle(new HttpError(502, 'upstream-response-too-large',
            `upstream response exceeds ${route.maxResponseBytes} bytes`), null, 'too-large');
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => settle(null, { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) }, 'ok'));
      res.on('aborted', () => settle(new HttpError(502, 'upstream-aborted', 'upstream closed the connection mid-response'), null, 'error'));
      res.on('error', (e) => settle(new HttpError(502, 'upstream-aborted', `upstream response failed: ${e.code || e.message}`), null, 'error'));
    });
    upstream.end(body);
  });
}

export function createProxyHandler(core, route, { store, metrics, exchange }) {
  const Agent = route.upstream.startsWith('https:') ? https.Agent : http.Agent;
  const agent = new Agent({ keepAlive: true, maxSockets: route.maxSockets, maxFreeSockets: Math.min(route.maxSockets, 16) });

  const handler = async ({ req, body, principal, info }) => {
    const certificate = info.serviceCertificate;
    if (!certificate && route.keySystem === 'clearkey') {
      const request = parseLicenseRequest(core, body, { maxKids: 128 });
      info.kids = request.kids.map(kidText);
      checkEntitled(principal, request);
    }
    // Consumed only by a 2xx answer (unwrapped if configured): a vendor failure leaves a
    // single-use token for the player's retry. The lease covers the whole upstream deadline.
    const reservation = certificate ? null : await reserveOnce(store, principal, route.timeoutMs + 5000);
    try {
      const answer = await exchangeUpstream({ req, body, info, certificate });
      if (answer.status >= 200 && answer.status < 300) await reservation?.commit();
      else await reservation?.release();
      return answer;
    } catch (e) {
      await reservation?.release();
      throw e;
    }
  };

  async function exchangeUpstream({ req, body, info, certificate }) {
    const headers = {};
    for (const name of route.forwardHeaders) {
      if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    }
    Object.assign(headers, route.headers);
    if (body.length || req.method === 'POST') headers['content-length'] = String(body.length);
    const started = process.hrtime.bigint();
    const answer = await forward(route, agent, {
      method: req.method, url: upstreamUrl(route, req.url), headers, body: req.method === 'GET' ? undefined : body,
    }, metrics);
    info.upstreamStatus = answer.status;
    info.upstreamMs = Number(process.hrtime.bigint() - started) / 1e6;

    if (exchange && !certificate && answer.status >= 200 && answer.status < 300) {
      let unwrapped;
      try {
        unwrapped = exchange.unwrapResponse(answer.body, { contentType: answer.headers['content-type'] || '' });
      } catch (e) {
        throw new HttpError(502, 'upstream-unwrap', `upstream response: ${e.message}`);
      }
      const out = { 'Content-Type': 'application/octet-stream' };
      if (unwrapped.hdcp) out['X-HDCP-Level'] = String(unwrapped.hdcp);
      return { status: 200, headers: out, body: Buffer.from(unwrapped.license) };
    }
    const out = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!NOT_RETURNED.has(name)) out[name] = value;
    }
    return { status: answer.status, headers: out, body: answer.body };
  }
  handler.close = () => agent.destroy();
  return handler;
}
