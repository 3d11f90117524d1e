// What the player adapters (shaka.js, dashjs.js, hlsjs.js) and the polyfill's own license
// acquisition (../eme/license_acquisition.js) share: a per-key-system configuration turned
// into LicenseExchange objects (../core/license.js), challenges wrapped into HTTP requests,
// answers unwrapped into licenses, and Clear Key requests answered from static keys.
//
// A configuration is, per key system: a template string of any form the engine accepts
// (license_key, drm_legacy, inputstream.adaptive.drm JSON text), a JSON configuration object,
// an inputstream.adaptive.drm entry ({license: {...}}), or a static {kid: key} map (Clear Key).
import { LicenseExchange } from '../core/license.js';
import { getCore } from '../eme/runtime.js';

export const CLEAR_KEY = 'org.w3.clearkey';
// A license URL to give players that insist on one (Shaka drm.servers, dash.js serverURL,
// hls.js drmSystems licenseUrl) when the template has the URL: it counts as none. An https
// URL in the reserved .invalid domain (RFC 2606): Shaka picks its network plugin by the
// scheme of the URL before the filters rewrite it.
export const TEMPLATE_URL = 'https://template-url.wasm-eme.invalid/';
const ANY = '*';
// Members of the JSON configuration object (wasm/src/license/config.cpp).
const CONFIG_MEMBERS = ['keySystem', 'url', 'method', 'headers', 'body', 'wrap', 'response', 'keys'];
const KEY_SYSTEM_NAME = /^[a-z0-9-]+(\.[a-z0-9_-]+)+$/i;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A license exchange that failed: names the key system; `cause` is the engine's error. */
export class LicenseExchangeError extends Error {
  constructor(keySystem, message, cause) {
    super(`wasm-eme license (${keySystem === ANY ? 'any key system' : keySystem || 'no key system'}): ${message}`);
    this.name = 'LicenseExchangeError';
    this.keySystem = keySystem;
    if (cause) {
      this.cause = cause;
      // The engine's code ('malformed', 'not-found', ...) and position, when it said one.
      for (const k of ['code', 'column', 'byte']) if (cause[k] !== undefined) this[k] = cause[k];
    }
  }
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
    !(value instanceof Uint8Array) && !ArrayBuffer.isView(value);
}

/**
 * {keySystem: config} for every accepted way of writing the configuration: a map keyed by key
 * system names, or one configuration for every key system ('*').
 */
export function normalizeConfigs(configs) {
  if (typeof configs === 'string') {
    // An inputstream.adaptive.drm JSON text configures key systems by name, like a map.
    if (/^\s*\{/.test(configs)) {
      let parsed = null;
      try { parsed = JSON.parse(configs); } catch { /* the engine reports the position */ }
      const names = isPlainObject(parsed) ? Object.keys(parsed) : [];
      if (names.length && names.every((k) => KEY_SYSTEM_NAME.test(k) && !CONFIG_MEMBERS.includes(k))) return parsed;
    }
    return { [ANY]: configs };
  }
  if (!isPlainObject(configs)) {
    throw new TypeError('wasm-eme license: the configuration must be a string or an object');
  }
  const names = Object.keys(configs);
  if (names.length && names.every((k) => k === ANY || KEY_SYSTEM_NAME.test(k))) return { ...configs };
  return { [ANY]: configs };
}

/**
 * The text LicenseExchange.fromConfig() gets for the entry `name` (a key system or '*'; asked
 * for `keySystem`), and the key system that picks an inputstream.adaptive.drm object's entry.
 */
function configSource(name, keySystem, entry) {
  if (typeof entry === 'string') return { text: entry, keySystem: name !== ANY ? name : '' };
  if (!isPlainObject(entry)) {
    throw new LicenseExchangeError(keySystem, 'the configuration must be a string or an object');
  }
  // An inputstream.adaptive.drm entry: the engine reads it keyed by its key system.
  if (isPlainObject(entry.license)) {
    if (name === ANY) {
      throw new LicenseExchangeError(keySystem, 'an inputstream.adaptive.drm entry ({license: ...}) must be keyed by its key system');
    }
    return { text: JSON.stringify({ [name]: entry }), keySystem: name };
  }
  if (Object.keys(entry).some((k) => CONFIG_MEMBERS.includes(k))) {
    return { text: JSON.stringify(entry), keySystem: '' };
  }
  // A static {kid: key} map: the engine checks every KID and key (hex, base64, base64url).
  return { text: JSON.stringify({ keySystem: CLEAR_KEY, keys: entry }), keySystem: '' };
}

// ---- bytes ----

export function toBytes(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return textEncoder.encode(value);
  return null;
}

export function hexToBytes(hex) {
  const clean = String(hex).replace(/-/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(clean)) return null;
  return Uint8Array.from(clean.match(/../g) || [], (h) => parseInt(h, 16));
}

function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function base64url(bytes) {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The KIDs of an EME Clear Key license request (W3C EME 9.1.3), or null if it is not one. */
export function clearKeyRequestKids(challenge) {
  const bytes = toBytes(challenge);
  if (!bytes || bytes.length === 0 || bytes[0] !== 0x7b /* { */) return null;
  let request;
  try {
    request = JSON.parse(textDecoder.decode(bytes));
  } catch {
    return null;
  }
  if (!request || !Array.isArray(request.kids)) return null;
  const kids = request.kids.map(fromBase64url);
  return kids.every((k) => k && k.length === 16) ? { kids, type: request.type } : null;
}

/** A data: URL carrying `bytes` (how adapters answer from static keys without a server). */
export function dataUrl(bytes, type = 'application/json') {
  return `data:${type};base64,${base64(bytes)}`;
}

/**
 * The parts of a PlayReady CDM message (UTF-16 <PlayReadyKeyMessage> XML): the challenge bytes
 * and its HttpHeaders; null when the message is not wrapped that way (already the challenge).
 */
export function unpackPlayReadyMessage(message) {
  const bytes = toBytes(message);
  if (!bytes || bytes.length % 2 !== 0 || typeof DOMParser === 'undefined') return null;
  const text = new TextDecoder('utf-16le').decode(bytes);
  if (!text.includes('PlayReadyKeyMessage')) return null;
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  const challenge = xml.querySelector('Challenge');
  if (!challenge) return null;
  const headers = {};
  for (const h of xml.querySelectorAll('HttpHeader')) {
    const name = h.querySelector('name')?.textContent;
    const value = h.querySelector('value')?.textContent;
    if (name && value) headers[name] = value;
  }
  const binary = atob((challenge.textContent || '').trim());
  return { challenge: Uint8Array.from(binary, (c) => c.charCodeAt(0)), headers };
}

/** Sets `name: value` in a header object, replacing a header of the same name in any case. */
export function setHeader(headers, name, value) {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
  headers[name] = value;
}

// ---- the router ----

/**
 * One attachment's license configuration. Options: core (a loaded Core; by default the page's
 * shared one), onLicense({keySystem, hdcp, url}) after each unwrapped license.
 */
export class LicenseRouter {
  constructor(configs, { core = null, onLicense = null } = {}) {
    this._configs = normalizeConfigs(configs);
    this._core = core;
    this._onLicense = typeof onLicense === 'function' ? onLicense : null;
    this._exchanges = new Map();  // key system -> Promise<LicenseExchange>
    this._resolved = new Map();  // key system -> LicenseExchange (for synchronous unwraps)
  }

  /** The configuration entry for a key system (exact, then its family, then '*'), or undefined. */
  _entry(keySystem) {
    const c = this._configs;
    if (Object.prototype.hasOwnProperty.call(c, keySystem)) return [keySystem, c[keySystem]];
    for (const name of Object.keys(c)) {
      // A PlayReady or FairPlay entry covers its variants (com.microsoft.playready.recommendation).
      if (name !== ANY && keySystem.startsWith(`${name}.`)) return [name, c[name]];
    }
    if (Object.prototype.hasOwnProperty.call(c, ANY)) return [ANY, c[ANY]];
    return undefined;
  }

  /** True when this router configures `keySystem`. */
  handles(keySystem) {
    return this._entry(String(keySystem || '')) !== undefined;
  }

  /** Resolves to the parsed LicenseExchange of a key system (parsed once; errors kept). */
  exchange(keySystem) {
    keySystem = String(keySystem || '');
    let pending = this._exchanges.get(keySystem);
    if (!pending) {
      pending = this._parse(keySystem);
      this._exchanges.set(keySystem, pending);
      pending.then((e) => this._resolved.set(keySystem, e), () => {});
    }
    return pending;
  }

  async _parse(keySystem) {
    const found = this._entry(keySystem);
    if (!found) throw new LicenseExchangeError(keySystem, 'no license configuration for this key system');
    const [name, entry] = found;
    const source = configSource(name, keySystem, entry);
    let core = this._core;
    if (!core) {
      try {
        core = await getCore();
      } catch (e) {
        throw new LicenseExchangeError(keySystem, `the wasm module did not load (${e && e.message})`, e);
      }
    }
    try {
      return LicenseExchange.fromConfig(core, source.text, { keySystem: source.keySystem });
    } catch (e) {
      throw new LicenseExchangeError(keySystem, e && e.message ? e.message : String(e), e);
    }
  }

  /**
   * What to do with a CDM message: {url, method, headers, body} to send, or {local} (the
   * license itself, from static keys). `url` is the player's URL (the manifest's Laurl or the
   * player's configuration), used when the template has none.
   */
  async request(keySystem, { challenge, sessionId = '', kid = null, pssh = null, url = '' }) {
    const exchange = await this.exchange(keySystem);
    const bytes = toBytes(challenge) || new Uint8Array(0);
    const clearKey = clearKeyRequestKids(bytes);
    if (exchange.keys) return { local: this._staticLicense(keySystem, exchange.keys, clearKey) };
    const kidBytes = toBytes(kid) || (clearKey ? clearKey.kids[0] : null);
    try {
      return exchange.wrapRequest({
        challenge: bytes, sessionId, kid: kidBytes, pssh: toBytes(pssh), url: url === TEMPLATE_URL ? '' : url,
      });
    } catch (e) {
      throw new LicenseExchangeError(keySystem, e.message, e);
    }
  }

  /** A Clear Key JWK Set license (W3C EME 9.1.4) for the requested KIDs from static keys. */
  _staticLicense(keySystem, keys, clearKey) {
    if (!clearKey) {
      throw new LicenseExchangeError(keySystem,
        'static keys answer only Clear Key license requests ({"kids": [...]})');
    }
    const jwks = [];
    for (const kid of clearKey.kids) {
      const key = keys[bytesToHex(kid)];
      if (key) jwks.push({ kty: 'oct', kid: base64url(kid), k: base64url(hexToBytes(key)) });
    }
    if (!jwks.length) {
      throw new LicenseExchangeError(keySystem, `static keys: no key for KID ${clearKey.kids.map(bytesToHex).join(', ')}`);
    }
    const license = { keys: jwks };
    if (typeof clearKey.type === 'string') license.type = clearKey.type;
    return textEncoder.encode(JSON.stringify(license));
  }

  /**
   * Resolves when every configured key system's configuration parsed; rejects with the first
   * LicenseExchangeError (for callers that want errors before playback; never unhandled).
   */
  ready() {
    const all = Promise.all(Object.keys(this._configs).map((k) => this.exchange(k))).then(() => undefined);
    all.catch(() => {});
    return all;
  }

  /** True once `exchange(keySystem)` resolved and the configuration is static keys. */
  isStatic(keySystem) {
    const e = this._resolved.get(String(keySystem || ''));
    return !!(e && e.keys);
  }

  /**
   * The license inside a server's answer (synchronous: exchange(keySystem) must have resolved,
   * which request() guarantees). Throws LicenseExchangeError naming what did not unwrap.
   */
  unwrap(keySystem, body, { contentType = '', challenge = null, url = '' } = {}) {
    const exchange = this._resolved.get(String(keySystem || ''));
    if (!exchange) throw new LicenseExchangeError(keySystem, 'response before any request was wrapped');
    let out;
    try {
      out = exchange.unwrapResponse(toBytes(body) || new Uint8Array(0),
        { contentType: contentType || '', challenge: toBytes(challenge) });
    } catch (e) {
      throw new LicenseExchangeError(keySystem, e.message, e);
    }
    if (this._onLicense) {
      try {
        this._onLicense({ keySystem, hdcp: out.hdcp, url });
      } catch {
        // a throwing callback must not break playback
      }
    }
    return out.license;
  }
}

/** A short description of a failed HTTP answer for error messages (status and body start). */
export function httpFailure(keySystem, status, statusText, url, bodyBytes) {
  const text = bodyBytes && bodyBytes.length ? textDecoder.decode(bodyBytes.subarray(0, 200)) : '';
  return new LicenseExchangeError(keySystem,
    `HTTP ${status}${statusText ? ` ${statusText}` : ''} from ${url}${text ? `: ${text}` : ''}`);
}

/**
 * The LicenseExchangeError inside a player's error: a Shaka error chain (error.data), a dash.js
 * error event ({error}), an hls.js error event's data ({error}), or the error itself; or null.
 */
export function licenseErrorOf(error) {
  const seen = new Set();
  const visit = (e, depth) => {
    if (!e || typeof e !== 'object' || depth > 6 || seen.has(e)) return null;
    seen.add(e);
    if (e instanceof LicenseExchangeError || e.name === 'LicenseExchangeError') return e;
    for (const next of [e.error, e.cause, e.data, ...(Array.isArray(e.data) ? e.data : [])]) {
      const found = visit(next, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return visit(error, 0);
}
