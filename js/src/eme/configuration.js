// EME section 3.1.1.1-3.1.1.3: "Get Supported Configuration" and "Get Supported Capabilities
// for Audio/Video Type", for the polyfill's Clear Key. Clear Key has no distinctive
// identifier, no robustness levels, and decrypts 'cenc' and 'cbcs' (also spelled cbcs-1-9).

export const KEY_SYSTEM = 'org.w3.clearkey';

// 'webm' is left out: the stream decryptor handles fragmented MP4 only.
export const INIT_DATA_TYPES = ['cenc', 'keyids'];
export const SESSION_TYPES = ['temporary', 'persistent-license'];
const ENCRYPTION_SCHEMES = [null, undefined, 'cenc', 'cbcs', 'cbcs-1-9'];
const REQUIREMENTS = ['required', 'optional', 'not-allowed'];

function isTypeSupportedDefault(type) {
  const ms = globalThis.MediaSource || globalThis.ManagedMediaSource;
  return !!ms && ms.isTypeSupported(type);
}

// 3.1.1.3: returns the supported capabilities, or null when none is.
function getSupportedCapabilities(requested, isTypeSupported) {
  const supported = [];
  for (const capability of requested) {
    const contentType = String(capability.contentType ?? '');
    const robustness = String(capability.robustness ?? '');
    // 3.3: an empty contentType fails the whole configuration.
    if (contentType === '') return null;
    // 3.4-3.11: the container and codecs must be playable (through MSE, which is what we feed).
    if (!isTypeSupported(contentType)) continue;
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
    accumulated.videoCapabilities = getSupportedCapabilities(video, isTypeSupported);
    if (!accumulated.videoCapabilities) return null;
  }
  if (audio.length) {
    accumulated.audioCapabilities = getSupportedCapabilities(audio, isTypeSupported);
    if (!accumulated.audioCapabilities) return null;
  }

  // 18-20: "optional" resolves to what the configuration needs.
  if (accumulated.distinctiveIdentifier === 'optional') accumulated.distinctiveIdentifier = 'not-allowed';
  if (accumulated.persistentState === 'optional') accumulated.persistentState = 'not-allowed';
  return accumulated;
}
