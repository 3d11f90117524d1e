// MediaKeyStatusMap (EME section 5.3): a read-only map from key ID (any BufferSource, compared
// by bytes) to MediaKeyStatus, iterated in key ID order (shorter IDs first, then bytewise).

import { isBufferSource, typeError } from './util.js';

function bytesOf(keyId) {
  // A SharedArrayBuffer (or a view of one) is refused as by the browser's bindings.
  if (!isBufferSource(keyId)) throw typeError('MediaKeyStatusMap: the key ID is not a BufferSource (ArrayBuffer or ArrayBufferView, not shared)');
  if (ArrayBuffer.isView(keyId)) return new Uint8Array(keyId.buffer, keyId.byteOffset, keyId.byteLength);
  return new Uint8Array(keyId);
}

function compareKeyIds(a, b) {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

const kEntries = Symbol('entries');

export class MediaKeyStatusMap {
  constructor() {
    /** @type {{kid: Uint8Array, status: string}[]} sorted by kid */
    this[kEntries] = [];
  }

  get size() { return this[kEntries].length; }

  has(keyId) { return this.#find(keyId) !== undefined; }

  get(keyId) {
    const entry = this.#find(keyId);
    return entry ? entry.status : undefined;
  }

  forEach(callback, thisArg) {
    if (typeof callback !== 'function') throw new TypeError('wasm-eme: forEach callback');
    for (const [kid, status] of this.entries()) callback.call(thisArg, status, kid, this);
  }

  // Iteration hands out fresh ArrayBuffers: callers may not change the map through them.
  *entries() {
    for (const e of this[kEntries].slice()) yield [e.kid.slice().buffer, e.status];
  }
  *keys() { for (const [kid] of this.entries()) yield kid; }
  *values() { for (const [, status] of this.entries()) yield status; }
  [Symbol.iterator]() { return this.entries(); }

  get [Symbol.toStringTag]() { return 'MediaKeyStatusMap'; }

  #find(keyId) {
    const bytes = bytesOf(keyId);
    return this[kEntries].find((e) => compareKeyIds(e.kid, bytes) === 0);
  }
}

/** Replaces the map's contents (the "Update Key Statuses" algorithm's step 2-3). */
export function setKeyStatuses(map, statuses) {
  map[kEntries] = statuses
    .map(({ kid, status }) => ({ kid: new Uint8Array(kid).slice(), status }))
    .sort((a, b) => compareKeyIds(a.kid, b.kid));
}
