// The Clear Key license server: EME Clear Key license request in, JWK Set out.
//
//   request   {"kids":["<base64url KID>", ...], "type":"temporary"|"persistent-license"}
//             (W3C EME, section 9.1.3 "License Request Format")
//   response  {"keys":[{"kty":"oct","kid":"<base64url>","k":"<base64url>"}],"type":"..."}
//             (section 9.1.4 "License Format")
//
// Every requested KID must be entitled (else 403 naming it) and have a key (else 404 naming
// it): a license never silently lacks a key the player asked for.
import { ClearKeyCdm } from '../../core/cdm.js';
import { WasmEmeError } from '../../core/module.js';
import { HttpError } from './http_util.js';

const SESSION_TYPES = ['temporary', 'persistent-license'];

export const kidText = (kid) => {
  const h = Buffer.from(kid).toString('hex');
  return h.length === 32 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
};
const kidNamed = (kid) => ({ kid: Buffer.from(kid).toString('base64url'), kidHex: kidText(kid) });

/** Parses and checks a Clear Key license request: {kids: Uint8Array[], type}. Throws 400. */
export function parseLicenseRequest(core, body, { maxKids }) {
  if (!body.length) throw new HttpError(400, 'empty-body', 'license request: empty body');
  let kids;
  try {
    kids = ClearKeyCdm.extractKeyIds(core, 'keyids', body);
  } catch (e) {
    if (e instanceof WasmEmeError) throw new HttpError(400, 'malformed-request', `license request: ${e.message}`);
    throw e;
  }
  // Valid EME init data (Chromium sends such a request), but there is nothing to license.
  if (!kids.length) throw new HttpError(400, 'malformed-request', 'license request: no key IDs');
  if (kids.length > maxKids) {
    throw new HttpError(400, 'too-many-kids', `license request: ${kids.length} KIDs, at most ${maxKids} allowed`);
  }
  // The core accepted a JSON object; JSON.parse only reads "type" (guarded all the same).
  let type;
  try {
    ({ type = 'temporary' } = JSON.parse(body.toString('utf8')));
  } catch (e) {
    throw new HttpError(400, 'malformed-request', `license request: ${e.message}`);
  }
  if (!SESSION_TYPES.includes(type)) {
    throw new HttpError(400, 'malformed-request', `license request: type ${JSON.stringify(type).slice(0, 40)} is not temporary or persistent-license`);
  }
  return { kids, type };
}

/** 403 unless the principal may have every KID and the session type. */
export function checkEntitled(principal, { kids, type }) {
  if (type === 'persistent-license' && !principal.allowPersistence) {
    throw new HttpError(403, 'persistence-not-allowed', 'a persistent-license is not allowed by the entitlement');
  }
  if (!principal.kids) return;
  for (const kid of kids) {
    if (!principal.kids.has(Buffer.from(kid).toString('hex'))) {
      throw new HttpError(403, 'kid-not-entitled', `KID ${kidText(kid)} is not entitled`, { extra: kidNamed(kid) });
    }
  }
}

/** Handles one license request whose body is read and whose caller is authenticated. */
export function createLicenseHandler(core, { keySource, maxKids, store }) {
  return async ({ body, principal, info }) => {
    const request = parseLicenseRequest(core, body, { maxKids });
    info.kids = request.kids.map(kidText);
    info.sessionType = request.type;
    checkEntitled(principal, request);
    const keys = [];
    try {
      for (const kid of request.kids) {
        const hex = Buffer.from(kid).toString('hex');
        const key = principal.tokenKeys.get(hex) || keySource.find(kid);
        if (!key) throw new HttpError(404, 'key-not-found', `no key for KID ${kidText(kid)}`, { extra: kidNamed(kid) });
        keys.push({ kid, key: Buffer.from(key) });  // a copy, wiped below
      }
      const reservation = await reserveOnce(store, principal, LICENSE_LEASE_MS);
      let license;
      try {
        license = Buffer.from(ClearKeyCdm.makeJwkSet(core, keys, request.type));
        await reservation?.commit();
      } catch (e) {
        license?.fill(0);
        await reservation?.release();
        throw e;
      }
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: license, wipe: license };
    } finally {
      for (const k of keys) k.key.fill(0);
    }
  };
}

const LICENSE_LEASE_MS = 10000;  // far more than building a JWK Set takes

/**
 * Replay protection: the principal's id may be used once (across instances with Redis).
 * Reserves it for leaseMs (the longest the request may still take); the caller commits
 * once the license is issued, or releases it on failure so that a retry can use it. Null
 * when the principal is not single-use.
 */
export async function reserveOnce(store, principal, leaseMs) {
  const replay = principal.replay;
  if (!replay) return null;
  const refused = (why) => new HttpError(replay.status || 403, 'replayed', `${replay.what} ${why}`);
  const t = await store.reserve(replay.id, leaseMs);
  if (t === null) throw refused('was already used (or is in use by another request)');
  let settled = false;
  return {
    async commit() {
      settled = true;
      // False only if the lease ran out and another request may have taken the id.
      if (!(await store.commit(replay.id, t, replay.ttlMs))) throw refused('was reserved too long and may have been used');
    },
    async release() {
      if (settled) return;
      settled = true;
      // A store that fails now frees the id when the lease ends.
      await store.release(replay.id, t).catch(() => {});
    },
  };
}
