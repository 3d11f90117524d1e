// The decrypt worker: its own instance of the wasm module and one StreamDecryptor per
// SourceBuffer (with WebCrypto's AES where the context has it), so that large segments never
// block the page's main thread. Requests are
// handled strictly in order (see protocol.js).

import { loadCore } from '../core/module.js';
import { StreamDecryptor } from '../core/decryptor.js';
import { makeCipher } from '../core/cipher_choice.js';
import { resultTransferables } from './protocol.js';

let core = null;
const streams = new Map();
let queue = Promise.resolve();

function stream(id) {
  const s = streams.get(id);
  if (!s) throw Object.assign(new Error(`no stream ${id}`), { code: 'invalid-state' });
  return s;
}

async function handle(msg) {
  switch (msg.op) {
    case 'init':
      // The page's compiled module when it sends one; else fetch the browser module.
      if (!core) {
        core = await loadCore(msg.module ? { variant: msg.variant, module: msg.module }
          : { flavor: 'web', wasmUrl: msg.wasmUrl });
      }
      return undefined;
    case 'create': {
      const s = new StreamDecryptor(core, { cipher: makeCipher(msg.cipher), progressive: true });
      streams.set(msg.stream, s);
      return { backend: s.backend };
    }
    case 'push':
      // Ready prefixes go to the page as they are decrypted, ahead of the answer.
      return stream(msg.stream).pushAsync(msg.bytes, (chunk) => {
        self.postMessage({ id: msg.id, chunk }, [chunk.buffer]);
      });
    case 'flush':
      return stream(msg.stream).flushAsync();
    case 'setKey':
      try {
        stream(msg.stream).setKey(msg.kid, msg.key);
      } finally {
        msg.key.fill(0);
      }
      return undefined;
    case 'removeKey':
      stream(msg.stream).removeKey(msg.kid);
      return undefined;
    case 'reset':
      stream(msg.stream).reset();
      return undefined;
    case 'dispose': {
      const s = streams.get(msg.stream);
      streams.delete(msg.stream);
      if (s) s.dispose();
      return undefined;
    }
    default:
      throw Object.assign(new Error(`unknown request ${msg.op}`), { code: 'invalid-argument' });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  queue = queue.then(async () => {
    try {
      const result = await handle(msg);
      if (result) {
        self.postMessage({ id: msg.id, ok: true, result }, resultTransferables(result));
      } else {
        self.postMessage({ id: msg.id, ok: true });
      }
    } catch (e) {
      self.postMessage({ id: msg.id, ok: false, error: { code: e.code || 'internal', message: String(e.message || e) } });
    }
  });
};
