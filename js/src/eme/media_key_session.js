// MediaKeySession (EME section 5.4) over the wasm Clear Key CDM (js/src/core/cdm.js).
// Step numbers in comments refer to the method's algorithm in the spec.

import { makeMessageEvent } from './events.js';
import { MediaKeyStatusMap, setKeyStatuses } from './media_key_status_map.js';
import { INIT_DATA_TYPES } from './configuration.js';
import { runtime } from './runtime.js';
import { requireArguments, toDOMString } from './webidl.js';
import {
  copyBufferSource, defineEventHandler, domError, isBufferSource, queueTask, toEmeError, typeError,
} from './util.js';

const kState = Symbol('state');

/** Internal state of a session; `owner` is the MediaKeys' internal record. */
export function sessionState(session) {
  return session[kState];
}

export class MediaKeySession extends EventTarget {
  constructor(token, owner, sessionType) {
    super();
    if (token !== kState) throw new TypeError('Illegal constructor');
    let resolveClosed;
    const closed = new Promise((resolve) => { resolveClosed = resolve; });
    this[kState] = {
      owner, sessionType, sessionId: '', uninitialized: true, callable: false,
      closing: false, closed: false, closedPromise: closed, resolveClosed,
      keyStatuses: new MediaKeyStatusMap(),
      messageListened: false,  // a page that listens for "message" fetches its own licenses
    };
  }

  addEventListener(type, listener, options) {
    if (type === 'message' && listener) this[kState].messageListened = true;
    return super.addEventListener(type, listener, options);
  }

  get sessionId() { return this[kState].sessionId; }
  // Clear Key licenses never expire.
  get expiration() { return NaN; }
  get closed() { return this[kState].closedPromise; }
  get keyStatuses() { return this[kState].keyStatuses; }

  generateRequest(initDataType, initData) {
    const s = this[kState];
    // WebIDL argument conversion comes before the algorithm's steps.
    try {
      requireArguments(arguments, 2, 'generateRequest', 'MediaKeySession');
      initDataType = toDOMString(initDataType);
    } catch (e) {
      return reject(e);
    }
    if (!isBufferSource(initData)) return reject(typeError('generateRequest(): initData is not a BufferSource (ArrayBuffer or ArrayBufferView, not shared)'));
    // 1-2: a session makes one request in its life, and not after close().
    if (s.closing || s.closed) return reject(domError('InvalidStateError', 'generateRequest() on a closed session'));
    if (!s.uninitialized) return reject(domError('InvalidStateError', 'generateRequest() was already called on this session'));
    // 3.
    s.uninitialized = false;
    // 4-5.
    if (initDataType === '') return reject(typeError('generateRequest(): initDataType is empty'));
    const data = copyBufferSource(initData, 'initData');
    if (data.length === 0) return reject(typeError('generateRequest(): initData is empty'));
    // 6.
    if (!INIT_DATA_TYPES.includes(initDataType)) {
      return reject(domError('NotSupportedError', `generateRequest(): init data type "${initDataType}" is not supported`));
    }
    // 10: the CDM validates and sanitises the init data and writes the license request.
    const cdm = s.owner.cdm;
    let sessionId;
    let message;
    try {
      sessionId = cdm.createSession(s.sessionType);
      try {
        message = cdm.generateRequest(sessionId, initDataType, data);
      } catch (e) {
        try { cdm.close(sessionId); } catch { /* the session is gone either way */ }
        throw e;
      }
    } catch (e) {
      return reject(toEmeError(e, 'generateRequest()'));
    }
    return new Promise((resolve) => {
      // 10.10: queue a task that publishes the session and its message.
      queueTask(() => {
        s.sessionId = sessionId;
        s.callable = true;
        s.owner.sessions.set(sessionId, this);
        queueMessage(this, 'license-request', message);
        resolve();
      });
    });
  }

  load(sessionId) {
    const s = this[kState];
    try {
      requireArguments(arguments, 1, 'load', 'MediaKeySession');
      sessionId = toDOMString(sessionId);
    } catch (e) {
      return reject(e);
    }
    if (s.closing || s.closed) return reject(domError('InvalidStateError', 'load() on a closed session'));
    if (!s.uninitialized) return reject(domError('InvalidStateError', 'load() after generateRequest() or load()'));
    s.uninitialized = false;
    if (sessionId === '') return reject(typeError('load(): sessionId is empty'));
    if (s.sessionType !== 'persistent-license') {
      return reject(typeError('load() needs a "persistent-license" session'));
    }
    if (s.owner.sessions.has(sessionId)) {
      return reject(domError('QuotaExceededError', 'load(): that session is already open in these MediaKeys'));
    }
    let loaded;
    let statuses = [];
    try {
      loaded = s.owner.cdm.load(sessionId);
      if (loaded) statuses = s.owner.cdm.keyStatuses(sessionId);
    } catch (e) {
      return reject(toEmeError(e, 'load()'));
    }
    return new Promise((resolve) => {
      queueTask(() => {
        if (!loaded) {
          resolve(false);
          return;
        }
        s.sessionId = sessionId;
        s.callable = true;
        s.owner.sessions.set(sessionId, this);
        updateKeyStatuses(this, statuses);
        resolve(true);
      });
    });
  }

  update(response) {
    const s = this[kState];
    try {
      requireArguments(arguments, 1, 'update', 'MediaKeySession');
    } catch (e) {
      return reject(e);
    }
    if (!isBufferSource(response)) return reject(typeError('update(): response is not a BufferSource (ArrayBuffer or ArrayBufferView, not shared)'));
    // 1-2.
    if (s.closing || s.closed) return reject(domError('InvalidStateError', 'update() on a closed session'));
    if (!s.callable) return reject(domError('InvalidStateError', 'update() before generateRequest() or load()'));
    // 3.
    const data = copyBufferSource(response, 'response');
    if (data.length === 0) return reject(typeError('update(): response is empty'));
    // 6: a license the CDM cannot use rejects with TypeError and leaves the session usable.
    let statuses;
    try {
      statuses = s.owner.cdm.update(s.sessionId, data);
    } catch (e) {
      return reject(toEmeError(e, 'update()'));
    } finally {
      data.fill(0);  // it held keys
    }
    // A persistent-license session whose release the server acknowledged is over.
    let released = false;
    try {
      released = s.owner.cdm.sessionState(s.sessionId) === 'closed';
    } catch {
      // an older CDM without sessionState(): the session stays open
    }
    return new Promise((resolve) => {
      queueTask(() => {
        updateKeyStatuses(this, statuses);
        if (released) sessionClosed(this, 'release-acknowledged');
        resolve();
      });
    });
  }

  close() {
    const s = this[kState];
    // 1-2.
    if (s.closing || s.closed) return Promise.resolve();
    if (!s.callable) return reject(domError('InvalidStateError', 'close() before generateRequest() or load()'));
    // 3-5.
    s.closing = true;
    try {
      s.owner.cdm.close(s.sessionId);
    } catch (e) {
      // The CDM forgets the session in any case; report the close as done.
    }
    return new Promise((resolve) => {
      queueTask(() => {
        sessionClosed(this, 'closed-by-application');
        resolve();
      });
    });
  }

  remove() {
    const s = this[kState];
    if (s.closing || s.closed) return reject(domError('InvalidStateError', 'remove() on a closed session'));
    if (!s.callable) return reject(domError('InvalidStateError', 'remove() before generateRequest() or load()'));
    let result;
    try {
      result = s.owner.cdm.remove(s.sessionId);
    } catch (e) {
      return reject(toEmeError(e, 'remove()'));
    }
    return new Promise((resolve) => {
      queueTask(() => {
        updateKeyStatuses(this, (result && result.keyStatuses) || []);
        if (result && result.message) queueMessage(this, 'license-release', result.message);
        resolve();
      });
    });
  }

  get [Symbol.toStringTag]() { return 'MediaKeySession'; }
}
defineEventHandler(MediaKeySession.prototype, 'message');
defineEventHandler(MediaKeySession.prototype, 'keystatuseschange');

function reject(error) {
  return Promise.reject(error);
}

export function createSession(owner, sessionType) {
  return new MediaKeySession(kState, owner, sessionType);
}

// "Queue a "message" Event". Nobody listening: the polyfill's own license acquisition
// (license_acquisition.js) may answer it.
function queueMessage(session, messageType, message) {
  queueTask(() => {
    session.dispatchEvent(makeMessageEvent(messageType, message));
    if (!session[kState].messageListened) runtime.onUnhandledMessage(session, messageType, message);
  });
}

// "Update Key Statuses": replace the map, queue keystatuseschange, then let media elements
// using these MediaKeys pick up new keys or drop released ones ("Attempt to Resume Playback").
function updateKeyStatuses(session, statuses) {
  const s = session[kState];
  setKeyStatuses(s.keyStatuses, statuses);
  queueTask(() => session.dispatchEvent(new Event('keystatuseschange')));
  queueTask(() => s.owner.keysChanged());
}

// "Session Closed" (EME section 5.4.1.2).
export function sessionClosed(session, reason) {
  const s = session[kState];
  if (s.closed) return;
  updateKeyStatuses(session, []);
  s.closed = true;
  s.closing = true;
  s.owner.sessions.delete(s.sessionId);
  s.resolveClosed(reason);
}
