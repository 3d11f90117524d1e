// A plain MSE + EME page (no player library), driven by the browser tests through window.*.
// The same code runs against the browser's native Clear Key and against the polyfill.
import * as wee from '/js/src/index.js';
import { debugState } from '/js/src/mse/source_buffer_hook.js';
import { removeNativeEme } from './no_native_eme.js';

window.wee = wee;
window.weeDebugState = debugState;
window.events = [];

const once = (target, type, timeoutMs = 20000) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`timeout waiting for ${type}`)), timeoutMs);
  target.addEventListener(type, (e) => { clearTimeout(timer); resolve(e); }, { once: true });
});
window.once = once;

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const b64url = (h) => btoa(String.fromCharCode(...h.match(/../g).map((x) => parseInt(x, 16))))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
window.hex = hex;
window.b64url = b64url;

window.removeNativeEme = removeNativeEme;

function log(what) {
  window.events.push(what);
}

export async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export function append(sb, bytes) {
  return new Promise((resolve, reject) => {
    const done = () => { sb.removeEventListener('error', fail); resolve(); };
    const fail = () => { sb.removeEventListener('updateend', done); reject(new Error('append error')); };
    sb.addEventListener('updateend', done, { once: true });
    sb.addEventListener('error', fail, { once: true });
    sb.appendBuffer(bytes);
  });
}

/** Answers a license request through the test server's /license endpoint. */
export async function license(message, mode) {
  const r = await fetch(`/license${mode ? `?mode=${mode}` : ''}`, { method: 'POST', body: message });
  return new Uint8Array(await r.arrayBuffer());
}

/** A session that answers its license requests through /license; resolves once generated. */
export async function startSession(mediaKeys, opts, initDataType, initData) {
  const session = mediaKeys.createSession();
  session.addEventListener('message', async (e) => {
    log(`message:${e.messageType}`);
    try {
      await session.update(await license(e.message, opts.licenseMode));
      log('update-resolved');
    } catch (err) {
      log(`update-rejected:${err.name}`);
    }
  });
  session.addEventListener('keystatuseschange', () => {
    const s = [];
    session.keyStatuses.forEach((status, kid) => s.push(`${hex(kid)}=${status}`));
    log(`keystatuseschange:${s.join(',')}`);
  });
  await session.generateRequest(initDataType, initData);
  return session;
}

/** The standard EME flow on an encrypted event: access, MediaKeys, session, license. */
export async function setUpEme(video, opts, initDataType, initData) {
  const config = {
    initDataTypes: ['cenc', 'keyids'],
    videoCapabilities: opts.videoType ? [{ contentType: opts.videoType }] : undefined,
    audioCapabilities: opts.audioType ? [{ contentType: opts.audioType }] : undefined,
  };
  const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [config]);
  const mediaKeys = await access.createMediaKeys();
  await video.setMediaKeys(mediaKeys);
  try {
    return await startSession(mediaKeys, opts, initDataType, initData);
  } catch (err) {
    // 'cenc' init data without a Clear Key pssh (e.g. PlayReady + Widevine only): use the
    // key IDs the manifest would give, as DASH players do.
    log(`generateRequest-rejected:${err.name}`);
    if (!opts.keyIds) throw err;
    const json = JSON.stringify({ kids: opts.keyIds.map(b64url) });
    return startSession(mediaKeys, opts, 'keyids', new TextEncoder().encode(json));
  }
}

/**
 * Plays `opts.segments` (URLs appended in order to one SourceBuffer of type opts.mime)
 * through EME Clear Key. Resolves once the media can be seeked (readyState >= 2). With
 * opts.sessionPerEvent every later encrypted event gets a session too (key rotation).
 */
window.play = async (opts) => {
  const video = document.getElementById('v');
  video.addEventListener('waitingforkey', () => log('waitingforkey'));
  let emeReady = null;
  video.addEventListener('encrypted', (e) => {
    log(`encrypted:${e.initDataType}:${e.initData ? e.initData.byteLength : 'null'}`);
    if (!emeReady) emeReady = setUpEme(video, opts, e.initDataType, e.initData);
    else if (opts.sessionPerEvent) emeReady.then(() => startSession(video.mediaKeys, opts, e.initDataType, e.initData));
  });
  const ms = new MediaSource();
  video.src = URL.createObjectURL(ms);
  await once(ms, 'sourceopen');
  const sb = ms.addSourceBuffer(opts.mime);
  window.sourceBuffer = sb;
  window.mediaSource = ms;
  for (const url of opts.segments) await append(sb, await fetchBytes(url));
  ms.endOfStream();
  if (emeReady) await emeReady;
  // Some vectors start later than 0 (e.g. 10 s): begin where the media is.
  if (video.buffered.length && video.buffered.start(0) > video.currentTime + 0.1) {
    video.currentTime = video.buffered.start(0);
  }
  // Waits for the state, not only loadeddata: WebKitGTK can fire that at 0 s, before the seek.
  if (video.readyState < 2) {
    await new Promise((resolve, reject) => {
      const types = ['loadeddata', 'canplay', 'seeked'];
      const check = () => {
        if (video.readyState < 2) return;
        clearTimeout(timer);
        for (const t of types) video.removeEventListener(t, check);
        resolve();
      };
      const timer = setTimeout(() => reject(new Error(`timeout waiting for readyState >= 2 (${video.readyState})`)), 20000);
      for (const t of types) video.addEventListener(t, check);
    });
  }
  return { duration: video.duration, buffered: video.buffered.length ? video.buffered.end(0) : 0 };
};

/** Shows the frame at time t, paused; resolves when it has been presented. */
window.showFrame = async (t) => {
  const video = document.getElementById('v');
  video.pause();
  const seeked = once(video, 'seeked');
  video.currentTime = t;
  await seeked;
  if (video.requestVideoFrameCallback) {
    await Promise.race([
      new Promise((r) => video.requestVideoFrameCallback(() => r())),
      new Promise((r) => setTimeout(r, 1000)),
    ]);
  }
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return video.currentTime;
};

/** Plays to the end; resolves with the final time or rejects on a media error. */
window.playToEnd = async (timeoutMs = 60000) => {
  const video = document.getElementById('v');
  video.playbackRate = 4;
  const ended = once(video, 'ended', timeoutMs);
  await video.play();
  await ended;
  return video.currentTime;
};

window.pageReady = true;
window.helpers = { append, fetchBytes, license, setUpEme, startSession, log };
