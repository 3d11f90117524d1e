// Who is calling and what they may have: the configured authentication methods turn a
// request into a principal {method, client, kids, allowPersistence, replay}, or an HttpError.
//
//   entitlement  an Axinom-style entitlement JWT (HS256, communication key) in a header,
//                default X-AxDRM-Message; the token names the KIDs (and may carry their keys)
//   oauth1       an OAuth 1.0 HMAC-SHA1 signed request (RFC 5849); all keys of the server
//   none         nobody is checked (development only)
//
// Statuses: 401 when the credential cannot be trusted (missing, malformed, bad signature,
// algorithm, oversized, signed for another key); 403 when it is genuine but does not allow
// this request now (expired, not yet valid, outside the license window, replayed).
import { verifyEntitlement, oauthVerify } from '../../core/auth.js';
import { WasmEmeError } from '../../core/module.js';
import { ConfigError } from './config.js';
import { HttpError, singleHeader } from './http_util.js';
import { tokenFingerprint } from './log.js';

const UNTRUSTED = new Set(['malformed', 'algorithm', 'signature', 'oversized', 'unsupported', 'com-key-id',
  'timestamp', 'unknown-client']);
const NOT_NOW = new Set(['expired', 'not-yet-valid', 'license-window', 'kid-not-entitled']);

/**
 * A WasmEmeError from the auth core -> HttpError with its reason word. OAuth answers every
 * verification failure with 401 (RFC 5849 section 3.2).
 */
export function deniedToHttp(e, what, { oauth = false } = {}) {
  if (!(e instanceof WasmEmeError)) throw e;
  if (e.code === 'denied' || e.code === 'limit-exceeded') {
    const word = e.reason || '';
    const reason = UNTRUSTED.has(word) || NOT_NOW.has(word) ? word : e.code === 'limit-exceeded' ? 'oversized' : 'invalid';
    const status = NOT_NOW.has(reason) && !oauth ? 403 : 401;
    return new HttpError(status, reason, `${what}: ${e.message}`);
  }
  // RFC 5849 section 3.2: missing or repeated OAuth parameters and other signature methods
  // are 400.
  if (oauth && ['malformed', 'unsupported', 'invalid-argument'].includes(e.code)) {
    return new HttpError(400, e.code === 'unsupported' ? 'unsupported' : 'malformed', `${what}: ${e.message}`);
  }
  // 'malformed' / 'invalid-argument' from the core are about the credential's content too.
  if (e.code === 'malformed' || e.code === 'invalid-argument' || e.code === 'unsupported') {
    return new HttpError(401, e.code === 'unsupported' ? 'unsupported' : 'malformed', `${what}: ${e.message}`);
  }
  return e;
}

function entitlementMethod(core, cfg, communicationKey) {
  const header = cfg.header.toLowerCase();
  return {
    type: 'entitlement',
    expects: `an entitlement token in the ${cfg.header} header`,
    present: (req) => req.headers[header] !== undefined,
    async authenticate(req, { nowMs }) {
      const token = singleHeader(req, header);
      if (!token) throw new HttpError(401, 'missing-token', `the ${cfg.header} header is empty`);
      // The core checks the size too; refusing here avoids copying a huge header into wasm.
      if (token.length > cfg.maxTokenBytes) {
        throw new HttpError(401, 'oversized', `${cfg.header}: token of ${token.length} bytes exceeds ${cfg.maxTokenBytes}`);
      }
      const now = Math.floor(nowMs / 1000);
      let ent;
      try {
        ent = verifyEntitlement(core, token, {
          communicationKey, comKeyId: cfg.comKeyId, now, clockSkew: cfg.clockSkewSeconds, maxSize: cfg.maxTokenBytes,
        });
      } catch (e) {
        throw deniedToHttp(e, cfg.header);
      }
      const kids = new Map();  // hex KID -> key from the token or null
      for (const { kid, key } of ent.kids || []) {
        kids.set(Buffer.from(kid).toString('hex'), key ? Buffer.from(key) : null);
        key?.fill(0);  // the copy is wiped by the server when the request ends
      }
      let replay = null;
      if (cfg.replay === 'always' || (cfg.replay === 'message' && ent.preventReuse)) {
        if (!ent.id) throw new HttpError(403, 'replay-id-missing', `${cfg.header}: the token has no id, which replay protection needs`);
        // A token that never expires could only be refused forever by remembering it
        // forever; any finite memory would accept it again later, so it is refused.
        if (ent.tokenExpiration == null) {
          throw new HttpError(403, 'replay-expiry-missing',
            `${cfg.header}: a single-use token needs an expiry (exp or expiration_date)`);
        }
        // Remembered until the token is expired (with the clock skew) everywhere.
        const ttlMs = Math.max(1000, (ent.tokenExpiration + cfg.clockSkewSeconds) * 1000 - nowMs);
        replay = { id: `jwt:${ent.comKeyId || ''}:${ent.id}`, ttlMs, what: `token id ${ent.id}` };
      }
      return {
        method: 'entitlement',
        client: ent.id ? `token:${ent.id}` : `token#${tokenFingerprint(token)}`,
        tokenId: ent.id || undefined,
        tokenFingerprint: tokenFingerprint(token),
        kids: ent.anyKid ? null : kids,  // null: any KID, keys from the server's sources
        tokenKeys: kids,
        allowPersistence: !!ent.allowPersistence,
        replay,
      };
    },
  };
}

function oauthMethod(core, cfg, trustProxy) {
  return {
    type: 'oauth1',
    expects: 'an OAuth 1.0 Authorization header',
    present: (req) => /^\s*OAuth\s/i.test(req.headers.authorization || ''),
    async authenticate(req, { nowMs, body }) {
      const origin = cfg.publicUrl || (() => {
        const proto = trustProxy && req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
        return `${proto}://${req.headers.host || 'localhost'}`;
      })();
      let result;
      try {
        result = oauthVerify(core, {
          method: req.method,
          url: origin + req.url,
          headers: { authorization: singleHeader(req, 'authorization'), 'content-type': req.headers['content-type'] },
          body,
        }, {
          lookupSecrets: (consumerKey, token) => {
            const consumerSecret = Object.hasOwn(cfg.consumers, consumerKey) ? cfg.consumers[consumerKey] : undefined;
            if (consumerSecret === undefined) return null;
            const tokenSecret = token ? (Object.hasOwn(cfg.tokens, token) ? cfg.tokens[token] : undefined) : '';
            if (tokenSecret === undefined) return null;
            return { consumerSecret, tokenSecret };
          },
          now: Math.floor(nowMs / 1000),
          maxSkew: cfg.maxSkewSeconds,
        });
      } catch (e) {
        throw deniedToHttp(e, 'OAuth', { oauth: true });
      }
      return {
        method: 'oauth1',
        client: `oauth:${result.consumerKey}`,
        kids: null,
        tokenKeys: new Map(),
        allowPersistence: cfg.allowPersistence,
        // RFC 5849 section 3.3: a nonce is unique per timestamp, client and token.
        replay: {
          id: `oauth:${result.consumerKey}:${result.token || ''}:${result.timestamp}:${result.nonce}`,
          ttlMs: 2 * cfg.maxSkewSeconds * 1000,
          what: 'OAuth nonce',
          status: 401,
        },
      };
    },
  };
}

function noneMethod(cfg) {
  return {
    type: 'none',
    expects: 'nothing',
    present: () => true,
    async authenticate() {
      return { method: 'none', client: 'anonymous', kids: null, tokenKeys: new Map(), allowPersistence: cfg.allowPersistence, replay: null };
    },
  };
}

/** Builds the configured methods; communication keys are decoded once here. */
export function createAuthenticator(core, methods, { trustProxy }) {
  const list = methods.map((cfg) => {
    if (cfg.type === 'entitlement') {
      const decode = (text, where) => {
        try {
          return core.call('decode_key_text', text, 'communication key', 32);
        } catch (e) {
          throw new ConfigError(`${where}: ${e.message}`);
        }
      };
      if (!cfg.communicationKeys) return entitlementMethod(core, cfg, decode(cfg.communicationKey, 'config.auth.communicationKey'));
      // Rollover: the token's com_key_id (read unverified) picks the key; the signature and
      // the id are then verified with it.
      const keys = new Map();
      for (const [id, text] of Object.entries(cfg.communicationKeys)) {
        keys.set(id.toLowerCase(), decode(text, `config.auth.communicationKeys.${id}`));
      }
      return entitlementMethod(core, cfg, (id) => keys.get(id.toLowerCase()) ?? null);
    }
    if (cfg.type === 'oauth1') return oauthMethod(core, cfg, trustProxy);
    return noneMethod(cfg);
  });
  return {
    /** Does the method need the body (OAuth signs form bodies)? */
    needsBody: (req) => list.find((m) => m.present(req))?.type === 'oauth1',
    async authenticate(req, ctx) {
      const method = list.find((m) => m.present(req));
      if (!method) {
        throw new HttpError(401, 'missing-credentials', `no credentials: expected ${list.map((m) => m.expects).join(' or ')}`);
      }
      return method.authenticate(req, ctx);
    },
  };
}
