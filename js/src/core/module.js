// Loads the wasm module and wraps its C ABI (see wasm/bindings/abi.h): byte and string
// arguments are copied into the module's heap, status codes become WasmEmeError.
import createWasmEme from '../../../dist/wasm_eme.mjs';

const CODE_NAMES = [
  'ok', 'need-more-data', 'malformed', 'unsupported', 'key-missing', 'invalid-argument',
  'crypto-error', 'limit-exceeded', 'invalid-state', 'not-found', 'denied',
];

export class WasmEmeError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'WasmEmeError';
    this.code = CODE_NAMES[code] || `code-${code}`;
    this.status = code;
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

async function defaultWasmBinary() {
  // This Emscripten's loader would fetch() a file path under Node, which fails: hand it bytes.
  const { readFile } = await import('node:fs/promises');
  return readFile(new URL('../../../dist/wasm_eme.wasm', import.meta.url));
}

/** One instance of the module with typed helpers. */
export class Core {
  constructor(module) {
    this.m = module;
  }

  /**
   * Calls export `wee_<name>`. Arguments: Uint8Array/ArrayBuffer/string become (ptr, size);
   * numbers pass through. Returns the result buffer as a Uint8Array copy, or throws.
   */
  call(name, ...args) {
    const m = this.m;
    const fn = m[`_wee_${name}`];
    if (!fn) throw new Error(`wasm-eme: no export wee_${name}`);
    const allocations = [];
    const flat = [];
    try {
      for (const arg of args) {
        if (typeof arg === 'number' || typeof arg === 'boolean') {
          flat.push(Number(arg));
          continue;
        }
        const bytes = typeof arg === 'string' ? textEncoder.encode(arg)
          : arg instanceof Uint8Array ? arg
            : ArrayBuffer.isView(arg) ? new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength)
              : new Uint8Array(arg);
        const ptr = m._malloc(bytes.length || 1);
        allocations.push({ ptr, size: bytes.length });
        m.HEAPU8.set(bytes, ptr);
        flat.push(ptr, bytes.length);
      }
      const code = fn(...flat);
      if (code !== 0) this.throwLastError(code);
      return this.result();
    } finally {
      for (const { ptr, size } of allocations) {
        m.HEAPU8.fill(0, ptr, ptr + size);  // inputs may be keys
        m._free(ptr);
      }
    }
  }

  /** Throws the module's last error (after an export returned `code`). */
  throwLastError(code) {
    throw new WasmEmeError(code, this.m.UTF8ToString(this.m._wee_error_message()));
  }

  /** Like call() but decodes the result as UTF-8 text. */
  callText(name, ...args) {
    return textDecoder.decode(this.call(name, ...args));
  }

  /** Like callText() but parses the result as JSON. */
  callJson(name, ...args) {
    return JSON.parse(this.callText(name, ...args));
  }

  result() {
    const m = this.m;
    const size = m._wee_result_size();
    const out = m.HEAPU8.slice(m._wee_result_data(), m._wee_result_data() + size);
    m._wee_result_clear();
    return out;
  }
}

/**
 * Instantiates the module. Options: wasmBinary (bytes), wasmUrl (where to fetch it in
 * browsers and workers; defaults to the file next to the loader).
 */
export async function loadCore(options = {}) {
  const config = {};
  if (options.wasmBinary) config.wasmBinary = options.wasmBinary;
  else if (isNode) config.wasmBinary = await defaultWasmBinary();
  else {
    const url = options.wasmUrl || new URL('../../../dist/wasm_eme.wasm', import.meta.url).href;
    config.locateFile = () => url;
  }
  return new Core(await createWasmEme(config));
}
