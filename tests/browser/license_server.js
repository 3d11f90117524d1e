// A license server for tests/browser/license_players.test.js that speaks wrapped protocols,
// one per URL path under /wrapped/, the way real license servers wrap the EME Clear Key
// exchange (W3C EME 9.1.3 request, 9.1.4 JWK Set license). Each route checks the request's
// shape strictly (400 with the reason otherwise), so a wrongly wrapped request fails the test:
//
//   /wrapped/raw     POST, body = the challenge               -> the license
//   /wrapped/base64  POST, body = base64(challenge)           -> base64(license)
//   /wrapped/json    POST application/json {"challenge": b64} -> {"license": b64}
//   /wrapped/nested  POST + X-Api-Key, {"drm":{"kid": UUID, "payload": b64}}
//                      -> {"status":"ok","result":{"data":[{"license": b64, "hdcp_level": 1080}]}}
//   /wrapped/get     GET ?challenge=<base64, URL-encoded>&md5=<MD5 hex of the challenge>
//                      -> the license
//   /wrapped/hb      POST, body = the challenge -> "HTTP/1.1 200 OK" header block, CRLF CRLF, license
//   /wrapped/denied  POST -> 200 {"status":"denied","reason":"no entitlement"} (no license)
import { createHash } from 'node:crypto';
import { licenseFor } from './server.js';

export const API_KEY = 'k3y-for-tests';
export const HDCP_LEVEL = 1080;

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function strictBase64(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  return Buffer.from(text, 'base64');
}

function uuid(hex) {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

class Refusal extends Error {}

/** The JWK Set (as bytes) for a Clear Key license request, or a Refusal. */
function license(challenge, keys) {
  const answer = licenseFor(challenge.toString('utf8'), keys);
  if (!answer) throw new Refusal(`not a Clear Key license request: ${JSON.stringify(challenge.toString('utf8').slice(0, 80))}`);
  if (!answer.keys.length) throw new Refusal('no key for the requested KIDs');
  return Buffer.from(JSON.stringify(answer));
}

/**
 * Routes for startServer({routes}) and the record of what each protocol received:
 * state.requests[protocol] = [{method, headers, url, body}].
 */
export function wrappedLicenseRoutes(keys) {
  const state = { requests: {} };
  const protocols = {
    async raw(req, body) {
      return { body: license(body, keys) };
    },
    async base64(req, body) {
      const challenge = strictBase64(body.toString('latin1'));
      if (!challenge) throw new Refusal('body is not base64');
      return { body: Buffer.from(license(challenge, keys).toString('base64')) };
    },
    async json(req, body) {
      if (!/^application\/json\b/.test(req.headers['content-type'] || '')) throw new Refusal('Content-Type is not application/json');
      let doc;
      try { doc = JSON.parse(body.toString('utf8')); } catch { throw new Refusal('body is not JSON'); }
      const challenge = strictBase64(doc && doc.challenge);
      if (!challenge || Object.keys(doc).length !== 1) throw new Refusal('expected {"challenge": base64}');
      return { type: 'application/json', body: Buffer.from(JSON.stringify({ license: license(challenge, keys).toString('base64') })) };
    },
    async nested(req, body) {
      if (req.headers['x-api-key'] !== API_KEY) throw new Refusal('missing or wrong X-Api-Key');
      let doc;
      try { doc = JSON.parse(body.toString('utf8')); } catch { throw new Refusal('body is not JSON'); }
      const drm = doc && doc.drm;
      const challenge = strictBase64(drm && drm.payload);
      if (!challenge) throw new Refusal('expected {"drm": {"kid", "payload": base64}}');
      const request = JSON.parse(challenge.toString('utf8'));
      const kid = Buffer.from(request.kids[0], 'base64url').toString('hex');
      if (drm.kid !== uuid(kid)) throw new Refusal(`drm.kid ${drm.kid} is not the requested KID ${uuid(kid)}`);
      const answer = { status: 'ok', result: { data: [{ license: license(challenge, keys).toString('base64'), hdcp_level: HDCP_LEVEL }] } };
      return { type: 'application/json', body: Buffer.from(JSON.stringify(answer)) };
    },
    async get(req, body, url) {
      if (req.method !== 'GET') throw new Refusal(`method ${req.method}, expected GET`);
      // URLSearchParams decodes '+' as a space: the client must have percent-encoded it.
      const raw = /[?&]challenge=([^&]*)/.exec(url.search);
      const challenge = strictBase64(raw ? decodeURIComponent(raw[1]) : null);
      if (!challenge) throw new Refusal('challenge parameter is not URL-encoded base64');
      const md5 = createHash('md5').update(challenge).digest('hex');
      if (url.searchParams.get('md5') !== md5) throw new Refusal(`md5 ${url.searchParams.get('md5')} is not ${md5}`);
      return { body: license(challenge, keys) };
    },
    async hb(req, body) {
      const head = 'HTTP/1.1 200 OK\r\nServer: wrapped-test\r\nContent-Type: application/json\r\n\r\n';
      return { body: Buffer.concat([Buffer.from(head), license(body, keys)]) };
    },
    async denied() {
      return { type: 'application/json', body: Buffer.from(JSON.stringify({ status: 'denied', reason: 'no entitlement' })) };
    },
  };
  const routes = {};
  for (const [name, handler] of Object.entries(protocols)) {
    routes[`/wrapped/${name}`] = async (req, res, url) => {
      const body = await readBody(req);
      (state.requests[name] ||= []).push({ method: req.method, headers: req.headers, url: req.url, body });
      try {
        const out = await handler(req, body, url);
        res.setHeader('Content-Type', out.type || 'application/octet-stream');
        res.end(out.body);
      } catch (e) {
        res.statusCode = e instanceof Refusal ? 400 : 500;
        res.setHeader('Content-Type', 'text/plain');
        res.end(e.message);
      }
    };
  }
  return { routes, state };
}
