// Measurements behind tests/browser/bench.js, one per fresh page, through public interfaces
// only: the package entry's install({force: true}), EME, MediaSource/SourceBuffer and WebCrypto.
// The content (bench/content.js) is served from /build/bench/; a Clear Key license comes from
// the bench server's /license. Modes: 'clear' (the clear twin, no EME), 'native' (Chromium's own
// Clear Key), 'polyfill' (install({force: true}) replaces it). Nothing here asserts a time.

const KID_HEX = '0123456789abcdef0123456789abcdef';
const fromHex = (hex) => Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
const NativeMediaKeys = window.MediaKeys;  // install() leaves existing globals alone

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

const fourcc = (b, i) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);
const u32 = (b, i) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u16 = (b, i) => (b[i] << 8) | b[i + 1];

/** The boxes in b[start, end): [{type, start, end, body}] (body: after the header). */
function boxes(b, start = 0, end = b.length) {
  const out = [];
  for (let pos = start; pos + 8 <= end;) {
    let size = u32(b, pos);
    let header = 8;
    if (size === 1) {
      size = u32(b, pos + 8) * 2 ** 32 + u32(b, pos + 12);
      header = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header || pos + size > end) throw new Error(`bad box at ${pos}`);
    out.push({ type: fourcc(b, pos + 4), start: pos, end: pos + size, body: pos + header });
    pos += size;
  }
  return out;
}

/** Splits a fragmented MP4 into its init segment and its fragments (moof + mdat ...). */
function split(bytes) {
  const top = boxes(bytes);
  const firstMoof = top.findIndex((x) => x.type === 'moof');
  if (firstMoof < 0) throw new Error('no moof');
  const init = bytes.subarray(0, top[firstMoof].start);
  const fragments = [];
  let from = null;
  for (const x of top.slice(firstMoof)) {
    if (x.type === 'moof') {
      if (from != null) fragments.push(bytes.subarray(from, x.start));
      from = x.start;
    }
  }
  fragments.push(bytes.subarray(from, top[top.length - 1].end));
  return { init, fragments };
}

/** The RFC 6381 codecs string of the init segment's avcC (or AAC-LC when there is none). */
function codecsOf(init) {
  for (let i = 4; i + 8 < init.length; i++) {
    if (fourcc(init, i) === 'avcC') {
      const hex = (x) => x.toString(16).padStart(2, '0');
      return `avc1.${hex(init[i + 5])}${hex(init[i + 6])}${hex(init[i + 7])}`;
    }
  }
  return 'mp4a.40.2';
}

const mimeOf = (init) => {
  const codecs = codecsOf(init);
  return `${codecs.startsWith('avc1') ? 'video' : 'audio'}/mp4; codecs="${codecs}"`;
};

function appendOnce(sb, bytes) {
  return new Promise((resolve, reject) => {
    const done = () => { sb.removeEventListener('error', failed); resolve(); };
    const failed = () => { sb.removeEventListener('updateend', done); reject(new Error('append error')); };
    sb.addEventListener('updateend', done, { once: true });
    sb.addEventListener('error', failed, { once: true });
    sb.appendBuffer(bytes);
  });
}

/** MediaKeys on the element with the bench key in them (license from /license), for EME modes. */
async function setUpKeys(video, mode, mime) {
  const caps = [{ contentType: mime }];
  const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
    initDataTypes: ['keyids', 'cenc'],
    ...(mime.startsWith('video') ? { videoCapabilities: caps } : { audioCapabilities: caps }),
  }]);
  const mediaKeys = await access.createMediaKeys();
  const native = mediaKeys instanceof NativeMediaKeys;
  if (native !== (mode === 'native')) throw new Error(`${mode}: got ${native ? 'native' : 'polyfill'} MediaKeys`);
  await video.setMediaKeys(mediaKeys);
  const session = mediaKeys.createSession();
  const updated = new Promise((resolve, reject) => {
    session.addEventListener('message', async (m) => {
      try {
        const r = await fetch('/license', { method: 'POST', body: m.message });
        await session.update(await r.arrayBuffer());
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
  const kid = btoa(String.fromCharCode(...fromHex(KID_HEX))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  await session.generateRequest('keyids', new TextEncoder().encode(JSON.stringify({ kids: [kid] })));
  await updated;
}

async function openSourceBuffer(video, mime) {
  const ms = new MediaSource();
  video.src = URL.createObjectURL(ms);
  await new Promise((r) => ms.addEventListener('sourceopen', r, { once: true }));
  return ms.addSourceBuffer(mime);
}

/**
 * The set-up every run shares, timed: install() (polyfill), the keys, the MediaSource and the
 * init segment's append. Resolves to {video, sb, fragments, times}.
 */
async function prepare(mode, url, installOptions = {}) {
  const { init, fragments } = split(await fetchBytes(url));
  const mime = mimeOf(init);
  const video = document.getElementById('v');
  const times = {};
  // Loading the unbundled sources is the page's business (a bundle in production): not timed.
  const wee = mode === 'polyfill' ? await import('/js/src/index.js') : null;
  const t0 = performance.now();
  if (mode === 'polyfill') {
    if (!(await wee.install({ ...installOptions, force: true }))) throw new Error('install() did not install');
    times.installMs = performance.now() - t0;
  }
  if (mode !== 'clear') await setUpKeys(video, mode, mime);
  const sb = await openSourceBuffer(video, mime);
  const t1 = performance.now();
  await appendOnce(sb, init);
  const t2 = performance.now();
  times.initAppendMs = t2 - t1;
  times.firstAppendDoneMs = t2 - t0;  // from the start of install() (polyfill) to the first updateend
  return { video, sb, fragments, times, mime };
}

function longTasks() {
  let longest = 0;
  let observer = null;
  try {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
    });
    observer.observe({ type: 'longtask', buffered: false });
  } catch { /* no longtask timing */ }
  return () => { observer?.disconnect(); return longest; };
}

const bufferedEnd = (sb) => (sb.buffered.length ? sb.buffered.end(sb.buffered.length - 1) : 0);

/** Append time of the whole (single) fragment, no playback. */
window.benchAppend = async ({ mode, url }) => {
  const { sb, fragments, times } = await prepare(mode, url);
  if (fragments.length !== 1) throw new Error(`expected one fragment, got ${fragments.length}`);
  const bytes = fragments[0];
  const stop = longTasks();
  const t = performance.now();
  await appendOnce(sb, bytes);
  const appendMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 60));  // let the long-task entries arrive
  const longestTaskMs = stop();
  if (bufferedEnd(sb) < 3.5) throw new Error(`only ${bufferedEnd(sb)} s buffered after the append`);
  return { ...times, appendMs, bytes: bytes.length, longestTaskMs };
};

/** Time from appendBuffer(fragment) + play() to the first frame presented. */
window.benchFirstFrame = async ({ mode, url }) => {
  const { video, sb, fragments, times } = await prepare(mode, url);
  const frame = new Promise((resolve) => {
    if (video.requestVideoFrameCallback) {
      video.requestVideoFrameCallback(() => resolve({ at: performance.now(), how: 'requestVideoFrameCallback' }));
    } else {
      const check = () => {
        if (video.currentTime > 0) {
          video.removeEventListener('timeupdate', check);
          resolve({ at: performance.now(), how: 'timeupdate' });
        }
      };
      video.addEventListener('timeupdate', check);
    }
  });
  const t = performance.now();
  const appended = appendOnce(sb, fragments[0]).then(() => performance.now() - t);
  video.play().catch(() => {});
  const first = await Promise.race([frame, new Promise((r) => setTimeout(() => r(null), 30000))]);
  if (!first) throw new Error(`no frame within 30 s (readyState ${video.readyState}, error ${video.error?.message})`);
  const appendMs = await appended;
  return { ...times, firstFrameMs: first.at - t, how: first.how, appendWhilePlayingMs: appendMs };
};

/**
 * The sample layout of a cenc fragment (trun + senc, tenc's IV size): per sample, its IV and
 * its protected bytes gathered into one array (the CTR keystream runs on across subsamples).
 */
function cencSamples(init, fragment) {
  let ivSize = 8;
  for (let i = 4; i + 16 < init.length; i++) {
    if (fourcc(init, i) === 'tenc') { ivSize = init[i + 11]; break; }
  }
  const [moof] = boxes(fragment).filter((x) => x.type === 'moof');
  const traf = boxes(fragment, moof.body, moof.end).find((x) => x.type === 'traf');
  const kids = boxes(fragment, traf.body, traf.end);
  const tfhd = kids.find((x) => x.type === 'tfhd');
  const trun = kids.find((x) => x.type === 'trun');
  const senc = kids.find((x) => x.type === 'senc');
  let p = tfhd.body + 8;
  const tfFlags = u32(fragment, tfhd.body) & 0xffffff;
  if (tfFlags & 0x1) p += 8;
  if (tfFlags & 0x2) p += 4;
  if (tfFlags & 0x8) p += 4;
  const defaultSize = tfFlags & 0x10 ? u32(fragment, p) : 0;
  const trFlags = u32(fragment, trun.body) & 0xffffff;
  const count = u32(fragment, trun.body + 4);
  p = trun.body + 8;
  let dataOffset = 0;
  if (trFlags & 0x1) { dataOffset = u32(fragment, p) | 0; p += 4; }
  if (trFlags & 0x4) p += 4;
  const sizes = [];
  for (let s = 0; s < count; s++) {
    if (trFlags & 0x100) p += 4;
    if (trFlags & 0x200) { sizes.push(u32(fragment, p)); p += 4; } else sizes.push(defaultSize);
    if (trFlags & 0x400) p += 4;
    if (trFlags & 0x800) p += 4;
  }
  const sFlags = u32(fragment, senc.body) & 0xffffff;
  p = senc.body + 8;
  let at = moof.start + dataOffset;  // default-base-is-moof
  const samples = [];
  for (let s = 0; s < count; s++) {
    const counter = new Uint8Array(16);
    counter.set(fragment.subarray(p, p + ivSize));
    p += ivSize;
    const ranges = [];
    if (sFlags & 0x2) {
      const n = u16(fragment, p);
      p += 2;
      let q = at;
      for (let k = 0; k < n; k++) {
        const clear = u16(fragment, p);
        const enc = u32(fragment, p + 2);
        p += 6;
        ranges.push([q + clear, q + clear + enc]);
        q += clear + enc;
      }
    } else {
      ranges.push([at, at + sizes[s]]);
    }
    const total = ranges.reduce((n, [a, b]) => n + b - a, 0);
    const data = new Uint8Array(total);
    let o = 0;
    for (const [a, b] of ranges) { data.set(fragment.subarray(a, b), o); o += b - a; }
    samples.push({ counter, data });
    at += sizes[s];
  }
  return samples;
}

/** WebCrypto AES-CTR references on the cenc fragment: one call over it all, and one per sample. */
window.benchWebCrypto = async ({ url, key, rounds = 3 }) => {
  const { init, fragments } = split(await fetchBytes(url));
  const fragment = fragments[0];
  const samples = cencSamples(init, fragment);
  const protectedBytes = samples.reduce((n, s) => n + s.data.length, 0);
  const cryptoKey = await crypto.subtle.importKey('raw', fromHex(key), 'AES-CTR', false, ['decrypt']);
  const ctr = (counter, data) => crypto.subtle.decrypt({ name: 'AES-CTR', counter, length: 64 }, cryptoKey, data);
  await ctr(new Uint8Array(16), fragment.subarray(0, 65536));  // warm-up
  const oneCallMs = [];
  const perSampleMs = [];
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    await ctr(new Uint8Array(16), fragment);
    oneCallMs.push(performance.now() - t);
    t = performance.now();
    await Promise.all(samples.map((s) => ctr(s.counter, s.data)));
    perSampleMs.push(performance.now() - t);
  }
  return { bytes: fragment.length, protectedBytes, samples: samples.length, oneCallMs, perSampleMs };
};

/** Many small appends (the AAC fragments, <= 10 KB each), each awaited: ms per append. */
window.benchSmallAppends = async ({ mode, url, count = 100, install }) => {
  const { sb, fragments, times } = await prepare(mode, url, install);
  const list = fragments.slice(0, count);
  if (list.length < count) throw new Error(`only ${list.length} fragments`);
  const each = [];
  const t0 = performance.now();
  for (const f of list) {
    const t = performance.now();
    await appendOnce(sb, f);
    each.push(performance.now() - t);
  }
  const totalMs = performance.now() - t0;
  if (bufferedEnd(sb) < count * 0.2) throw new Error(`only ${bufferedEnd(sb)} s buffered`);
  const sizes = list.map((f) => f.length);
  return { ...times, totalMs, each, minBytes: Math.min(...sizes), maxBytes: Math.max(...sizes), count: list.length };
};

window.pageReady = true;
