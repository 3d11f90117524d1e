// The external vectors of ../shared/testdata (see its README) and helpers to check them.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const testdataDir = join(repoRoot, '..', 'shared', 'testdata');
export const cli = join(repoRoot, 'js', 'bin', 'wasm-eme.js');

const shaka = (f) => `shaka-player/dash-clearkey/${f}`;
export const vectors = [
  {
    name: 'mp4ff prog_8s cenc audio+video', inputs: ['mp4ff/prog_8s_enc_dashinit.mp4'],
    keys: ['cd7eb9ff88f34caeb06185b00024e4c2:63cb5f7184dd4b689a5c5ff11ee6a328'],
    expected: 'mp4ff_prog_8s_enc_dashinit.samples.tsv',
  },
  {
    name: 'mp4ff cbcs video 1:9 constant IV', inputs: ['mp4ff/cbcs.mp4'],
    keys: ['00000000000000000000000000000000:22bdb0063805260307ee5045c0f3835a'],
    expected: 'mp4ff_cbcs.samples.tsv',
  },
  {
    name: 'mp4ff cbcs audio 0:0', inputs: ['mp4ff/cbcs_audio.mp4'],
    keys: ['00000000000000000000000000000000:5ffd93861fa776e96cccd934898fc1c8'],
    expected: 'mp4ff_cbcs_audio.samples.tsv',
  },
  {
    name: 'mp4ff PIFF audio (init + segment)',
    inputs: ['mp4ff/PIFF_audio_init.mp4', 'mp4ff/PIFF_audio_segment-1.0001.m4s'],
    keys: ['21b82dc2ebb24d5aa9f8631f04726650:602a9289bfb9b1995b75ac63f123fc86'],
    expected: 'mp4ff_PIFF_audio.samples.tsv',
  },
  {
    name: 'mp4ff PIFF video', inputs: ['mp4ff/PIFF_video_complseg-1.0001.mp4'],
    keys: ['21b82dc2ebb24d5aa9f8631f04726650:602a9289bfb9b1995b75ac63f123fc86'],
    expected: 'mp4ff_PIFF_video.samples.tsv',
  },
  {
    name: 'shaka dash-clearkey (init + 5 segments)',
    inputs: ['video-H264-288-400k_init.mp4', ...[1, 2, 3, 4, 5].map((i) => `video-H264-288-400k_${i}.m4s`)].map(shaka),
    keys: ['4060a865887842679cbf91ae5bae1e72:fc35340837310cc0fb53de97e22a69e0'],
    expected: 'shaka_dash-clearkey.samples.tsv',
  },
];

/** [{trackId, index, size, md5}] from an expected/*.samples.tsv file. */
export function readExpected(name) {
  return readFileSync(join(testdataDir, 'expected', name), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [trackId, index, size, md5] = l.split('\t');
      return { trackId: +trackId, index: +index, size: +size, md5 };
    });
}

/**
 * Per-track packet sizes and md5s as ffmpeg's own demuxer sees them (an independent oracle for
 * both the sample bytes and the MP4 structure): Map(trackId -> {type, packets: [{size, md5}]}).
 */
export function ffmpegPacketMd5s(file) {
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=index,id,codec_type',
    '-of', 'csv=p=0', file], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`ffprobe failed on ${file}: ${probe.stderr}`);
  const tracks = new Map();
  const byIndex = new Map();
  for (const line of probe.stdout.trim().split('\n')) {
    const [index, type, id] = line.split(',');
    const track = { type, packets: [] };
    tracks.set(parseInt(id, 16), track);
    byIndex.set(+index, track);
  }
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5',
    '-fflags', '+bitexact', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${r.stderr}`);
  for (const line of r.stdout.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cols = line.split(',').map((c) => c.trim());
    byIndex.get(+cols[0]).packets.push({ size: +cols[4], md5: cols[5] });
  }
  return tracks;
}
