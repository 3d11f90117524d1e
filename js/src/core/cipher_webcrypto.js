// The WebCrypto AES backend of StreamDecryptor (see the Cipher typedef in decryptor.js): the
// browser's own AES (AES-NI where the CPU has it, off the calling thread), in secure contexts.
//
// AES-CBC in WebCrypto always checks PKCS#7 padding, so CBC chains come with one extra block
// from the module that decrypts to a full block of padding (StreamDecryptor cbc_pad_blocks):
// the call then returns exactly the chain's plaintext, without a second pass.

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Whether this context has WebCrypto's subtle interface (secure contexts only). */
export function hasWebCrypto() {
  return typeof globalThis.crypto === 'object' && !!globalThis.crypto && !!globalThis.crypto.subtle;
}

export class WebCryptoCipher {
  constructor(subtle = globalThis.crypto.subtle) {
    this.kind = 'webcrypto';
    this.async = true;
    this.needsCbcPadBlocks = true;
    this.subtle = subtle;
    this.keys = new Map();  // KID hex -> {ctr, cbc} CryptoKeys (non-extractable)
    this.importing = new Set();
  }

  setKey(kid, key) {
    const hex = toHex(kid);
    const raw = key.slice();
    const importOne = (name) => this.subtle.importKey('raw', raw, { name }, false, ['decrypt']);
    const p = Promise.all([importOne('AES-CTR'), importOne('AES-CBC')]).then(([ctr, cbc]) => {
      if (this.importing.has(p)) this.keys.set(hex, { ctr, cbc });
    }).finally(() => {
      raw.fill(0);
      this.importing.delete(p);
    });
    this.importing.add(p);
  }

  removeKey(kid) {
    this.keys.delete(toHex(kid));
  }

  async ready() {
    if (this.importing.size) await Promise.all(this.importing);
  }

  #key(kidHex, mode) {
    const k = this.keys.get(kidHex);
    if (!k) throw Object.assign(new Error(`no key for KID ${kidHex}`), { code: 'key-missing' });
    return k[mode];
  }

  // The 128-bit counter block is incremented as a whole, as ISO/IEC 23001-7 and the browsers'
  // CDMs do (length: 128).
  async ctr(kidHex, iv, data) {
    const key = this.#key(kidHex, 'ctr');
    return new Uint8Array(await this.subtle.decrypt({ name: 'AES-CTR', counter: iv, length: 128 }, key, data));
  }

  async cbc(kidHex, iv, data) {
    const key = this.#key(kidHex, 'cbc');
    return new Uint8Array(await this.subtle.decrypt({ name: 'AES-CBC', iv }, key, data));
  }
}
