// WebIDL argument conversion (https://webidl.spec.whatwg.org/#js-type-mapping) for the EME entry
// points, so that the polyfill throws TypeError where the browser's bindings do: missing
// arguments, a non-sequence or a non-dictionary, an unknown enum value, a shared buffer.

import { typeError } from './util.js';

function failed(method, iface, message) {
  return typeError(`Failed to execute '${method}' on '${iface}': ${message}`);
}

/** "n arguments required": a missing trailing argument (an explicit undefined counts). */
export function requireArguments(args, count, method, iface) {
  if (args.length < count) {
    throw failed(method, iface, `${count} argument${count > 1 ? 's' : ''} required, but only ${args.length} present.`);
  }
}

/** DOMString: ECMAScript ToString, which (unlike String()) throws TypeError on a Symbol. */
export function toDOMString(value) {
  if (typeof value === 'symbol') throw typeError('a Symbol cannot be converted to a DOMString');
  return `${value}`;
}

const isObject = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** sequence<T>: any iterable object (not a string), each item converted by `convert`. */
export function toSequence(value, convert, what) {
  if (!isObject(value)) throw typeError(`${what}: the provided value cannot be converted to a sequence`);
  const iteratorMethod = value[Symbol.iterator];
  if (typeof iteratorMethod !== 'function') throw typeError(`${what}: the object must have a callable @@iterator property`);
  const out = [];
  const iterator = iteratorMethod.call(value);
  if (!isObject(iterator)) throw typeError(`${what}: @@iterator did not return an object`);
  for (;;) {
    const step = iterator.next();
    if (!isObject(step)) throw typeError(`${what}: the iterator result is not an object`);
    if (step.done) return out;
    out.push(convert(step.value, `${what}[${out.length}]`));
  }
}

/** A WebIDL enum value. */
export function toEnum(value, values, what) {
  const s = toDOMString(value);
  if (!values.includes(s)) throw typeError(`${what}: '${s}' is not a valid enum value`);
  return s;
}

/**
 * A dictionary: undefined and null are the empty dictionary, other non-objects a TypeError;
 * members are read in lexicographic order (the WebIDL order), each `get` once. `members` maps a
 * name to [convert, default] (no default: absent when undefined).
 */
export function toDictionary(value, members, what) {
  if (value !== undefined && value !== null && !isObject(value)) {
    throw typeError(`${what}: the provided value is not a dictionary`);
  }
  const out = {};
  for (const name of Object.keys(members).sort()) {
    const [convert, ...fallback] = members[name];
    const v = value == null ? undefined : value[name];
    if (v !== undefined) out[name] = convert(v, `${what}.${name}`);
    else if (fallback.length) out[name] = fallback[0];
  }
  return out;
}
