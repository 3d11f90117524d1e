// A stream decryptor per SourceBuffer byte stream (wasm/src/cenc/stream_decryptor.h): push what
// the page appends, get clear bytes back. Stops before a fragment whose key is missing and
// resumes on the next push after setKey().
//
// One wasm call per push: the bytes are copied into the heap once, decrypted there in place,
// and copied out once. Where the AES runs is the `cipher` (see cipher_webcrypto.js and
// node/cipher_node.js): the module plans the work as chains (one CTR keystream or CBC chain
// over a list of byte runs) and the cipher runs each chain on the gathered runs; chains too
// small for a call's overhead, and every chain without a cipher, run in the module.
//
//   push(bytes) ─> heap ─> wee_stream_push ─> plan ─┬─ large chain, long runs: cipher (gather, decrypt, scatter)
//                                                   └─ otherwise: wee_stream_run (the module's AES, in place)
//                     output = heap slice <─────────┘   (pushAsync: ready prefixes as they come)

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

const textDecoder = new TextDecoder();

// Flags of wee_stream_create.
const DEFER_CRYPTO = 1;
const CBC_PAD_BLOCKS = 2;
const FILE_POSITIONS = 4;
// PushResult and CipherChain layouts (wasm/bindings/decrypt_bindings.cpp), in 32-bit words.
const RESULT_WORDS = 12;
const CHAIN_WORDS = 8;
const MODE_CBC = 1;

/** Chains below this many bytes run in the module: a cipher call would cost more than it saves. */
export const MIN_CIPHER_BYTES = 2048;
// So do chains of short runs (cbcs/cens 1:9: one block in ten): gathering and scattering them
// in JS costs more than the module's AES on them (Node: 290 vs 680 MB/s for cbcs 1:9).
const MIN_CIPHER_AVERAGE_RUN = 256;
// pushAsync hands out ready prefixes from this size on, each at least twice the last.
const FIRST_CHUNK_BYTES = 128 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
const IN_FLIGHT_BYTES = 2 * 1024 * 1024;

/**
 * @typedef {object} Cipher  An AES backend outside the module. ctr/cbc get the gathered bytes
 *   of one chain (cbc: whole blocks, plus the pad block when needsCbcPadBlocks) and return the
 *   decrypted bytes, or a promise of them when `async`; they must read `data` before returning.
 * @property {string} kind
 * @property {boolean} async
 * @property {boolean} needsCbcPadBlocks
 * @property {(kid: Uint8Array, key: Uint8Array) => void} setKey
 * @property {(kid: Uint8Array) => void} removeKey
 * @property {() => (void|Promise<void>)} ready  resolves once the keys set so far are usable
 * @property {(kidHex: string, iv: Uint8Array, data: Uint8Array) => (Uint8Array|Promise<Uint8Array>)} ctr
 * @property {(kidHex: string, iv: Uint8Array, data: Uint8Array) => (Uint8Array|Promise<Uint8Array>)} cbc
 */

export class StreamDecryptor {
  /**
   * @param {import('./module.js').Core} core
   * @param {{cipher?: Cipher|null, minCipherBytes?: number, progressive?: boolean, file?: boolean}} [options]
   *   no cipher: all AES in the module; minCipherBytes 0: every chain to the cipher (tests);
   *   progressive: pushAsync hands out prefixes with the module's AES too (useful in a worker,
   *   whose page appends them while the worker goes on); file: the stream is a file, whose
   *   tfhd base_data_offset counts from its first byte (an MSE byte stream may not have one)
   */
  constructor(core, { cipher = null, minCipherBytes = MIN_CIPHER_BYTES, progressive = false, file = false } = {}) {
    this.core = core;
    this.cipher = cipher;
    this.minCipherBytes = minCipherBytes;
    const defer = cipher || progressive;
    const flags = (defer ? DEFER_CRYPTO | (cipher && cipher.needsCbcPadBlocks ? CBC_PAD_BLOCKS : 0) : 0)
      | (file ? FILE_POSITIONS : 0);
    const { handle, result } = core.callJson('stream_create', flags);
    this.handle = handle;
    this.resultAddress = result;
  }

  /** Where the AES runs: 'wasm' or the cipher's kind. */
  get backend() {
    return this.cipher ? this.cipher.kind : 'wasm';
  }

  setKey(kid, key) {
    this.core.call('stream_set_key', this.handle, kid, key);
    if (this.cipher) this.cipher.setKey(kid, key);
  }

  removeKey(kid) {
    this.core.call('stream_remove_key', this.handle, kid);
    if (this.cipher) this.cipher.removeKey(kid);
  }

  /**
   * Synchronous; with an async cipher use pushAsync. `moofPssh`: the pssh boxes of each moof
   * carrying some (key rotation), reported once per moof.
   * @returns {{output: Uint8Array, inits: {pssh: Uint8Array, defaultKids: Uint8Array[]}[], moofPssh: Uint8Array[], missingKid: Uint8Array|null}}
   */
  push(bytes) {
    if (this.cipher && this.cipher.async) throw new Error('wasm-eme: this cipher is asynchronous: use pushAsync()');
    const input = this.#input(bytes);
    try {
      return this.#finish(this.#call('stream_push', input.ptr, input.size));
    } finally {
      this.core.m._free(input.ptr);
    }
  }

  /**
   * Like push(), for any cipher. With onChunk, clear bytes are handed out as soon as a prefix
   * of the output is decrypted (the decoder need not wait for the whole fragment); the result's
   * output is then only what no chunk carried.
   * @param {Uint8Array} bytes
   * @param {(chunk: Uint8Array) => void} [onChunk]
   */
  async pushAsync(bytes, onChunk) {
    if (this.cipher) await this.cipher.ready();
    const input = this.#input(bytes);
    try {
      return await this.#finishAsync(this.#call('stream_push', input.ptr, input.size), onChunk);
    } finally {
      this.core.m._free(input.ptr);
    }
  }

  flush() {
    if (this.cipher && this.cipher.async) throw new Error('wasm-eme: this cipher is asynchronous: use flushAsync()');
    return this.#finish(this.#call('stream_flush', 0, 0));
  }

  async flushAsync() {
    if (this.cipher) await this.cipher.ready();
    return this.#finishAsync(this.#call('stream_flush', 0, 0));
  }

  reset() {
    this.core.call('stream_reset', this.handle);
  }

  dispose() {
    if (this.handle) this.core.call('stream_destroy', this.handle);
    this.handle = 0;
  }

  // The input's copy in the heap (media, not key material: freed without zeroing).
  #input(bytes) {
    const m = this.core.m;
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer || bytes, bytes.byteOffset || 0, bytes.byteLength);
    const ptr = m._malloc(view.length || 1);
    m.HEAPU8.set(view, ptr);
    return { ptr, size: view.length };
  }

  // One call; its results, read from the stream's PushResult.
  #call(name, ptr, size) {
    const m = this.core.m;
    const code = name === 'stream_push' ? m._wee_stream_push(this.handle, ptr, size) : m._wee_stream_flush(this.handle);
    if (code !== 0) this.core.throwLastError(code);
    const w = new Uint32Array(m.HEAPU8.buffer, this.resultAddress, RESULT_WORDS);
    const r = {
      clearPtr: w[0], clearSize: w[1], chainsPtr: w[2], chainCount: w[3], runsPtr: w[4], runCount: w[5],
      kidsPtr: w[6], kidCount: w[7], padsPtr: w[8], padsSize: w[9], info: null,
    };
    if (w[11]) r.info = JSON.parse(textDecoder.decode(m.HEAPU8.subarray(w[10], w[10] + w[11])));
    return r;
  }

  // The plan of the last call, copied out of the heap (it is small; the heap may grow).
  #plan(r) {
    const heap = this.core.m.HEAPU8;
    const chains = new Uint32Array(heap.buffer.slice(r.chainsPtr, r.chainsPtr + r.chainCount * CHAIN_WORDS * 4));
    const runs = new Uint32Array(heap.buffer.slice(r.runsPtr, r.runsPtr + r.runCount * 8));
    const kids = [];
    for (let i = 0; i < r.kidCount; i++) kids.push(toHex(heap.subarray(r.kidsPtr + 16 * i, r.kidsPtr + 16 * i + 16)));
    const pads = heap.slice(r.padsPtr, r.padsPtr + r.padsSize);
    const list = [];
    for (let c = 0; c < r.chainCount; c++) {
      const at = c * CHAIN_WORDS;
      const first = chains[at + 6];
      const count = chains[at + 7];
      let bytes = 0;
      for (let i = first; i < first + count; i++) bytes += runs[2 * i + 1];
      list.push({
        index: c,
        cbc: (chains[at] & 0xff) === MODE_CBC,
        kid: kids[chains[at + 1]],
        iv: new Uint8Array(chains.buffer, (at + 2) * 4, 16),
        runs: runs.subarray(2 * first, 2 * (first + count)),
        bytes,
        start: count ? runs[2 * first] : r.clearSize,
        pad: pads.length ? pads.subarray(16 * c, 16 * c + 16) : null,
      });
    }
    return list;
  }

  #useCipher(chain) {
    return !!this.cipher && chain.bytes >= this.minCipherBytes &&
      (this.minCipherBytes === 0 || chain.bytes >= MIN_CIPHER_AVERAGE_RUN * (chain.runs.length / 2));
  }

  // Starts the cipher on one chain: the runs gathered (a view when there is one run and no pad
  // block), decrypted by the cipher, which reads its input before returning.
  #startChain(chain, base) {
    const heap = this.core.m.HEAPU8;
    const { runs } = chain;
    let data;
    if (runs.length === 2 && !(chain.cbc && chain.pad)) {
      data = heap.subarray(base + runs[0], base + runs[0] + runs[1]);
    } else {
      data = new Uint8Array(chain.bytes + (chain.cbc && chain.pad ? 16 : 0));
      let at = 0;
      for (let i = 0; i < runs.length; i += 2) {
        data.set(heap.subarray(base + runs[i], base + runs[i] + runs[i + 1]), at);
        at += runs[i + 1];
      }
      if (chain.cbc && chain.pad) data.set(chain.pad, at);
    }
    return chain.cbc ? this.cipher.cbc(chain.kid, chain.iv, data) : this.cipher.ctr(chain.kid, chain.iv, data);
  }

  #scatter(chain, base, clear) {
    const heap = this.core.m.HEAPU8;
    const { runs } = chain;
    let at = 0;
    for (let i = 0; i < runs.length; i += 2) {
      heap.set(clear.subarray(at, at + runs[i + 1]), base + runs[i]);
      at += runs[i + 1];
    }
  }

  #runInModule(first, count) {
    const code = this.core.m._wee_stream_run(this.handle, first, count);
    if (code !== 0) this.core.throwLastError(code);
  }

  #runSync(plan, base) {
    let wasmFrom = -1;  // consecutive module chains run in one call
    const flushModule = (to) => {
      if (wasmFrom >= 0) this.#runInModule(wasmFrom, to - wasmFrom);
      wasmFrom = -1;
    };
    for (const chain of plan) {
      if (!this.#useCipher(chain)) {
        if (wasmFrom < 0) wasmFrom = chain.index;
        continue;
      }
      flushModule(chain.index);
      this.#scatter(chain, base, this.#startChain(chain, base));
    }
    flushModule(plan.length);
  }

  #finish(r) {
    if (r.chainCount) this.#runSync(this.#plan(r), r.clearPtr);
    return this.#result(this.core.m.HEAPU8.slice(r.clearPtr, r.clearPtr + r.clearSize), r.info);
  }

  async #finishAsync(r, onChunk) {
    if (!r.chainCount) return this.#finish(r);
    const plan = this.#plan(r);
    const base = r.clearPtr;
    // Cipher calls run ahead of the chain being finished by up to IN_FLIGHT_BYTES (browsers
    // run them in parallel), not all at once: starting one copies its input, and the first
    // prefix should not wait for the whole fragment's copies. A call reads its input before
    // returning, so the module chains below may change the heap after it started.
    const started = new Array(plan.length).fill(null);
    let next = 0;
    let ahead = 0;
    const startAhead = (k) => {
      while (next < plan.length && (next <= k || ahead < IN_FLIGHT_BYTES)) {
        if (this.#useCipher(plan[next])) {
          started[next] = Promise.resolve(this.#startChain(plan[next], base));
          started[next].catch(() => {});  // awaited below, or abandoned after a failure
          ahead += plan[next].bytes;
        }
        next++;
      }
    };
    // readyBefore[k]: the output before this offset is clear once chains [0, k) have run.
    const readyBefore = new Array(plan.length + 1);
    readyBefore[plan.length] = r.clearSize;
    for (let k = plan.length - 1; k >= 0; k--) readyBefore[k] = Math.min(plan[k].start, readyBefore[k + 1]);
    let emitted = 0;
    let nextChunk = FIRST_CHUNK_BYTES;
    let failure = null;
    for (let k = 0; k < plan.length; k++) {
      try {
        startAhead(k);
        if (started[k]) {
          const clear = await started[k];
          ahead -= plan[k].bytes;
          this.#scatter(plan[k], base, clear);
        } else {
          this.#runInModule(k, 1);
        }
      } catch (e) {
        failure = e;  // calls still in flight write only their own buffers: safe to leave
        break;
      }
      const ready = readyBefore[k + 1];
      if (onChunk && ready - emitted >= nextChunk && ready < r.clearSize) {
        onChunk(this.core.m.HEAPU8.slice(base + emitted, base + ready));
        nextChunk = Math.min(2 * (ready - emitted), MAX_CHUNK_BYTES);
        emitted = ready;
      }
    }
    if (failure) throw failure;
    return this.#result(this.core.m.HEAPU8.slice(base + emitted, base + r.clearSize), r.info);
  }

  #result(output, info) {
    return {
      output,
      inits: info ? info.inits.map((i) => ({ pssh: fromBase64(i.pssh), defaultKids: i.defaultKids.map(fromHex) })) : [],
      moofPssh: info ? info.moofPssh.map(fromBase64) : [],
      missingKid: info && info.missingKid ? fromHex(info.missingKid) : null,
    };
  }
}

/** The encryption layout of an MP4 (one file, or init + segments concatenated) as an object. */
export function inspect(core, bytes) {
  return core.callJson('inspect', bytes);
}
