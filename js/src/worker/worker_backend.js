// The page side of the decrypt worker: one Worker shared by every SourceBuffer, requests
// answered in order, byte buffers transferred.

import { WasmEmeError } from '../core/module.js';

class WorkerStream {
  constructor(backend, id) {
    this.backend = backend;
    this.id = id;
  }
  push(bytes) { return this.backend.request({ op: 'push', stream: this.id, bytes }, [bytes.buffer]); }
  flush() { return this.backend.request({ op: 'flush', stream: this.id }); }
  setKey(kid, key) {
    // Structured clone copies the key; the caller zeroes its own copy.
    this.backend.request({ op: 'setKey', stream: this.id, kid: kid.slice(), key: key.slice() }).catch(() => {});
  }
  removeKey(kid) { this.backend.request({ op: 'removeKey', stream: this.id, kid: kid.slice() }).catch(() => {}); }
  reset() { this.backend.request({ op: 'reset', stream: this.id }).catch(() => {}); }
  dispose() { this.backend.request({ op: 'dispose', stream: this.id }).catch(() => {}); }
}

function toError(error) {
  const e = new WasmEmeError(0, error.message);
  e.code = error.code;
  return e;
}

export class WorkerBackend {
  constructor(worker) {
    this.kind = 'worker';
    this.worker = worker;
    this.nextId = 1;
    this.nextStream = 1;
    this.pending = new Map();
    worker.onmessage = (event) => {
      const { id, ok, result, error } = event.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (ok) p.resolve(result);
      else p.reject(toError(error));
    };
    // A worker that dies fails every outstanding request.
    worker.onerror = (event) => {
      event.preventDefault?.();
      const failure = toError({ code: 'internal', message: `decrypt worker failed: ${event.message || 'error'}` });
      for (const p of this.pending.values()) p.reject(failure);
      this.pending.clear();
      this.failed = failure;
    };
  }

  request(message, transfer = []) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async createStream() {
    const id = this.nextStream++;
    await this.request({ op: 'create', stream: id });
    return new WorkerStream(this, id);
  }

  terminate() {
    this.worker.terminate();
  }
}

/**
 * Starts the worker and loads the wasm module in it; rejects if either fails. With compiled
 * ({variant, module} from compileCore()), the worker instantiates that WebAssembly.Module
 * (structured-cloneable) instead of fetching the .wasm again.
 */
export async function startWorkerBackend({ workerUrl, wasmUrl, compiled }) {
  const url = workerUrl || new URL('./decrypt_worker.js', import.meta.url);
  // Started before the compilation ends: the worker's script loads meanwhile.
  const worker = new Worker(url, { type: 'module' });
  const backend = new WorkerBackend(worker);
  try {
    const init = compiled
      ? { op: 'init', variant: compiled.variant, module: await compiled.module }
      : { op: 'init', wasmUrl: wasmUrl ? String(wasmUrl) : undefined };
    await backend.request(init);
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return backend;
}
