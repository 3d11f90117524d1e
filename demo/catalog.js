// The demo's content choices: what the packager made for the demo (content/demo/<id>/, see
// make_content.js) and, in a development checkout, the external vectors of
// ../shared/testdata described by manifests generated here (never copied).
//
// An entry: {id, title, format: 'dash'|'hls', scheme: 'cenc'|'cbcs', keyLayout:
// 'single'|'multi'|'rotation', source, manifest (URL path), kids: [hex], keys: {kidHex: keyHex}}.
// Keys are demo keys: the page gets them only in the "static keys" license mode, the license
// server from its configuration.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { indexFragmentedMp4 } from './mp4_index.js';

const CLEAR_KEY_SYSTEM = 'urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e';

const uuid = (hex) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/**
 * An HLS EXT-X-KEY Shaka Player understands for Clear Key: the "identity" key format, whose URI
 * names the key. The demo page turns the key request into a Clear Key license exchange (or
 * answers it from static keys), so the URI carries the KID only, never a key.
 */
export function hlsKeyLine(scheme, kidHex) {
  const method = scheme === 'cbcs' ? 'SAMPLE-AES' : 'SAMPLE-AES-CTR';
  return `#EXT-X-KEY:METHOD=${method},KEYFORMAT="identity",KEYFORMATVERSIONS="1",URI="/demo/key/${kidHex}"`;
}

/**
 * The packager's HLS playlists name Clear Key as hls.js does (KEYFORMAT "org.w3.clearkey", a
 * data: URI with the KID), which Shaka Player rejects: for the demo page each EXT-X-KEY becomes
 * the identity form above, and EXT-X-SESSION-KEY lines (which Shaka would map to KID 0) go.
 */
export function shakaHlsPlaylist(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-SESSION-KEY:')) continue;
    const key = /^#EXT-X-KEY:(.*)$/.exec(line);
    if (key && /KEYFORMAT="org\.w3\.clearkey"/.test(key[1])) {
      const kid = /KEYID=0x([0-9a-fA-F]{32})/.exec(key[1]);
      const method = /METHOD=([A-Z0-9-]+)/.exec(key[1]);
      if (!kid || !method) throw new Error(`EXT-X-KEY without KEYID or METHOD: ${line}`);
      out.push(hlsKeyLine(method[1] === 'SAMPLE-AES' ? 'cbcs' : 'cenc', kid[1].toLowerCase()));
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

// ---- the external vectors ---------------------------------------------------------------

// Shaka Player's dash-clearkey: cenc, one KID, segments listed by a SegmentTemplate. Its MPD
// names PlayReady and Widevine only; the DASH-IF Clear Key element is added.
function shakaDashClearKey(testdataDir, routes) {
  const dir = path.join(testdataDir, 'shaka-player/dash-clearkey');
  const mpdFile = path.join(dir, 'dash.mpd');
  if (!existsSync(mpdFile)) return [];
  const kid = '4060a865887842679cbf91ae5bae1e72';
  const keys = { [kid]: 'fc35340837310cc0fb53de97e22a69e0' };
  const base = '/testdata/shaka-player/dash-clearkey/';
  const mpd = readFileSync(mpdFile, 'utf8');
  const marker = '<ContentProtection schemeIdUri="urn:uuid:9a04f079';
  if (!mpd.includes(marker) || !mpd.includes('<Period')) return [];
  const patched = mpd
    .replace('<Period', `<BaseURL>${base}</BaseURL>\n  <Period`)
    .replace(marker, `<ContentProtection schemeIdUri="${CLEAR_KEY_SYSTEM}" value="ClearKey1.0"/>\n      ${marker}`);
  routes.set('/demo/gen/shaka-cenc.mpd', { type: 'application/dash+xml', body: patched });

  const media = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MEDIA-SEQUENCE:1', hlsKeyLine('cenc', kid), `#EXT-X-MAP:URI="${base}video-H264-288-400k_init.mp4"`];
  for (let i = 1; i <= 5; i++) media.push('#EXTINF:4.000,', `${base}video-H264-288-400k_${i}.m4s`);
  media.push('#EXT-X-ENDLIST');
  routes.set('/demo/gen/shaka-cenc-video.m3u8', { type: 'application/vnd.apple.mpegurl', body: media.join('\n') + '\n' });
  routes.set('/demo/gen/shaka-cenc.m3u8', {
    type: 'application/vnd.apple.mpegurl',
    body: ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=513226,CODECS="avc1.640015",RESOLUTION=512x288,FRAME-RATE=24',
      'shaka-cenc-video.m3u8', ''].join('\n'),
  });
  const common = { scheme: 'cenc', keyLayout: 'single', source: 'testdata', kids: [kid], keys };
  return [
    { id: 'shaka-cenc-dash', title: 'Shaka dash-clearkey · DASH · cenc · 1 key', format: 'dash', manifest: '/demo/gen/shaka-cenc.mpd', ...common },
    { id: 'shaka-cenc-hls', title: 'Shaka dash-clearkey · HLS · cenc · 1 key', format: 'hls', manifest: '/demo/gen/shaka-cenc.m3u8', ...common },
  ];
}

// mp4ff's cbcs.mp4: one fragmented file (cbcs 1:9, constant IV), described by byte ranges.
function mp4ffCbcs(testdataDir, routes) {
  const file = path.join(testdataDir, 'mp4ff/cbcs.mp4');
  if (!existsSync(file)) return [];
  const kid = '00000000000000000000000000000000';
  const keys = { [kid]: '22bdb0063805260307ee5045c0f3835a' };
  const url = '/testdata/mp4ff/cbcs.mp4';
  const codecs = 'avc1.64001f';
  const index = indexFragmentedMp4(readFileSync(file));
  const video = index.tracks.find((t) => t.handler === 'vide');
  if (!video) return [];
  const frags = index.fragments.filter((f) => f.times[video.trackId]);
  const ts = video.timescale;
  const first = frags[0].times[video.trackId].start;
  const total = frags.reduce((n, f) => n + f.times[video.trackId].duration, 0);
  const seconds = (total / ts).toFixed(3);

  const segments = frags.map((f) => `          <SegmentURL media="${url}" mediaRange="${f.start}-${f.end - 1}"/>`);
  const timeline = frags.map((f) => `            <S t="${f.times[video.trackId].start}" d="${f.times[video.trackId].duration}"/>`);
  routes.set('/demo/gen/mp4ff-cbcs.mpd', {
    type: 'application/dash+xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="static"
     profiles="urn:mpeg:dash:profile:full:2011" minBufferTime="PT2S" mediaPresentationDuration="PT${seconds}S">
  <Period id="0" start="PT0S">
    <AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID="${uuid(kid)}"/>
      <ContentProtection schemeIdUri="${CLEAR_KEY_SYSTEM}" value="ClearKey1.0"/>
      <Representation id="video" codecs="${codecs}" bandwidth="300000">
        <SegmentList timescale="${ts}" presentationTimeOffset="${first}">
          <Initialization sourceURL="${url}" range="0-${index.initEnd - 1}"/>
          <SegmentTimeline>
${timeline.join('\n')}
          </SegmentTimeline>
${segments.join('\n')}
        </SegmentList>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
`,
  });

  const media = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...frags.map((f) => f.times[video.trackId].duration)) / ts)}`,
    '#EXT-X-PLAYLIST-TYPE:VOD', hlsKeyLine('cbcs', kid), `#EXT-X-MAP:URI="${url}",BYTERANGE="${index.initEnd}@0"`];
  for (const f of frags) {
    media.push(`#EXTINF:${(f.times[video.trackId].duration / ts).toFixed(3)},`, `#EXT-X-BYTERANGE:${f.end - f.start}@${f.start}`, url);
  }
  media.push('#EXT-X-ENDLIST');
  routes.set('/demo/gen/mp4ff-cbcs-video.m3u8', { type: 'application/vnd.apple.mpegurl', body: media.join('\n') + '\n' });
  routes.set('/demo/gen/mp4ff-cbcs.m3u8', {
    type: 'application/vnd.apple.mpegurl',
    body: ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS',
      `#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS="${codecs}"`, 'mp4ff-cbcs-video.m3u8', ''].join('\n'),
  });
  const common = { scheme: 'cbcs', keyLayout: 'single', source: 'testdata', kids: [kid], keys };
  return [
    { id: 'mp4ff-cbcs-dash', title: 'mp4ff cbcs.mp4 · DASH · cbcs · 1 key', format: 'dash', manifest: '/demo/gen/mp4ff-cbcs.mpd', ...common },
    { id: 'mp4ff-cbcs-hls', title: 'mp4ff cbcs.mp4 · HLS · cbcs · 1 key', format: 'hls', manifest: '/demo/gen/mp4ff-cbcs.m3u8', ...common },
  ];
}

// ---- content made by the packager for the demo ------------------------------------------

/** A 'pssh' box, version 1, Common SystemID (W3C "cenc" init data), listing `kids` (hex). */
export function commonPssh(kids) {
  const size = 32 + 16 * kids.length + 4;
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write('pssh', 4, 'latin1');
  box.writeUInt32BE(0x01000000, 8);  // version 1, flags 0
  Buffer.from('1077efecc0b24d02ace33c1e52e2fb4b', 'hex').copy(box, 12);
  box.writeUInt32BE(kids.length, 28);
  kids.forEach((kid, i) => Buffer.from(kid, 'hex').copy(box, 32 + 16 * i));
  box.writeUInt32BE(0, 32 + 16 * kids.length);  // DataSize
  return box;
}

// With key rotation the init segment names the first KID and each moof's 'pssh' the next one;
// Shaka Player asks only for the keys the manifest names (with the browser's own Clear Key
// too). The MPD served to the demo page lists every KID of the rotation in a 'pssh', so the
// first license carries them all.
function withAllKids(mpd, kids) {
  const element = `<ContentProtection schemeIdUri="${CLEAR_KEY_SYSTEM}" value="ClearKey1.0"/>`;
  if (!mpd.includes(element)) throw new Error('no Clear Key ContentProtection element to add the rotation KIDs to');
  const pssh = commonPssh(kids).toString('base64');
  return mpd.split(element).join(`<ContentProtection schemeIdUri="${CLEAR_KEY_SYSTEM}" value="ClearKey1.0"><cenc:pssh>${pssh}</cenc:pssh></ContentProtection>`);
}

const HEX16 = /^[0-9a-f]{32}$/;

function packagerContent(contentDir, routes) {
  const demoDir = path.join(contentDir, 'demo');
  if (!existsSync(demoDir)) return [];
  const entries = [];
  for (const id of readdirSync(demoDir).sort()) {
    const descriptor = path.join(demoDir, id, 'demo.json');
    if (!existsSync(descriptor)) continue;  // an unfinished set: make_content.js writes it last
    const d = JSON.parse(readFileSync(descriptor, 'utf8'));
    const keys = d.keys || {};
    if (!Object.entries(keys).every(([k, v]) => HEX16.test(k) && HEX16.test(v))) {
      throw new Error(`${descriptor}: keys must be {kidHex: keyHex}`);
    }
    for (const format of ['dash', 'hls']) {
      if (!d[format]) continue;
      const manifest = `/content/demo/${id}/${d[format]}`;
      if (format === 'dash' && d.keyLayout === 'rotation') {
        const mpd = readFileSync(path.join(demoDir, id, d[format]), 'utf8');
        routes.set(manifest, { type: 'application/dash+xml', body: withAllKids(mpd, Object.keys(keys)) });
      }
      entries.push({
        id: `${id}-${format}`,
        title: `${d.title} · ${format.toUpperCase()} · ${d.scheme} · ${d.keyLayoutText || d.keyLayout}`,
        format,
        scheme: d.scheme,
        keyLayout: d.keyLayout,
        source: 'packager',
        manifest,
        kids: Object.keys(keys),
        keys,
      });
    }
  }
  return entries;
}

/**
 * Builds the catalog. Returns {entries, keys: {kidHex: keyHex} of every entry, routes: Map of
 * generated manifests (URL path -> {type, body})}.
 */
export function buildCatalog({ contentDir, testdataDir }) {
  const routes = new Map();
  const entries = [...packagerContent(contentDir, routes)];
  if (testdataDir && existsSync(testdataDir)) {
    entries.push(...shakaDashClearKey(testdataDir, routes), ...mp4ffCbcs(testdataDir, routes));
  }
  const keys = {};
  for (const e of entries) Object.assign(keys, e.keys);
  return { entries, keys, routes };
}
