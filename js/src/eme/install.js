// install() / uninstall(): replaces org.w3.clearkey in navigator.requestMediaKeySystemAccess
// and hooks HTMLMediaElement and MSE, recording every original property descriptor so that
// uninstall() puts each one back exactly (or deletes what did not exist).

import { CIPHERS } from '../core/cipher_choice.js';
import { KEY_SYSTEM, getSupportedConfiguration, toMediaKeySystemConfiguration } from './configuration.js';
import {
  PolyfillMediaEncryptedEvent, PolyfillMediaKeyMessageEvent,
} from './events.js';
import { acquireLicense } from './license_acquisition.js';
import { makeMediaElementHooks } from './media_element.js';
import { MediaKeySession } from './media_key_session.js';
import { MediaKeyStatusMap } from './media_key_status_map.js';
import { MediaKeySystemAccess, MediaKeys, createAccess } from './media_keys.js';
import { getCompiledModule, runtime } from './runtime.js';
import { domError, typeError } from './util.js';
import { requireArguments, toDOMString, toSequence } from './webidl.js';
import {
  makeMseHooks, noteElement, noteObjectUrl, onKeysChanged, onMediaKeysAttached,
} from '../mse/source_buffer_hook.js';
import { getBackend, resetBackend } from '../mse/decrypt_backend.js';

let installed = null;  // {restore: [() => void]} while installed

function descriptorOf(target, name) {
  return Object.getOwnPropertyDescriptor(target, name);
}

// Replaces `name` on `target` and records how to undo it.
function patch(restore, target, name, descriptor) {
  const original = descriptorOf(target, name);
  Object.defineProperty(target, name, { configurable: true, enumerable: original ? original.enumerable : true, ...descriptor });
  restore.push(() => {
    if (original) Object.defineProperty(target, name, original);
    else delete target[name];
  });
}

function method(fn) {
  return { value: fn, writable: true };
}

// Finds a property along the prototype chain (e.g. Navigator.prototype for navigator).
function lookup(object, name) {
  for (let o = object; o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return { owner: o, descriptor: d };
  }
  return null;
}

/**
 * Puts `makeWrapper(chain)` in front of the method `name` of `object`, where the page resolves it,
 * and records how to undo it. `chain.call(self, args)` calls what was there (another shim's
 * function, or the browser's); `chain.live` turns false on uninstall(), when the wrapper must
 * pass everything through (a shim installed after us may keep calling it).
 * - Resolved on a prototype (Navigator.prototype; nothing there: `home`): replaced there, so a
 *   shim installed later (an own property of the instance) wraps us and is seen first.
 * - An own property of the instance (a shim installed first, as shaka.polyfill.installAll() and
 *   eme-encryption-scheme-polyfill leave it): replaced by an accessor that shows the wrapper.
 *   Such shims reassign the property when they first run (to the browser's function, or to
 *   another of theirs): a function assigned while a call through the chain is pending, or one
 *   the chain held before, takes the place below the wrapper; any other function (a shim
 *   installed after us) becomes what the property shows.
 */
function hookMethod(restore, object, name, home, makeWrapper) {
  const found = lookup(object, name);
  const current = found ? object[name] : undefined;
  const chain = {
    next: typeof current === 'function' ? current : null,
    live: true,
    pending: 0,
    call(self, args) {
      chain.pending += 1;
      let result;
      try {
        result = chain.next.apply(self, args);
      } catch (e) {
        chain.pending -= 1;
        throw e;
      }
      Promise.resolve(result).finally(() => { chain.pending -= 1; }).catch(() => {});
      return result;
    },
  };
  const wrapper = makeWrapper(chain);
  restore.push(() => { chain.live = false; });
  if (!found || found.owner !== object) {
    patch(restore, found ? found.owner : home, name, method(wrapper));
    return;
  }
  const original = found.descriptor;
  if (!original.configurable) {
    // A shim that froze its property: assign if it can be, as the page itself could.
    if (original.writable) {
      object[name] = wrapper;
      restore.push(() => { if (object[name] === wrapper) object[name] = chain.next; });
    }
    return;
  }
  const below = new Set([chain.next]);
  let shown = wrapper;
  Object.defineProperty(object, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() { return shown; },
    set(value) {
      if (value === wrapper) {
        shown = wrapper;
      } else if (below.has(value) || chain.pending > 0) {
        below.add(value);
        chain.next = typeof value === 'function' ? value : null;
        shown = wrapper;
      } else {
        shown = value;
      }
    },
  });
  // Back to a data property holding what the page would have without us.
  restore.push(() => {
    if (!('value' in original)) Object.defineProperty(object, name, original);
    else Object.defineProperty(object, name, { ...original, value: shown === wrapper ? chain.next : shown });
  });
}

const PROBE_CONFIG = [{
  initDataTypes: ['cenc'],
  videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }],
}];

function knownBrokenClearKey() {
  // WebKit advertises org.w3.clearkey but does not decrypt MSE content with it.
  const ua = (globalThis.navigator && navigator.userAgent) || '';
  return /AppleWebKit/.test(ua) && !/(Chrome|Chromium|CriOS|Edg|Android)\//.test(ua);
}

async function nativeClearKeyWorks() {
  const rmksa = globalThis.navigator && navigator.requestMediaKeySystemAccess;
  if (typeof rmksa !== 'function') return false;
  if (knownBrokenClearKey()) return false;
  try {
    await rmksa.call(navigator, KEY_SYSTEM, PROBE_CONFIG);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the polyfill. Options: force (replace a working native Clear Key), worker
 * (false: decrypt on the main thread; a URL: the worker script), wasmUrl / wasmSimdUrl (where
 * the browser module's scalar / SIMD .wasm is), simd (false: the scalar module even where the
 * engine has SIMD), cipher ('auto', 'webcrypto' or 'wasm': where the AES runs, see
 * core/cipher_choice.js),
 * license, licenseUrl, onLicense, onLicenseError (license_acquisition.js).
 * Resolves to true when the polyfill is active. Calling it again while installed is harmless.
 */
export async function install(options = {}) {
  if (options.cipher !== undefined && !CIPHERS.includes(options.cipher)) {
    throw new TypeError(`install(): cipher must be one of ${CIPHERS.join(', ')}`);
  }
  if (installed) return true;
  if (!options.force && await nativeClearKeyWorks()) return false;
  if (installed) return true;  // a concurrent install() won the race
  runtime.options = { ...options };
  const restore = [];
  const g = globalThis;

  // Globals the page may test for or use with instanceof; native ones stay where they exist.
  const globals = {
    MediaKeys, MediaKeySession, MediaKeySystemAccess, MediaKeyStatusMap,
    MediaKeyMessageEvent: PolyfillMediaKeyMessageEvent,
    MediaEncryptedEvent: PolyfillMediaEncryptedEvent,
  };
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in g)) patch(restore, g, name, { value, writable: true, enumerable: false });
  }

  // navigator.requestMediaKeySystemAccess: Clear Key here, every other key system to what was
  // there (the browser's, or another shim's).
  hookMethod(restore, navigator, 'requestMediaKeySystemAccess', g.Navigator ? Navigator.prototype : navigator,
    (chain) => function requestMediaKeySystemAccess(keySystem, supportedConfigurations) {
    if (!chain.live) {
      return chain.next ? chain.call(this, arguments)
        : Promise.reject(domError('NotSupportedError', 'the polyfill was uninstalled and the browser has no EME'));
    }
    let configs;
    try {
      // WebIDL: both arguments required, DOMString then sequence<MediaKeySystemConfiguration>.
      requireArguments(arguments, 2, 'requestMediaKeySystemAccess', 'Navigator');
      keySystem = toDOMString(keySystem);
      if (keySystem !== KEY_SYSTEM && chain.next) {
        // The browser converts the configurations itself (and only once).
        return chain.call(this, [keySystem, supportedConfigurations]);
      }
      configs = toSequence(supportedConfigurations, toMediaKeySystemConfiguration,
        'requestMediaKeySystemAccess(): supportedConfigurations');
    } catch (e) {
      return Promise.reject(e);
    }
    // 3.1 steps 1-2.
    if (keySystem === '') return Promise.reject(typeError('requestMediaKeySystemAccess(): keySystem is empty'));
    if (keySystem !== KEY_SYSTEM) {
      return Promise.reject(domError('NotSupportedError', `key system ${keySystem} is not supported`));
    }
    if (!configs.length) {
      return Promise.reject(typeError('requestMediaKeySystemAccess(): supportedConfigurations is empty'));
    }
    return new Promise((resolve, reject) => {
      // 6: in parallel, the first configuration that can be supported wins.
      setTimeout(() => {
        for (const candidate of configs) {
          const configuration = getSupportedConfiguration(candidate);
          if (configuration) {
            resolve(createAccess(configuration));
            return;
          }
        }
        reject(domError('NotSupportedError', `no supported configuration for ${KEY_SYSTEM}`));
      }, 0);
    });
  });

  // HTMLMediaElement: setMediaKeys(), mediaKeys, the event handler attributes.
  const HME = g.HTMLMediaElement && HTMLMediaElement.prototype;
  const nativeMediaKeys = HME && descriptorOf(HME, 'mediaKeys');
  const nativeMediaKeysGetter = nativeMediaKeys && nativeMediaKeys.get;
  if (HME) {
    const smk = descriptorOf(HME, 'setMediaKeys');
    const elementHooks = makeMediaElementHooks({
      setMediaKeys: smk && smk.value,
      mediaKeysGetter: nativeMediaKeysGetter,
    });
    patch(restore, HME, 'setMediaKeys', method(elementHooks.setMediaKeys));
    patch(restore, HME, 'mediaKeys', { get: elementHooks.getMediaKeys });
    for (const type of ['encrypted', 'waitingforkey']) {
      if (!(`on${type}` in HME)) defineHandler(restore, HME, type);
    }
    // Remember elements given a MediaSource, to route their SourceBuffers.
    for (const name of ['src', 'srcObject']) {
      const d = descriptorOf(HME, name);
      if (!d || !d.set) continue;
      patch(restore, HME, name, {
        get: d.get,
        set(value) {
          noteElement(this);
          d.set.call(this, value);
        },
      });
    }
  }

  if (g.URL && typeof URL.createObjectURL === 'function') {
    const create = URL.createObjectURL;
    patch(restore, URL, 'createObjectURL', method(function createObjectURL(object) {
      const url = create.call(this, object);
      noteObjectUrl(object, url);
      return url;
    }));
  }

  installDecodingInfo(restore);
  installMse(restore, nativeMediaKeysGetter);

  runtime.onKeysChanged = onKeysChanged;
  runtime.onMediaKeysAttached = onMediaKeysAttached;
  runtime.onUnhandledMessage = acquireLicense;
  installed = { restore };
  // Fetch and compile the module now, once for the page and its worker, and start the worker
  // (measured: the first append completes sooner than with a worker started at that append).
  // Not awaited: install() stays fast; the first use waits for them.
  getCompiledModule();
  getBackend().catch(() => {});
  return true;
}

function defineHandler(restore, proto, type) {
  const slot = Symbol(`on${type}`);
  patch(restore, proto, `on${type}`, {
    get() { return this[slot] || null; },
    set(handler) {
      if (this[slot]) this.removeEventListener(type, this[slot]);
      this[slot] = typeof handler === 'function' ? handler : null;
      if (this[slot]) this.addEventListener(type, this[slot]);
    },
  });
}

// Media Capabilities' decodingInfo() with a keySystemConfiguration for Clear Key (what Shaka
// Player and dash.js ask): the browser answers for the clear media, we for the key system, and
// the result's keySystemAccess is ours (Media Capabilities section 2.5, "Check Encrypted
// Decoding Support", building the MediaKeySystemConfiguration it describes).
function installDecodingInfo(restore) {
  const mc = globalThis.navigator && navigator.mediaCapabilities;
  if (!mc || typeof mc.decodingInfo !== 'function') return;
  hookMethod(restore, mc, 'decodingInfo', Object.getPrototypeOf(mc), (chain) => async function decodingInfo(configuration) {
    if (!chain.live) return chain.call(this, arguments);
    const nativeDecodingInfo = (c) => chain.call(this, [c]);
    const ksc = configuration && configuration.keySystemConfiguration;
    if (!ksc || ksc.keySystem !== KEY_SYSTEM) return nativeDecodingInfo(configuration);
    const { keySystemConfiguration, ...clear } = configuration;
    const info = await nativeDecodingInfo(clear);
    const unsupported = { supported: false, smooth: false, powerEfficient: false, keySystemAccess: null };
    if (!info.supported) return unsupported;
    const capability = (media, track) => (media ? [{
      contentType: media.contentType,
      robustness: (track && track.robustness) || '',
      encryptionScheme: (track && track.encryptionScheme) ?? null,
    }] : []);
    const candidate = {
      initDataTypes: ksc.initDataType ? [ksc.initDataType] : [],
      distinctiveIdentifier: ksc.distinctiveIdentifier || 'optional',
      persistentState: ksc.persistentState || 'optional',
      sessionTypes: ksc.sessionTypes,
      audioCapabilities: capability(configuration.audio, ksc.audio),
      videoCapabilities: capability(configuration.video, ksc.video),
    };
    const accumulated = getSupportedConfiguration(candidate);
    if (!accumulated) return unsupported;
    return {
      supported: true, smooth: info.smooth, powerEfficient: info.powerEfficient,
      keySystemAccess: createAccess(accumulated),
    };
  });
}

function installMse(restore, mediaKeysGetter) {
  const g = globalThis;
  for (const [msName, sbName] of [['MediaSource', 'SourceBuffer'], ['ManagedMediaSource', 'ManagedSourceBuffer']]) {
    const MS = g[msName] && g[msName].prototype;
    const SB = g[sbName] && g[sbName].prototype;
    if (!MS || !SB) continue;
    const msMembers = ['addSourceBuffer', 'removeSourceBuffer', 'endOfStream'];
    const sbMembers = ['appendBuffer', 'abort', 'remove', 'changeType'];
    const native = { mediaKeysGetter };
    for (const name of msMembers) native[name] = (lookup(MS, name) || {}).descriptor?.value;
    for (const name of sbMembers) native[name] = (lookup(SB, name) || {}).descriptor?.value;
    native.updatingGetter = (lookup(SB, 'updating') || {}).descriptor?.get;
    if (!native.addSourceBuffer || !native.appendBuffer || !native.updatingGetter) continue;
    const hooks = makeMseHooks(native);
    // Subclasses that inherit a member get it through the base class's patch.
    for (const name of msMembers) if (descriptorOf(MS, name)) patch(restore, MS, name, method(hooks[name]));
    for (const name of sbMembers) if (descriptorOf(SB, name) && native[name]) patch(restore, SB, name, method(hooks[name]));
    if (descriptorOf(SB, 'updating')) patch(restore, SB, 'updating', { get: hooks.updatingGetter });
    for (const name of ['timestampOffset', 'appendWindowStart', 'appendWindowEnd', 'mode']) {
      const d = descriptorOf(SB, name);
      if (d && d.set) patch(restore, SB, name, { get: d.get, set: hooks.guardSetter(name, d.set) });
    }
    const duration = descriptorOf(MS, 'duration');
    if (duration && duration.set) patch(restore, MS, 'duration', { get: duration.get, set: hooks.durationSetter(duration.set) });
  }
}

/** Restores every property install() replaced, in reverse order. */
export function uninstall() {
  if (!installed) return;
  const { restore } = installed;
  installed = null;
  for (let i = restore.length - 1; i >= 0; i--) restore[i]();
  runtime.onKeysChanged = () => {};
  runtime.onMediaKeysAttached = () => {};
  runtime.onUnhandledMessage = () => {};
  resetBackend();
}

export function isInstalled() {
  return installed !== null;
}
