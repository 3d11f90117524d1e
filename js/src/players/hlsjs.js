// hls.js: licenseXhrSetup / licenseResponseCallback that apply a per-key-system license
// configuration (docs/players.md).
//
//   const hls = new Hls({emeEnabled: true, ...hlsjsConfig(configs, {drmSystems})});
//   attachHlsjs(hls, configs);   // or patch an existing instance (before it requests licenses)
//
// hls.js asks for a licenseUrl per key system before it calls licenseXhrSetup: hlsjsConfig()
// fills a placeholder where the template carries its own URL (or static keys need none).
// A wrap failure rejects licenseXhrSetup, which hls.js reports as a fatal ERROR event whose
// data.error is the LicenseExchangeError. hls.js only logs an exception from
// licenseResponseCallback, so an unwrap failure is reported by triggering a fatal ERROR
// (details keySystemLicenseRequestFailed, data.error the LicenseExchangeError) first.
import {
  LicenseRouter, TEMPLATE_URL, dataUrl, toBytes, unpackPlayReadyMessage,
} from './license_router.js';

const ERROR_EVENT = 'hlsError';  // Hls.Events.ERROR
const KEY_SYSTEM_ERROR = 'keySystemError';  // Hls.ErrorTypes.KEY_SYSTEM_ERROR
const LICENSE_REQUEST_FAILED = 'keySystemLicenseRequestFailed';  // Hls.ErrorDetails.*

// hls.js reads a PlayReady body as UTF-16 after licenseXhrSetup: give it an even-sized buffer
// (the view still has the body's length, which is what XMLHttpRequest sends).
function evenBuffered(bytes) {
  if (bytes.buffer.byteLength % 2 === 0) return bytes;
  const copy = new Uint8Array(new ArrayBuffer(bytes.length + 1), 0, bytes.length);
  copy.set(bytes);
  return copy;
}

function hooks(router) {
  const pending = new WeakMap();  // xhr -> {keySystem, challenge, local}
  const failures = new WeakMap();  // xhr -> error (hls.js calls the setup again after a rejection)

  async function licenseXhrSetup(xhr, url, keyContext, licenseChallenge) {
    const keySystem = keyContext && keyContext.keySystem;
    if (!router.handles(keySystem)) return undefined;
    if (failures.has(xhr)) throw failures.get(xhr);
    let challenge = toBytes(licenseChallenge) || new Uint8Array(0);
    let cdmHeaders = {};
    if (String(keySystem).startsWith('com.microsoft.playready')) {
      const unpacked = unpackPlayReadyMessage(challenge);
      if (unpacked) ({ challenge, headers: cdmHeaders } = unpacked);
    }
    const decrypt = keyContext.decryptdata || {};
    let out;
    try {
      out = await router.request(keySystem, {
        challenge,
        sessionId: (keyContext.mediaKeysSession && keyContext.mediaKeysSession.sessionId) || '',
        kid: decrypt.keyId || null,
        pssh: decrypt.pssh || null,
        url,
      });
    } catch (e) {
      failures.set(xhr, e);
      throw e;
    }
    if (out.local) {
      pending.set(xhr, { keySystem, local: true });
      xhr.open('GET', dataUrl(out.local), true);
      return undefined;
    }
    pending.set(xhr, { keySystem, challenge });
    xhr.open(out.method, out.url, true);
    const headers = { ...cdmHeaders, ...out.headers };
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    // A GET sends no body whatever hls.js passes to send().
    return out.body ? evenBuffered(out.body) : undefined;
  }

  function licenseResponseCallback(xhr, url, keyContext) {
    const state = pending.get(xhr);
    pending.delete(xhr);
    if (!state || state.local) return xhr.response;
    try {
      return router.unwrap(state.keySystem, toBytes(xhr.response) || new Uint8Array(0), {
        contentType: xhr.getResponseHeader('Content-Type') || '',
        challenge: state.challenge,
        url: xhr.responseURL || url,
      }).buffer;
    } catch (e) {
      const hls = this;
      const ctor = hls && hls.constructor;
      if (hls && typeof hls.trigger === 'function') {
        hls.trigger((ctor && ctor.Events && ctor.Events.ERROR) || ERROR_EVENT, {
          type: (ctor && ctor.ErrorTypes && ctor.ErrorTypes.KEY_SYSTEM_ERROR) || KEY_SYSTEM_ERROR,
          details: (ctor && ctor.ErrorDetails && ctor.ErrorDetails.KEY_SYSTEM_LICENSE_REQUEST_FAILED) || LICENSE_REQUEST_FAILED,
          fatal: true,
          error: e,
          reason: e.message,
          decryptdata: keyContext && keyContext.decryptdata,
        });
      }
      throw e;
    }
  }

  return { licenseXhrSetup, licenseResponseCallback };
}

function withPlaceholders(drmSystems, router) {
  if (!drmSystems) return undefined;
  const out = {};
  for (const [keySystem, value] of Object.entries(drmSystems)) {
    out[keySystem] = { ...value };
    if (!out[keySystem].licenseUrl && router.handles(keySystem)) out[keySystem].licenseUrl = TEMPLATE_URL;
  }
  return out;
}

/**
 * The hls.js configuration members that apply `configs`: spread them into new Hls({...}).
 * @param configs {keySystem: config} or one config for every key system (license_router.js)
 * @param options core, onLicense({keySystem, hdcp, url}), drmSystems (hls.js's, returned with
 *   a placeholder licenseUrl where it has none)
 * @returns {{licenseXhrSetup, licenseResponseCallback, drmSystems?, ready: Promise<void>}}
 *   (`ready` is not an hls.js option; hls.js ignores it)
 */
export function hlsjsConfig(configs, options = {}) {
  const router = new LicenseRouter(configs, options);
  const config = hooks(router);
  const drmSystems = withPlaceholders(options.drmSystems, router);
  if (drmSystems) config.drmSystems = drmSystems;
  Object.defineProperty(config, 'ready', { value: router.ready(), enumerable: false });
  return config;
}

/**
 * Patches an Hls instance's configuration (before it requests licenses).
 * @returns {{ready: Promise<void>, detach(): void}}
 */
export function attachHlsjs(hls, configs, options = {}) {
  if (!hls || !hls.config) throw new TypeError('attachHlsjs: expected an Hls instance');
  const router = new LicenseRouter(configs, options);
  const { licenseXhrSetup, licenseResponseCallback } = hooks(router);
  const previous = {
    licenseXhrSetup: hls.config.licenseXhrSetup,
    licenseResponseCallback: hls.config.licenseResponseCallback,
    drmSystems: hls.config.drmSystems,
  };
  hls.config.licenseXhrSetup = licenseXhrSetup;
  hls.config.licenseResponseCallback = licenseResponseCallback;
  if (hls.config.drmSystems) hls.config.drmSystems = withPlaceholders(hls.config.drmSystems, router);
  return {
    ready: router.ready(),
    detach() {
      Object.assign(hls.config, previous);
    },
  };
}
