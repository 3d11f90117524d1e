// The demo page: Shaka Player (with its UI, from npm) plays the demo content through the
// wasm-eme polyfill or the browser's own Clear Key, with a choice of license exchange, and
// shows key sessions, license traffic (keys masked), decrypted segments and throughput.
//
// Settings live in the URL (?content=ID&mode=static|server|wrapped|proxy&engine=polyfill|native
// &template=...&autoplay=1): switching the CDM reloads the page, as installing or removing a
// polyfill must happen before the page creates its MediaSource. The headless check
// (demo/check.js) reads window.demo.
import * as wee from '/js/src/index.js';
import { loadCore } from '/js/src/core/module.js';
import { LicenseExchange } from '/js/src/core/license.js';
import { ThroughputChart } from './chart.js';
import { describeError, describeShakaError } from './errors.js';
import { watchDecryption, watchSessions } from './instrument.js';
import { maskedText } from './mask.js';

const KEY_SYSTEM = 'org.w3.clearkey';
const MODES = ['static', 'server', 'wrapped', 'proxy'];
const $ = (id) => document.getElementById(id);

const params = new URLSearchParams(location.search);
const state = {
  engine: params.get('engine') === 'native' ? 'native' : 'polyfill',
  catalog: null,
  exchange: null,   // LicenseExchange of the wrapped mode
  token: null,      // {header, token} of the proxy mode
  entry: null,
  mode: 'server',
  core: null,
};

// What the headless check and curious users read.
const demo = window.demo = {
  ready: false, loading: false, loaded: false, engine: state.engine, polyfill: false, backend: null,
  errors: [], sessions: [], segments: [], licenseLog: [], loads: 0,
  /** True when the video element's MediaKeys are the polyfill's. */
  usingPolyfillKeys: () => video().mediaKeys instanceof wee.MediaKeys,
};

// ---- panels -------------------------------------------------------------------------------

function showError(text) {
  if (demo.errors.includes(text)) return;  // Shaka reports some errors both ways
  demo.errors.push(text);
  const p = document.createElement('p');
  p.textContent = text;
  $('errors').appendChild(p);
  setStatus('Stopped by an error (see above).');
}

function setStatus(text) {
  $('status').textContent = text;
}

function renderSessions() {
  const box = $('sessions');
  box.textContent = '';
  if (!demo.sessions.length) {
    box.textContent = 'no session yet';
    return;
  }
  demo.sessions.forEach((s, i) => {
    const div = document.createElement('div');
    div.className = 'session';
    const head = document.createElement('div');
    head.textContent = `session ${s.id || `#${i + 1}`} · ${s.type} · ${s.engine} · ${s.state}`;
    div.appendChild(head);
    if (!s.statuses.length) {
      const none = document.createElement('div');
      none.textContent = '  no keys yet';
      div.appendChild(none);
    }
    for (const { kid, status } of s.statuses) {
      const row = document.createElement('div');
      const k = document.createElement('span');
      k.className = 'kid';
      k.textContent = `  ${kid} `;
      const st = document.createElement('span');
      st.className = `status-${status}`;
      st.textContent = status;
      row.append(k, st);
      div.appendChild(row);
    }
    box.appendChild(div);
  });
}

let chart;

function addSegment(info) {
  const row = { n: demo.segments.length + 1, ...info };
  demo.segments.push(row);
  chart.add({ bytes: info.inBytes, ms: info.ms });
  const tr = document.createElement('tr');
  const mbps = info.ms > 0 ? (info.inBytes / 1e6 / (info.ms / 1e3)).toFixed(1) : '–';
  const note = [info.init ? 'init' : '', info.waitingForKey ? `waiting for key ${info.waitingForKey.slice(0, 8)}…` : ''].filter(Boolean).join(' ');
  for (const v of [row.n, info.stream, kb(info.inBytes), kb(info.outBytes), info.ms.toFixed(2), mbps, note]) {
    const td = document.createElement('td');
    td.textContent = v;
    tr.appendChild(td);
  }
  const body = $('segments').tBodies[0];
  body.insertBefore(tr, body.firstChild);
}

const kb = (n) => (n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

/** A license log entry: {dir: '→'|'←'|'•', label, url, status, body, fail}. */
function logLicense(entry) {
  demo.licenseLog.push({ ...entry, body: undefined, text: entry.body === undefined ? undefined : maskedText(entry.body) });
  const li = document.createElement('li');
  const head = document.createElement('div');
  head.className = `head${entry.fail ? ' fail' : ''}`;
  const dir = document.createElement('span');
  dir.className = 'dir';
  dir.textContent = `${entry.dir} `;
  head.append(dir, `${new Date().toLocaleTimeString()} ${entry.label}${entry.url ? ` ${entry.url}` : ''}${entry.status ? ` · HTTP ${entry.status}` : ''}`);
  li.appendChild(head);
  if (entry.body !== undefined) {
    const pre = document.createElement('pre');
    pre.textContent = maskedText(entry.body);
    li.appendChild(pre);
  }
  $('license-log').appendChild(li);
}

function clearPanels() {
  demo.sessions.length = 0;
  demo.segments.length = 0;
  demo.licenseLog.length = 0;
  demo.errors.length = 0;
  $('errors').textContent = '';
  $('license-log').textContent = '';
  $('segments').tBodies[0].textContent = '';
  chart.clear();
  renderSessions();
}

// ---- license exchange glue ------------------------------------------------------------------

const shortUrl = (u) => {
  try {
    const url = new URL(u, location.href);
    if (url.protocol === 'data:') return 'data: URI';
    return url.origin === location.origin ? url.pathname + url.search : url.href;
  } catch {
    return String(u);
  }
};
const b64url = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((h) => parseInt(h, 16))))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const b64 = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((h) => parseInt(h, 16))));
const bytesOf = (body) => (body instanceof ArrayBuffer ? new Uint8Array(body)
  : ArrayBuffer.isView(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array(0));

// HLS "identity" key requests name a KID (/demo/key/<kid>): the page asks for it with a Clear
// Key license request in the chosen mode and hands Shaka the key from the license.
const keyRequests = new Map();  // license URL + body -> kid, to answer the matching response

function rewriteForMode(request, challenge) {
  const origin = location.origin;
  if (state.mode === 'wrapped') {
    const wrapped = state.exchange.wrapRequest({ challenge, url: `${origin}/wrapped` });
    request.uris = [new URL(wrapped.url, location.href).href];
    request.method = wrapped.method;
    request.headers = { ...wrapped.headers };
    request.body = wrapped.body;
    logLicense({ dir: '→', label: 'wrapped by the template', url: shortUrl(request.uris[0]), body: wrapped.body ?? '(GET, no body)' });
  } else if (state.mode === 'proxy') {
    request.uris = [`${origin}/proxy`];
    request.method = 'POST';
    request.headers = { ...request.headers, 'Content-Type': 'application/json', [state.token.header]: state.token.token };
    request.body = challenge;
    logLicense({ dir: '→', label: `with the entitlement token in ${state.token.header}`, url: '/proxy', body: { [state.token.header]: state.token.token } });
  } else {
    request.uris = [`${origin}/license`];
    request.method = 'POST';
    request.headers = { ...request.headers, 'Content-Type': 'application/json' };
    request.body = challenge;
  }
}

function requestFilter(type, request) {
  const T = shaka.net.NetworkingEngine.RequestType;
  if (type === T.KEY) {
    const m = /\/demo\/key\/([0-9a-f]{32})(?:$|\?)/.exec(request.uris[0] || '');
    if (!m) return;
    const kid = m[1];
    if (state.mode === 'static') {
      const key = state.entry.keys[kid];
      if (!key) throw new Error(`no static key for KID ${kid}`);
      request.uris = [`data:application/octet-stream;base64,${b64(key)}`];
      logLicense({ dir: '•', label: `HLS key ${kid} from the static keys` });
      return;
    }
    const challenge = new TextEncoder().encode(JSON.stringify({ kids: [b64url(kid)], type: 'temporary' }));
    logLicense({ dir: '→', label: `HLS key request for ${kid} as a Clear Key license request`, body: challenge });
    rewriteForMode(request, challenge);
    keyRequests.set(request.uris[0], kid);
    return;
  }
  if (type !== T.LICENSE) return;
  const uri = request.uris[0] || '';
  const challenge = bytesOf(request.body);
  if (uri.startsWith('data:')) {
    logLicense({ dir: '•', label: 'license made by Shaka Player from the keys it holds (no server)', body: challenge });
    return;
  }
  logLicense({ dir: '→', label: 'license request from the CDM', body: challenge });
  rewriteForMode(request, challenge);
}

function responseFilter(type, response) {
  const T = shaka.net.NetworkingEngine.RequestType;
  if (type !== T.LICENSE && type !== T.KEY) return;
  const uri = response.originalUri || response.uri || '';
  if (uri.startsWith('data:')) return;
  if (type === T.KEY && !keyRequests.has(uri)) return;
  logLicense({ dir: '←', label: 'response', url: shortUrl(response.uri), status: response.status, body: response.data });
  if (state.mode === 'wrapped') {
    const { license } = state.exchange.unwrapResponse(response.data, { contentType: response.headers['content-type'] || '' });
    response.data = license;
    logLicense({ dir: '←', label: 'unwrapped by the template', body: license });
  }
  if (type === T.KEY) {
    // The JWK Set's key for the KID becomes the 16 raw bytes Shaka expects from a key URI.
    const kid = keyRequests.get(uri);
    keyRequests.delete(uri);
    const license = JSON.parse(new TextDecoder().decode(bytesOf(response.data)));
    const jwk = (license.keys || []).find((k) => k.kid === b64url(kid));
    if (!jwk) throw new Error(`the license has no key for KID ${kid}`);
    const raw = atob(jwk.k.replace(/-/g, '+').replace(/_/g, '/'));
    response.data = Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
    logLicense({ dir: '•', label: `key for ${kid} handed to Shaka Player`, body: response.data });
  }
}

function reportError(e) {
  if (e && typeof e.code === 'number' && e.category) {
    if (e.code === shaka.util.Error.Code.LOAD_INTERRUPTED) return;  // the user pressed Play again
    logFailedExchange(e);
    showError(describeShakaError(shaka, e));
  } else {
    showError(describeError(e));
  }
}

// A license or key request the server refused never reaches the response filter: log it here.
function logFailedExchange(error) {
  const C = shaka.util.Error.Code;
  let e = error;
  if (e && e.code === C.LICENSE_REQUEST_FAILED && e.data && e.data[0]) e = e.data[0];
  if (!e || e.code !== C.BAD_HTTP_STATUS) return;
  const [uri, status, text, , type] = e.data;
  const T = shaka.net.NetworkingEngine.RequestType;
  if (type !== T.LICENSE && type !== T.KEY) return;
  logLicense({ dir: '←', label: 'refused', url: shortUrl(uri), status, body: text || '', fail: true });
}

// ---- the template field -------------------------------------------------------------------

async function describeTemplate() {
  const out = $('template-meaning');
  const text = $('template').value.trim();
  if (!text) {
    out.textContent = 'empty template';
    out.className = 'small bad';
    return;
  }
  try {
    state.core = state.core || await loadCore();
    const config = LicenseExchange.toJsonConfig(state.core, text);
    out.textContent = `means: ${JSON.stringify(config)}`;
    out.className = 'small';
  } catch (e) {
    out.textContent = describeError(e);
    out.className = 'small bad';
  }
}

// ---- loading -----------------------------------------------------------------------------

let player;

async function fetchJson(url) {
  const r = await fetch(url);
  const body = await r.text();
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${body.slice(0, 200)}`);
  return JSON.parse(body);
}

async function play() {
  const entry = state.catalog.entries.find((e) => e.id === $('content').value);
  const mode = document.querySelector('input[name=mode]:checked')?.value || 'server';
  const engine = document.querySelector('input[name=engine]:checked')?.value || 'polyfill';
  const template = $('template').value.trim();
  const query = new URLSearchParams({ content: entry?.id || '', mode, engine });
  if (mode === 'wrapped' && template !== state.catalog.template) query.set('template', template);
  if (engine !== state.engine) {  // a different CDM: start over in a fresh page
    query.set('autoplay', '1');
    location.search = query.toString();
    return;
  }
  history.replaceState(null, '', `?${query}`);
  if (!entry) {
    showError('No content to play: run scripts/demo.sh (it makes the demo content with the packager).');
    return;
  }
  await player.unload();
  clearPanels();
  state.entry = entry;
  state.mode = mode;
  state.exchange = null;
  state.token = null;
  demo.loading = true;
  demo.loaded = false;
  demo.loads++;
  setStatus(`Loading ${entry.title} (${mode})…`);
  try {
    const servers = {};
    let clearKeys = {};
    if (mode === 'static') {
      clearKeys = entry.keys;
    } else if (mode === 'server') {
      servers[KEY_SYSTEM] = `${location.origin}/license`;
    } else if (mode === 'wrapped') {
      state.core = state.core || await loadCore();
      state.exchange = LicenseExchange.fromConfig(state.core, template);
      servers[KEY_SYSTEM] = `${location.origin}/wrapped`;
    } else {
      const kids = entry.kids.map((k) => `kid=${k}`).join('&');
      state.token = await fetchJson(`/demo/api/token?${kids}`);
      logLicense({ dir: '•', label: `entitlement token for ${entry.kids.length} KID(s), valid until ${state.token.expires}` });
      servers[KEY_SYSTEM] = `${location.origin}/proxy`;
    }
    player.resetConfiguration();
    player.configure({
      drm: { servers, clearKeys },
      streaming: { bufferingGoal: 12, rebufferingGoal: 1 },
    });
    await player.load(entry.manifest);
    demo.loaded = true;
    setStatus(`Playing ${entry.title} · license: ${mode} · CDM: ${state.engine}`);
    await video().play().catch((e) => {
      // AbortError: a pause (Shaka's, after an error it reports itself) came first.
      if (e?.name !== 'AbortError') showError(`The browser did not start playback: ${describeError(e)} (press play)`);
    });
  } catch (e) {
    reportError(e);
  } finally {
    demo.loading = false;
  }
}

const video = () => $('video');

// The browser's own requestMediaKeySystemAccess, taken before install() replaces it.
const nativeRmksa = typeof navigator.requestMediaKeySystemAccess === 'function' ? navigator.requestMediaKeySystemAccess : null;

async function nativeClearKey() {
  if (!nativeRmksa) return false;
  try {
    await nativeRmksa.call(navigator, KEY_SYSTEM, [{
      initDataTypes: ['cenc', 'keyids'],
      videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }],
    }]);
    return true;
  } catch {
    return false;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(script);
  });
}

async function main() {
  // The polyfill goes in first, before anything awaits: Shaka Player's polyfills (installed by
  // its UI when the page has loaded) keep the requestMediaKeySystemAccess they find then.
  const installing = state.engine === 'polyfill' ? wee.install({ force: true }) : Promise.resolve(false);
  chart = new ThroughputChart($('chart'));
  const hasNative = await nativeClearKey();
  $('native-note').textContent = hasNative ? '' : '(this browser has none)';

  state.catalog = await fetchJson('/demo/api/catalog');
  const select = $('content');
  for (const e of state.catalog.entries) select.add(new Option(e.title, e.id));
  if (params.get('content')) select.value = params.get('content');
  const mode = MODES.includes(params.get('mode')) ? params.get('mode') : 'server';
  document.querySelector(`input[name=mode][value=${mode}]`).checked = true;
  document.querySelector(`input[name=engine][value=${state.engine}]`).checked = true;
  $('template').value = params.get('template') || state.catalog.template;
  const syncTemplateRow = () => $('template-row').classList.toggle('hidden',
    document.querySelector('input[name=mode]:checked').value !== 'wrapped');
  syncTemplateRow();
  $('modes').addEventListener('change', syncTemplateRow);
  $('template').addEventListener('input', describeTemplate);
  describeTemplate();

  const badge = $('engine-badge');
  if (state.engine === 'polyfill') {
    demo.polyfill = await installing;
    demo.backend = await watchDecryption(addSegment);
    $('backend').textContent = `(${demo.backend === 'worker' ? 'in a Web Worker' : 'on the main thread'}, time per call)`;
    badge.textContent = 'CDM: wasm-eme polyfill';
    badge.className = 'badge polyfill';
  } else {
    badge.textContent = 'CDM: the browser\'s Clear Key';
    badge.className = 'badge native';
    $('backend').textContent = '(the browser decrypts inside its CDM: nothing to measure here)';
    if (!hasNative) showError('This browser has no working Clear Key of its own: choose the wasm-eme polyfill.');
  }
  watchSessions([
    { proto: globalThis.MediaKeys?.prototype, engine: 'browser' },
    { proto: wee.MediaKeys.prototype, engine: 'polyfill' },
  ], demo.sessions, renderSessions);

  await loadScript('/node_modules/shaka-player/dist/shaka-player.ui.js');
  shaka.polyfill.installAll();
  if (!shaka.Player.isBrowserSupported()) {
    showError('Shaka Player does not support this browser (no MediaSource).');
    return;
  }
  player = new shaka.Player();
  await player.attach(video());
  const ui = new shaka.ui.Overlay(player, $('player'), video());
  ui.configure({ overflowMenuButtons: ['statistics', 'playback_rate'], castReceiverAppId: '' });
  window.player = player;
  player.addEventListener('error', (e) => reportError(e.detail));
  video().addEventListener('error', () => {
    const err = video().error;
    if (err) showError(`The media element failed (MediaError ${err.code}): ${err.message || 'no message'}`);
  });
  video().addEventListener('waitingforkey', () => {
    setStatus('Waiting for a key: the media needs a key that no session has (see the decrypted segments).');
  });
  video().addEventListener('playing', () => {
    if (state.entry) setStatus(`Playing ${state.entry.title} · license: ${state.mode} · CDM: ${state.engine}`);
  });
  const net = player.getNetworkingEngine();
  net.registerRequestFilter(requestFilter);
  net.registerResponseFilter(responseFilter);
  window.addEventListener('unhandledrejection', (e) => showError(describeError(e.reason)));

  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    play();
  });
  demo.ready = true;
  if (!state.catalog.entries.length) {
    showError('No content to play: run scripts/demo.sh (it makes the demo content with the packager).');
    return;
  }
  setStatus('Ready: choose content and press Play.');
  if (params.get('autoplay') === '1') {
    video().muted = true;  // autoplay without a click needs a muted element
    await play();
  }
}

main().catch((e) => showError(`The demo page failed to start: ${describeError(e)}`));
