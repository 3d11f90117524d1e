// License templates attached to Shaka Player, dash.js and hls.js (js/src/players/*), and the
// polyfill fetching licenses itself. Driven by tests/browser/license_players.test.js: every
// run makes a fresh <video> and player, plays a few seconds (or until an error) and tears down.
import * as wee from '/js/src/index.js';
import { removeNativeEme } from './no_native_eme.js';

window.wee = wee;
window.events = [];

const SCRIPTS = {
  shaka: '/node_modules/shaka-player/dist/shaka-player.compiled.js',
  // Its errors' messages spell out the chain (codes, HTTP status, response text).
  shakaDebug: '/node_modules/shaka-player/dist/shaka-player.compiled.debug.js',
  dashjs: '/node_modules/dashjs/dist/modern/umd/dash.all.min.js',
  hlsjs: '/node_modules/hls.js/dist/hls.min.js',
};
const loaded = {};

function loadScript(src) {
  loaded[src] ||= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(s);
  });
  return loaded[src];
}

window.removeNativeEme = removeNativeEme;

function newVideo() {
  for (const old of document.querySelectorAll('video')) old.remove();
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  document.body.appendChild(video);
  return video;
}

// A short text of an error's chain (Shaka nests errors in .data) for failure messages.
function detail(error, depth = 0) {
  if (!error || typeof error !== 'object' || depth > 3) return String(error);
  const data = Array.isArray(error.data) ? error.data.map((d) => detail(d, depth + 1)).join('; ') : '';
  return `${error.code ?? error.details ?? error.name ?? ''} ${error.message || ''}${data ? ` [${data}]` : ''}`.slice(0, 600);
}

/** What the test needs of an error: the player's code and the LicenseExchangeError's message. */
function describe(error) {
  const license = wee.licenseErrorOf(error);
  return {
    code: error && (error.code ?? error.details ?? null),
    message: error && error.message ? String(error.message) : null,
    license: license ? license.message : null,
    licenseCode: license ? license.code ?? null : null,
    detail: detail(error),
  };
}

// Resolves when playback reaches `seconds` of media time or the player reported an error.
function outcome(video, seconds, timeoutMs) {
  let settle;
  const done = new Promise((resolve) => { settle = resolve; });
  const timer = setTimeout(() => settle({ error: { code: 'timeout', message: `no progress past ${video.currentTime}s`, license: null } }), timeoutMs);
  const onTime = () => {
    if (video.currentTime >= seconds) settle({ error: null });
  };
  video.addEventListener('timeupdate', onTime);
  return {
    done: done.then((r) => {
      clearTimeout(timer);
      video.removeEventListener('timeupdate', onTime);
      return r;
    }),
    fail: (error) => settle({ error: describe(error) }),
  };
}

const B64URL = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const players = {
  async shaka(video, { manifest, configs, laurl }, fail, onLicense) {
    shaka.polyfill.installAll();
    const player = new shaka.Player();
    await player.attach(video);
    player.addEventListener('error', (e) => fail(e.detail));
    const handle = wee.attachShaka(player, configs, { onLicense });
    // Shaka wants a license server per key system unless the manifest names one.
    player.configure({ drm: { servers: laurl ? {} : { 'org.w3.clearkey': wee.TEMPLATE_URL } } });
    player.load(manifest).catch(fail);
    return async () => {
      handle.detach();
      await player.destroy();
    };
  },
  async dashjs(video, { manifest, configs, laurl }, fail, onLicense) {
    const player = dashjs.MediaPlayer().create();
    player.updateSettings({ debug: { logLevel: 0 } });
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => fail(e.error));
    const handle = wee.attachDashjs(player, configs, { onLicense });
    player.setProtectionData({ 'org.w3.clearkey': laurl ? {} : { serverURL: wee.TEMPLATE_URL } });
    player.initialize(video, manifest, true);
    return async () => {
      handle.detach();
      player.reset();
    };
  },
  async hlsjs(video, { manifest, configs }, fail, onLicense) {
    // The playlist's KEY names the KID; hls.js's generateRequest filter turns it into 'keyids'
    // init data (the media's own pssh boxes are PlayReady and Widevine only).
    const generateRequest = (initDataType, initData, context) => ({
      initDataType: 'keyids',
      initData: new TextEncoder().encode(JSON.stringify({ kids: [B64URL(context.decryptdata.keyId)] })),
    });
    const drmSystems = { 'org.w3.clearkey': { generateRequest } };
    const hls = new Hls({ emeEnabled: true, debug: false, ...wee.hlsjsConfig(configs, { drmSystems, onLicense }) });
    hls.on(Hls.Events.ERROR, (_, data) => {
      window.events.push(`hls ${data.details}${data.fatal ? ' fatal' : ''}`);
      if (data.fatal) fail(data);
    });
    hls.loadSource(manifest);
    hls.attachMedia(video);
    return async () => hls.destroy();
  },
};

/**
 * Plays `manifest` with player `name` and the license configuration `configs` until `seconds`
 * of media time or an error. Resolves {error, time, frames, hdcp, polyfilled}.
 */
window.runLicensed = async (name, { manifest, configs, laurl = false, seconds = 3, timeoutMs = 20000 }) => {
  await loadScript(SCRIPTS[name]);
  const started = performance.now();
  const video = newVideo();
  const watch = outcome(video, seconds, timeoutMs);
  const hdcp = [];
  let teardown = async () => {};
  try {
    teardown = await players[name](video, { manifest, configs, laurl }, watch.fail, (info) => hdcp.push(info.hdcp));
    // Fast playback keeps the runs short (dash.js sets the rate back to 1 when it starts).
    video.playbackRate = 4;
    video.addEventListener('playing', () => { video.playbackRate = 4; });
    video.play().catch(() => {});
  } catch (e) {
    watch.fail(e);
  }
  const result = await watch.done;
  const polyfilled = video.mediaKeys instanceof wee.MediaKeys;
  const frames = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : -1;
  const time = video.currentTime;
  // A player that does not finish tearing down must not hang the test.
  await Promise.race([teardown().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
  video.remove();
  return { ...result, time, frames, hdcp, polyfilled, ms: Math.round(performance.now() - started) };
};

/**
 * Shaka Player (debug build) with a request filter that attaches `token` to license requests
 * as X-AxDRM-Message, license server `licenseUrl`. Resolves {error, time, frames, polyfilled}.
 */
window.runShakaToken = async ({ manifest, licenseUrl, token, seconds = 3, timeoutMs = 20000 }) => {
  await loadScript(SCRIPTS.shakaDebug);
  const video = newVideo();
  const watch = outcome(video, seconds, timeoutMs);
  shaka.polyfill.installAll();
  shaka.log.setLevel(shaka.log.Level.NONE);
  const player = new shaka.Player();
  await player.attach(video);
  player.addEventListener('error', (e) => watch.fail(e.detail));
  player.getNetworkingEngine().registerRequestFilter((type, request) => {
    if (type === shaka.net.NetworkingEngine.RequestType.LICENSE) request.headers['X-AxDRM-Message'] = token;
  });
  // One attempt: a refused token is not worth Shaka's retry back-off.
  player.configure({ drm: { servers: { 'org.w3.clearkey': licenseUrl }, retryParameters: { maxAttempts: 1 } } });
  player.load(manifest).catch(watch.fail);
  video.playbackRate = 4;
  video.play().catch(() => {});
  const result = await watch.done;
  const polyfilled = video.mediaKeys instanceof wee.MediaKeys;
  const frames = video.getVideoPlaybackQuality().totalVideoFrames;
  const time = video.currentTime;
  await Promise.race([player.destroy().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
  video.remove();
  return { ...result, time, frames, polyfilled };
};

/**
 * A page with no player that never listens for "message": it answers `encrypted` with a
 * session (keyids init data, as DASH players build from the manifest's default_KID) and
 * expects the polyfill to fetch the license. `setLicense` (optional): [config, options] for
 * the MediaKeys. Resolves {error, time, statuses, errors (onLicenseError/onError messages)}.
 */
window.runPolyfill = async ({ segments, mime, kid, setLicense = null, listen = false, seconds = 3, timeoutMs = 15000 }) => {
  const video = newVideo();
  const watch = outcome(video, seconds, timeoutMs);
  const statuses = [];
  const errors = window.licenseErrors;
  window.currentFail = watch.fail;
  video.addEventListener('encrypted', async () => {
    if (video.mediaKeys) return;
    try {
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        initDataTypes: ['keyids'], videoCapabilities: [{ contentType: mime }],
      }]);
      const mediaKeys = await access.createMediaKeys();
      if (setLicense) {
        const [config, options = {}] = setLicense;
        await wee.setLicense(mediaKeys, config, { ...options, onError: window.licenseFailed });
      }
      await video.setMediaKeys(mediaKeys);
      const session = mediaKeys.createSession();
      // A page that listens for "message" answers it itself: the polyfill must stay out.
      if (listen) session.addEventListener('message', () => window.events.push('message'));
      session.addEventListener('keystatuseschange', () => session.keyStatuses.forEach((s) => statuses.push(s)));
      const kids = [B64URL(kid.match(/../g).map((h) => parseInt(h, 16)))];
      await session.generateRequest('keyids', new TextEncoder().encode(JSON.stringify({ kids })));
    } catch (e) {
      watch.fail(e);
    }
  });
  // The MSE hook holds appends of encrypted media until keys arrive: append in the background
  // and let the outcome (progress, error or timeout) end the run.
  (async () => {
    const ms = new MediaSource();
    video.src = URL.createObjectURL(ms);
    await new Promise((r) => ms.addEventListener('sourceopen', r, { once: true }));
    const sb = ms.addSourceBuffer(mime);
    for (const url of segments) {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      await new Promise((resolve, reject) => {
        sb.addEventListener('updateend', resolve, { once: true });
        sb.addEventListener('error', () => reject(new Error('append error')), { once: true });
        sb.appendBuffer(bytes);
      });
      if (!video.isConnected) return;
    }
    ms.endOfStream();
  })().catch(watch.fail);
  video.playbackRate = 4;
  video.play().catch(() => {});
  const result = await watch.done;
  window.currentFail = null;
  const time = video.currentTime;
  video.remove();
  return { ...result, time, statuses, errors: [...errors] };
};

window.licenseErrors = [];
// onLicenseError / setLicense onError: recorded, and the current run ends with it.
window.licenseFailed = (error) => {
  window.licenseErrors.push(error.message);
  if (window.currentFail) window.currentFail(error);
};
window.pageReady = true;
