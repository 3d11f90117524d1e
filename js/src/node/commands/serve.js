// wasm-eme serve: the Clear Key license server and reverse proxy (js/src/node/server).
import { readFile } from 'node:fs/promises';
import { ConfigError, createServer } from '../server/index.js';
import { jsonErrorWhere } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { CliError, UsageError } from '../cli_util.js';

export default {
  name: 'serve',
  summary: 'run the Clear Key license server and license proxy',
  usage: `usage: wasm-eme serve [--config FILE] [options]
  --config FILE            JSON configuration (docs/server.md); the options below override it
  --host HOST              listen address (default 127.0.0.1)
  --port PORT              listen port (default 8080; 0 picks a free one)
  --redis URL              keep rate limits and the replay cache in Redis (redis://host:port/db)
  --key-file FILE          license keys: a JWK Set or KID:KEY lines
  --key-seed SEED          derive license keys from a PlayReady key seed (>= 30 bytes:
                           hex, else base64/base64url; see wasm-eme keyseed --help)
  --upstream URL           proxy POST /proxy to this license server
  --communication-key KEY  verify entitlement tokens (X-AxDRM-Message) with this 32-byte key
                           (KEY and SEED may be @FILE: read from a file, kept off the command line)
  --communication-key ID:KEY  repeated: key rollover, each token verified with the key its
                           com_key_id names (KEY may be @FILE)
  --com-key-id ID          the communication key's id that tokens must name (one plain KEY)
  --no-auth                serve without authentication (development only)
  --log-level LEVEL        debug, info, warn, error or silent
Logs are JSON lines on stdout. SIGTERM or SIGINT shuts down gracefully.`,
  options: {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    redis: { type: 'string' },
    'key-file': { type: 'string' },
    'key-seed': { type: 'string' },
    upstream: { type: 'string' },
    'communication-key': { type: 'string', multiple: true },
    'com-key-id': { type: 'string' },
    'no-auth': { type: 'boolean' },
    'log-level': { type: 'string' },
  },
  async run({ core, values, positionals, stdout }) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    let raw = {};
    if (values.config) {
      const text = await readFile(values.config, 'utf8');
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new CliError(`${values.config}: not valid JSON ${jsonErrorWhere(text)}`.trimEnd());
      }
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CliError(`${values.config}: not a JSON object`);
    }
    // Secrets on the command line are visible to other users (ps): @FILE reads them from a file.
    const fromFile = async (text) => (text.startsWith('@') ? (await readFile(text.slice(1), 'utf8')).trim() : text);
    if (values['key-seed'] !== undefined) values['key-seed'] = await fromFile(values['key-seed']);
    if (values['communication-key']) {
      const keys = [];
      for (const value of values['communication-key']) {
        const text = await fromFile(value);  // @FILE may hold KEY or ID:KEY
        const colon = text.indexOf(':');
        keys.push(colon > 0 ? { id: text.slice(0, colon), key: await fromFile(text.slice(colon + 1)) } : { key: text });
      }
      values['communication-key'] = keys;
    }
    applyOptions(raw, values);
    let server;
    try {
      server = createServer(raw, {
        core,
        logger: createLogger({ level: raw.log?.level || 'info', write: (line) => stdout.write(line) }),
      });
      await server.listen();
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message);
      if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') throw new CliError(`cannot listen: ${e.message}`);
      throw e;
    }
    await new Promise((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        server.close().then(resolve, resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  },
};

function applyOptions(raw, v) {
  if (v.host !== undefined) raw.host = v.host;
  if (v.port !== undefined) {
    if (!/^\d{1,5}$/.test(v.port)) throw new UsageError(`--port '${v.port}' is not a port number`);
    raw.port = Number(v.port);
  }
  if (v.redis !== undefined) raw.redis = v.redis;
  if (v['log-level'] !== undefined) raw.log = { ...raw.log, level: v['log-level'] };
  if (v['key-file'] !== undefined || v['key-seed'] !== undefined) {
    raw.license = { ...raw.license };
    if (v['key-file'] !== undefined) raw.license.keyFile = v['key-file'];
    if (v['key-seed'] !== undefined) raw.license.keySeed = v['key-seed'];
  }
  if (v.upstream !== undefined) raw.proxy = [{ path: '/proxy', upstream: v.upstream }];
  if (v['no-auth'] && v['communication-key']) throw new UsageError('--no-auth and --communication-key exclude each other');
  if (v['no-auth']) raw.auth = { type: 'none' };
  const comKeys = v['communication-key'];
  if (comKeys?.length === 1 && comKeys[0].id === undefined) {
    raw.auth = { type: 'entitlement', communicationKey: comKeys[0].key };
    if (v['com-key-id'] !== undefined) raw.auth.comKeyId = v['com-key-id'];
  } else if (comKeys) {
    if (comKeys.some((k) => k.id === undefined)) {
      throw new UsageError('every --communication-key needs an ID: when more than one is given (ID:KEY)');
    }
    if (v['com-key-id'] !== undefined) throw new UsageError('--com-key-id goes with one plain --communication-key KEY; ID:KEY names the id');
    const ids = comKeys.map((k) => k.id.toLowerCase());
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice) throw new UsageError(`--communication-key names the id ${twice} twice`);
    raw.auth = { type: 'entitlement', communicationKeys: Object.fromEntries(comKeys.map((k) => [k.id, k.key])) };
  } else if (v['com-key-id'] !== undefined) {
    throw new UsageError('--com-key-id needs --communication-key');
  }
}
