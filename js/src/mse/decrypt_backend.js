// Where appended bytes get decrypted: a dedicated worker (default), or the main thread where
// workers are unavailable or disabled (install({worker: false})). Both offer the same async
// stream interface: push/flush -> Promise<{output, inits, moofPssh, missingKid}>, and ordered,
// fire-and-forget setKey/removeKey/reset/dispose.

import { StreamDecryptor } from '../core/decryptor.js';
import { getCompiledModule, getCore, runtime } from '../eme/runtime.js';
import { startWorkerBackend } from '../worker/worker_backend.js';

class MainThreadStream {
  constructor(core) {
    this.decryptor = new StreamDecryptor(core);
  }
  push(bytes) { return call(() => this.decryptor.push(bytes)); }
  flush() { return call(() => this.decryptor.flush()); }
  setKey(kid, key) { this.decryptor.setKey(kid, key); }
  removeKey(kid) { this.decryptor.removeKey(kid); }
  reset() { this.decryptor.reset(); }
  dispose() { this.decryptor.dispose(); }
}

function call(fn) {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

class MainThreadBackend {
  constructor(core) {
    this.kind = 'main';
    this.core = core;
  }
  async createStream() { return new MainThreadStream(this.core); }
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
