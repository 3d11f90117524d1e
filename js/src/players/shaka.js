// Shaka Player: license request/response filters that apply a per-key-system license
// configuration (docs/players.md). Only LICENSE requests are touched; native Widevine and
// PlayReady challenges (Shaka has already unpacked PlayReady's XML) and the polyfill's Clear
// Key requests go the same way: bytes in, bytes out.
//
//   const handle = attachShaka(player, {'com.widevine.alpha': 'https://lic.example/wv||b{SSM}|JBlicense'});
//   await player.load(manifest);   // a failed exchange is a Shaka error 6007 whose chain holds
//   handle.detach();               // the LicenseExchangeError (licenseErrorOf(error))
import { LicenseRouter, dataUrl, hexToBytes, setHeader, toBytes } from './license_router.js';

const LICENSE = 2;  // shaka.net.NetworkingEngine.RequestType.LICENSE
const kWrapped = Symbol('wasm-eme license');  // on requests this adapter rewrote

/**
 * Attaches a license configuration to a Shaka Player instance.
 * @param player a shaka.Player
 * @param configs {keySystem: config} or one config for every key system (license_router.js)
 * @param options core, onLicense({keySystem, hdcp, url}), shaka (the namespace; default
 *   globalThis.shaka, for the LICENSE request type constant)
 * @returns {{ready: Promise<void>, detach(): void}} ready rejects when no configuration parses
 */
export function attachShaka(player, configs, options = {}) {
  const engine = player && typeof player.getNetworkingEngine === 'function' ? player.getNetworkingEngine() : null;
  if (!engine) throw new TypeError('attachShaka: expected a shaka.Player with a networking engine');
  const router = new LicenseRouter(configs, options);
  const ns = options.shaka || globalThis.shaka;
  const licenseType = ns?.net?.NetworkingEngine?.RequestType?.LICENSE ?? LICENSE;

  const requestFilter = async (type, request) => {
    if (type !== licenseType) return;
    const keySystem = request.drmInfo ? request.drmInfo.keySystem : '';
    if (!router.handles(keySystem)) return;
    // Shaka runs the filters again for each retry on the same request: wrap the original.
    let mark = request[kWrapped];
    if (!mark) {
      mark = {
        keySystem,
        challenge: (toBytes(request.body) || new Uint8Array(0)).slice(),
        url: request.uris && request.uris[0] ? request.uris[0] : '',
      };
      request[kWrapped] = mark;
    }
    const keyIds = request.drmInfo && request.drmInfo.keyIds ? [...request.drmInfo.keyIds] : [];
    const out = await router.request(keySystem, {
      challenge: mark.challenge,
      sessionId: request.sessionId || '',
      kid: keyIds.length ? kidBytes(keyIds[0]) : null,
      pssh: request.initDataType === 'cenc' && request.initData ? request.initData : null,
      url: mark.url,
    });
    mark.local = !!out.local;
    if (out.local) {
      // Static keys: Shaka's networking fetches the license from a data: URL.
      request.uris = [dataUrl(out.local)];
      request.method = 'GET';
      request.body = null;
      return;
    }
    request.uris = [out.url];
    request.method = out.method;
    request.body = out.body;
    for (const [name, value] of Object.entries(out.headers)) setHeader(request.headers, name, value);
  };

  const responseFilter = (type, response) => {
    if (type !== licenseType) return;
    const mark = response.originalRequest && response.originalRequest[kWrapped];
    if (!mark || mark.local) return;
    const headers = response.headers || {};
    response.data = router.unwrap(mark.keySystem, new Uint8Array(response.data), {
      contentType: headers['content-type'] || headers['Content-Type'] || '',
      challenge: mark.challenge,
      url: response.uri,
    });
  };

  engine.registerRequestFilter(requestFilter);
  engine.registerResponseFilter(responseFilter);
  return {
    ready: router.ready(),
    detach() {
      engine.unregisterRequestFilter(requestFilter);
      engine.unregisterResponseFilter(responseFilter);
    },
  };
}

function kidBytes(hex) {
  const bytes = hexToBytes(hex);
  return bytes && bytes.length === 16 ? bytes : null;
}
