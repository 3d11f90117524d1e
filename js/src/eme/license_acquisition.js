// The polyfill fetching licenses itself, for pages that create sessions on `encrypted` but
// never listen for `message` (a page that adds a "message" listener keeps doing it itself).
// The configuration is the same as the player adapters' (../players/license_router.js):
//
//   await install({license: 'https://lic.example/ck|Content-Type=application%2Fjson|{"c":"b{SSM}"}|JBlicense'});
//   await install({license: {'4060a865887842679cbf91ae5bae1e72': 'fc35340837310cc0fb53de97e22a69e0'}});
//   setLicense(mediaKeys, template, {url: laurlFromTheManifest});   // per MediaKeys
//
// Install options: license, licenseUrl (the URL used when the template has none, e.g. the
// manifest's dashif:Laurl / clearkey:Laurl), onLicense({keySystem, hdcp, url}),
// onLicenseError(error, session). Without onLicenseError a failure is logged with
// console.error; the session then simply gets no keys.
import { mediaKeysInternals } from './media_keys.js';
import { sessionState } from './media_key_session.js';
import { runtime } from './runtime.js';
import {
  CLEAR_KEY, LicenseExchangeError, LicenseRouter, httpFailure,
} from '../players/license_router.js';

const perMediaKeys = new WeakMap();  // MediaKeys record -> setting | null (switched off)
let installed = { options: null, setting: null };

function makeSetting(license, { url = '', onLicense = null, onError = null } = {}) {
  return {
    router: new LicenseRouter(license, { onLicense }),
    url: url ? String(url) : '',
    onError: typeof onError === 'function' ? onError : null,
  };
}

/** The setting of install()'s options, made once per install(). */
function installSetting() {
  const options = runtime.options;
  if (installed.options !== options) {
    installed = {
      options,
      setting: options && options.license !== undefined && options.license !== null
        ? makeSetting(options.license, {
          url: options.licenseUrl, onLicense: options.onLicense, onError: options.onLicenseError,
        })
        : null,
    };
  }
  return installed.setting;
}

/**
 * Gives one polyfill MediaKeys a license configuration (replacing install()'s), or switches
 * acquisition off for it with null. Resolves when the configuration parsed; rejects with the
 * LicenseExchangeError otherwise.
 * @param options url (used when the template has none, e.g. the manifest's Laurl),
 *   onLicense({keySystem, hdcp, url}), onError(error, session)
 */
export function setLicense(mediaKeys, license, options = {}) {
  const record = mediaKeysInternals(mediaKeys);
  if (!record) throw new TypeError('setLicense(): not a MediaKeys of the wasm-eme polyfill');
  if (license === null || license === undefined) {
    perMediaKeys.set(record, null);
    return Promise.resolve();
  }
  const setting = makeSetting(license, options);
  perMediaKeys.set(record, setting);
  const parsed = setting.router.exchange(CLEAR_KEY).then(() => undefined);
  parsed.catch(() => {});  // also reported to onError on use; the caller may ignore it here
  return parsed;
}

/** runtime.onUnhandledMessage while installed: answers license requests nobody listened for. */
export function acquireLicense(session, messageType, message) {
  if (messageType !== 'license-request' && messageType !== 'license-renewal') return;
  const state = sessionState(session);
  const setting = perMediaKeys.has(state.owner) ? perMediaKeys.get(state.owner) : installSetting();
  if (!setting) return;
  acquire(setting, session, state, message).catch((error) => {
    if (setting.onError) {
      try {
        setting.onError(error, session);
      } catch {
        // the page's handler failing changes nothing here
      }
    } else {
      console.error(error);
    }
  });
}

async function acquire(setting, session, state, message) {
  const { router } = setting;
  const out = await router.request(CLEAR_KEY, { challenge: message, sessionId: session.sessionId, url: setting.url });
  let license = out.local;
  if (!license) {
    let response;
    let body;
    try {
      response = await fetch(out.url, { method: out.method, headers: out.headers, body: out.body });
      body = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      throw new LicenseExchangeError(CLEAR_KEY, `fetch ${out.url} failed: ${e && e.message}`, e);
    }
    if (!response.ok) throw httpFailure(CLEAR_KEY, response.status, response.statusText, out.url, body);
    license = router.unwrap(CLEAR_KEY, body, {
      contentType: response.headers.get('Content-Type') || '', challenge: message, url: out.url,
    });
  }
  if (state.closing || state.closed) return;
  try {
    await session.update(license);
  } catch (e) {
    throw new LicenseExchangeError(CLEAR_KEY, `the CDM refused the license: ${e && e.message}`, e);
  }
}
