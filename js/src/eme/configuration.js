// EME section 3.1.1.1-3.1.1.3: "Get Supported Configuration" and "Get Supported Capabilities
// for Audio/Video Type", for the polyfill's Clear Key. Clear Key has no distinctive
// identifier, no robustness levels, and decrypts 'cenc' and 'cbcs' (also spelled cbcs-1-9).

import { toDictionary, toDOMString, toEnum, toSequence } from './webidl.js';

export const KEY_SYSTEM = 'org.w3.clearkey';

// 'webm' (the EME "WebM Stream Format": the init data is one key ID) as Chromium's Clear Key
// has it; the CDM parses it (wasm/src/cdm/init_data.cpp).
export const INIT_DATA_TYPES = ['cenc', 'keyids', 'webm'];
export const SESSION_TYPES = ['temporary', 'persistent-license'];
const ENCRYPTION_SCHEMES = [null, undefined, 'cenc', 'cbcs', 'cbcs-1-9'];
const REQUIREMENTS = ['required', 'optional', 'not-allowed'];

// The WebIDL dictionaries of requestMediaKeySystemAccess() (EME section 3.1 and 2.1), converted
// as the browser's bindings do: a wrong type or enum value is a TypeError before the algorithm.
const strings = (v, what) => toSequence(v, toDOMString, what);
const requirement = (v, what) => toEnum(v, REQUIREMENTS, what);
function toCapability(value, what) {
  return toDictionary(value, {
    contentType: [toDOMString, ''],
    encryptionScheme: [(v) => (v === null ? null : toDOMString(v)), null],
    robustness: [toDOMString, ''],
  }, what);
}
const capabilities = (v, what) => toSequence(v, toCapability, what);

/** MediaKeySystemConfiguration from a page's value; throws TypeError where WebIDL does. */
export function toMediaKeySystemConfiguration(value, what = 'MediaKeySystemConfiguration') {
  return toDictionary(value, {
    audioCapabilities: [capabilities, []],
    distinctiveIdentifier: [requirement, 'optional'],
    initDataTypes: [strings, []],
    label: [toDOMString, ''],
    persistentState: [requirement, 'optional'],
    sessionTypes: [strings],
    videoCapabilities: [capabilities, []],
  }, what);
}

function isTypeSupportedDefault(type) {
  const ms = globalThis.MediaSource || globalThis.ManagedMediaSource;
  return !!ms && ms.isTypeSupported(type);
}

// The containers Clear Key is defined for in Chromium's CDM (it refuses audio/mpeg, video/mp2t,
// ... even where the media element plays them); the polyfill's decryptor reads MP4.
const CONTAINERS = ['audio/mp4', 'video/mp4', 'audio/webm', 'video/webm'];

// RFC 6381 / codec-string prefixes (the sample entry or codec name before the first dot) that are
// video codecs. Asked only when the engine accepts a codec in both the audio/ and the video/ type
// of a container, where its answer cannot tell audio from video (Chromium refuses a video codec
// in audio/mp4 and audio/webm, so there the table is never reached).
const VIDEO_CODEC_PREFIXES = new Set([
  'avc1', 'avc3', 'hev1', 'hvc1', 'dvh1', 'dvhe', 'dva1', 'dvav', 'dav1', 'av01', 'vp08', 'vp09',
  'vp8', 'vp9', 'vvc1', 'vvi1', 'mp4v',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses a MIME type (WHATWG MIME Sniffing "parse a MIME type", strict: a malformed parameter is
 * a failure rather than skipped) into {type, subtype, parameters: Map}, names lowercased; null
 * when malformed or a parameter repeats.
 */
export function parseMimeType(text) {
  const s = String(text).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const type = s.slice(0, slash);
  let i = s.indexOf(';', slash);
  if (i < 0) i = s.length;
  const subtype = s.slice(slash + 1, i).replace(/[\t\n\r ]+$/, '');
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  const parameters = new Map();
  while (i < s.length) {
    i += 1;  // the ';'
    while (/[\t\n\r ]/.test(s[i] || '')) i += 1;
    const eq = s.indexOf('=', i);
    const semi = s.indexOf(';', i);
    if (eq < 0 || (semi >= 0 && semi < eq)) return null;
    const name = s.slice(i, eq).toLowerCase();
    if (!TOKEN.test(name) || parameters.has(name)) return null;
    i = eq + 1;
    let value = '';
    if (s[i] === '"') {
      for (i += 1; i < s.length && s[i] !== '"'; i += 1) {
        if (s[i] === '\\') i += 1;
        value += s[i] ?? '';
      }
      if (s[i] !== '"') return null;
      i += 1;
      while (/[\t\n\r ]/.test(s[i] || '')) i += 1;
      if (i < s.length && s[i] !== ';') return null;
    } else {
      const stop = s.indexOf(';', i);
      value = s.slice(i, stop < 0 ? s.length : stop).replace(/[\t\n\r ]+$/, '');
      i = stop < 0 ? s.length : stop;
    }
    parameters.set(name, value);
  }
  return { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters };
}

// 3.1.1.3 steps for one contentType: is it strictly an audio (or video) type that Clear Key
// supports? The engine judges each codec: a codec of `kind` plays in `kind`/<subtype>, and an
// audio codec also in audio/<subtype> (where the engine accepts a codec in both, the prefix
// table says whether it is video).
function supportedMediaType(contentType, kind, isTypeSupported) {
  const mime = parseMimeType(contentType);
  if (!mime) return false;
  // Container: mp4 or webm, of this kind ("strictly an audio/video type").
  if (mime.type !== kind || !CONTAINERS.includes(`${mime.type}/${mime.subtype}`)) return false;
  // Parameters: only RFC 6381 codecs, and not empty (neither container implies codecs).
  if ([...mime.parameters.keys()].some((name) => name !== 'codecs')) return false;
  const codecs = (mime.parameters.get('codecs') || '').split(',').map((c) => c.trim());
  if (codecs.some((c) => c === '' || /["\\]/.test(c))) return false;
  const playsIn = (k, codec) => isTypeSupported(`${k}/${mime.subtype}; codecs="${codec}"`);
  for (const codec of codecs) {
    const audio = playsIn('audio', codec);
    const video = playsIn('video', codec);
    const videoCodec = video && (!audio || VIDEO_CODEC_PREFIXES.has(codec.split('.')[0].toLowerCase()));
    if (kind === 'video' ? !videoCodec : !audio || videoCodec) return false;
  }
  // All the codecs together, as the page will ask MSE for them.
  return isTypeSupported(`${mime.type}/${mime.subtype}; codecs="${codecs.join(',')}"`);
}

// 3.1.1.3: returns the supported capabilities, or null when none is.
function getSupportedCapabilities(requested, kind, isTypeSupported) {
  const supported = [];
  for (const capability of requested) {
    const contentType = String(capability.contentType ?? '');
    const robustness = String(capability.robustness ?? '');
    // 3.3: an empty contentType fails the whole configuration.
    if (contentType === '') return null;
    // 3.4-3.11: container, parameters and codecs, strictly of this kind, playable through MSE.
    if (!supportedMediaType(contentType, kind, isTypeSupported)) continue;
    // 3.12: Clear Key recognises only the empty robustness.
    if (robustness !== '') continue;
    if (!ENCRYPTION_SCHEMES.includes(capability.encryptionScheme)) continue;
    supported.push({
      contentType,
      encryptionScheme: capability.encryptionScheme ?? null,
      robustness,
    });
  }
  return supported.length ? supported : null;
}

/**
 * 3.1.1.2 for one candidate MediaKeySystemConfiguration; returns the accumulated
 * configuration or null (NotSupported). Options: isTypeSupported(type), persistentLicense
 * (whether 'persistent-license' sessions are offered).
 * @param {import('../../types/index.js').MediaKeySystemConfiguration} candidate
 * @param {{isTypeSupported?: (type: string) => boolean, persistentLicense?: boolean}} [options]
 * @returns {Required<import('../../types/index.js').MediaKeySystemConfiguration> | null}
 */
export function getSupportedConfiguration(candidate, options = {}) {
  const isTypeSupported = options.isTypeSupported || isTypeSupportedDefault;
  const persistentLicense = options.persistentLicense !== false;
  const c = candidate || {};
  const accumulated = {
    label: String(c.label ?? ''),
    initDataTypes: [],
    audioCapabilities: [],
    videoCapabilities: [],
    distinctiveIdentifier: 'optional',
    persistentState: 'optional',
    sessionTypes: [],
  };

  // 3: keep the supported init data types; none supported -> null.
  const initDataTypes = c.initDataTypes ? Array.from(c.initDataTypes, String) : [];
  if (initDataTypes.length) {
    accumulated.initDataTypes = initDataTypes.filter((t) => INIT_DATA_TYPES.includes(t));
    if (!accumulated.initDataTypes.length) return null;
  }

  // 4-7: Clear Key never uses a distinctive identifier.
  const distinctive = c.distinctiveIdentifier ?? 'optional';
  if (!REQUIREMENTS.includes(distinctive) || distinctive === 'required') return null;
  accumulated.distinctiveIdentifier = distinctive;

  // 8-11: persistent state is only needed by persistent-license sessions.
  const persistent = c.persistentState ?? 'optional';
  if (!REQUIREMENTS.includes(persistent)) return null;
  if (persistent === 'required' && !persistentLicense) return null;
  accumulated.persistentState = persistent;

  // 12-14: session types, "temporary" when absent.
  const sessionTypes = c.sessionTypes === undefined ? ['temporary'] : Array.from(c.sessionTypes, String);
  for (const type of sessionTypes) {
    if (!SESSION_TYPES.includes(type)) return null;
    if (type === 'persistent-license') {
      if (accumulated.persistentState === 'not-allowed' || !persistentLicense) return null;
      accumulated.persistentState = 'required';
    }
  }
  accumulated.sessionTypes = sessionTypes;

  // 15: at least one of audio and video capabilities must be asked for.
  const video = c.videoCapabilities ? Array.from(c.videoCapabilities) : [];
  const audio = c.audioCapabilities ? Array.from(c.audioCapabilities) : [];
  if (!video.length && !audio.length) return null;
  // 16-17.
  if (video.length) {
    accumulated.videoCapabilities = getSupportedCapabilities(video, 'video', isTypeSupported);
    if (!accumulated.videoCapabilities) return null;
  }
  if (audio.length) {
    accumulated.audioCapabilities = getSupportedCapabilities(audio, 'audio', isTypeSupported);
    if (!accumulated.audioCapabilities) return null;
  }

  // 18-20: "optional" resolves to what the configuration needs.
  if (accumulated.distinctiveIdentifier === 'optional') accumulated.distinctiveIdentifier = 'not-allowed';
  if (accumulated.persistentState === 'optional') accumulated.persistentState = 'not-allowed';
  return accumulated;
}
