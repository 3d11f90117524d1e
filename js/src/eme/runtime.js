// What install() configured, the shared wasm Core of the page, and the link from the EME
// classes to the MSE hook (which registers itself here, so eme/ does not import mse/).

import { compileCore, loadCore } from '../core/module.js';

export const runtime = {
  /** @type {{wasmUrl?: string, wasmSimdUrl?: string, simd?: boolean, worker?: boolean|string|URL, force?: boolean}} */
  options: {},
  /** Set by the MSE hook: called when a MediaKeys' usable keys change. */
  onKeysChanged: (mediaKeys) => {},
  /** Set by the MSE hook: called when a media element's MediaKeys change. */
  onMediaKeysAttached: (element) => {},
  /** Set by license_acquisition.js: a session's message that no page listener received. */
  onUnhandledMessage: (session, messageType, message) => {},
};

let compiled = null;  // {variant, module: Promise<WebAssembly.Module>}, once per page
let corePromise = null;

/**
 * The browser module, fetched and compiled once for the page and its worker (started by
 * install(), or by the first use).
 */
export function getCompiledModule() {
  if (!compiled) {
    const { wasmUrl, wasmSimdUrl, simd } = runtime.options;
    const started = compileCore({ flavor: 'web', wasmUrl, wasmSimdUrl, simd });
    compiled = started;
    // A failed fetch or compile may be retried by a later call; nobody may be waiting yet.
    started.module.catch(() => { if (compiled === started) compiled = null; });
  }
  return compiled;
}

/** The page's Core (one instance of the wasm module on the main thread), loaded once. */
export function getCore() {
  if (!corePromise) {
    corePromise = loadCore(getCompiledModule());
    corePromise.catch(() => { corePromise = null; });  // a later call may retry
  }
  return corePromise;
}
