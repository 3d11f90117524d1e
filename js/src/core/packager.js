// The packager over the wasm core (wasm/src/packager/encryptor.h): clear fragmented MP4 in,
// Common Encryption (cenc, cbcs, cens, cbc1) out, piece by piece: a whole file, or an init
// segment followed by its media segments; a multiplexed file split into a stream per track
// (TrackSplitter); the MPD (dashMpd, protectMpd) and HLS playlists. Works in Node and in browsers.

const SCHEMES = ['cenc', 'cbcs', 'cens', 'cbc1'];
const KINDS = ['', 'video', 'audio'];

const toBytes = (v) => (typeof v === 'string' ? fromHex(v) : v instanceof Uint8Array ? v : new Uint8Array(v));

export function fromHex(hex) {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError(`'${hex}' is not hex`);
  return Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 16 random bytes from the platform's CSPRNG. */
export function randomBytes(size = 16) {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

/** A new random {kid, key} pair. */
export function generateKey() {
  return { kid: randomBytes(16), key: randomBytes(16) };
}

/**
 * The keys as a JWK set, the W3C Clear Key license format (EME section 9.1.4): what a Clear
 * Key license server returns and what `wasm-eme decrypt`/players can be given.
 * @param {{kid: Uint8Array, key: Uint8Array}[]} keys
 */
export function toJwkSet(keys) {
  return { keys: keys.map(({ kid, key }) => ({ kty: 'oct', kid: base64url(kid), k: base64url(key) })) };
}

/** Encrypts one stream (one file, or one DASH representation) with one set of options. */
export class Packager {
  /**
   * @param {import('./module.js').Core} core
   * @param {{scheme?: string, ivSeed?: Uint8Array|string, rotation?: number, clearKeyPssh?: boolean,
   *          perSampleIv?: boolean, sidx?: boolean}} options
   *   ivSeed makes the IVs (and so the output) reproducible; random when absent.
   *   rotation: a new key every that many fragments (0: none). perSampleIv: cbcs with 16-byte
   *   per-sample IVs instead of a constant IV. sidx: index a whole file (default true).
   */
  constructor(core, options = {}) {
    const { scheme = 'cenc', rotation = 0, clearKeyPssh = false, perSampleIv = false, sidx = true } = options;
    if (!SCHEMES.includes(scheme)) throw new TypeError(`scheme '${scheme}' is not one of ${SCHEMES.join(', ')}`);
    const ivSeed = options.ivSeed === undefined ? randomBytes(16) : toBytes(options.ivSeed);
    this.core = core;
    this.handle = core.callJson('packager_create', JSON.stringify({
      scheme, ivSeed: toHex(ivSeed), rotation, clearKeyPssh, perSampleIv, sidx,
    })).handle;
  }

  /**
   * Adds a key for the tracks of one kind ('video', 'audio') or for every other track ('').
   * Several keys for one kind are the successive keys of key rotation.
   */
  addKey(kind, kid, key) {
    if (!KINDS.includes(kind)) throw new TypeError(`key kind '${kind}' is not video, audio or ''`);
    this.core.call('packager_add_key', this.handle, kind, toBytes(kid), toBytes(key));
  }

  /** Encrypts the next piece (whole top-level boxes) and returns it. */
  push(bytes) {
    return this.core.call('packager_push', this.handle, bytes);
  }

  /**
   * @returns {{tracks: {trackId: number, kind: string, codec: string, timescale: number,
   *   encrypted: boolean, pattern: string, perSampleIvSize: number, kids: string[]}[],
   *   fragments: {trackId: number, sequenceNumber: number, baseMediaDecodeTime: number,
   *   duration: number, sampleCount: number, earliestPresentationTime: number,
   *   startsWithSap: boolean, encrypted: boolean, kid: string|null}[]}}
   *   the tracks, and the fragments of the last push.
   */
  info() {
    return this.core.callJson('packager_info', this.handle);
  }

  dispose() {
    if (this.handle) this.core.call('packager_destroy', this.handle);
    this.handle = 0;
  }
}

/**
 * Encrypts a whole clear fragmented MP4 in one call.
 * @param {{kind?: string, kid: Uint8Array|string, key: Uint8Array|string}[]} keys
 */
export function encryptFile(core, bytes, keys, options = {}) {
  const packager = new Packager(core, options);
  try {
    for (const { kind = '', kid, key } of keys) packager.addKey(kind, kid, key);
    const output = packager.push(bytes);
    return { output, info: packager.info() };
  } finally {
    packager.dispose();
  }
}

/**
 * A clear fragmented MP4 split into one stream per track (wasm/src/packager/track_splitter.h),
 * what a DASH representation or an HLS media playlist holds: for each track its description,
 * its init segment and one media segment per fragment, made when asked for.
 */
export class TrackSplitter {
  /** @param {import('./module.js').Core} core */
  constructor(core, bytes) {
    const { handle, tracks } = core.callJson('splitter_create', bytes);
    this.core = core;
    this.handle = handle;
    /** @type {{trackId: number, kind: string, codec: string, codecs: string, timescale: number,
     *   width: number, height: number, sampleRate: number, channels: number, segments: number}[]} */
    this.tracks = tracks;
  }

  /** The init segment of tracks[track]. */
  init(track) {
    return this.core.call('splitter_init', this.handle, track);
  }

  /** Media segment `index` (from 0) of tracks[track]. */
  segment(track, index) {
    return this.core.call('splitter_segment', this.handle, track, index);
  }

  dispose() {
    if (this.handle) this.core.call('splitter_destroy', this.handle);
    this.handle = 0;
  }
}

// --- DASH and HLS manifests --------------------------------------------------------------------
// A small XML reader, enough for the MPDs packagers write: elements with attributes, children
// and their positions in the text (so that edits keep the rest of the document byte for byte).

const TAG = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTR = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const unescapeXml = (s) => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]);
const escapeXml = (s) => String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);

/** Parses XML text into {name, attrs, children, start, openEnd, end} elements. */
export function parseXml(text) {
  const root = { name: '#document', attrs: {}, children: [], start: 0, openEnd: 0, end: text.length };
  const stack = [root];
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    if (!/^\s*$/.test(text.slice(last, m.index).replace(/[^<]/g, ''))) throw new SyntaxError(`stray '<' before offset ${m.index}`);
    last = m.index + m[0].length;
    if (m[2] === undefined) continue;  // comment, declaration, CDATA
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name || stack.length === 0) throw new SyntaxError(`</${name}> at offset ${m.index} does not close <${open?.name}>`);
      open.end = m.index + m[0].length;
      open.closeStart = m.index;
      continue;
    }
    const attrs = {};
    for (const a of attrText.matchAll(ATTR)) attrs[a[1]] = unescapeXml(a[2] ?? a[3]);
    const element = { name, attrs, children: [], start: m.index, openEnd: m.index + m[0].length, end: 0 };
    stack[stack.length - 1].children.push(element);
    if (selfClosing) element.end = element.openEnd;
    else stack.push(element);
  }
  if (stack.length !== 1) throw new SyntaxError(`<${stack[stack.length - 1].name}> is not closed`);
  return root;
}

const localName = (name) => name.replace(/^.*:/, '');
const childrenNamed = (el, name) => el.children.filter((c) => localName(c.name) === name);
const childNamed = (el, name) => childrenNamed(el, name)[0];

/** ISO 8601 duration (PT1H2M3.5S) in seconds. */
function isoDurationSeconds(text) {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text || '');
  if (!m) return NaN;
  const [, d = 0, h = 0, min = 0, s = 0] = m;
  return +d * 86400 + +h * 3600 + +min * 60 + +s;
}

// Bounds on what a manifest may ask for, checked before anything is allocated: a 300-byte
// MPD can otherwise name 10^8 segments (S@r) or pad a number to 10^8 digits.
export const MAX_SEGMENTS = 100000;  // per representation: 27 h of 1 s segments
const MAX_PAD_WIDTH = 32;

/** Expands a SegmentTemplate string (ISO/IEC 23009-1 5.3.9.4.4). */
export function expandTemplate(template, { id, bandwidth, number, time }, what = 'SegmentTemplate') {
  return template.replace(/\$(RepresentationID|Bandwidth|Number|Time|)(%0(\d+)d)?\$/g, (all, name, fmt, width) => {
    if (name === '') return '$';
    if (fmt && +width > MAX_PAD_WIDTH) throw new Error(`${what}: ${all} pads to ${width} digits, more than ${MAX_PAD_WIDTH}`);
    const value = { RepresentationID: id, Bandwidth: bandwidth, Number: number, Time: time }[name];
    if (value === undefined) throw new Error(`template ${template}: $${name}$ has no value here`);
    return fmt ? String(value).padStart(+width, '0') : String(value);
  });
}

/**
 * The representations of a one-period MPD using SegmentTemplate (with or without a
 * SegmentTimeline), as ffmpeg -f dash and most packagers write them: for each, its init and
 * media segment names relative to the MPD. `exists(name)` tells, for templates without a
 * timeline, whether one more segment is there.
 */
export function dashRepresentations(mpdText, exists = () => false) {
  const doc = parseXml(mpdText);
  const mpd = childNamed(doc, 'MPD');
  if (!mpd) throw new Error('not a DASH manifest: no <MPD> element');
  const periods = childrenNamed(mpd, 'Period');
  if (periods.length !== 1) throw new Error(`the manifest has ${periods.length} periods; one is supported`);
  const period = periods[0];
  if ([mpd, period].some((e) => childNamed(e, 'BaseURL'))) throw new Error('<BaseURL> is not supported');
  const total = isoDurationSeconds(period.attrs.duration || mpd.attrs.mediaPresentationDuration);
  const out = [];
  for (const set of childrenNamed(period, 'AdaptationSet')) {
    for (const rep of childrenNamed(set, 'Representation')) {
      const id = rep.attrs.id;
      if (childNamed(set, 'BaseURL') || childNamed(rep, 'BaseURL')) throw new Error(`representation ${id}: <BaseURL> is not supported`);
      const template = childNamed(rep, 'SegmentTemplate') || childNamed(set, 'SegmentTemplate');
      if (!template) throw new Error(`representation ${id}: only SegmentTemplate addressing is supported`);
      const t = template.attrs;
      const mimeType = rep.attrs.mimeType || set.attrs.mimeType || '';
      const contentType = set.attrs.contentType || mimeType.split('/')[0];
      const vars = { id, bandwidth: rep.attrs.bandwidth };
      const where = `representation ${id}`;
      // xs:unsignedInt / xs:unsignedLong attributes: decimal digits only, within 2^53.
      const whole = (value, name, { positive = false, fallback } = {}) => {
        if (value === undefined) {
          if (fallback === undefined) throw new Error(`${where}: ${name} is missing`);
          return fallback;
        }
        const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(n) || (positive && n === 0)) {
          throw new Error(`${where}: ${name}="${value.slice(0, 40)}" is not a ${positive ? 'positive ' : ''}whole number${positive ? '' : ' (or is beyond 2^53)'}`);
        }
        return n;
      };
      const timescale = whole(t.timescale, 'SegmentTemplate@timescale', { positive: true, fallback: 1 });
      const startNumber = whole(t.startNumber, 'SegmentTemplate@startNumber', { fallback: 1 });
      const tooMany = (name, value) => new Error(`${where}: ${name}="${String(value).slice(0, 40)}" makes more than ${MAX_SEGMENTS} segments`);
      if (!t.media) throw new Error(`${where}: SegmentTemplate@media is missing`);
      const media = [];
      const mediaWhat = `${where}: SegmentTemplate@media`;
      const timeline = childNamed(template, 'SegmentTimeline');
      if (timeline) {
        let time = 0;
        let number = startNumber;
        for (const s of childrenNamed(timeline, 'S')) {
          if (s.attrs.r !== undefined && /^-\d+$/.test(s.attrs.r)) throw new Error(`${where}: open-ended S@r is not supported`);
          if (s.attrs.t !== undefined) time = whole(s.attrs.t, 'S@t');
          const repeat = s.attrs.r === undefined ? 0 : /^\d+$/.test(s.attrs.r) ? Number(s.attrs.r) : NaN;
          if (!Number.isInteger(repeat)) throw new Error(`${where}: S@r="${s.attrs.r.slice(0, 40)}" is not a whole number`);
          if (media.length + repeat + 1 > MAX_SEGMENTS) throw tooMany('S@r', s.attrs.r ?? 0);
          const d = whole(s.attrs.d, 'S@d', { positive: true });
          if (!Number.isSafeInteger(time + d * (repeat + 1))) throw new Error(`${where}: S@t + S@d exceeds 2^53`);
          for (let i = 0; i <= repeat; ++i) {
            media.push(expandTemplate(t.media, { ...vars, number: number++, time }, mediaWhat));
            time += d;
          }
        }
      } else {
        let count = Infinity;
        if (t.duration !== undefined) {
          const d = /^\d+(\.\d+)?$/.test(t.duration) ? Number(t.duration) : NaN;
          if (!(d > 0)) throw new Error(`${where}: SegmentTemplate@duration="${t.duration.slice(0, 40)}" is not a positive number`);
          if (Number.isFinite(total)) count = Math.ceil((total * timescale) / d - 1e-9);
          if (count > MAX_SEGMENTS) throw tooMany('SegmentTemplate@duration', t.duration);
        }
        for (let n = startNumber; n < startNumber + count; ++n) {
          if (media.length >= MAX_SEGMENTS) throw new Error(`${where}: more than ${MAX_SEGMENTS} segment files`);
          const name = expandTemplate(t.media, { ...vars, number: n }, mediaWhat);
          if (count === Infinity && !exists(name)) break;
          media.push(name);
        }
      }
      out.push({
        id, contentType, mimeType, codecs: rep.attrs.codecs || set.attrs.codecs || '',
        bandwidth: +(rep.attrs.bandwidth || 0), width: rep.attrs.width, height: rep.attrs.height,
        frameRate: rep.attrs.frameRate || set.attrs.frameRate,
        init: t.initialization ? expandTemplate(t.initialization, vars, `${where}: SegmentTemplate@initialization`) : null, media,
        adaptationSet: set, element: rep,
      });
    }
  }
  if (!out.length) throw new Error('the manifest has no representation');
  return { doc, mpd, representations: out };
}

const uuid = (hex) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
export const COMMON_SYSTEM_ID = '1077efecc0b24d02ace33c1e52e2fb4b';
export const CLEAR_KEY_SYSTEM_ID = 'e2719d58a985b3c9781ab030af78d30e';

/**
 * Adds ContentProtection to every AdaptationSet of an MPD (ISO/IEC 23009-1 5.8.4.1 and DASH-IF
 * IOP 7.6.2): urn:mpeg:dash:mp4protection:2011 with the scheme and cenc:default_KID, and the
 * Clear Key UUID element with a dashif:Laurl when a license URL is given.
 * @param {string} mpdText
 * @param {Map<object, string>} kidBySet AdaptationSet element (from dashRepresentations) -> KID hex
 */
export function protectMpd(mpdText, { mpd, kidBySet, scheme, licenseUrl }) {
  const edits = [];
  const rootAttrs = [];
  if (!mpd.attrs['xmlns:cenc']) rootAttrs.push(' xmlns:cenc="urn:mpeg:cenc:2013"');
  if (licenseUrl && !mpd.attrs['xmlns:dashif']) rootAttrs.push(' xmlns:dashif="https://dashif.org/CPS"');
  if (rootAttrs.length) {
    const at = mpdText.lastIndexOf(mpdText.slice(mpd.openEnd - 2, mpd.openEnd) === '/>' ? '/>' : '>', mpd.openEnd - 1);
    edits.push([at, rootAttrs.join('')]);
  }
  for (const [set, kid] of kidBySet) {
    // ContentProtection is the first child kind RepresentationBase allows after FramePacking and
    // AudioChannelConfiguration; ffmpeg and most packagers write neither at set level.
    let at = set.openEnd;
    for (const c of set.children) if (['FramePacking', 'AudioChannelConfiguration'].includes(localName(c.name))) at = c.end;
    const setIndent = /([ \t]*)$/.exec(mpdText.slice(0, set.start))[1];
    const step = setIndent.startsWith(' ') ? '  ' : '\t';
    const indent = setIndent + step;
    const laurl = licenseUrl ? `\n${indent}${step}<dashif:Laurl>${escapeXml(licenseUrl)}</dashif:Laurl>\n${indent}` : '';
    edits.push([at,
      `\n${indent}<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="${scheme}" cenc:default_KID="${uuid(kid)}"/>` +
      `\n${indent}<ContentProtection schemeIdUri="urn:uuid:${uuid(CLEAR_KEY_SYSTEM_ID)}" value="ClearKey1.0"${laurl ? `>${laurl}</ContentProtection>` : '/>'}`]);
  }
  edits.sort((a, b) => b[0] - a[0]);
  let out = mpdText;
  for (const [at, text] of edits) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

const isoSeconds = (seconds) => `PT${Number(seconds.toFixed(3))}S`;

// S elements (23009-1 5.3.9.6): a repeat count for equal durations, @t only where the time
// does not follow from the previous segment.
function segmentTimeline(segments) {
  const runs = [];
  let next = null;
  for (const { time, duration } of segments) {
    const last = runs[runs.length - 1];
    if (last && time === next && duration === last.d) last.r++;
    else runs.push({ t: time === next ? null : time, d: duration, r: 0 });
    next = time + duration;
  }
  return runs.map((s) => `<S${s.t === null ? '' : ` t="${s.t}"`} d="${s.d}"${s.r ? ` r="${s.r}"` : ''}/>`);
}

/**
 * A static isoff-live MPD written from scratch: one AdaptationSet per representation, each
 * with a SegmentTemplate and an exact SegmentTimeline, and (with a KID) the ContentProtection
 * elements of protectMpd.
 * @param {{representations: {id: string, kind: string, codecs: string, bandwidth: number,
 *   width?: number, height?: number, sampleRate?: number, channels?: number, timescale: number,
 *   init: string, media: string, segments: {time: number, duration: number}[],
 *   startsWithSap?: boolean, kid?: string|null}[], scheme?: string, licenseUrl?: string}} options
 *   init and media: names relative to the MPD; media has $Number$ (from 1). Times and
 *   durations are in the representation's timescale.
 */
export function dashMpd({ representations, scheme = 'cenc', licenseUrl }) {
  const seconds = (r, ticks) => ticks / r.timescale;
  const duration = Math.max(...representations.map((r) => {
    const last = r.segments[r.segments.length - 1];
    return seconds(r, last.time + last.duration - r.segments[0].time);
  }));
  const longest = Math.max(...representations.flatMap((r) => r.segments.map((s) => seconds(r, s.duration))));
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${isoSeconds(duration)}" maxSegmentDuration="${isoSeconds(longest)}" minBufferTime="${isoSeconds(Math.max(2, longest))}">`,
    '  <Period id="0" start="PT0S">'];
  representations.forEach((r, i) => {
    const setAttrs = [`id="${i}"`, `contentType="${r.kind}"`, `mimeType="${r.kind}/mp4"`, 'segmentAlignment="true"'];
    if (r.startsWithSap) setAttrs.push('startWithSAP="1"');
    const repAttrs = [`id="${escapeXml(r.id)}"`, `bandwidth="${r.bandwidth}"`];
    if (r.codecs) repAttrs.push(`codecs="${escapeXml(r.codecs)}"`);
    if (r.kind === 'video' && r.width && r.height) repAttrs.push(`width="${r.width}"`, `height="${r.height}"`);
    if (r.kind === 'audio' && r.sampleRate) repAttrs.push(`audioSamplingRate="${r.sampleRate}"`);
    lines.push(`    <AdaptationSet ${setAttrs.join(' ')}>`, `      <Representation ${repAttrs.join(' ')}>`);
    if (r.kind === 'audio' && r.channels) {
      lines.push(`        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${r.channels}"/>`);
    }
    lines.push(`        <SegmentTemplate timescale="${r.timescale}" initialization="${escapeXml(r.init)}" media="${escapeXml(r.media)}" startNumber="1">`,
      '          <SegmentTimeline>',
      ...segmentTimeline(r.segments).map((s) => `            ${s}`),
      '          </SegmentTimeline>', '        </SegmentTemplate>', '      </Representation>', '    </AdaptationSet>');
  });
  lines.push('  </Period>', '</MPD>', '');
  const text = lines.join('\n');
  const { mpd, representations: parsed } = dashRepresentations(text);
  const kidBySet = new Map();
  parsed.forEach((p, i) => { if (representations[i].kid) kidBySet.set(p.adaptationSet, representations[i].kid); });
  return kidBySet.size ? protectMpd(text, { mpd, kidBySet, scheme, licenseUrl }) : text;
}

// HLS (RFC 8216bis): fMP4 playlists. SAMPLE-AES-CTR is 'cenc', SAMPLE-AES is 'cbcs' (4.4.4.4);
// 'cens' and 'cbc1' have no HLS METHOD.
const HLS_METHOD = { cenc: 'SAMPLE-AES-CTR', cbcs: 'SAMPLE-AES' };
export const hlsSupports = (scheme) => scheme in HLS_METHOD;

function hlsKeyAttributes(scheme, kid, licenseUrl) {
  // Clear Key as hls.js names it (KEYFORMAT org.w3.clearkey); the URI is the license server,
  // or a data URI naming the KID for players that get keys another way.
  const uri = licenseUrl || `data:text/plain;charset=UTF-8,${kid}`;
  return `METHOD=${HLS_METHOD[scheme]},URI="${uri}",KEYID=0x${kid},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"`;
}

/**
 * A media playlist: segments [{uri, duration (s), kid}], a new EXT-X-KEY whenever the KID
 * changes (key rotation).
 */
export function hlsMediaPlaylist({ init, segments, scheme, licenseUrl }) {
  const target = Math.max(1, ...segments.map((s) => Math.round(s.duration)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS'];
  let kid = null;
  let mapped = false;
  for (const s of segments) {
    if (s.kid && s.kid !== kid) {
      lines.push(`#EXT-X-KEY:${hlsKeyAttributes(scheme, s.kid, licenseUrl)}`);
      kid = s.kid;
    }
    if (!mapped) lines.push(`#EXT-X-MAP:URI="${init}"`);
    mapped = true;
    lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/**
 * The multivariant playlist: a variant per video playlist with the audio ones as an AUDIO
 * group, and EXT-X-SESSION-KEY for each KID the playlists start with.
 * @param {{uri: string, kind: string, codecs: string, bandwidth: number, width?: string,
 *          height?: string, name: string, kid: string|null}[]} playlists
 */
export function hlsMultivariantPlaylist({ playlists, scheme, licenseUrl }) {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const kid of new Set(playlists.map((p) => p.kid).filter(Boolean))) {
    lines.push(`#EXT-X-SESSION-KEY:${hlsKeyAttributes(scheme, kid, licenseUrl)}`);
  }
  const audio = playlists.filter((p) => p.kind === 'audio');
  const video = playlists.filter((p) => p.kind === 'video');
  audio.forEach((a, i) => lines.push(
    `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="${a.name}",DEFAULT=${i === 0 ? 'YES' : 'NO'},AUTOSELECT=YES,URI="${a.uri}"`));
  const audioBandwidth = Math.max(0, ...audio.map((a) => a.bandwidth));
  for (const v of video.length ? video : audio) {
    const codecs = [v.codecs, ...(video.length && audio.length ? [audio[0].codecs] : [])].filter(Boolean).join(',');
    const attrs = [`BANDWIDTH=${v.bandwidth + (video.length ? audioBandwidth : 0)}`, `CODECS="${codecs}"`];
    if (v.width && v.height) attrs.push(`RESOLUTION=${v.width}x${v.height}`);
    if (video.length && audio.length) attrs.push('AUDIO="audio"');
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.uri);
  }
  lines.push('');
  return lines.join('\n');
}
