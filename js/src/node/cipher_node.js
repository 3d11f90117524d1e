// Node's AES backend of StreamDecryptor (see the Cipher typedef in core/decryptor.js): OpenSSL
// through node:crypto, synchronous, no padding games (CBC runs with auto padding off).
import { createDecipheriv, createSecretKey } from 'node:crypto';

const toHex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

export class NodeCipher {
  constructor() {
    this.kind = 'node';
    this.async = false;
    this.needsCbcPadBlocks = false;
    this.keys = new Map();  // KID hex -> KeyObject
  }

  setKey(kid, key) {
    const raw = Buffer.from(key);
    try {
      this.keys.set(toHex(kid), createSecretKey(raw));
    } finally {
      raw.fill(0);
    }
  }

  removeKey(kid) {
    this.keys.delete(toHex(kid));
  }

  ready() {}

  #key(kidHex) {
    const k = this.keys.get(kidHex);
    if (!k) throw Object.assign(new Error(`no key for KID ${kidHex}`), { code: 'key-missing' });
    return k;
  }

  // OpenSSL's CTR mode increments the whole 128-bit counter block, as ISO/IEC 23001-7 does.
  ctr(kidHex, iv, data) {
    return createDecipheriv('aes-128-ctr', this.#key(kidHex), iv).update(data);
  }

  cbc(kidHex, iv, data) {
    const d = createDecipheriv('aes-128-cbc', this.#key(kidHex), iv);
    d.setAutoPadding(false);
    return d.update(data);
  }
}
