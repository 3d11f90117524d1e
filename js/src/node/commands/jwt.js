// wasm-eme jwt: sign and verify HS256 JSON Web Tokens, and make or check Axinom-style
// entitlement tokens (the token profile of wasm-eme serve).
import { readFile } from 'node:fs/promises';
import { jwtSign, jwtVerify, makeEntitlement, verifyEntitlement } from '../../core/auth.js';
import { UsageError, parseKeyArgs } from '../cli_util.js';

const hex = (b) => Buffer.from(b).toString('hex');
const uuid = (b) => hex(b).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

function json(text, what) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON (${e.message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${what} is not a JSON object`);
  return v;
}

function int(text, what, min, max) {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${what} '${text}' is not an integer in ${min}..${max}`);
  return Number(text);
}

async function tokenArg(positionals) {
  if (positionals.length !== 1) throw new UsageError('give exactly one TOKEN (or - to read it from stdin)');
  const t = positionals[0] === '-' ? (await readFile(0, 'utf8')).trim() : positionals[0];
  if (!t) throw new UsageError('empty token');
  return t;
}

// A secret on the command line is visible to other users (ps): also accept @FILE.
async function secretArg(core, text, what, size) {
  if (text === undefined) throw new UsageError(`no ${what}`);
  const value = text.startsWith('@') ? (await readFile(text.slice(1), 'utf8')).trim() : text;
  return core.call('decode_key_text', value, what, size);
}

const now = (values) => int(values.now, '--now', 0, 2 ** 53) ?? Math.floor(Date.now() / 1000);

export default {
  name: 'jwt',
  summary: 'sign/verify HS256 JWTs and entitlement tokens',
  usage: `usage: wasm-eme jwt sign --key KEY --payload JSON [--header JSON]
       wasm-eme jwt verify --key KEY [--now S] [--clock-skew S] [--max-size N] TOKEN|-
       wasm-eme jwt entitlement --communication-key KEY --com-key-id ID [--kid KID ...] [--key KID:KEY ...]
                                [--any-kid] [--persistent] [--id ID] [--expires-in S] [--message-version 1|2]
       wasm-eme jwt check --communication-key KEY [--com-key-id ID] [--now S] [--clock-skew S] TOKEN|-
  sign         prints the compact JWS of the payload (HS256)
  verify       checks an HS256 token and prints {"header","payload"}; exit 1 with the reason if refused
  entitlement  prints an Axinom-style entitlement token for the KIDs (--key embeds the content key
               as encrypted_key; --kid only names it)
  check        verifies an entitlement token and prints what it allows (KIDs, keys, persistence)
  KEY          hex, base64 or base64url (HS256 keys >= 32 bytes; the communication key is 32 bytes);
               @FILE reads it from a file
  --now        the time in seconds since 1970 (default: now); --clock-skew leeway in seconds`,
  options: {
    key: { type: 'string', multiple: true },
    payload: { type: 'string' },
    header: { type: 'string' },
    now: { type: 'string' },
    'clock-skew': { type: 'string' },
    'max-size': { type: 'string' },
    'communication-key': { type: 'string' },
    'com-key-id': { type: 'string' },
    kid: { type: 'string', multiple: true },
    'any-kid': { type: 'boolean' },
    persistent: { type: 'boolean' },
    id: { type: 'string' },
    'expires-in': { type: 'string' },
    'message-version': { type: 'string' },
  },
  async run({ core, values, positionals, stdout }) {
    const [action, ...rest] = positionals;
    const clockSkew = int(values['clock-skew'], '--clock-skew', 0, 7 * 24 * 3600) ?? 0;
    switch (action) {
      case 'sign': {
        if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
        if (values.key?.length !== 1) throw new UsageError('give one --key');
        if (!values.payload) throw new UsageError('no --payload');
        const key = await secretArg(core, values.key[0], 'key', 0);
        const token = jwtSign(core, {
          payload: json(values.payload, '--payload'),
          key,
          header: values.header ? json(values.header, '--header') : undefined,
        });
        key.fill(0);
        stdout.write(token + '\n');
        return;
      }
      case 'verify': {
        if (values.key?.length !== 1) throw new UsageError('give one --key');
        const token = await tokenArg(rest);
        const key = await secretArg(core, values.key[0], 'key', 0);
        const opts = { key, now: now(values), clockSkew };
        const maxSize = int(values['max-size'], '--max-size', 1, 1 << 20);
        if (maxSize !== undefined) opts.maxSize = maxSize;
        try {
          const { header, payload } = jwtVerify(core, token, opts);
          stdout.write(JSON.stringify({ header, payload }, null, 2) + '\n');
        } finally {
          key.fill(0);
        }
        return;
      }
      case 'entitlement': {
        if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
        if (!values['com-key-id']) throw new UsageError('no --com-key-id');
        const communicationKey = await secretArg(core, values['communication-key'], 'communication key', 32);
        const keys = [
          ...(values.kid || []).map((k) => ({ kid: core.call('decode_key_text', k, 'KID', 16) })),
          ...parseKeyArgs(core, values.key),
        ];
        if (!keys.length && !values['any-kid']) throw new UsageError('no KID: give --kid, --key or --any-kid');
        const expiresIn = int(values['expires-in'], '--expires-in', 1, 10 * 365 * 24 * 3600);
        const version = int(values['message-version'], '--message-version', 1, 2) ?? 2;
        const spec = {
          communicationKey,
          comKeyId: values['com-key-id'],
          keys,
          anyKid: !!values['any-kid'],
          allowPersistence: !!values.persistent,
          messageVersion: version,
        };
        if (values.id !== undefined) spec.id = values.id;
        if (expiresIn !== undefined) spec.expirationDate = now(values) + expiresIn;
        try {
          stdout.write(makeEntitlement(core, spec) + '\n');
        } finally {
          communicationKey.fill(0);
          for (const k of keys) k.key?.fill(0);
        }
        return;
      }
      case 'check': {
        const token = await tokenArg(rest);
        const communicationKey = await secretArg(core, values['communication-key'], 'communication key', 32);
        try {
          const e = verifyEntitlement(core, token, {
            communicationKey, comKeyId: values['com-key-id'], now: now(values), clockSkew,
          });
          const out = {
            ...e,
            kids: (e.kids || []).map(({ kid, key, ...more }) => ({ ...more, kid: uuid(kid), key: key ? hex(key) : null })),
          };
          stdout.write(JSON.stringify(out, null, 2) + '\n');
        } finally {
          communicationKey.fill(0);
        }
        return;
      }
      case undefined:
        throw new UsageError('no action: sign, verify, entitlement or check');
      default:
        throw new UsageError(`unknown action '${action}': sign, verify, entitlement or check`);
    }
  },
};
