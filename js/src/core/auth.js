// Authentication and key primitives over the wasm core (wasm/src/auth, wasm/bindings/
// auth_bindings.cpp): HS256 JWT, the Axinom-style entitlement token, PlayReady key seed and
// OAuth 1.0 HMAC-SHA1 (RFC 5849). Shaped for the Node license server / proxy and the CLI.
//
// Times are seconds since 1970 and are the caller's: `now` defaults to the wall clock here,
// never inside the core. Bytes come back as Uint8Array, KIDs in UUID (big-endian) order.
//
// Errors are WasmEmeError (./module.js). A refused credential has code 'denied' (or
// 'limit-exceeded' for an oversized token) and .reason, the first word of its message:
//   malformed, algorithm, signature, expired, not-yet-valid, oversized, unsupported,
//   com-key-id, kid-not-entitled, license-window   (tokens)
//   timestamp, signature, unknown-client            (OAuth)
// Bad arguments from the caller (short keys, options out of range) are 'invalid-argument';
// a malformed OAuth request is 'malformed' / 'unsupported' (HTTP 400 in RFC 5849 3.2).
import { WasmEmeError } from './module.js';

const DENIED = 10;
const INVALID_ARGUMENT = 5;
const DEFAULT_MAX_TOKEN_SIZE = 8192;
const DEFAULT_OAUTH_MAX_SKEW = 300;

const textEncoder = new TextEncoder();
const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const wallClock = () => Math.floor(Date.now() / 1000);

/** Adds .reason to refusals and rethrows. */
function rethrow(e) {
  if (e instanceof WasmEmeError && (e.code === 'denied' || e.code === 'limit-exceeded')) {
    const colon = e.message.indexOf(':');
    if (colon > 0 && /^[a-z-]+$/.test(e.message.slice(0, colon))) e.reason = e.message.slice(0, colon);
  }
  throw e;
}

function invalid(message) {
  return new WasmEmeError(INVALID_ARGUMENT, message);
}

function asBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return null;
}

/** Bytes, or text decoded as hex/UUID/base64/base64url by the core. */
function keyBytes(core, value, what, size) {
  const bytes = asBytes(value);
  if (bytes) {
    if (size && bytes.length !== size) throw invalid(`${what} is ${bytes.length} bytes, expected ${size}`);
    return bytes;
  }
  if (typeof value === 'string') return core.call('decode_key_text', value, what, size);
  throw invalid(`${what}: expected bytes or a hex/base64 string`);
}

/** A JWT secret: bytes, or a string taken as its UTF-8 bytes (as JWT libraries do). */
function secretBytes(value, what) {
  const bytes = asBytes(value);
  if (bytes) return bytes;
  if (typeof value === 'string') return textEncoder.encode(value);
  throw invalid(`${what}: expected bytes or a string`);
}

function seconds(value, what) {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === 'number' && Number.isFinite(value)) return Math.floor(value);
  throw invalid(`${what}: expected seconds since 1970 or a Date`);
}

function number(value, fallback, what) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${what} is not a finite number`);
  return value;
}

/**
 * Signs an HS256 JWT.
 * @param {{payload: object, key: Uint8Array|string, header?: object}} options
 * @returns {string} the compact token
 */
export function jwtSign(core, { payload, key, header } = {}) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalid('JWT payload must be an object');
  }
  return core.callText('jwt_sign', JSON.stringify(payload), secretBytes(key, 'JWT key'),
    header === undefined || header === null ? '' : JSON.stringify(header));
}

/**
 * Verifies an HS256 JWT (alg pinned, key >= 256 bits, exp/nbf with clockSkew seconds).
 * @returns {{header: object, payload: object}}
 */
export function jwtVerify(core, token, { key, now, clockSkew = 0, maxSize = DEFAULT_MAX_TOKEN_SIZE } = {}) {
  if (typeof token !== 'string') throw invalid('JWT token must be a string');
  try {
    return core.callJson('jwt_verify', token, secretBytes(key, 'JWT key'),
      number(now, wallClock(), 'now'), number(clockSkew, 0, 'clockSkew'), number(maxSize, DEFAULT_MAX_TOKEN_SIZE, 'maxSize'));
  } catch (e) {
    return rethrow(e);
  }
}

/** The com_key_id of a token, read before verification to choose the key (never trusted further). */
function unverifiedComKeyId(token) {
  const parts = token.split('.');
  let payload;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
  } catch {
    payload = null;
  }
  if (parts.length !== 3 || !payload || typeof payload.com_key_id !== 'string') {
    rethrow(new WasmEmeError(DENIED, 'malformed: token has no readable com_key_id'));
  }
  return payload.com_key_id;
}

/**
 * Verifies an Axinom-style entitlement token (see wasm/src/auth/entitlement.h).
 * communicationKey: 32 bytes, or hex/base64 text, or a function (comKeyId) -> key (or
 * null when unknown) for more than one communication key. comKeyId: if set, the token must
 * name it. requestedKids: if set, every KID must be entitled (else 'kid-not-entitled').
 * @returns {{id: string|null, comKeyId: string, messageVersion: number,
 *   kids: {kid: Uint8Array, key: Uint8Array|null, usagePolicy: string|null, seedId: string|null}[],
 *   anyKid: boolean, allowPersistence: boolean, preventReuse: boolean,
 *   tokenExpiration: number|null, licenseStart: number|null, licenseExpiration: number|null,
 *   duration: number|null, header: object, payload: object}}
 */
export function verifyEntitlement(core, token, {
  communicationKey, comKeyId, now, clockSkew = 0, maxSize = DEFAULT_MAX_TOKEN_SIZE, requestedKids,
} = {}) {
  if (typeof token !== 'string') throw invalid('entitlement token must be a string');
  try {
    let key = communicationKey;
    let expectedId = comKeyId ?? '';
    if (typeof communicationKey === 'function') {
      if (token.length > number(maxSize, DEFAULT_MAX_TOKEN_SIZE, 'maxSize')) {
        throw new WasmEmeError(7, `oversized: token is ${token.length} bytes, limit ${maxSize}`);
      }
      const id = unverifiedComKeyId(token);
      if (expectedId && expectedId.toLowerCase() !== id.toLowerCase()) {
        throw new WasmEmeError(DENIED, `com-key-id: token names communication key ${id}, not ${expectedId}`);
      }
      key = communicationKey(id);
      if (key === null || key === undefined) {
        throw new WasmEmeError(DENIED, `com-key-id: communication key ${id} is not configured`);
      }
      expectedId = id;
    }
    const kids = (requestedKids || []).map((kid, i) => keyBytes(core, kid, `requestedKids[${i}]`, 16));
    const packed = new Uint8Array(kids.length * 16);
    kids.forEach((kid, i) => packed.set(kid, i * 16));
    const result = core.callJson('entitlement_verify', token,
      keyBytes(core, key, 'communication key', 32), String(expectedId), packed,
      number(now, wallClock(), 'now'), number(clockSkew, 0, 'clockSkew'),
      number(maxSize, DEFAULT_MAX_TOKEN_SIZE, 'maxSize'));
    result.kids = result.kids.map((k) => ({ ...k, kid: fromHex(k.kid), key: k.key === null ? null : fromHex(k.key) }));
    return result;
  } catch (e) {
    return rethrow(e);
  }
}

/**
 * Makes a signed entitlement token (tests, demo, CLI).
 * @param {{communicationKey: Uint8Array|string, comKeyId: string, id?: string,
 *   beginDate?: number|Date, expirationDate?: number|Date, messageVersion?: 1|2,
 *   keys?: {kid: Uint8Array|string, key?: Uint8Array|string, usagePolicy?: string}[],
 *   anyKid?: boolean, allowPersistence?: boolean, licenseStart?: number|Date,
 *   licenseExpiration?: number|Date, duration?: number}} spec
 * @returns {string}
 */
export function makeEntitlement(core, spec = {}) {
  const { communicationKey, keys = [], ...rest } = spec;
  if (!Array.isArray(keys)) throw invalid('entitlement keys must be a list');
  const json = {
    comKeyId: rest.comKeyId,
    id: rest.id,
    beginDate: seconds(rest.beginDate, 'beginDate'),
    expirationDate: seconds(rest.expirationDate, 'expirationDate'),
    messageVersion: rest.messageVersion,
    anyKid: rest.anyKid,
    allowPersistence: rest.allowPersistence,
    licenseStart: seconds(rest.licenseStart, 'licenseStart'),
    licenseExpiration: seconds(rest.licenseExpiration, 'licenseExpiration'),
    duration: rest.duration,
    keys: keys.map((k, i) => ({
      kid: toHex(keyBytes(core, k.kid, `keys[${i}].kid`, 16)),
      key: k.key === undefined || k.key === null ? null : toHex(keyBytes(core, k.key, `keys[${i}].key`, 16)),
      usagePolicy: k.usagePolicy,
    })),
  };
  return core.callText('entitlement_make', JSON.stringify(json), keyBytes(core, communicationKey, 'communication key', 32));
}

/**
 * A key seed's text -> its bytes: hex when that gives >= 30 bytes, else base64 or base64url
 * (so Axinom's 40-character base64 test seed is not taken as 20 bytes of hex).
 * @returns {Uint8Array}
 */
export function keySeedDecode(core, text) {
  if (typeof text !== 'string') throw invalid('key seed: expected a hex/base64 string');
  return core.call('keyseed_decode', text);
}

/**
 * PlayReady key seed derivation. seed: >= 30 bytes (or its text, see keySeedDecode); kid:
 * 16 bytes in UUID order (or UUID/hex/base64 text).
 * @returns {Uint8Array} the 16-byte content key
 */
export function keySeedDerive(core, seed, kid) {
  const seedBytes = typeof seed === 'string' ? keySeedDecode(core, seed) : keyBytes(core, seed, 'key seed', 0);
  try {
    return core.call('keyseed_derive', seedBytes, keyBytes(core, kid, 'KID', 16));
  } finally {
    if (typeof seed === 'string') seedBytes.fill(0);
  }
}

function pairs(params, what) {
  if (params === undefined || params === null) return [];
  const list = params instanceof URLSearchParams ? [...params.entries()]
    : Array.isArray(params) ? params : Object.entries(params);
  return list.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw invalid(`${what}[${i}] is not a [name, value] pair`);
    return [String(p[0]), String(p[1])];
  });
}

function randomNonce() {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * Signs a request with OAuth 1.0 HMAC-SHA1. `params` are the form-encoded body parameters
 * (object, [name, value] pairs or URLSearchParams; the URL's query is read from `url`);
 * `oauthParams` other protocol parameters such as oauth_callback or oauth_verifier.
 * version: '1.0' (default) or '' to omit oauth_version. nonce and timestamp default to a
 * random value and the wall clock.
 * @returns {{authorization: string, baseString: string, signature: string}}
 */
export function oauthSign(core, {
  method, url, params, consumerKey, consumerSecret = '', token = '', tokenSecret = '',
  nonce, timestamp, realm = '', version = '1.0', oauthParams,
} = {}) {
  const request = {
    method: String(method || ''),
    url: String(url || ''),
    consumerKey: String(consumerKey || ''),
    token: String(token || ''),
    nonce: nonce === undefined ? randomNonce() : String(nonce),
    timestamp: String(timestamp === undefined ? wallClock() : timestamp),
    realm: String(realm || ''),
    version: version === null ? '' : String(version),
    bodyParams: pairs(params, 'params'),
    extraParams: pairs(oauthParams, 'oauthParams'),
  };
  return core.callJson('oauth_sign', JSON.stringify(request), String(consumerSecret), String(tokenSecret));
}

function header(headers, name) {
  if (!headers) return '';
  if (typeof headers.get === 'function') return headers.get(name) || '';
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(', ') : String(value ?? '');
  }
  return '';
}

/**
 * Verifies an OAuth 1.0 HMAC-SHA1 request. `url` is absolute, as the client addressed it;
 * `headers` a plain object or Headers (authorization, content-type); `body` the raw body
 * (counts only when form-encoded). lookupSecrets(consumerKey, token) returns
 * {consumerSecret, tokenSecret} or null for an unknown client; it must be synchronous (look
 * secrets up before if they live elsewhere). The returned nonce/timestamp/token belong in the
 * caller's replay cache (RFC 5849 3.2).
 * @returns {{consumerKey: string, token: string, nonce: string, timestamp: number,
 *   realm: string, version: string}}
 */
export function oauthVerify(core, { method, url, headers, body } = {}, { lookupSecrets, now, maxSkew = DEFAULT_OAUTH_MAX_SKEW } = {}) {
  if (typeof lookupSecrets !== 'function') throw invalid('oauthVerify needs lookupSecrets(consumerKey, token)');
  const request = JSON.stringify({
    method: String(method || ''),
    url: String(url || ''),
    authorization: header(headers, 'authorization'),
    contentType: header(headers, 'content-type'),
  });
  const bodyBytes = body === undefined || body === null ? new Uint8Array(0)
    : typeof body === 'string' ? textEncoder.encode(body) : asBytes(body);
  if (!bodyBytes) throw invalid('OAuth request body must be a string or bytes');
  try {
    const parsed = core.callJson('oauth_parse', request, bodyBytes);
    const secrets = lookupSecrets(parsed.consumerKey, parsed.token);
    if (secrets && typeof secrets.then === 'function') {
      throw new TypeError('oauthVerify: lookupSecrets must return the secrets, not a Promise');
    }
    if (!secrets) throw new WasmEmeError(DENIED, `unknown-client: consumer key ${parsed.consumerKey} or its token is not known`);
    const verified = core.callJson('oauth_verify', request, bodyBytes,
      String(secrets.consumerSecret ?? ''), String(secrets.tokenSecret ?? ''),
      number(now, wallClock(), 'now'), number(maxSkew, DEFAULT_OAUTH_MAX_SKEW, 'maxSkew'));
    const { baseString, signatureMethod, ...result } = verified;
    return result;
  } catch (e) {
    return rethrow(e);
  }
}
