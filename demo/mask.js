// Text for the license log with every key masked: JWK "k" members, base64 documents that hold
// a license (decoded, masked, and shown as such), entitlement tokens. Runs in the page and
// in Node (tests/js/demo_mask.test.js would import it as is).

const decoder = new TextDecoder('utf-8', { fatal: true });
const MAX_TEXT = 2000;

export const MASK = '•••• masked ••••';

function base64ToBytes(text) {
  if (typeof text !== 'string' || text.length < 8 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  try {
    const b = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(b, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function asJson(bytes) {
  try {
    const text = decoder.decode(bytes);
    const t = text.trim();
    if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function maskValue(value, name) {
  if (Array.isArray(value)) return value.map((v) => maskValue(v, name));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, k);
    return out;
  }
  if (typeof value !== 'string') return value;
  if (name === 'k' || /^(key|contentkey|content_key|encrypted_key)$/i.test(name)) return MASK;
  if (/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) return `${value.slice(0, 12)}… (JWT, ${value.length} chars, masked)`;
  // A base64 document that holds JSON (a wrapped license): show it decoded and masked.
  const bytes = base64ToBytes(value);
  const inner = bytes ? asJson(bytes) : undefined;
  if (inner !== undefined) return { 'base64 of': maskValue(inner, '') };
  return value;
}

/** Log text for a license message or HTTP body (Uint8Array, ArrayBuffer or string). */
export function maskedText(body) {
  if (body === null || body === undefined) return '(no body)';
  let bytes;
  if (typeof body === 'string') bytes = new TextEncoder().encode(body);
  else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
  else bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (!bytes.length) return '(empty)';
  const json = asJson(bytes);
  if (json !== undefined) return JSON.stringify(maskValue(json, ''), null, 1).slice(0, MAX_TEXT);
  let text = null;
  try {
    text = decoder.decode(bytes);
  } catch {
    // binary
  }
  if (text !== null && /^[\x20-\x7e\r\n\t]*$/.test(text)) {
    const whole = base64ToBytes(text.trim());
    const inner = whole ? asJson(whole) : undefined;
    if (inner !== undefined) return `base64 of ${JSON.stringify(maskValue(inner, ''), null, 1)}`.slice(0, MAX_TEXT);
    return text.slice(0, MAX_TEXT);
  }
  if (bytes.length === 16) return `16 bytes (a raw key): ${MASK}`;
  const head = Array.from(bytes.slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${bytes.length} bytes binary: ${head}${bytes.length > 16 ? ' …' : ''}`;
}
