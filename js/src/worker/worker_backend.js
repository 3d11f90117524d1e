// The page side of the decrypt worker: one Worker shared by every SourceBuffer, requests
// answered in order, byte buffers transferred.

import { WasmEmeError } from '../core/module.js';

class WorkerStream {
  constructor(owner, id) {
    this.owner = owner;
    this.id = id;
  }
  push(bytes, onChunk) { return this.owner.request({ op: 'push', stream: this.id, bytes }, [bytes.buffer], onChunk); }
  flush() { return this.owner.request({ op: 'flush', stream: this.id }); }
  setKey(kid, key) {
    // Structured clone copies the key; the caller zeroes its own copy.
    this.owner.request({ op: 'setKey', stream: this.id, kid: kid.slice(), key: key.slice() }).catch(() => {});
  }
  removeKey(kid) { this.owner.request({ op: 'removeKey', stream: this.id, kid: kid.slice() }).catch(() => {}); }
  reset() { this.owner.request({ op: 'reset', stream: this.id }).catch(() => {}); }
  dispose() { this.owner.request({ op: 'dispose', stream: this.id }).catch(() => {}); }
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
      const { id, ok, result, error, chunk } = event.data;
      const p = this.pending.get(id);
      if (!p) return;
      if (chunk) {
        if (p.onChunk) p.onChunk(chunk);
        return;
      }
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

  request(message, transfer = [], onChunk = null) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onChunk });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async createStream(cipher) {
    const id = this.nextStream++;
    const { backend } = await this.request({ op: 'create', stream: id, cipher });
    const stream = new WorkerStream(this, id);
    stream.backend = backend;  // where its AES runs: 'webcrypto' or 'wasm'
    stream.thread = 'worker';
    return stream;
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
