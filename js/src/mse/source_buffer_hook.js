// The MSE hook: SourceBuffers of a media element that uses polyfill MediaKeys (or none yet)
// get their appended bytes decrypted before the browser sees them.
//
//   page appendBuffer(data) ─> copy ─> decrypt backend (worker) ─> native appendBuffer(clear)*
//         updating = true                 │ clear prefixes come early: appended as they come
//         "updatestart"                   │ init, moof pssh: "encrypted" on the element
//         ...                             │ key missing: "waitingforkey", wait for update()
//                                         └ malformed: native append error ("error", "updateend")
//         "update", "updateend"  <─ after the last clear bytes are appended natively
//
// The page sees one updatestart/update/updateend per appendBuffer() call: the native events of
// our own internal appends are stopped by a capturing listener registered before the page
// gets the SourceBuffer. A SourceBuffer of an element with native MediaKeys (another key
// system) is left to the browser.

import { mediaKeysInternals } from '../eme/media_keys.js';
import { polyfillMediaKeysOf, queueEncryptedEvent, queueWaitingForKey } from '../eme/media_element.js';
import { copyBufferSource, domError, queueTask, toHex } from '../eme/util.js';
import { getBackend } from './decrypt_backend.js';
import { runtime } from '../eme/runtime.js';

// A box whose size field is smaller than its header: every MP4 parser rejects it, so appending
// it makes the browser run its own append error algorithm (error, updateend, endOfStream
// with a decode error) for media the polyfill found malformed.
const INVALID_BOX = new Uint8Array([0, 0, 0, 4, 0x66, 0x72, 0x65, 0x65]);

const NATIVE_EVENTS = ['updatestart', 'update', 'updateend', 'error', 'abort'];

/** Per SourceBuffer state; `pending` is the page's append in progress (our `updating`). */
const states = new WeakMap();
/** Every tracked SourceBuffer state, for key changes (removed on teardown). */
const live = new Set();
/** MediaSource -> object URLs made for it (to find its media element). */
const mediaSourceUrls = new WeakMap();
/** Every object URL seen made for a MediaSource. */
const knownMediaSourceUrls = new Set();
/** Media elements seen through src/srcObject, besides those in the document. */
const knownElements = new Set();
const ourEvents = new WeakSet();
const hooked = new WeakSet();  // MediaSources whose sourceclose we listen to

function dispatch(target, type) {
  const event = new Event(type);
  ourEvents.add(event);
  target.dispatchEvent(event);
}

function queueDispatch(target, type) {
  queueTask(() => dispatch(target, type));
}

function isAttached(st) {
  return Array.prototype.includes.call(st.ms.sourceBuffers, st.sb);
}

function elementOf(st) {
  if (st.element) return st.element;
  const urls = mediaSourceUrls.get(st.ms) || new Set();
  const candidates = new Set();
  for (const ref of knownElements) {
    const el = ref.deref ? ref.deref() : ref;
    if (el) candidates.add(el);
    else knownElements.delete(ref);
  }
  if (typeof document !== 'undefined') {
    for (const el of document.querySelectorAll('video, audio')) candidates.add(el);
  }
  for (const el of candidates) {
    if (el.srcObject === st.ms || urls.has(el.currentSrc) || urls.has(el.src)) {
      st.element = el;
      return el;
    }
  }
  // An object URL made by a URL.createObjectURL that is not ours: Shaka Player keeps the
  // function it finds when its script runs, so a page that loads it before install() makes
  // URLs we never see. An open MediaSource plays in the one element, if only one, whose blob:
  // URL is none we know.
  if (st.ms.readyState !== 'closed' && !urls.size) {
    const unknown = [...candidates].filter((el) => {
      const src = el.currentSrc || el.src;
      return !el.srcObject && src.startsWith('blob:') && !knownMediaSourceUrls.has(src);
    });
    if (unknown.length === 1) {
      st.element = unknown[0];
      return unknown[0];
    }
  }
  return null;
}

/** Records a media element that may play a MediaSource (src/srcObject setters). */
export function noteElement(element) {
  knownElements.add(typeof WeakRef === 'function' ? new WeakRef(element) : element);
}

export function noteObjectUrl(object, url) {
  if (typeof MediaSource !== 'undefined' && object instanceof MediaSource) {
    let set = mediaSourceUrls.get(object);
    if (!set) mediaSourceUrls.set(object, (set = new Set()));
    set.add(url);
    knownMediaSourceUrls.add(url);
  }
}

// ---- keys -----------------------------------------------------------------------------

function cdmOf(st) {
  const el = elementOf(st);
  const mk = el && polyfillMediaKeysOf(el);
  return mk ? mediaKeysInternals(mk).cdm : null;
}

// Hands the stream the key for `kid` if the element's MediaKeys have it.
function provideKey(st, kid) {
  const cdm = cdmOf(st);
  const key = cdm && cdm.getKey(kid);
  if (!key) return false;
  st.stream.setKey(kid, key);
  key.fill(0);
  st.given.set(toHex(kid), kid.slice());
  return true;
}

// Makes the stream's keys match what the element's MediaKeys offer now, and resumes a
// waiting append whose key arrived ("Attempt to Resume Playback If Necessary").
function syncKeys(st) {
  if (!st.stream) return;
  const el = elementOf(st);
  const mk = el && polyfillMediaKeysOf(el);
  const cdm = mk ? mediaKeysInternals(mk).cdm : null;
  for (const [hex, kid] of st.given) {
    const key = cdm && cdm.getKey(kid);
    if (key) {
      key.fill(0);
    } else {
      st.stream.removeKey(kid);
      st.given.delete(hex);
    }
  }
  if (mk) {
    for (const session of mediaKeysInternals(mk).sessions.values()) {
      session.keyStatuses.forEach((status, kid) => {
        const bytes = new Uint8Array(kid);
        if (status === 'usable' && !st.given.has(toHex(bytes))) provideKey(st, bytes);
      });
    }
  }
  const waiting = st.waiting;
  if (waiting && (st.given.has(waiting.hex) || provideKey(st, waiting.kid))) {
    st.waiting = null;
    waiting.resolve();
  }
}

/** Called when a polyfill MediaKeys' keys change (update, close, remove). */
export function onKeysChanged(mediaKeys) {
  for (const st of live) {
    const el = elementOf(st);
    if (el && polyfillMediaKeysOf(el) === mediaKeys) syncKeys(st);
  }
}

/** Called when a media element's MediaKeys change: its streams drop the old keys. */
export function onMediaKeysAttached(element) {
  for (const st of live) {
    if (elementOf(st) !== element) continue;
    if (st.stream) {
      for (const kid of st.given.values()) st.stream.removeKey(kid);
    }
    st.given.clear();
    syncKeys(st);
  }
}

// ---- appends --------------------------------------------------------------------------

function nativeUpdating(st) {
  return st.native.updatingGetter.call(st.sb);
}

async function ensureStream(st) {
  if (!st.streamPromise) {
    st.streamPromise = getBackend().then((backend) => backend.createStream(runtime.options.cipher)).then((stream) => {
      st.stream = stream;
      return stream;
    });
    st.streamPromise.catch(() => { st.streamPromise = null; });
  }
  return st.streamPromise;
}

// Appends natively with the native events hidden; resolves at the native updateend.
function nativeAppend(st, bytes) {
  return new Promise((resolve, reject) => {
    const internal = { error: false, done: null };
    internal.done = () => (internal.error
      ? reject(domError('InvalidStateError', 'the browser rejected the decrypted media'))
      : resolve());
    st.internal = internal;
    try {
      st.native.appendBuffer.call(st.sb, bytes);
    } catch (e) {
      st.internal = null;
      reject(e);
    }
  });
}

async function waitNativeIdle(st) {
  while (st.internal) await st.internalIdle;
}

const sameBytes = (a, b) => a && b && a.length === b.length && a.every((x, i) => x === b[i]);

function fireEncrypted(st, { inits, moofPssh }) {
  const el = elementOf(st);
  if (!el) return;
  for (const init of inits) {
    if (init.pssh && init.pssh.length) {
      queueEncryptedEvent(el, 'cenc', init.pssh);
    } else if (init.defaultKids && init.defaultKids.length) {
      // No pssh at all: what the file carries is its tenc key IDs ('keyids' init data).
      const b64url = (k) => btoa(String.fromCharCode(...k)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const json = JSON.stringify({ kids: init.defaultKids.map(b64url) });
      queueEncryptedEvent(el, 'keyids', new TextEncoder().encode(json));
    }
  }
  // A moof's pssh (key rotation) like Chromium's: an event per moof, except that a moof
  // repeating the previous one's pssh (live streams carry it in every moof) fires none.
  for (const pssh of moofPssh) {
    if (sameBytes(pssh, st.lastMoofPssh)) continue;
    st.lastMoofPssh = pssh;
    queueEncryptedEvent(el, 'cenc', pssh);
  }
}

function waitForKey(st, kid) {
  return new Promise((resolve) => {
    st.waiting = { kid, hex: toHex(kid), resolve };
  });
}

// Clear bytes go to the browser in order, as they come: the prefixes a push hands out early
// (so that the decoder starts before the whole fragment is decrypted), then the rest. Bytes
// that arrive while a native append runs go together in the next one: each native append
// costs an updateend round trip, so chunk count must not set the pace.
function appendQueue(st, op) {
  let waiting = [];
  let pump = null;
  let failure = null;
  async function run() {
    try {
      while (waiting.length && !op.aborted && !failure) {
        await waitNativeIdle(st);
        if (op.aborted) break;
        const parts = waiting;
        waiting = [];
        await nativeAppend(st, parts.length === 1 ? parts[0] : concat(parts));
      }
    } catch (e) {
      failure = failure || e;
    }
    // In the same step as the last check of `waiting`: an add() after it starts a new pump.
    pump = null;
  }
  return {
    add(bytes) {
      if (op.aborted || failure || !bytes.length) return;
      waiting.push(bytes);
      if (!pump) pump = run();
    },
    async drain() {
      while (pump) await pump;
      if (failure) throw failure;
    },
  };
}

function concat(parts) {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function runAppend(st, op, bytes) {
  try {
    const stream = await ensureStream(st);
    if (op.aborted) return;
    syncKeys(st);
    const queue = appendQueue(st, op);
    const onChunk = (chunk) => queue.add(chunk);
    let result = await stream.push(bytes, onChunk);
    for (;;) {
      if (op.aborted) return;
      fireEncrypted(st, result);
      queue.add(result.output);
      await queue.drain();
      if (op.aborted) return;
      if (!result.missingKid) break;
      if (!provideKey(st, result.missingKid)) {
        const el = elementOf(st);
        if (el) queueWaitingForKey(el);
        await waitForKey(st, result.missingKid);
        if (op.aborted) return;
      }
      result = await stream.push(new Uint8Array(0), onChunk);
    }
    if (op.aborted) return;
    st.pending = null;
    queueDispatch(st.sb, 'update');
    queueDispatch(st.sb, 'updateend');
  } catch (e) {
    if (op.aborted) return;
    // Detached meanwhile (src changed, load()): the append was aborted, as natively, even if
    // its sourceclose has not been dispatched yet.
    if (st.ms.readyState === 'closed' || !isAttached(st)) cancelPending(st, true);
    else appendError(st, e);
  }
}

// MSE "Append Error": reuse the browser's own, so that MediaSource and element end up in the
// same state as for any media the browser cannot parse.
function appendError(st, cause) {
  st.pending = null;
  st.lastError = cause;
  if (st.stream) st.stream.reset();
  const sb = st.sb;
  const viaNative = st.ms.readyState === 'open' && isAttached(st) && !nativeUpdating(st);
  if (viaNative) {
    try {
      st.skipUpdatestart += 1;
      st.native.appendBuffer.call(sb, INVALID_BOX);
      return;
    } catch {
      st.skipUpdatestart -= 1;
    }
  }
  queueDispatch(sb, 'error');
  queueDispatch(sb, 'updateend');
}

// Ends the page's pending append early (abort(), removeSourceBuffer(), detach).
function cancelPending(st, fireEvents) {
  const op = st.pending;
  if (!op) return;
  op.aborted = true;
  st.pending = null;
  if (st.waiting) {
    const w = st.waiting;
    st.waiting = null;
    w.resolve();
  }
  if (fireEvents) {
    queueDispatch(st.sb, 'abort');
    queueDispatch(st.sb, 'updateend');
  }
}

function onNativeEvent(st, event) {
  if (ourEvents.has(event)) return;
  if (event.type === 'updatestart' && st.skipUpdatestart > 0) {
    st.skipUpdatestart -= 1;
    event.stopImmediatePropagation();
    return;
  }
  const internal = st.internal;
  if (!internal) return;
  event.stopImmediatePropagation();
  if (event.type === 'error') internal.error = true;
  if (event.type === 'updateend') {
    st.internal = null;
    const idle = st.resolveIdle;
    st.internalIdle = new Promise((r) => { st.resolveIdle = r; });
    idle();
    internal.done();
  }
}

function track(sb, ms, native) {
  const st = {
    sb, ms, native,
    pending: null, internal: null, skipUpdatestart: 0,
    stream: null, streamPromise: null, given: new Map(), waiting: null, element: null,
    lastError: null,
  };
  st.internalIdle = new Promise((r) => { st.resolveIdle = r; });
  for (const type of NATIVE_EVENTS) sb.addEventListener(type, (e) => onNativeEvent(st, e), { capture: true });
  states.set(sb, st);
  live.add(st);
  if (!hooked.has(ms)) {
    hooked.add(ms);
    // Detaching the MediaSource from its element ends pending appends like removeSourceBuffer.
    ms.addEventListener('sourceclose', () => {
      for (const other of [...live]) if (other.ms === ms) untrack(other, true);
    });
  }
  return st;
}

function untrack(st, fireEvents) {
  cancelPending(st, fireEvents);
  if (st.stream) st.stream.dispose();
  st.stream = null;
  st.streamPromise = null;
  live.delete(st);
}

// Managed: the element has no native MediaKeys (polyfill ones, or none yet).
function managed(st) {
  if (!st || !live.has(st)) return false;
  const el = elementOf(st);
  if (!el) return true;
  if (polyfillMediaKeysOf(el)) return true;
  return !st.native.mediaKeysGetter || !st.native.mediaKeysGetter.call(el);
}

/**
 * Builds the replacement members. `native` holds the originals: appendBuffer, abort, remove,
 * changeType, updatingGetter, addSourceBuffer, removeSourceBuffer, endOfStream, setters
 * (name -> original setter of SourceBuffer/MediaSource attributes that throw while updating),
 * mediaKeysGetter.
 */
export function makeMseHooks(native) {
  function anyPending(ms) {
    for (const st of live) if (st.ms === ms && st.pending) return true;
    return false;
  }

  const hooks = {
    addSourceBuffer(type) {
      const sb = native.addSourceBuffer.call(this, type);
      track(sb, this, native);
      return sb;
    },

    removeSourceBuffer(sb) {
      const st = states.get(sb);
      const result = native.removeSourceBuffer.call(this, sb);
      if (st) untrack(st, true);
      return result;
    },

    endOfStream(...args) {
      if (anyPending(this)) throw domError('InvalidStateError', 'endOfStream() while a SourceBuffer is updating');
      return native.endOfStream.apply(this, args);
    },

    appendBuffer(data) {
      const st = states.get(this);
      if (!managed(st)) return native.appendBuffer.call(this, data);
      // MSE "Prepare Append" checks that our deferred native append cannot make in time.
      if (!isAttached(st)) throw domError('InvalidStateError', 'appendBuffer() on a removed SourceBuffer');
      if (st.pending || nativeUpdating(st)) throw domError('InvalidStateError', 'appendBuffer() while updating');
      const el = elementOf(st);
      if (el && el.error) throw domError('InvalidStateError', 'appendBuffer() after a media error');
      const bytes = copyBufferSource(data, 'appendBuffer() data');
      if (st.ms.readyState === 'ended') {
        // "Prepare Append" step 5: reopen the MediaSource (fires sourceopen natively).
        st.internal = { error: false, done: () => {} };
        native.appendBuffer.call(this, new Uint8Array(0));
      }
      const op = { aborted: false };
      st.pending = op;
      queueDispatch(this, 'updatestart');
      runAppend(st, op, bytes);
      return undefined;
    },

    abort() {
      const st = states.get(this);
      if (!st || !st.pending) {
        const result = native.abort.call(this);
        if (st && st.stream) st.stream.reset();
        return result;
      }
      if (!isAttached(st)) throw domError('InvalidStateError', 'abort() on a removed SourceBuffer');
      if (st.ms.readyState !== 'open') throw domError('InvalidStateError', 'abort() on a MediaSource that is not open');
      cancelPending(st, true);
      native.abort.call(this);  // resets the browser's parser; events of an internal append stay hidden
      if (st.stream) st.stream.reset();
      return undefined;
    },

    remove(start, end) {
      const st = states.get(this);
      if (st && st.pending) throw domError('InvalidStateError', 'remove() while updating');
      return native.remove.call(this, start, end);
    },

    changeType(type) {
      const st = states.get(this);
      if (st && st.pending) throw domError('InvalidStateError', 'changeType() while updating');
      return native.changeType.call(this, type);
    },

    updatingGetter() {
      const st = states.get(this);
      if (st && st.pending) return true;
      return native.updatingGetter.call(this);
    },

    /** A setter that throws InvalidStateError while our append is pending. */
    guardSetter(name, set) {
      return function guarded(value) {
        const st = states.get(this);
        if (st && st.pending) throw domError('InvalidStateError', `${name} cannot change while updating`);
        return set.call(this, value);
      };
    },

    durationSetter(set) {
      return function duration(value) {
        if (anyPending(this)) throw domError('InvalidStateError', 'duration cannot change while a SourceBuffer is updating');
        return set.call(this, value);
      };
    },
  };
  return hooks;
}

/** For tests and the bench: the decryption state of a SourceBuffer. */
export function debugState(sb) {
  const st = states.get(sb);
  return st ? {
    pending: !!st.pending, waiting: !!st.waiting, keys: st.given.size, lastError: st.lastError,
    backend: st.stream ? st.stream.backend : null, thread: st.stream ? st.stream.thread : null,
  } : null;
}

