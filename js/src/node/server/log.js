// Structured logs: one JSON object per line. Callers pass only safe fields; as a second
// guard, members whose names suggest secrets are dropped and long strings are cut, so a
// mistake elsewhere cannot put a key or a whole token into the log.
import { createHash } from 'node:crypto';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_NAME = /^(key|keys|k|secret|token|password|authorization|communicationkey|seed|keyseed)$/i;
const MAX_STRING = 200;

function scrub(value, depth = 0) {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 32).map((v) => scrub(v, depth + 1));
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[name] = SECRET_NAME.test(name) ? '[redacted]' : scrub(v, depth + 1);
  }
  return out;
}

/**
 * A logger writing JSON lines to `write(line)` (default: stdout). level: 'debug' | 'info' |
 * 'warn' | 'error' | 'silent'.
 */
export function createLogger({ level = 'info', write = (line) => process.stdout.write(line) } = {}) {
  if (!(level in LEVELS)) throw new Error(`unknown log level '${level}'`);
  const threshold = LEVELS[level];
  const log = (lvl, msg, fields = {}) => {
    if (LEVELS[lvl] < threshold) return;
    const entry = { time: new Date().toISOString(), level: lvl, msg, ...scrub(fields) };
    try {
      write(JSON.stringify(entry) + '\n');
    } catch {
      // A broken log sink must not take the server down.
    }
  };
  return {
    debug: (msg, f) => log('debug', msg, f),
    info: (msg, f) => log('info', msg, f),
    warn: (msg, f) => log('warn', msg, f),
    error: (msg, f) => log('error', msg, f),
  };
}

/** A short, stable, non-reversible name for a token in logs (never log the token). */
export function tokenFingerprint(token) {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
