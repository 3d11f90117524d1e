// MediaKeySystemAccess (EME section 3.2) and MediaKeys (section 4) for the polyfill's
// org.w3.clearkey; each MediaKeys owns one ClearKeyCdm instance on the page's wasm Core.

import { ClearKeyCdm } from '../core/cdm.js';
import { KEY_SYSTEM, SESSION_TYPES } from './configuration.js';
import { createSession } from './media_key_session.js';
import { getCore, runtime } from './runtime.js';
import { domError, isBufferSource, typeError } from './util.js';
import { requireArguments, toDictionary, toEnum } from './webidl.js';

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

// The HDCPVersion enum of the HDCP Policy Check spec (WICG): any other string is a TypeError.
const HDCP_VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '2.0', '2.1', '2.2', '2.3'];

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
    // WebIDL enum conversion (a TypeError, null included), then 4.1 step 1.
    sessionType = toEnum(sessionType, SESSION_TYPES, 'createSession(): sessionType');
    const record = internals.get(this);
    if (!record.sessionTypes.includes(sessionType)) {
      throw domError('NotSupportedError', `createSession(): "${sessionType}" sessions were not in the configuration`);
    }
    return createSession(record, sessionType);
  }

  setServerCertificate(serverCertificate) {
    try {
      requireArguments(arguments, 1, 'setServerCertificate', 'MediaKeys');
    } catch (e) {
      return Promise.reject(e);
    }
    if (!isBufferSource(serverCertificate)) {
      return Promise.reject(typeError('setServerCertificate(): not a BufferSource (ArrayBuffer or ArrayBufferView, not shared)'));
    }
    if (serverCertificate.byteLength === 0) {
      return Promise.reject(typeError('setServerCertificate(): the certificate is empty'));
    }
    // 4.2 step 2: Clear Key does not use server certificates.
    return Promise.resolve(false);
  }

  getStatusForPolicy(policy) {
    // WebIDL: an optional MediaKeysPolicy dictionary (absent, null and {} are the empty policy).
    try {
      toDictionary(policy, {
        minHdcpVersion: [(v, what) => toEnum(v, HDCP_VERSIONS, what)],
      }, 'getStatusForPolicy(): policy');
    } catch (e) {
      return Promise.reject(e);
    }
    // There is no output protection to enforce: every HDCP version, or none, is usable (as
    // Chromium's Clear Key answers).
    return Promise.resolve('usable');
  }

  get [Symbol.toStringTag]() { return 'MediaKeys'; }
}
