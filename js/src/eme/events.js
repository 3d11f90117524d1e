// The events of the EME spec. Where the browser has the native event interfaces they are used,
// so that `event instanceof MediaKeyMessageEvent` holds; otherwise our own subclasses of Event,
// which install() also exposes as the globals.

const NativeMessageEvent = globalThis.MediaKeyMessageEvent;
const NativeEncryptedEvent = globalThis.MediaEncryptedEvent;

/** MediaKeyMessageEvent (EME section 6.1) for browsers that lack it. */
export class PolyfillMediaKeyMessageEvent extends Event {
  #messageType;
  #message;
  constructor(type, init = {}) {
    super(type, init);
    this.#messageType = init.messageType;
    this.#message = init.message;
  }
  get messageType() { return this.#messageType; }
  get message() { return this.#message; }
}

/** MediaEncryptedEvent (EME section 7.1) for browsers that lack it. */
export class PolyfillMediaEncryptedEvent extends Event {
  #initDataType;
  #initData;
  constructor(type, init = {}) {
    super(type, init);
    this.#initDataType = init.initDataType || '';
    this.#initData = init.initData || null;
  }
  get initDataType() { return this.#initDataType; }
  get initData() { return this.#initData; }
}

function toArrayBuffer(bytes) {
  return bytes.buffer.byteLength === bytes.byteLength && bytes.byteOffset === 0
    ? bytes.buffer : bytes.slice().buffer;
}

/** A "message" event: messageType + a fresh ArrayBuffer copy of the message. */
export function makeMessageEvent(messageType, message) {
  const Ctor = NativeMessageEvent || PolyfillMediaKeyMessageEvent;
  return new Ctor('message', { messageType, message: toArrayBuffer(message.slice()) });
}

/** An "encrypted" event; initData null when the media carries none. */
export function makeEncryptedEvent(initDataType, initData) {
  const Ctor = NativeEncryptedEvent || PolyfillMediaEncryptedEvent;
  return new Ctor('encrypted', {
    initDataType,
    initData: initData ? toArrayBuffer(initData.slice()) : null,
  });
}
