// dash.js: license request/response filters that apply a per-key-system license
// configuration (docs/players.md). Attach before player.initialize().
//
// dash.js does not catch a filter's rejection (the request would just never be sent), so a
// failed exchange is reported through the player's own protection error path instead: an
// ERROR event {error: {code: 114, message, data: LicenseExchangeError}}; the request is then
// abandoned.
import { CLEAR_KEY, LicenseRouter, dataUrl, hexToBytes, setHeader, toBytes } from './license_router.js';

const EVENTS = {
  keySystemSelected: 'public_keySystemSelected',
  keyMessage: 'public_keyMessage',
  licenseRequestComplete: 'public_licenseRequestComplete',
};
// dash.js ProtectionErrors.MEDIA_KEY_MESSAGE_LICENSER_ERROR_CODE.
const LICENSER_ERROR_CODE = 114;
const MAX_PENDING = 64;

function header(headers, name) {
  for (const [k, v] of Object.entries(headers || {})) if (k.toLowerCase() === name) return v;
  return '';
}

/**
 * Attaches a license configuration to a dash.js MediaPlayer.
 * @param player the object dashjs.MediaPlayer().create() returned
 * @param configs {keySystem: config} or one config for every key system (license_router.js)
 * @param options core, onLicense({keySystem, hdcp, url})
 * @returns {{ready: Promise<void>, detach(): void}}
 */
export function attachDashjs(player, configs, options = {}) {
  if (!player || typeof player.registerLicenseRequestFilter !== 'function') {
    throw new TypeError('attachDashjs: expected a dash.js MediaPlayer');
  }
  const router = new LicenseRouter(configs, options);
  let keySystem = '';
  const messages = new Map();  // session id -> {kid, pssh} from the key message event
  const challenges = new Map();  // request URL -> challenge (a certificate request passes through)

  const onKeySystemSelected = (e) => {
    const access = e && e.data;
    keySystem = (access && (access.selectedSystemString || (access.keySystem && access.keySystem.systemString))) || '';
  };
  const onKeyMessage = (e) => {
    const token = e && e.data && e.data.sessionToken;
    if (!token || typeof token.getSessionId !== 'function') return;
    if (messages.size >= MAX_PENDING) messages.delete(messages.keys().next().value);
    messages.set(token.getSessionId(), { kid: token.normalizedKeyId || '', pssh: token.initData || null });
  };

  // Reports `error` as a dash.js protection error and leaves the request pending for good.
  const fail = (error) => {
    if (typeof player.trigger === 'function') {
      player.trigger(EVENTS.licenseRequestComplete, {
        data: { keySystem },
        error: { code: LICENSER_ERROR_CODE, message: error.message, data: error },
      });
    } else {
      console.error(error);
    }
    return new Promise(() => {});
  };

  const requestFilter = async (request) => {
    if (!router.handles(keySystem)) return undefined;
    const challenge = (toBytes(request.data) || new Uint8Array(0)).slice();
    const message = messages.get(request.sessionId) || {};
    messages.delete(request.sessionId);
    let out;
    try {
      out = await router.request(keySystem, {
        challenge,
        sessionId: request.sessionId || '',
        kid: /^[0-9a-f]{32}$/.test(message.kid || '') ? hexToBytes(message.kid) : null,
        pssh: message.pssh,
        url: request.url || '',
      });
    } catch (e) {
      return fail(e);
    }
    if (out.local) {
      // Static keys: the XHR reads the license from a data: URL (dash.js parses it as JSON).
      request.url = dataUrl(out.local);
      request.method = 'GET';
      request.data = null;
      return undefined;
    }
    request.url = out.url;
    request.method = out.method;
    request.data = out.body;
    request.headers = request.headers || {};
    for (const [name, value] of Object.entries(out.headers)) setHeader(request.headers, name, value);
    // The wrapped answer is bytes whatever the key system's own server model expects.
    request.responseType = 'arraybuffer';
    if (challenges.size >= MAX_PENDING) challenges.delete(challenges.keys().next().value);
    challenges.set(out.url, challenge);
    return undefined;
  };

  const responseFilter = async (response) => {
    if (!router.handles(keySystem) || router.isStatic(keySystem)) return undefined;
    const challenge = challenges.get(response.url) || null;
    challenges.delete(response.url);
    let license;
    try {
      license = router.unwrap(keySystem, toBytes(response.data) || new Uint8Array(0), {
        contentType: header(response.headers, 'content-type'),
        challenge,
        url: response.url,
      });
    } catch (e) {
      return fail(e);
    }
    if (keySystem === CLEAR_KEY) {
      // dash.js's Clear Key server model reads a parsed JWK Set.
      try {
        response.data = JSON.parse(new TextDecoder().decode(license));
      } catch {
        response.data = license.buffer;  // not JSON: the CDM will say what is wrong with it
      }
    } else {
      response.data = license.buffer;
    }
    return undefined;
  };

  player.on(EVENTS.keySystemSelected, onKeySystemSelected);
  player.on(EVENTS.keyMessage, onKeyMessage);
  player.registerLicenseRequestFilter(requestFilter);
  player.registerLicenseResponseFilter(responseFilter);
  return {
    ready: router.ready(),
    detach() {
      player.off(EVENTS.keySystemSelected, onKeySystemSelected);
      player.off(EVENTS.keyMessage, onKeyMessage);
      player.unregisterLicenseRequestFilter(requestFilter);
      player.unregisterLicenseResponseFilter(responseFilter);
    },
  };
}
