// wasm-eme keyseed: content keys derived from a PlayReady key seed and KIDs.
import { keySeedDecode, keySeedDerive } from '../../core/auth.js';
import { UsageError } from '../cli_util.js';

const hex = (b) => Buffer.from(b).toString('hex');

export default {
  name: 'keyseed',
  summary: 'derive content keys from a PlayReady key seed and KIDs',
  usage: `usage: wasm-eme keyseed --seed SEED --kid KID [--kid KID ...] [--format lines|jwk]
  --seed     the key seed (at least 30 bytes; only the first 30 are used): hex (0x optional)
             when it gives >= 30 bytes, else base64 or base64url, padded or not (Azure and
             Axinom seeds are base64: 8888000000000000000000000000000000000000 is 30 bytes)
  --kid      a 16-byte KID: UUID, hex, base64 or base64url (in UUID byte order, as in tenc)
  --format   lines: KID:KEY in hex, one per line (a key file for wasm-eme serve/decrypt; default)
             jwk:   a Clear Key JWK Set`,
  options: {
    seed: { type: 'string' },
    kid: { type: 'string', multiple: true },
    format: { type: 'string' },
  },
  async run({ core, values, positionals, stdout }) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.seed) throw new UsageError('no key seed (--seed)');
    if (!values.kid?.length) throw new UsageError('no KID (--kid)');
    const format = values.format || 'lines';
    if (!['lines', 'jwk'].includes(format)) throw new UsageError(`--format '${format}' is not lines or jwk`);
    const seed = keySeedDecode(core, values.seed);
    const keys = values.kid.map((text) => {
      const kid = core.call('decode_key_text', text, 'KID', 16);
      return { kid, key: keySeedDerive(core, seed, kid) };
    });
    seed.fill(0);
    if (format === 'lines') {
      stdout.write(keys.map(({ kid, key }) => `${hex(kid)}:${hex(key)}\n`).join(''));
    } else {
      const jwks = keys.map(({ kid, key }) => ({
        kty: 'oct', kid: Buffer.from(kid).toString('base64url'), k: Buffer.from(key).toString('base64url'),
      }));
      stdout.write(JSON.stringify({ keys: jwks }, null, 2) + '\n');
    }
    for (const { key } of keys) key.fill(0);
  },
};
