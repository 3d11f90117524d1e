// MediaKeySystemAccess (EME section 3.2) and MediaKeys (section 4) for the polyfill's
// org.w3.clearkey; each MediaKeys owns one ClearKeyCdm instance on the page's wasm Core.

import { ClearKeyCdm } from '../core/cdm.js';
import { KEY_SYSTEM, SESSION_TYPES } from './configuration.js';
import { createSession } from './media_key_session.js';
import { getCore, runtime } from './runtime.js';
import { domError, isBufferSource, typeError } from './util.js';

const kToken = Symbol('constructor token');
const internals = new WeakMap();
// A MediaKeys nobody references any more frees its CDM (and wipes its keys) in the module.
const cdmFinalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((cdm) => { try { cdm.dispose(); } catch { /* already gone */ } })
  : null;

/**
 * The internal record of a polyfill MediaKeys: {cdm, sessions: Map<sessionId, session>,
 * sessionTypes, element (the media element using it, or null), keysChanged()}.
 */
export function mediaKeysInternals(mediaKeys) {
  return internals.get(mediaKeys);
}

export function isPolyfillMediaKeys(value) {
  return internals.has(value);
}

function cloneConfiguration(c) {
  return {
    label: c.label,
    initDataTypes: [...c.initDataTypes],
    audioCapabilities: c.audioCapabilities.map((x) => ({ ...x })),
    videoCapabilities: c.videoCapabilities.map((x) => ({ ...x })),
    distinctiveIdentifier: c.distinctiveIdentifier,
    persistentState: c.persistentState,
    sessionTypes: [...c.sessionTypes],
  };
}

export class MediaKeySystemAccess {
  #configuration;
  constructor(token, configuration) {
    if (token !== kToken) throw new TypeError('Illegal constructor');
    this.#configuration = configuration;
  }

  get keySystem() { return KEY_SYSTEM; }

  getConfiguration() { return cloneConfiguration(this.#configuration); }

  createMediaKeys() {
    const configuration = this.#configuration;
    return getCore().then((core) => {
      const cdm = new ClearKeyCdm(core);
      return new MediaKeys(kToken, cdm, configuration);
    }, (e) => {
      throw domError('NotSupportedError', `createMediaKeys(): the wasm module did not load (${e && e.message})`);
    });
  }

  get [Symbol.toStringTag]() { return 'MediaKeySystemAccess'; }
}

export function createAccess(configuration) {
  return new MediaKeySystemAccess(kToken, configuration);
}

export class MediaKeys {
  constructor(token, cdm, configuration) {
    if (token !== kToken) throw new TypeError('Illegal constructor');
    const record = {
      cdm,
      sessions: new Map(),
      sessionTypes: configuration.sessionTypes,
      element: null,
      keysChanged: () => runtime.onKeysChanged(this),
    };
    internals.set(this, record);
    if (cdmFinalizer) cdmFinalizer.register(this, cdm);
  }

  createSession(sessionType = 'temporary') {
    sessionType = String(sessionType);
    // WebIDL enum conversion, then 4.1 step 1.
    if (!SESSION_TYPES.includes(sessionType)) {
      throw typeError(`createSession(): "${sessionType}" is not a MediaKeySessionType`);
    }
    const record = internals.get(this);
    if (!record.sessionTypes.includes(sessionType)) {
      throw domError('NotSupportedError', `createSession(): "${sessionType}" sessions were not in the configuration`);
    }
    return createSession(record, sessionType);
  }

  setServerCertificate(serverCertificate) {
    if (!isBufferSource(serverCertificate)) {
      return Promise.reject(typeError('setServerCertificate(): not a BufferSource'));
    }
    if (serverCertificate.byteLength === 0) {
      return Promise.reject(typeError('setServerCertificate(): the certificate is empty'));
    }
    // 4.2 step 2: Clear Key does not use server certificates.
    return Promise.resolve(false);
  }

  getStatusForPolicy(policy = {}) {
    // HDCP policy: there is no output protection to enforce, so every version is usable.
    if (!policy || typeof policy !== 'object' || policy.minHdcpVersion === undefined) {
      return Promise.reject(typeError('getStatusForPolicy(): the policy has no minHdcpVersion'));
    }
    return Promise.resolve('usable');
  }

  get [Symbol.toStringTag]() { return 'MediaKeys'; }
}
