// The HTMLMediaElement extensions of EME section 6: setMediaKeys(), mediaKeys, and the
// "encrypted" and "waitingforkey" events. Native MediaKeys (other key systems) pass through
// to the browser's own implementation.

import { makeEncryptedEvent } from './events.js';
import { isPolyfillMediaKeys, mediaKeysInternals } from './media_keys.js';
import { runtime } from './runtime.js';
import { domError, queueTask, typeError } from './util.js';
import { requireArguments } from './webidl.js';

const states = new WeakMap();

function stateOf(element) {
  let s = states.get(element);
  if (!s) {
    s = { mediaKeys: null, attaching: false };
    states.set(element, s);
  }
  return s;
}

/** The polyfill MediaKeys attached to the element, or null. */
export function polyfillMediaKeysOf(element) {
  const s = states.get(element);
  return s ? s.mediaKeys : null;
}

/**
 * Makes the setMediaKeys()/mediaKeys replacements; `native` holds the browser's originals
 * (either may be undefined where the browser has no EME).
 */
export function makeMediaElementHooks(native) {
  const nativeMediaKeys = (element) => (native.mediaKeysGetter ? native.mediaKeysGetter.call(element) : null);

  function setMediaKeys(mediaKeys) {
    const element = this;
    try {
      requireArguments(arguments, 1, 'setMediaKeys', 'HTMLMediaElement');
    } catch (e) {
      return Promise.reject(e);
    }
    // WebIDL: undefined is null for the nullable MediaKeys argument.
    if (mediaKeys === undefined) mediaKeys = null;
    const ours = mediaKeys !== null && isPolyfillMediaKeys(mediaKeys);
    if (mediaKeys !== null && !ours) {
      // Another key system's MediaKeys: the browser's business.
      if (!native.setMediaKeys) return Promise.reject(typeError('setMediaKeys(): not a MediaKeys object'));
    }
    const state = stateOf(element);
    const current = state.mediaKeys || nativeMediaKeys(element);
    // 1-3.
    if (mediaKeys === current) return Promise.resolve();
    if (state.attaching) return Promise.reject(domError('InvalidStateError', 'setMediaKeys() is already running'));
    state.attaching = true;
    return (async () => {
      try {
        // 5: the rest runs "in parallel": a second call meanwhile sees the attaching flag.
        await null;
        // 5.1: one MediaKeys serves one media element at a time.
        if (ours) {
          const owner = mediaKeysInternals(mediaKeys).element;
          if (owner && owner !== element) {
            throw domError('QuotaExceededError', 'setMediaKeys(): these MediaKeys are in use by another media element');
          }
        }
        // 5.2: let go of the current MediaKeys.
        if (state.mediaKeys) {
          mediaKeysInternals(state.mediaKeys).element = null;
          state.mediaKeys = null;
          runtime.onMediaKeysAttached(element);
        } else if (current && native.setMediaKeys) {
          await native.setMediaKeys.call(element, null);
        }
        // 5.3-5.4: take the new one; pending appends retry with its keys.
        if (ours) {
          mediaKeysInternals(mediaKeys).element = element;
          state.mediaKeys = mediaKeys;
          runtime.onMediaKeysAttached(element);
        } else if (mediaKeys) {
          await native.setMediaKeys.call(element, mediaKeys);
        }
      } finally {
        state.attaching = false;
      }
    })();
  }

  function getMediaKeys() {
    const s = states.get(this);
    return (s && s.mediaKeys) || nativeMediaKeys(this);
  }

  return { setMediaKeys, getMediaKeys };
}

/** "Initialization Data Encountered" (EME section 7.3.1): queue an encrypted event. */
export function queueEncryptedEvent(element, initDataType, initData) {
  queueTask(() => element.dispatchEvent(makeEncryptedEvent(initDataType, initData)));
}

/** "Wait for Key" (section 7.3.4) step: the element fires waitingforkey once per wait. */
export function queueWaitingForKey(element) {
  queueTask(() => element.dispatchEvent(new Event('waitingforkey')));
}
