// What install() configured, the shared wasm Core of the page, and the link from the EME
// classes to the MSE hook (which registers itself here, so eme/ does not import mse/).

import { loadCore } from '../core/module.js';

export const runtime = {
  /** @type {{wasmUrl?: string, worker?: boolean|string|URL, force?: boolean}} */
  options: {},
  /** Set by the MSE hook: called when a MediaKeys' usable keys change. */
  onKeysChanged: (mediaKeys) => {},
  /** Set by the MSE hook: called when a media element's MediaKeys change. */
  onMediaKeysAttached: (element) => {},
  /** Set by license_acquisition.js: a session's message that no page listener received. */
  onUnhandledMessage: (session, messageType, message) => {},
};

let corePromise = null;

/** The page's Core (one instance of the wasm module on the main thread), loaded once. */
export function getCore() {
  if (!corePromise) {
    corePromise = loadCore(runtime.options.wasmUrl ? { wasmUrl: String(runtime.options.wasmUrl) } : {});
    corePromise.catch(() => { corePromise = null; });  // a later call may retry
  }
  return corePromise;
}
