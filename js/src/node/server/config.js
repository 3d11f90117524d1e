// The server's JSON configuration: checked once at start-up, every error naming the member
// ("config.proxy[0].upstream: not an http(s) URL"), defaults filled in. See docs/server.md.

export class ConfigError extends Error {}

/**
 * "at line L, column C" of the first JSON syntax error in `text` (RFC 8259), or '' when it
 * cannot be located. For errors about files that hold secrets: V8's own message quotes the
 * text around the error, which may be a key.
 */
export function jsonErrorWhere(text) {
  let i = 0;
  const fail = () => { throw i; };
  const ws = () => { while (' \t\n\r'.includes(text[i]) && i < text.length) i++; };
  const expect = (c) => { if (text[i] !== c) fail(); i++; };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      const c = text[i++];
      if (c === '"') return;
      if (c === '\\') {
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else if ('"\\/bfnrt'.includes(text[i]) && i < text.length) i++;
        else fail();
      }
    }
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      ws();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) { i++; return; }
      for (;;) {
        if (c === '{') { ws(); string(); ws(); expect(':'); }
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        expect(close);
        return;
      }
    }
    if (c === '"') return string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return '';
  } catch (at) {
    if (typeof at !== 'number') return '';  // nesting too deep for this scanner
    const before = text.slice(0, at).split('\n');
    return `at line ${before.length}, column ${before[before.length - 1].length + 1}`;
  }
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  trustProxy: false,
  bodyLimit: 64 * 1024,
  headerLimit: 16 * 1024,
  headerCount: 100,
  bodyTimeoutMs: 10000,
  maxConnections: 1024,
  maxConnectionsPerClient: 64,
  shutdownTimeoutMs: 10000,
  rateLimit: { requests: 120, windowSeconds: 60 },
  cors: { origins: '*' },
  log: { level: 'info' },
};

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function check(cond, path, message) {
  if (!cond) throw new ConfigError(`${path}: ${message}`);
}

function onlyMembers(obj, path, allowed) {
  for (const name of Object.keys(obj)) {
    check(allowed.includes(name), `${path}.${name}`, `unknown member (expected one of ${allowed.join(', ')})`);
  }
}

function int(value, path, { min, max, fallback }) {
  if (value === undefined) return fallback;
  check(Number.isInteger(value) && value >= min && value <= max, path, `not an integer in ${min}..${max}`);
  return value;
}

function str(value, path, { fallback, optional = false } = {}) {
  if (value === undefined) {
    check(optional || fallback !== undefined, path, 'missing');
    return fallback;
  }
  check(typeof value === 'string' && value.length > 0, path, 'not a non-empty string');
  return value;
}

function bool(value, path, fallback) {
  if (value === undefined) return fallback;
  check(typeof value === 'boolean', path, 'not true or false');
  return value;
}

// RFC 7230 token: what a header name may be.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length'];

function headerMap(value, path) {
  if (value === undefined) return {};
  check(isObject(value), path, 'not an object of header names to values');
  const out = {};
  for (const [name, v] of Object.entries(value)) {
    check(HEADER_NAME.test(name), `${path}.${name}`, 'not a valid header name');
    check(!HOP_BY_HOP.includes(name.toLowerCase()), `${path}.${name}`, 'is managed by the proxy and cannot be set');
    check(typeof v === 'string' && !/[\r\n\0]/.test(v), `${path}.${name}`, 'not a single-line string');
    out[name.toLowerCase()] = v;
  }
  return out;
}

function routePath(value, path, fallback) {
  const p = str(value, path, { fallback });
  check(p.startsWith('/') && !p.includes('?') && !p.includes('#'), path, `'${p}' is not an absolute path without query`);
  return p;
}

function parseAuthMethod(a, path) {
  check(isObject(a), path, 'not an object');
  const type = str(a.type, `${path}.type`);
  switch (type) {
    case 'entitlement':
      onlyMembers(a, path, ['type', 'header', 'communicationKey', 'comKeyId', 'communicationKeys', 'clockSkewSeconds',
        'maxTokenBytes', 'replay']);
      // Key rollover: several keys, each token verified with the one its com_key_id names.
      let communicationKeys = null;
      if (a.communicationKeys !== undefined) {
        check(a.communicationKey === undefined && a.comKeyId === undefined, path,
          'communicationKey and communicationKeys exclude each other (communicationKeys names each key by its com_key_id)');
        check(isObject(a.communicationKeys) && Object.keys(a.communicationKeys).length > 0, `${path}.communicationKeys`,
          'not an object of com_key_id to communication key');
        const ids = Object.keys(a.communicationKeys).map((id) => id.toLowerCase());
        check(new Set(ids).size === ids.length, `${path}.communicationKeys`, 'names a com_key_id twice (ids are case-insensitive)');
        for (const [id, v] of Object.entries(a.communicationKeys)) {
          check(typeof v === 'string' && v.length > 0, `${path}.communicationKeys.${id}`, 'not a non-empty string');
        }
        communicationKeys = { ...a.communicationKeys };
      }
      return {
        type,
        header: str(a.header, `${path}.header`, { fallback: 'X-AxDRM-Message' }),
        communicationKey: communicationKeys ? undefined : str(a.communicationKey, `${path}.communicationKey`),
        comKeyId: str(a.comKeyId, `${path}.comKeyId`, { optional: true }),
        communicationKeys,
        clockSkewSeconds: int(a.clockSkewSeconds, `${path}.clockSkewSeconds`, { min: 0, max: 7 * 24 * 3600, fallback: 60 }),
        maxTokenBytes: int(a.maxTokenBytes, `${path}.maxTokenBytes`, { min: 64, max: 64 * 1024, fallback: 8192 }),
        replay: (() => {
          const r = str(a.replay, `${path}.replay`, { fallback: 'message' });
          check(['message', 'always', 'off'].includes(r), `${path}.replay`, `'${r}' is not message, always or off`);
          return r;
        })(),
      };
    case 'oauth1': {
      onlyMembers(a, path, ['type', 'consumers', 'tokens', 'maxSkewSeconds', 'publicUrl', 'allowPersistence']);
      check(isObject(a.consumers) && Object.keys(a.consumers).length > 0, `${path}.consumers`,
        'not an object of consumer keys to consumer secrets');
      for (const [k, v] of Object.entries(a.consumers)) check(typeof v === 'string', `${path}.consumers.${k}`, 'not a string');
      const tokens = a.tokens === undefined ? {} : a.tokens;
      check(isObject(tokens), `${path}.tokens`, 'not an object of tokens to token secrets');
      for (const [k, v] of Object.entries(tokens)) check(typeof v === 'string', `${path}.tokens.${k}`, 'not a string');
      let publicUrl;
      if (a.publicUrl !== undefined) {
        publicUrl = str(a.publicUrl, `${path}.publicUrl`);
        let u;
        try { u = new URL(publicUrl); } catch { u = null; }
        check(u && /^https?:$/.test(u.protocol) && u.pathname === '/' && !u.search, `${path}.publicUrl`,
          'not an http(s) origin such as https://license.example.com');
        publicUrl = u.origin;
      }
      return {
        type,
        consumers: { ...a.consumers },
        tokens: { ...tokens },
        maxSkewSeconds: int(a.maxSkewSeconds, `${path}.maxSkewSeconds`, { min: 1, max: 24 * 3600, fallback: 300 }),
        publicUrl,
        allowPersistence: bool(a.allowPersistence, `${path}.allowPersistence`, false),
      };
    }
    case 'none':
      onlyMembers(a, path, ['type', 'allowPersistence']);
      return { type, allowPersistence: bool(a.allowPersistence, `${path}.allowPersistence`, false) };
    default:
      throw new ConfigError(`${path}.type: '${type}' is not entitlement, oauth1 or none`);
  }
}

function parseLicense(l, path) {
  check(isObject(l), path, 'not an object');
  onlyMembers(l, path, ['path', 'keyFile', 'keys', 'keySeed', 'maxKids']);
  const keys = l.keys === undefined ? {} : l.keys;
  check(isObject(keys), `${path}.keys`, 'not an object of KIDs to keys');
  for (const [k, v] of Object.entries(keys)) check(typeof v === 'string', `${path}.keys.${k}`, 'not a string');
  const out = {
    path: routePath(l.path, `${path}.path`, '/license'),
    keyFile: str(l.keyFile, `${path}.keyFile`, { optional: true }),
    keys,
    keySeed: str(l.keySeed, `${path}.keySeed`, { optional: true }),
    maxKids: int(l.maxKids, `${path}.maxKids`, { min: 1, max: 128, fallback: 64 }),
  };
  return out;
}

function parseProxyRoute(r, path) {
  check(isObject(r), path, 'not an object');
  onlyMembers(r, path, ['path', 'upstream', 'headers', 'forwardHeaders', 'timeoutMs', 'maxResponseBytes',
    'maxSockets', 'unwrap', 'keySystem']);
  const upstream = str(r.upstream, `${path}.upstream`);
  let u;
  try { u = new URL(upstream); } catch { u = null; }
  // Not echoed: a URL may carry a password or an API key in its query.
  check(u, `${path}.upstream`, 'not a valid URL');
  check(/^https?:$/.test(u.protocol), `${path}.upstream`, `scheme ${u.protocol.slice(0, 20)} is not http or https`);
  check(!u.username && !u.password, `${path}.upstream`, 'carries credentials (user:password@): put them in headers');
  check(!u.hash, `${path}.upstream`, 'has a #fragment');
  const forward = r.forwardHeaders === undefined ? ['content-type'] : r.forwardHeaders;
  check(Array.isArray(forward), `${path}.forwardHeaders`, 'not an array of header names');
  forward.forEach((name, i) => {
    check(typeof name === 'string' && HEADER_NAME.test(name), `${path}.forwardHeaders[${i}]`, 'not a valid header name');
    check(!HOP_BY_HOP.includes(name.toLowerCase()), `${path}.forwardHeaders[${i}]`, 'is managed by the proxy');
  });
  const keySystem = str(r.keySystem, `${path}.keySystem`, { fallback: 'any' });
  check(['any', 'clearkey'].includes(keySystem), `${path}.keySystem`, `'${keySystem}' is not any or clearkey`);
  if (r.unwrap !== undefined) {
    check(typeof r.unwrap === 'string' || isObject(r.unwrap), `${path}.unwrap`,
      'not a license_key template string or a JSON license configuration');
  }
  return {
    path: routePath(r.path, `${path}.path`),
    upstream: u.href,
    headers: headerMap(r.headers, `${path}.headers`),
    forwardHeaders: forward.map((n) => n.toLowerCase()),
    timeoutMs: int(r.timeoutMs, `${path}.timeoutMs`, { min: 1, max: 600000, fallback: 10000 }),
    maxResponseBytes: int(r.maxResponseBytes, `${path}.maxResponseBytes`, { min: 1, max: 64 << 20, fallback: 1 << 20 }),
    maxSockets: int(r.maxSockets, `${path}.maxSockets`, { min: 1, max: 4096, fallback: 64 }),
    unwrap: r.unwrap,
    keySystem,
  };
}

/** Checks a configuration object and returns it complete (a new object). */
export function normalizeConfig(raw) {
  check(isObject(raw), 'config', 'not a JSON object');
  onlyMembers(raw, 'config', ['host', 'port', 'trustProxy', 'auth', 'license', 'proxy', 'limits', 'redis', 'cors',
    'log', 'shutdownTimeoutMs']);
  const config = {
    host: str(raw.host, 'config.host', { fallback: DEFAULTS.host }),
    port: int(raw.port, 'config.port', { min: 0, max: 65535, fallback: DEFAULTS.port }),
    trustProxy: bool(raw.trustProxy, 'config.trustProxy', DEFAULTS.trustProxy),
    shutdownTimeoutMs: int(raw.shutdownTimeoutMs, 'config.shutdownTimeoutMs', { min: 0, max: 600000, fallback: DEFAULTS.shutdownTimeoutMs }),
  };

  // A license server must never be exposed bare: no default, "none" must be written out.
  check(raw.auth !== undefined, 'config.auth', 'missing (use {"type": "none"} to serve without authentication)');
  const methods = Array.isArray(raw.auth) ? raw.auth : [raw.auth];
  check(methods.length > 0, 'config.auth', 'empty');
  config.auth = methods.map((a, i) => parseAuthMethod(a, Array.isArray(raw.auth) ? `config.auth[${i}]` : 'config.auth'));
  const types = config.auth.map((a) => a.type);
  check(new Set(types).size === types.length, 'config.auth', 'names the same type twice');
  check(!types.includes('none') || types.length === 1, 'config.auth', '"none" cannot be combined with other methods');

  config.license = raw.license === undefined ? null : parseLicense(raw.license, 'config.license');
  if (config.license) {
    const l = config.license;
    check(l.keyFile || l.keySeed || Object.keys(l.keys).length || config.auth.some((a) => a.type === 'entitlement'),
      'config.license', 'no key source: give keyFile, keys or keySeed (or tokens that carry keys)');
  }

  const routes = raw.proxy === undefined ? [] : Array.isArray(raw.proxy) ? raw.proxy : [raw.proxy];
  config.proxy = routes.map((r, i) => parseProxyRoute(r, Array.isArray(raw.proxy) ? `config.proxy[${i}]` : 'config.proxy'));
  check(config.license || config.proxy.length, 'config', 'neither license nor proxy is configured');
  const paths = [config.license?.path, ...config.proxy.map((r) => r.path)].filter(Boolean);
  for (const p of paths) {
    check(!['/healthz', '/metrics'].includes(p), 'config', `route path ${p} is reserved`);
    check(paths.indexOf(p) === paths.lastIndexOf(p), 'config', `route path ${p} is used twice`);
  }

  const limits = raw.limits === undefined ? {} : raw.limits;
  check(isObject(limits), 'config.limits', 'not an object');
  onlyMembers(limits, 'config.limits', ['bodyBytes', 'headerBytes', 'headerCount', 'headersTimeoutMs', 'bodyTimeoutMs',
    'maxConnections', 'maxConnectionsPerClient', 'rateLimit']);
  config.limits = {
    bodyBytes: int(limits.bodyBytes, 'config.limits.bodyBytes', { min: 2, max: 16 << 20, fallback: DEFAULTS.bodyLimit }),
    headerBytes: int(limits.headerBytes, 'config.limits.headerBytes', { min: 1024, max: 1 << 20, fallback: DEFAULTS.headerLimit }),
    headerCount: int(limits.headerCount, 'config.limits.headerCount', { min: 1, max: 10000, fallback: DEFAULTS.headerCount }),
    bodyTimeoutMs: int(limits.bodyTimeoutMs, 'config.limits.bodyTimeoutMs', { min: 1, max: 600000, fallback: DEFAULTS.bodyTimeoutMs }),
    maxConnections: int(limits.maxConnections, 'config.limits.maxConnections', { min: 1, max: 1e6, fallback: DEFAULTS.maxConnections }),
  };
  config.limits.headersTimeoutMs = int(limits.headersTimeoutMs, 'config.limits.headersTimeoutMs',
    { min: 1, max: 600000, fallback: Math.min(config.limits.bodyTimeoutMs, 60000) });
  // Behind a trusted proxy every connection comes from the proxy: no per-address cap by default.
  config.limits.maxConnectionsPerClient = limits.maxConnectionsPerClient === false ? null
    : int(limits.maxConnectionsPerClient, 'config.limits.maxConnectionsPerClient',
      { min: 1, max: 1e6, fallback: config.trustProxy ? null : DEFAULTS.maxConnectionsPerClient });
  if (limits.rateLimit === false) {
    config.limits.rateLimit = null;
  } else {
    const rl = limits.rateLimit === undefined ? DEFAULTS.rateLimit : limits.rateLimit;
    check(isObject(rl), 'config.limits.rateLimit', 'not an object or false');
    onlyMembers(rl, 'config.limits.rateLimit', ['requests', 'windowSeconds']);
    config.limits.rateLimit = {
      requests: int(rl.requests, 'config.limits.rateLimit.requests', { min: 1, max: 1e9, fallback: DEFAULTS.rateLimit.requests }),
      windowSeconds: int(rl.windowSeconds, 'config.limits.rateLimit.windowSeconds', { min: 1, max: 86400, fallback: DEFAULTS.rateLimit.windowSeconds }),
    };
  }

  if (raw.redis === undefined || raw.redis === null) {
    config.redis = null;
  } else {
    const r = typeof raw.redis === 'string' ? { url: raw.redis } : raw.redis;
    check(isObject(r), 'config.redis', 'not a redis:// URL or an object {url, prefix}');
    onlyMembers(r, 'config.redis', ['url', 'prefix']);
    const url = str(r.url, 'config.redis.url');
    check(/^redis:\/\//.test(url), 'config.redis.url', 'not a redis:// URL');
    config.redis = { url, prefix: str(r.prefix, 'config.redis.prefix', { fallback: 'wasm-eme:' }) };
  }

  if (raw.cors === false) {
    config.cors = null;
  } else {
    const c = raw.cors === undefined ? DEFAULTS.cors : raw.cors;
    check(isObject(c), 'config.cors', 'not an object or false');
    onlyMembers(c, 'config.cors', ['origins']);
    check(c.origins === '*' || (Array.isArray(c.origins) && c.origins.every((o) => typeof o === 'string')),
      'config.cors.origins', 'not "*" or an array of origins');
    config.cors = { origins: c.origins };
  }

  const log = raw.log === undefined ? DEFAULTS.log : raw.log;
  check(isObject(log), 'config.log', 'not an object');
  onlyMembers(log, 'config.log', ['level']);
  const level = str(log.level, 'config.log.level', { fallback: 'info' });
  check(['debug', 'info', 'warn', 'error', 'silent'].includes(level), 'config.log.level', `'${level}' is not a log level`);
  config.log = { level };
  return config;
}
