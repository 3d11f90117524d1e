// Where the license server finds content keys: a key file (a JWK Set, or `KID:KEY` lines),
// keys inline in the configuration, and a PlayReady key seed (key = f(seed, KID), so no key
// database is needed). Lookup order: file/inline keys first, then the seed.
import { readFileSync } from 'node:fs';
import { keySeedDecode, keySeedDerive } from '../../core/auth.js';
import { ConfigError, jsonErrorWhere } from './config.js';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const MAX_KEYS = 1 << 20;

function decode(core, text, what, size, where) {
  try {
    return Buffer.from(core.call('decode_key_text', text, what, size));
  } catch (e) {
    throw new ConfigError(`${where}: ${e.message}`);
  }
}

/** Parses a key file's text: a JWK Set (JSON) or lines `KID:KEY` (# comments, blank lines). */
export function parseKeyFile(core, text, name) {
  const keys = new Map();
  const add = (kid, key, where) => {
    const known = keys.get(hex(kid));
    if (known && !known.equals(key)) throw new ConfigError(`${where}: KID ${hex(kid)} is given twice with different keys`);
    if (keys.size >= MAX_KEYS) throw new ConfigError(`${name}: more than ${MAX_KEYS} keys`);
    keys.set(hex(kid), key);
  };
  if (text.trimStart().startsWith('{')) {
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new ConfigError(`${name}: not valid JSON ${jsonErrorWhere(text)}`.trimEnd());
    }
    if (!Array.isArray(doc?.keys)) throw new ConfigError(`${name}: a JWK Set needs a "keys" array`);
    doc.keys.forEach((jwk, i) => {
      const where = `${name}: keys[${i}]`;
      if (jwk === null || typeof jwk !== 'object') throw new ConfigError(`${where}: not an object`);
      if (jwk.kty !== 'oct') throw new ConfigError(`${where}.kty: must be "oct"`);
      if (typeof jwk.kid !== 'string') throw new ConfigError(`${where}.kid: missing`);
      if (typeof jwk.k !== 'string') throw new ConfigError(`${where}.k: missing`);
      add(decode(core, jwk.kid, 'KID', 16, `${where}.kid`), decode(core, jwk.k, 'key', 16, `${where}.k`), where);
    });
  } else {
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const where = `${name}:${i + 1}`;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ConfigError(`${where}: not KID:KEY`);
      add(decode(core, line.slice(0, colon).trim(), 'KID', 16, where),
        decode(core, line.slice(colon + 1).trim(), 'key', 16, where), where);
    });
  }
  return keys;
}

export class KeySource {
  /** From config.license: {keyFile, keys, keySeed}. */
  constructor(core, { keyFile, keys = {}, keySeed } = {}) {
    this.core = core;
    this.keys = keyFile ? parseKeyFile(core, readFileSync(keyFile, 'utf8'), keyFile) : new Map();
    for (const [kidText, keyText] of Object.entries(keys)) {
      const where = `config.license.keys.${kidText}`;
      const kid = decode(core, kidText, 'KID', 16, where);
      const key = decode(core, keyText, 'key', 16, where);
      const known = this.keys.get(hex(kid));
      if (known && !known.equals(key)) throw new ConfigError(`${where}: differs from the key file's key for this KID`);
      this.keys.set(hex(kid), key);
    }
    this.seed = null;
    if (keySeed) {
      // Decode and check it (>= 30 bytes) now rather than on the first request.
      try {
        const bytes = keySeedDecode(core, keySeed);
        this.seed = Buffer.from(bytes);
        bytes.fill(0);
        keySeedDerive(core, this.seed, new Uint8Array(16));
      } catch (e) {
        throw new ConfigError(`config.license.keySeed: ${e.message}`);
      }
    }
  }

  get size() {
    return this.keys.size;
  }

  /** The 16-byte key for a KID, or null. */
  find(kid) {
    const key = this.keys.get(hex(kid));
    if (key) return key;
    if (this.seed && kid.length === 16) return Buffer.from(keySeedDerive(this.core, this.seed, kid));
    return null;
  }

  /** Wipes the key material held in this process. */
  wipe() {
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
    this.seed?.fill(0);
    this.seed = null;
  }
}
