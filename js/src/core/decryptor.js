// A stream decryptor per SourceBuffer byte stream (wasm/src/cenc/stream_decryptor.h): push what
// the page appends, get clear bytes back. Stops before a fragment whose key is missing and
// resumes on the next push after setKey().

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

export class StreamDecryptor {
  /** @param {import('./module.js').Core} core */
  constructor(core) {
    this.core = core;
    this.handle = core.callJson('stream_create').handle;
  }

  setKey(kid, key) {
    this.core.call('stream_set_key', this.handle, kid, key);
  }

  removeKey(kid) {
    this.core.call('stream_remove_key', this.handle, kid);
  }

  /**
   * `moofPssh`: the pssh boxes of each moof carrying some (key rotation), reported once per moof.
   * @returns {{output: Uint8Array, inits: {pssh: Uint8Array, defaultKids: Uint8Array[]}[], moofPssh: Uint8Array[], missingKid: Uint8Array|null}}
   */
  push(bytes) {
    return this.#result(this.core.call('stream_push', this.handle, bytes));
  }

  flush() {
    return this.#result(this.core.call('stream_flush', this.handle));
  }

  reset() {
    this.core.call('stream_reset', this.handle);
  }

  dispose() {
    if (this.handle) this.core.call('stream_destroy', this.handle);
    this.handle = 0;
  }

  #result(output) {
    const info = this.core.callJson('stream_info');
    return {
      output,
      inits: info.inits.map((i) => ({
        pssh: fromBase64(i.pssh),
        defaultKids: i.defaultKids.map(fromHex),
      })),
      moofPssh: info.moofPssh.map(fromBase64),
      missingKid: info.missingKid ? fromHex(info.missingKid) : null,
    };
  }
}

/** The encryption layout of an MP4 (one file, or init + segments concatenated) as an object. */
export function inspect(core, bytes) {
  return core.callJson('inspect', bytes);
}
