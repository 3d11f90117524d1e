// Where appended bytes get decrypted: a dedicated worker (default), or the main thread where
// workers are unavailable or disabled (install({worker: false})). Both offer the same async
// stream interface: push(bytes, onChunk)/flush -> Promise<{output, inits, moofPssh, missingKid}>
// (onChunk gets clear prefixes of the output ahead of the answer), and ordered,
// fire-and-forget setKey/removeKey/reset/dispose.

import { StreamDecryptor } from '../core/decryptor.js';
import { makeCipher } from '../core/cipher_choice.js';
import { getCompiledModule, getCore, runtime } from '../eme/runtime.js';
import { startWorkerBackend } from '../worker/worker_backend.js';

// Operations run strictly in order, as in the worker: a push may wait for WebCrypto, and a
// reset or key change must not overtake it.
class MainThreadStream {
  constructor(core, cipher) {
    this.decryptor = new StreamDecryptor(core, { cipher: makeCipher(cipher) });
    this.backend = this.decryptor.backend;
    this.thread = 'main';
    this.queue = Promise.resolve();
  }
  #run(fn) {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => {});
    return p;
  }
  push(bytes, onChunk) { return this.#run(() => this.decryptor.pushAsync(bytes, onChunk)); }
  flush() { return this.#run(() => this.decryptor.flushAsync()); }
  setKey(kid, key) {
    const copy = key.slice();  // the caller zeroes its own copy at once
    this.#run(() => this.decryptor.setKey(kid, copy)).finally(() => copy.fill(0)).catch(() => {});
  }
  removeKey(kid) { this.#run(() => this.decryptor.removeKey(kid)).catch(() => {}); }
  reset() { this.#run(() => this.decryptor.reset()).catch(() => {}); }
  dispose() { this.#run(() => this.decryptor.dispose()).catch(() => {}); }
}

class MainThreadBackend {
  constructor(core) {
    this.kind = 'main';
    this.core = core;
  }
  async createStream(cipher) { return new MainThreadStream(this.core, cipher); }
  terminate() {}
}

let backendPromise = null;

async function createBackend() {
  const { worker, wasmUrl } = runtime.options;
  if (worker !== false && typeof Worker !== 'undefined') {
    try {
      return await startWorkerBackend({
        workerUrl: typeof worker === 'string' || worker instanceof URL ? worker : undefined,
        wasmUrl,
        compiled: getCompiledModule(),  // the page's compiled module: no second fetch
      });
    } catch {
      // Fall through: e.g. a Content-Security-Policy without worker-src.
    }
  }
  return new MainThreadBackend(await getCore());
}

/** The page's decrypt backend, started by install() or on first use. */
export function getBackend() {
  if (!backendPromise) {
    backendPromise = createBackend();
    backendPromise.catch(() => { backendPromise = null; });
  }
  return backendPromise;
}

/** Stops the worker (uninstall()). */
export function resetBackend() {
  const p = backendPromise;
  backendPromise = null;
  if (p) p.then((b) => b.terminate(), () => {});
}
