// Shaka Player, dash.js and hls.js, unchanged, playing Clear Key content through the polyfill
// with the browser's native EME removed. Driven by tests/browser/polyfill_players.test.js.
import * as wee from '/js/src/index.js';

window.wee = wee;
window.events = [];

const SCRIPTS = {
  shaka: '/node_modules/shaka-player/dist/shaka-player.compiled.js',
  dashjs: '/node_modules/dashjs/dist/modern/umd/dash.all.min.js',
  hlsjs: '/node_modules/hls.js/dist/hls.min.js',
};

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(s);
  });
}

function endedOrError(video, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout at ${video.currentTime}s`)), timeoutMs);
    video.addEventListener('ended', () => { clearTimeout(timer); resolve(video.currentTime); }, { once: true });
    window.failPlayback = (e) => { clearTimeout(timer); reject(e); };
  });
}

const players = {
  async shaka(video, { manifest, licenseUrl }) {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) throw new Error('shaka: browser not supported');
    const player = new shaka.Player();
    await player.attach(video);
    player.addEventListener('error', (e) => window.failPlayback(new Error(`shaka error ${e.detail.code}`)));
    player.configure({ drm: { servers: { 'org.w3.clearkey': licenseUrl } } });
    await player.load(manifest);
  },
  async dashjs(video, { manifest, licenseUrl }) {
    const player = dashjs.MediaPlayer().create();
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => window.failPlayback(new Error(`dash.js error ${JSON.stringify(e.error && (e.error.message || e.error.code))}`)));
    player.setProtectionData({ 'org.w3.clearkey': { serverURL: licenseUrl } });
    player.initialize(video, manifest, true);
  },
  async hlsjs(video, { manifest, licenseUrl }) {
    if (!Hls.isSupported()) throw new Error('hls.js: not supported');
    // The playlist's KEY names the KID; hls.js's generateRequest filter turns it into 'keyids'
    // init data (the media's own pssh boxes are PlayReady and Widevine only).
    const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const generateRequest = (initDataType, initData, context) => ({
      initDataType: 'keyids',
      initData: new TextEncoder().encode(JSON.stringify({ kids: [b64url(context.decryptdata.keyId)] })),
    });
    const hls = new Hls({ emeEnabled: true, drmSystems: { 'org.w3.clearkey': { licenseUrl, generateRequest } } });
    hls.on(Hls.Events.ERROR, (_, data) => {
      window.events.push(`hls error ${data.details}`);
      if (data.fatal) window.failPlayback(new Error(`hls.js fatal ${data.details}: ${data.error && data.error.message}`));
    });
    hls.loadSource(manifest);
    hls.attachMedia(video);
  },
};

/** Loads the library, plays `manifest` to the end (at 4x), resolves with the final time. */
window.runPlayer = async (name, options) => {
  await loadScript(SCRIPTS[name]);
  const video = document.getElementById('v');
  video.addEventListener('encrypted', (e) => window.events.push(`encrypted:${e.initDataType}`));
  video.addEventListener('waitingforkey', () => window.events.push('waitingforkey'));
  const ended = endedOrError(video, options.timeoutMs || 60000);
  try {
    await players[name](video, options);
  } catch (e) {
    // Shaka's errors carry a numeric code and data rather than a message.
    throw new Error(`${name}: ${e.message || ''} code ${e.code} data ${JSON.stringify(e.data)}`);
  }
  video.playbackRate = 4;
  video.play().catch(() => {});
  const end = await ended;
  return { end, polyfilled: video.mediaKeys instanceof wee.MediaKeys, error: video.error && video.error.code };
};

window.pageReady = true;
