// Small helpers shared by the EME classes: spec error objects, BufferSource copies, and a
// task queue ("queue a task" in the EME and MSE algorithms).

/** A DOMException with one of the spec's names (InvalidStateError, NotSupportedError, ...). */
export function domError(name, message) {
  return new DOMException(`wasm-eme: ${message}`, name);
}

export function typeError(message) {
  return new TypeError(`wasm-eme: ${message}`);
}

// WasmEmeError codes (js/src/core/module.js) -> the exception the EME spec names for them.
const EXCEPTION_FOR_CODE = {
  'malformed': 'TypeError',
  'invalid-argument': 'TypeError',
  'unsupported': 'NotSupportedError',
  'invalid-state': 'InvalidStateError',
  'limit-exceeded': 'QuotaExceededError',
};

/** Turns an error thrown by the wasm CDM into what an EME promise rejects with. */
export function toEmeError(error, what) {
  if (error instanceof DOMException || error instanceof TypeError) return error;
  const name = EXCEPTION_FOR_CODE[error && error.code];
  const message = `${what}: ${error && error.message ? error.message : String(error)}`;
  if (name === 'TypeError') return typeError(message);
  return domError(name || 'InvalidStateError', message);
}

// A brand check through the built-in getter: an object faking Symbol.toStringTag or the
// prototype does not pass, and ArrayBuffer's getter refuses a SharedArrayBuffer.
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;

function isArrayBuffer(value) {
  try {
    arrayBufferByteLength.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A WebIDL BufferSource without [AllowShared], what every EME and MSE argument is: an
 * ArrayBuffer or a view of one. A SharedArrayBuffer, or a view over one, is not (TypeError).
 */
export function isBufferSource(value) {
  if (ArrayBuffer.isView(value)) return isArrayBuffer(value.buffer);
  return isArrayBuffer(value);
}

/** A private copy of a BufferSource (the spec copies every BufferSource argument). */
export function copyBufferSource(value, what) {
  if (!isBufferSource(value)) throw typeError(`${what} is not a BufferSource`);
  const view = ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : new Uint8Array(value);
  return view.slice();
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

// Tasks run in order, each in its own macrotask, so that promise reactions queued by one task
// run before the next (what "queue a task" means). A MessageChannel avoids setTimeout's
// clamping of nested timers.
const pending = [];
let channel = null;

export function queueTask(fn) {
  if (typeof MessageChannel === 'undefined') {
    setTimeout(fn, 0);
    return;
  }
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const task = pending.shift();
      if (task) task();
    };
  }
  pending.push(fn);
  channel.port2.postMessage(0);
}

/** Resolves after the tasks queued so far have run. */
export function nextTask() {
  return new Promise((resolve) => queueTask(resolve));
}

/** Defines an `on<type>` EventHandler attribute on a prototype (for our own EventTargets). */
export function defineEventHandler(proto, type) {
  const slot = Symbol(`on${type}`);
  Object.defineProperty(proto, `on${type}`, {
    configurable: true,
    enumerable: true,
    get() { return this[slot] || null; },
    set(handler) {
      if (this[slot]) this.removeEventListener(type, this[slot]);
      this[slot] = typeof handler === 'function' ? handler : null;
      if (this[slot]) this.addEventListener(type, this[slot]);
    },
  });
}
