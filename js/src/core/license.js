// License exchange: turns a CDM message into the HTTP request a license server wants and
// the server's answer into the license for the CDM, as a configuration says. The engine is
// C++ (wasm/src/license); this wraps its three exports. docs/license-templates.md describes
// the configuration forms (Kodi license_key, drm_legacy, inputstream.adaptive.drm, JSON).

const EMPTY = new Uint8Array(0);

function toBytes(value, what) {
  if (value === null || value === undefined) return EMPTY;
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`LicenseExchange: ${what} must be a Uint8Array, ArrayBuffer or view`);
}

function fromBase64(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// Errors from the engine name a position ("... at column 34", "... at byte 17"): expose it.
function withPosition(fn) {
  try {
    return fn();
  } catch (e) {
    if (e && typeof e.message === 'string') {
      const column = /at column (\d+)/.exec(e.message);
      const byte = /at byte (\d+)/.exec(e.message);
      if (column) e.column = Number(column[1]);
      if (byte) e.byte = Number(byte[1]);
    }
    throw e;
  }
}

function configText(config) {
  if (typeof config === 'string') return config;
  if (config && typeof config === 'object' && !Array.isArray(config)) return JSON.stringify(config);
  throw new TypeError('LicenseExchange: config must be a string or a configuration object');
}

// Widevine's service certificate request is the two bytes 08 04.
function isCertificateRequest(challenge) {
  return challenge !== null && challenge !== undefined && challenge.length === 2 &&
    challenge[0] === 0x08 && challenge[1] === 0x04;
}

export class LicenseExchange {
  /** Use LicenseExchange.fromConfig(). */
  constructor(core, canonicalJson) {
    this._core = core;
    this._json = canonicalJson;
    this._config = JSON.parse(canonicalJson);
  }

  /**
   * @param core a Core from loadCore()
   * @param config a license_key string ("[URL]|[headers]|[post data]|[response]"), a
   *   drm_legacy string ("[key system]|[URL or KID:key,...]|[headers]"), an
   *   inputstream.adaptive.drm JSON string/object, or a JSON configuration object/string.
   * @param options.keySystem which entry of a multi-key-system drm object to use
   * @throws WasmEmeError with .column (template errors) naming the position
   */
  static fromConfig(core, config, { keySystem = '' } = {}) {
    const text = configText(config);
    return new LicenseExchange(core, withPosition(() => core.callText('license_parse', text, keySystem)));
  }

  /** The JSON configuration object a string (or object) means. */
  static toJsonConfig(core, config, { keySystem = '' } = {}) {
    const text = configText(config);
    return JSON.parse(withPosition(() => core.callText('license_parse', text, keySystem)));
  }

  /** The canonical JSON configuration (a copy). */
  get config() {
    return JSON.parse(this._json);
  }

  /** Clear Key keys known in advance ({kidHex: keyHex}), or null: then no server is needed. */
  get keys() {
    return this._config.keys ? { ...this._config.keys } : null;
  }

  _live() {
    if (!this._core) throw new Error('LicenseExchange: used after dispose()');
    return this._core;
  }

  /**
   * @returns {{url: string, method: 'GET'|'POST', headers: Object<string,string>, body: Uint8Array|null}}
   */
  wrapRequest({ challenge, sessionId = '', kid = null, pssh = null, url = '' } = {}) {
    const core = this._live();
    if (challenge === null || challenge === undefined) {
      throw new TypeError('LicenseExchange.wrapRequest: challenge is required');
    }
    const out = withPosition(() => core.callJson('license_wrap', this._json,
      toBytes(challenge, 'challenge'), String(sessionId ?? ''), toBytes(kid, 'kid'),
      toBytes(pssh, 'pssh'), String(url ?? '')));
    return {
      url: out.url,
      method: out.method,
      headers: out.headers,
      body: out.body === null ? null : fromBase64(out.body),
    };
  }

  /**
   * @param body the response body
   * @param options.contentType the response's Content-Type (for the "auto" unwrapper)
   * @param options.challenge the request's challenge: a Widevine certificate request's
   *   application/octet-stream answer is passed through unwrapped
   * @returns {{license: Uint8Array, hdcp: string|null}}
   */
  unwrapResponse(body, { contentType = '', challenge = null } = {}) {
    const core = this._live();
    const certificate = isCertificateRequest(challenge === null ? null : toBytes(challenge, 'challenge'));
    const out = withPosition(() => core.callJson('license_unwrap', this._json,
      toBytes(body, 'body'), String(contentType ?? ''), certificate ? 1 : 0));
    return { license: fromBase64(out.license), hdcp: out.hdcp };
  }

  dispose() {
    this._core = null;
    this._json = '';
    this._config = {};
  }
}
