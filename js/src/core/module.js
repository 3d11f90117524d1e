// Loads the wasm module and wraps its C ABI (see wasm/bindings/abi.h): byte and string
// arguments are copied into the module's heap, status codes become WasmEmeError.
//
// Two builds of one core (CMakeLists.txt): the browser module (CDM, stream decryptor, license
// templates), in a SIMD and a scalar variant, and the Node module (everything, incl. the
// packager, the track splitter and auth). Each .wasm comes with its own glue .mjs: export
// names are minified per link, so a glue only fits the .wasm linked with it.

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

// Literal specifiers and URLs, so that bundlers see each file.
const VARIANTS = {
  node: {
    glue: () => import('../../../dist/wasm_eme.mjs'),
    url: () => new URL('../../../dist/wasm_eme.wasm', import.meta.url),
  },
  web: {
    glue: () => import('../../../dist/wasm_eme_web.mjs'),
    url: () => new URL('../../../dist/wasm_eme_web.wasm', import.meta.url),
  },
  'web-simd': {
    glue: () => import('../../../dist/wasm_eme_web_simd.mjs'),
    url: () => new URL('../../../dist/wasm_eme_web_simd.wasm', import.meta.url),
  },
};

// The smallest module with a v128 instruction: (func i32.const 0 i8x16.splat drop).
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
  0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x1a, 0x0b]);

/** Whether this engine runs wasm SIMD128. */
export function simdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Which build loadCore() uses: 'node' (the full module; the default in Node), else the browser
 * module, 'web-simd' where the engine has SIMD and options.simd is not false, or 'web'.
 * A page that names only wasmUrl (the scalar file) gets 'web': the SIMD file's place is unknown.
 */
export function coreVariant(options = {}) {
  const flavor = options.flavor || (isNode ? 'node' : 'web');
  if (flavor === 'node') return 'node';
  if (flavor !== 'web') throw new TypeError(`wasm-eme: unknown flavor ${flavor}`);
  const simdKnown = !options.wasmUrl || options.wasmSimdUrl;
  return options.simd !== false && simdKnown && simdSupported() ? 'web-simd' : 'web';
}

function wasmUrlOf(variant, options) {
  if (variant === 'web-simd' && options.wasmSimdUrl) return String(options.wasmSimdUrl);
  if (variant !== 'web-simd' && options.wasmUrl) return String(options.wasmUrl);
  return VARIANTS[variant].url().href;
}

/**
 * Fetches and compiles the module once: {variant, module: Promise<WebAssembly.Module>}, for
 * loadCore({variant, module}) on the page and in the worker. Options as coreVariant(), plus
 * wasmUrl / wasmSimdUrl (where the browser module's scalar and SIMD files are served).
 */
export function compileCore(options = {}) {
  const variant = options.variant || coreVariant(options);
  const url = wasmUrlOf(variant, options);
  const module = (async () => {
    if (isNode && !/^(https?|data|blob):/.test(url)) {
      // This Emscripten's loader would fetch() a file path under Node, which fails: read it.
      const { readFile } = await import('node:fs/promises');
      return WebAssembly.compile(await readFile(url.startsWith('file:') ? new URL(url) : url));
    }
    const response = await fetch(url);
    if (!response.ok) throw new Error(`wasm-eme: ${url}: HTTP ${response.status}`);
    // Streaming compilation needs the application/wasm MIME type; without it, the same bytes.
    const type = (response.headers.get('Content-Type') || '').split(';')[0].trim();
    if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
      return WebAssembly.compileStreaming(response);
    }
    return WebAssembly.compile(await response.arrayBuffer());
  })();
  return { variant, module };
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
 * Instantiates the module. Options: flavor ('web' | 'node'), simd (false: the scalar browser
 * module), wasmBinary (bytes), wasmUrl / wasmSimdUrl (compileCore()), or variant and module (a
 * WebAssembly.Module or a promise of one, from compileCore(): instantiated without a fetch).
 */
export async function loadCore(options = {}) {
  const variant = options.variant || coreVariant(options);
  const { default: createWasmEme } = await VARIANTS[variant].glue();
  const config = {};
  if (options.wasmBinary) {
    config.wasmBinary = options.wasmBinary;
    return new Core(await createWasmEme(config));
  }
  const compiled = options.module || compileCore({ ...options, variant }).module;
  let fail;
  const failed = new Promise((resolve, reject) => { fail = reject; });
  // Emscripten's hook: it gives the imports, we give back the instance (asynchronously).
  config.instantiateWasm = (imports, receive) => {
    Promise.resolve(compiled).then((module) => WebAssembly.instantiate(module, imports)
      .then((instance) => receive(instance, module))).catch(fail);
    return {};
  };
  return new Core(await Promise.race([createWasmEme(config), failed]));
}
