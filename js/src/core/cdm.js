// The Clear Key CDM of one MediaKeys object (wasm/src/cdm/session.h) over the wasm Core.
//
// Errors are WasmEmeError (./module.js); map .code to what EME rejects with:
//   'invalid-argument'  bad init data, license or release acknowledgement  -> TypeError
//   'unsupported'       unknown session or init data type; "cenc" init data without a
//                       Common/ClearKey 'pssh' KID (empty sanitized init data) -> NotSupportedError
//   'invalid-state'     closed or unknown session, generateRequest() twice, update()/remove()
//                       before generateRequest(), a disposed CDM          -> InvalidStateError
//   'limit-exceeded'    too many open sessions, or keys in one session    -> QuotaExceededError
//
// Behaviour worth knowing (see session.h): session ids are "1", "2", ... per CDM; close() of an
// unknown or closed session succeeds; remove() marks every key "released" and, for
// "persistent-license", returns the license-release message {"kids":[...]} until update()
// receives the acknowledgement, which closes the session (then sessionState() is 'closed');
// load() is always false: a polyfill has no storage that outlives its MediaKeys.
import { WasmEmeError } from './module.js';

const INVALID_ARGUMENT = 5;

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
const statuses = (list) => list.map((s) => ({ kid: fromHex(s.kid), status: s.status }));

function toBytes(value, what) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new WasmEmeError(INVALID_ARGUMENT, `${what}: not a BufferSource`);
}

// Repeated `u16 big-endian length | bytes` records (wasm/bindings/cdm_bindings.cpp).
function pack(items, what) {
  const parts = items.map((item, i) => {
    const bytes = toBytes(item, `${what}[${i}]`);
    if (bytes.length > 0xffff) throw new WasmEmeError(INVALID_ARGUMENT, `${what}[${i}]: too long`);
    return bytes;
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out[pos] = p.length >> 8;
    out[pos + 1] = p.length & 0xff;
    out.set(p, pos + 2);
    pos += 2 + p.length;
  }
  return out;
}

export class ClearKeyCdm {
  /** @param {import('./module.js').Core} core */
  constructor(core) {
    this.core = core;
    this.handle = core.callJson('cdm_create').handle;
  }

  /** @param {'temporary'|'persistent-license'} sessionType @returns {string} the session id */
  createSession(sessionType = 'temporary') {
    return this.core.callText('cdm_create_session', this.handle, String(sessionType));
  }

  /** @returns {Uint8Array} the license request message (UTF-8 JSON) */
  generateRequest(sessionId, initDataType, initData) {
    return this.core.call('cdm_generate_request', this.handle, String(sessionId),
      String(initDataType), toBytes(initData, 'initData'));
  }

  /** @returns {{kid: Uint8Array, status: string}[]} every key status of the session after the update */
  update(sessionId, response) {
    const result = this.core.callJson('cdm_update', this.handle, String(sessionId),
      toBytes(response, 'response'));
    return statuses(result.keyStatuses);
  }

  /** @returns {{kid: Uint8Array, status: string}[]} */
  keyStatuses(sessionId) {
    return statuses(this.core.callJson('cdm_key_statuses', this.handle, String(sessionId)));
  }

  /** Drops (and wipes) the session's keys. */
  close(sessionId) {
    this.core.call('cdm_close', this.handle, String(sessionId));
  }

  /** @returns {{message: Uint8Array|null, keyStatuses: {kid: Uint8Array, status: string}[]}} */
  remove(sessionId) {
    const result = this.core.callJson('cdm_remove', this.handle, String(sessionId));
    return {
      message: result.message === null ? null : fromHex(result.message),
      keyStatuses: statuses(result.keyStatuses),
    };
  }

  /** @returns {boolean} */
  load(sessionId) {
    return this.core.callText('cdm_load', this.handle, String(sessionId)) === 'true';
  }

  /** @returns {'uninitialized'|'pending'|'active'|'released'|'closed'} ('closed' also for unknown ids) */
  sessionState(sessionId) {
    return this.core.callText('cdm_session_state', this.handle, String(sessionId));
  }

  /** @returns {Uint8Array|null} the 16-byte key of the newest usable key for kid in any open session */
  getKey(kid) {
    const key = this.core.call('cdm_get_key', this.handle, toBytes(kid, 'kid'));
    return key.length ? key : null;
  }

  /** Destroys the wasm-side CDM (its keys are wiped); later calls throw 'invalid-state'. */
  dispose() {
    if (this.handle) this.core.call('cdm_destroy', this.handle);
    this.handle = 0;
  }

  /** @returns {Uint8Array[]} the KIDs a license request would ask for */
  static extractKeyIds(core, initDataType, initData) {
    return core.callJson('cdm_extract_key_ids', String(initDataType), toBytes(initData, 'initData'))
      .map(fromHex);
  }

  /** @param {Uint8Array[]} kids @returns {string} {"kids":[...],"type":"..."} */
  static makeLicenseRequest(core, kids, sessionType = 'temporary') {
    return core.callText('cdm_make_license_request', pack(kids, 'kids'), String(sessionType));
  }

  /** @returns {{keys: {kid: Uint8Array, key: Uint8Array}[], type: string|null}} */
  static parseLicense(core, response) {
    const license = core.callJson('cdm_parse_license', toBytes(response, 'response'));
    return {
      keys: license.keys.map((k) => ({ kid: fromHex(k.kid), key: fromHex(k.key) })),
      type: license.type,
    };
  }

  /**
   * @param {{kid: Uint8Array, key: Uint8Array}[]} keys
   * @param {'temporary'|'persistent-license'|null} [type] null/undefined leaves "type" out
   * @returns {string} a JWK Set license
   */
  static makeJwkSet(core, keys, type = null) {
    if (!Array.isArray(keys)) throw new WasmEmeError(INVALID_ARGUMENT, 'keys: not an array');
    const packed = pack(keys.flatMap((k, i) => [k?.kid, k?.key].map((v, j) => toBytes(v,
      `keys[${i}].${j ? 'key' : 'kid'}`))), 'keys');
    try {
      return core.callText('cdm_make_jwk_set', packed, type == null ? '' : String(type));
    } finally {
      packed.fill(0);
    }
  }
}
