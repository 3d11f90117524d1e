// The playable vectors of ../shared/testdata (keys from its README.md), as the plain MSE page
// plays them: segment URLs appended in order to one SourceBuffer. `clear`: the clear counterpart
// shipped with the vector (none for dash-clearkey: the engine tests make one).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testdataRoot } from './server.js';

const dashClearKey = '/testdata/shaka-player/dash-clearkey/video-H264-288-400k_';

export const VECTORS = [
  {
    name: 'shaka dash-clearkey (cenc, PlayReady+Widevine pssh only)',
    segments: ['init.mp4', '1.m4s', '2.m4s', '3.m4s', '4.m4s', '5.m4s'].map((s) => dashClearKey + s),
    mime: 'video/mp4; codecs="avc1.640015"',
    videoType: 'video/mp4; codecs="avc1.640015"',
    keyIds: ['4060a865887842679cbf91ae5bae1e72'],
    keys: { '4060a865887842679cbf91ae5bae1e72': 'fc35340837310cc0fb53de97e22a69e0' },
    times: [1, 6.5, 12.3, 18.9],
  },
  {
    name: 'mp4ff prog_8s (cenc video subsamples + audio, Common pssh)',
    segments: ['/testdata/mp4ff/prog_8s_enc_dashinit.mp4'],
    mime: 'video/mp4; codecs="avc1.64001e,mp4a.40.2"',
    videoType: 'video/mp4; codecs="avc1.64001e"',
    audioType: 'audio/mp4; codecs="mp4a.40.2"',
    keyIds: ['cd7eb9ff88f34caeb06185b00024e4c2'],
    keys: { 'cd7eb9ff88f34caeb06185b00024e4c2': '63cb5f7184dd4b689a5c5ff11ee6a328' },
    clear: ['/testdata/mp4ff/prog_8s_dec_dashinit.mp4'],
    times: [0.5, 3.2, 7.4],
  },
  {
    name: 'mp4ff cbcs (1:9 pattern, constant IV)',
    segments: ['/testdata/mp4ff/cbcs.mp4'],
    mime: 'video/mp4; codecs="avc1.64001f"',
    videoType: 'video/mp4; codecs="avc1.64001f"',
    keyIds: ['00000000000000000000000000000000'],
    keys: { '00000000000000000000000000000000': '22bdb0063805260307ee5045c0f3835a' },
    clear: ['/testdata/mp4ff/cbcsdec.mp4'],
    cea608TrackId: 2,
    times: [10.5, 13.1, 16.7],
  },
  {
    name: 'mp4ff PIFF video (uuid sample encryption)',
    segments: ['/testdata/mp4ff/PIFF_video_complseg-1.0001.mp4'],
    mime: 'video/mp4; codecs="avc1.640015"',
    videoType: 'video/mp4; codecs="avc1.640015"',
    keyIds: ['21b82dc2ebb24d5aa9f8631f04726650'],
    keys: { '21b82dc2ebb24d5aa9f8631f04726650': '602a9289bfb9b1995b75ac63f123fc86' },
    clear: ['/testdata/mp4ff/PIFF_video_complseg-1.0001_dec.mp4'],
    times: [0.6, 2.5, 4.6],
  },
];

export const AUDIO_VECTORS = [
  {
    name: 'mp4ff cbcs_audio (AAC, every block encrypted)',
    segments: ['/testdata/mp4ff/cbcs_audio.mp4'],
    mime: 'audio/mp4; codecs="mp4a.40.2"',
    audioType: 'audio/mp4; codecs="mp4a.40.2"',
    keyIds: ['00000000000000000000000000000000'],
    keys: { '00000000000000000000000000000000': '5ffd93861fa776e96cccd934898fc1c8' },
  },
  {
    name: 'mp4ff PIFF audio (separate init + segment)',
    segments: ['/testdata/mp4ff/PIFF_audio_init.mp4', '/testdata/mp4ff/PIFF_audio_segment-1.0001.m4s'],
    mime: 'audio/mp4; codecs="mp4a.40.2"',
    audioType: 'audio/mp4; codecs="mp4a.40.2"',
    keyIds: ['21b82dc2ebb24d5aa9f8631f04726650'],
    keys: { '21b82dc2ebb24d5aa9f8631f04726650': '602a9289bfb9b1995b75ac63f123fc86' },
  },
];

/**
 * An fMP4 HLS media playlist over the dash-clearkey segments (4 s each), keyed for Clear Key by
 * its KID (SAMPLE-AES-CTR, the KID as the key URI, as hls.js and Shaka expect it).
 */
export function dashClearKeyHlsPlaylist() {
  const base = '/testdata/shaka-player/dash-clearkey/';
  const kidB64 = Buffer.from(Object.keys(VECTORS[0].keys)[0], 'hex').toString('base64');
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MEDIA-SEQUENCE:1',
    `#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1",URI="data:text/plain;base64,${kidB64}"`,
    `#EXT-X-MAP:URI="${base}video-H264-288-400k_init.mp4"`];
  for (let i = 1; i <= 5; i++) lines.push('#EXTINF:4.0,', `${base}video-H264-288-400k_${i}.m4s`);
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/**
 * The dash-clearkey MPD with the DASH-IF Clear Key ContentProtection added: the original lists
 * PlayReady and Widevine only, so players configured with drm.servers for org.w3.clearkey find
 * no matching key system (Shaka error 6001 with Chromium's own Clear Key too).
 */
export function dashClearKeyMpd() {
  const mpd = readFileSync(path.join(testdataRoot, 'shaka-player/dash-clearkey/dash.mpd'), 'utf8');
  const marker = '<ContentProtection schemeIdUri="urn:uuid:9a04f079';
  if (!mpd.includes(marker)) throw new Error('dash.mpd: no PlayReady ContentProtection to insert before');
  return mpd.replace(marker, '<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/>\n      ' + marker);
}
