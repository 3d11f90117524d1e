// What the demo page shows live, observed without changing the player or the polyfill:
//  - every MediaKeySession any MediaKeys creates (the polyfill's and the browser's), with its
//    key statuses, by wrapping createSession() on both MediaKeys prototypes;
//  - every decrypt call of the polyfill's backend (worker or main thread), with its sizes and
//    time, by wrapping the backend's streams (js/src/mse/decrypt_backend.js).

import { getBackend } from '/js/src/mse/decrypt_backend.js';

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Records sessions into `sessions` (an array of {id, type, statuses: [{kid, status}], state,
 * engine, session}) and calls onChange() after each change.
 */
export function watchSessions(prototypes, sessions, onChange) {
  for (const { proto, engine } of prototypes) {
    if (!proto || proto.createSession.weeDemoWrapped) continue;
    const original = proto.createSession;
    const wrapped = function createSession(...args) {
      const session = original.apply(this, args);
      const record = { id: '', type: args[0] || 'temporary', statuses: [], state: 'created', engine, session };
      sessions.push(record);
      const refresh = () => {
        record.id = session.sessionId || record.id;
        const list = [];
        session.keyStatuses.forEach((status, kid) => list.push({ kid: hex(kid), status }));
        record.statuses = list;
        onChange();
      };
      session.addEventListener('message', (e) => {
        record.state = `message (${e.messageType})`;
        refresh();
      });
      session.addEventListener('keystatuseschange', () => {
        record.state = 'keys';
        refresh();
      });
      session.closed.then((reason) => {
        record.state = `closed${reason ? ` (${reason})` : ''}`;
        refresh();
      }, () => {});
      onChange();
      return session;
    };
    wrapped.weeDemoWrapped = true;
    proto.createSession = wrapped;
  }
}

/**
 * Calls onDecrypt({stream, inBytes, outBytes, ms, backend, init, waitingForKey}) for every push into
 * a polyfill decrypt stream. Call after install(): it starts the backend install() chose.
 * Resolves to the backend kind ('worker' or 'main').
 */
export async function watchDecryption(onDecrypt) {
  const backend = await getBackend();
  if (backend.weeDemoWrapped) return backend.kind;
  backend.weeDemoWrapped = true;
  let streams = 0;
  const createStream = backend.createStream.bind(backend);
  backend.createStream = async (cipher) => {
    const stream = await createStream(cipher);
    const number = ++streams;
    const push = stream.push.bind(stream);
    stream.push = async (bytes, onChunk) => {
      const inBytes = bytes.byteLength;  // a worker push transfers (detaches) the buffer
      const started = performance.now();
      let early = 0;  // clear bytes handed out before the answer
      const result = await push(bytes, onChunk && ((chunk) => { early += chunk.length; onChunk(chunk); }));
      const ms = performance.now() - started;
      if (inBytes || result.output.length || early) {
        onDecrypt({
          stream: number,
          inBytes,
          outBytes: early + result.output.length,
          ms,
          backend: stream.backend,
          init: result.inits.length > 0,
          waitingForKey: result.missingKid ? hex(result.missingKid) : null,
        });
      }
      return result;
    };
    return stream;
  };
  return backend.kind;
}
