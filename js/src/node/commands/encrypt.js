// wasm-eme encrypt: clear fragmented MP4 -> Clear Key protected fMP4 (cenc, cbcs, cens, cbc1),
// like mp4encrypt / shaka-packager. A single file gives a single file, or (output ending in a
// path separator, or an existing folder) a streaming set: a representation per track with its
// segments, an MPD with ContentProtection and HLS playlists. A DASH set (its .mpd) gives a
// folder with the encrypted segments, its MPD with ContentProtection and HLS playlists.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import {
  Packager, TrackSplitter, dashMpd, dashRepresentations, generateKey, hlsMediaPlaylist,
  hlsMultivariantPlaylist, hlsSupports, protectMpd, randomBytes, toHex, toJwkSet, fromHex,
} from '../../core/packager.js';
import { CliError, UsageError, canonical, checkOutputNotInput, parseKeyArgs, writeFileAtomic } from '../cli_util.js';

const usage = `usage: wasm-eme encrypt [options] IN -o OUT
  IN                 a clear fragmented MP4, or the .mpd of a DASH set (init + media segments)
  -o, --output       file input: the encrypted MP4; or, given as OUTDIR/ (or an existing empty
                     folder), a streaming set: per track NAME/init.mp4 and NAME/seg-N.m4s
                     (NAME: video, audio), manifest.mpd with ContentProtection, master.m3u8 and
                     NAME.m3u8 (HLS, cenc and cbcs only).
                     DASH input: a new folder that gets the encrypted segments, the MPD with
                     ContentProtection and HLS playlists
  --scheme S         cenc (default), cbcs, cens or cbc1
  --key KID:KEY      a key for every track; hex, base64 or base64url. Repeated with --rotate:
                     the keys of successive rotation periods
  --video-key KID:KEY, --audio-key KID:KEY
                     a key for the video or the audio tracks (take precedence over --key)
  --keys-out FILE    write the keys as a JWK set (the Clear Key license format); required when
                     no key is given and keys are generated
  --separate-keys    with generated keys: one for video, another for audio
  --rotate N         key rotation: a new key every N fragments, with seig sample groups and a
                     pssh in each moof
  --iv-seed HEX      derive the IVs from this seed (reproducible output); random by default
  --per-sample-iv    cbcs: 16-byte per-sample IVs instead of a constant IV
  --clearkey-pssh    also write the DASH-IF Clear Key SystemID pssh (e2719d58-...)
  --la-url URL       Clear Key license server: dashif:Laurl in the MPD, URI of EXT-X-KEY`;

function pathInside(child, parent) {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

// Counts the top-level 'moof' boxes (key rotation needs that many periods of keys).
function countMoofs(bytes) {
  let n = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = 0; pos + 8 <= bytes.length;) {
    let size = view.getUint32(pos);
    if (view.getUint32(pos + 4) === 0x6d6f6f66) ++n;
    if (size === 1 && pos + 16 <= bytes.length) size = Number(view.getBigUint64(pos + 8));
    if (size < 8) break;
    pos += size;
  }
  return n;
}

/** The key lists per kind ('' = every track), from the options or generated. */
function resolveKeys(core, values, maxFragments) {
  const given = [...(values.key || []), ...(values['video-key'] || []), ...(values['audio-key'] || [])];
  parseKeyArgs(core, given);  // one check across all options: a KID twice with different keys
  const lists = {
    '': parseKeyArgs(core, values.key),
    video: parseKeyArgs(core, values['video-key']),
    audio: parseKeyArgs(core, values['audio-key']),
  };
  const generated = !given.length;
  if (generated) {
    if (!values['keys-out']) throw new UsageError('no key given: generated keys need --keys-out FILE');
    const periods = values.rotate ? Math.max(1, Math.ceil(maxFragments / values.rotate)) : 1;
    const make = () => Array.from({ length: periods }, generateKey);
    if (values['separate-keys']) {
      lists.video = make();
      lists.audio = make();
    } else {
      lists[''] = make();
    }
  } else if (values['separate-keys']) {
    throw new UsageError('--separate-keys is for generated keys; give --video-key and --audio-key instead');
  }
  return { lists, generated };
}

function makePackager(core, values, lists, ivSeed) {
  const packager = new Packager(core, {
    scheme: values.scheme, ivSeed, rotation: values.rotate || 0,
    clearKeyPssh: !!values['clearkey-pssh'], perSampleIv: !!values['per-sample-iv'],
  });
  try {
    for (const kind of ['', 'video', 'audio']) {
      for (const { kid, key } of lists[kind]) packager.addKey(kind, kid, key);
    }
  } catch (e) {
    packager.dispose();
    throw e;
  }
  return packager;
}

function allKeys(lists) {
  const seen = new Map();
  for (const list of Object.values(lists)) for (const k of list) seen.set(toHex(k.kid), k);
  return [...seen.values()];
}

async function encryptFile(core, values, input, output, ivSeed) {
  checkOutputNotInput(output, [input]);
  const bytes = await readFile(input);
  const { lists, generated } = resolveKeys(core, values, countMoofs(bytes));
  if (values['keys-out']) checkOutputNotInput(values['keys-out'], [input]);
  const packager = makePackager(core, values, lists, ivSeed);
  let encrypted;
  let info;
  try {
    encrypted = packager.push(bytes);
    info = packager.info();
  } finally {
    packager.dispose();
  }
  await writeFileAtomic(output, encrypted);
  return { lists, generated, tracks: info.tracks, written: [output] };
}

// An output folder must be new, or empty: nothing is ever overwritten.
function checkNewFolder(outDir) {
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length)) {
    throw new CliError(`output ${outDir} already exists and is not an empty folder`);
  }
}

// All or nothing: everything goes to a temporary folder that is renamed at the end.
async function writeFolder(outDir, files) {
  const target = resolve(outDir);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await rm(tmp, { recursive: true, force: true });
    for (const [name, bytes] of files) {
      await mkdir(dirname(join(tmp, name)), { recursive: true });
      await writeFile(join(tmp, name), bytes);
    }
    if (existsSync(target)) await rm(target, { recursive: true });  // checked empty before
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

// A single file with any number of tracks -> a streaming set with a representation per audio
// or video track (what Shaka Packager makes of a multiplexed input).
async function encryptFileToSet(core, values, input, outDir, ivSeed) {
  const inputPath = canonical(input);
  const out = canonical(outDir);
  if (out === inputPath || pathInside(out, inputPath)) throw new CliError(`output ${outDir} would overwrite the input ${input}`);
  checkNewFolder(outDir);
  const bytes = await readFile(input);
  const split = new TrackSplitter(core, bytes);
  const scheme = values.scheme;
  const files = new Map();  // relative name -> bytes
  const streams = [];
  const notes = [];
  let tracks = [];
  try {
    const media = split.tracks.map((t, index) => ({ ...t, index })).filter((t) => {
      if (t.kind === 'video' || t.kind === 'audio') return true;
      notes.push(`track ${t.trackId} (${t.codec}) is neither audio nor video: left out`);
      return false;
    });
    if (!media.length) throw new CliError(`${input}: no audio or video track`);
    const empty = media.find((t) => !t.segments);
    if (empty) throw new CliError(`${input}: track ${empty.trackId} has no fragment`);
    const { lists, generated } = resolveKeys(core, values, Math.max(...media.map((t) => t.segments)));
    for (const t of media) {
      // video, audio; with several tracks of a kind, video-1, video-3, ...
      const name = media.filter((o) => o.kind === t.kind).length > 1 ? `${t.kind}-${t.trackId}` : t.kind;
      const seed = new Uint8Array([...ivSeed, ...new TextEncoder().encode(`/${name}`)]);
      const packager = makePackager(core, values, lists, seed);
      try {
        files.set(`${name}/init.mp4`, packager.push(split.init(t.index)));
        const [track] = packager.info().tracks;
        tracks = tracks.concat([track]);
        const segments = [];
        for (let i = 0; i < t.segments; ++i) {
          const uri = `${name}/seg-${i + 1}.m4s`;
          let encrypted;
          try {
            encrypted = packager.push(split.segment(t.index, i));
          } catch (e) {
            e.message = `track ${t.trackId} fragment ${i + 1}: ${e.message}`;
            throw e;
          }
          files.set(uri, encrypted);
          const fragments = packager.info().fragments;
          segments.push({
            uri, time: fragments[0].baseMediaDecodeTime, duration: fragments.reduce((sum, f) => sum + f.duration, 0),
            size: encrypted.length, startsWithSap: fragments[0].startsWithSap, kid: fragments.find((f) => f.kid)?.kid || null,
          });
        }
        // The peak rate of any segment: a conservative @bandwidth / BANDWIDTH.
        const bandwidth = Math.ceil(Math.max(...segments.map((s) => (s.size * 8 * t.timescale) / Math.max(1, s.duration))));
        streams.push({
          ...t, id: name, name, bandwidth, init: `${name}/init.mp4`, media: `${name}/seg-$Number$.m4s`,
          segments, startsWithSap: segments.every((s) => s.startsWithSap), kid: segments[0].kid || track.kids[0] || null,
        });
      } finally {
        packager.dispose();
      }
    }
    const licenseUrl = values['la-url'];
    files.set('manifest.mpd', new TextEncoder().encode(dashMpd({ representations: streams, scheme, licenseUrl })));
    if (hlsSupports(scheme)) {
      const playlists = streams.map((s) => ({
        ...s, uri: `${s.name}.m3u8`,
        segments: s.segments.map((g) => ({ uri: g.uri, duration: g.duration / s.timescale, kid: g.kid })),
      }));
      for (const p of playlists) files.set(p.uri, new TextEncoder().encode(hlsMediaPlaylist({ ...p, scheme, licenseUrl })));
      files.set('master.m3u8', new TextEncoder().encode(hlsMultivariantPlaylist({ playlists, scheme, licenseUrl })));
    } else {
      notes.push(`no HLS playlists: HLS has no METHOD for '${scheme}'`);
    }
    await writeFolder(outDir, files);
    const written = [...files.keys()].map((name) => join(outDir, name));
    return { lists, generated, tracks, written, note: notes.join('\n') || null };
  } finally {
    split.dispose();
  }
}

async function encryptDash(core, values, mpdPath, outDir, ivSeed) {
  const inDir = dirname(resolve(mpdPath));
  if (pathInside(canonical(outDir), canonical(inDir)) || pathInside(canonical(inDir), canonical(outDir))) {
    throw new CliError(`output folder ${outDir} is inside the input set (${inDir}), or contains it`);
  }
  checkNewFolder(outDir);
  const mpdText = await readFile(mpdPath, 'utf8');
  let dash;
  try {
    dash = dashRepresentations(mpdText, (name) => existsSync(join(inDir, name)));
  } catch (e) {
    throw new CliError(`${mpdPath}: ${e.message}`);
  }
  // Read everything first: a missing segment fails before any work is done.
  const inputs = [];
  for (const rep of dash.representations) {
    if (!rep.init) throw new CliError(`representation ${rep.id}: no initialization segment`);
    for (const name of [rep.init, ...rep.media]) {
      if (!pathInside(resolve(inDir, name), inDir)) throw new CliError(`segment ${name} is outside the manifest's folder`);
    }
    inputs.push({
      rep,
      init: await readFile(join(inDir, rep.init)),
      media: await Promise.all(rep.media.map((name) => readFile(join(inDir, name)))),
    });
  }
  const maxFragments = Math.max(...inputs.map((i) => i.media.reduce((n, b) => n + countMoofs(b), 0)));
  const { lists, generated } = resolveKeys(core, values, maxFragments);

  // Encrypt each representation as its own stream. Every one gets its own IV seed (the track
  // IDs repeat across representations, and one key may serve all of them).
  const files = new Map();  // relative name -> bytes
  const playlists = [];
  const kidBySet = new Map();
  const scheme = values.scheme || 'cenc';
  let tracks = [];
  for (const { rep, init, media } of inputs) {
    const seed = new Uint8Array([...ivSeed, ...new TextEncoder().encode(`/${rep.id}`)]);
    const packager = makePackager(core, values, lists, seed);
    const segments = [];
    // Errors name the file they are about.
    const push = (name, bytes) => {
      try {
        files.set(name, packager.push(bytes));
      } catch (e) {
        e.message = `${name}: ${e.message}`;
        throw e;
      }
    };
    try {
      push(rep.init, init);
      const info = packager.info();
      if (!info.tracks.length) throw new CliError(`${rep.init}: not an init segment (no 'moov')`);
      if (info.tracks.length !== 1) throw new CliError(`${rep.init}: ${info.tracks.length} tracks; a DASH representation has one`);
      const track = info.tracks[0];
      tracks = tracks.concat(info.tracks);
      if (track.encrypted && !kidBySet.has(rep.adaptationSet)) kidBySet.set(rep.adaptationSet, track.kids[0]);
      rep.media.forEach((name, i) => {
        push(name, media[i]);
        const fragments = packager.info().fragments;
        if (!fragments.length) throw new CliError(`${name}: not a media segment (no 'moof')`);
        const duration = fragments.reduce((sum, f) => sum + f.duration, 0) / track.timescale;
        segments.push({ uri: name, duration, kid: fragments.find((f) => f.kid)?.kid || null });
      });
      playlists.push({
        uri: `${track.kind}-${rep.id}.m3u8`.replace(/[^\w.-]/g, '_'), kind: track.kind, codecs: rep.codecs,
        bandwidth: rep.bandwidth, width: rep.width, height: rep.height, name: `${track.kind}-${rep.id}`,
        kid: segments[0]?.kid || track.kids[0] || null, init: rep.init, segments,
      });
    } finally {
      packager.dispose();
    }
  }

  const licenseUrl = values['la-url'];
  const mpdName = basename(mpdPath);
  files.set(mpdName, new TextEncoder().encode(protectMpd(mpdText, { mpd: dash.mpd, kidBySet, scheme, licenseUrl })));
  if (hlsSupports(scheme)) {
    for (const p of playlists) files.set(p.uri, new TextEncoder().encode(hlsMediaPlaylist({ ...p, scheme, licenseUrl })));
    files.set('master.m3u8', new TextEncoder().encode(hlsMultivariantPlaylist({ playlists, scheme, licenseUrl })));
  }

  await writeFolder(outDir, files);
  const written = [...files.keys()].map((name) => join(outDir, name));
  const note = hlsSupports(scheme) ? null : `no HLS playlists: HLS has no METHOD for '${scheme}'`;
  return { lists, generated, tracks, written, note };
}

export default {
  name: 'encrypt',
  summary: 'encrypt clear fragmented MP4 or a DASH set for Clear Key (cenc, cbcs, cens, cbc1)',
  usage,
  options: {
    output: { type: 'string', short: 'o' },
    scheme: { type: 'string' },
    key: { type: 'string', multiple: true },
    'video-key': { type: 'string', multiple: true },
    'audio-key': { type: 'string', multiple: true },
    'keys-out': { type: 'string' },
    'separate-keys': { type: 'boolean' },
    rotate: { type: 'string' },
    'iv-seed': { type: 'string' },
    'per-sample-iv': { type: 'boolean' },
    'clearkey-pssh': { type: 'boolean' },
    'la-url': { type: 'string' },
  },
  async run({ core, values: options, positionals, stdout }) {
    const values = { ...options };
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'one input only' : 'no input');
    if (!values.output) throw new UsageError('no output (-o OUT)');
    const scheme = values.scheme || 'cenc';
    if (!['cenc', 'cbcs', 'cens', 'cbc1'].includes(scheme)) throw new UsageError(`--scheme ${scheme}: not cenc, cbcs, cens or cbc1`);
    if (values.rotate !== undefined) {
      if (!/^[1-9]\d*$/.test(values.rotate)) throw new UsageError(`--rotate ${values.rotate}: not a positive whole number`);
      values.rotate = Number(values.rotate);
    }
    if (values['per-sample-iv'] && scheme !== 'cbcs') throw new UsageError('--per-sample-iv is for cbcs');
    let ivSeed = randomBytes(16);
    if (values['iv-seed'] !== undefined) {
      try { ivSeed = fromHex(values['iv-seed']); } catch { throw new UsageError('--iv-seed is not hex'); }
      if (ivSeed.length < 8) throw new UsageError('--iv-seed needs at least 8 bytes (16 hex digits)');
    }
    const [input] = positionals;
    if (values['keys-out'] && canonical(values['keys-out']) === canonical(values.output)) {
      throw new UsageError('--keys-out and --output are the same file');
    }
    const dash = /\.mpd$/i.test(input);
    const keysOut = values['keys-out'];
    if (keysOut && (canonical(keysOut) === canonical(input) ||
                    (dash && pathInside(canonical(resolve(keysOut)), canonical(dirname(resolve(input))))))) {
      throw new CliError(`--keys-out ${keysOut} is inside the input set`);
    }
    const toSet = !dash && (/[\\/]$/.test(values.output) || (existsSync(values.output) && statSync(values.output).isDirectory()));
    const encrypt = dash ? encryptDash : toSet ? encryptFileToSet : encryptFile;
    const result = await encrypt(core, { ...values, scheme }, input, values.output, ivSeed);

    if (keysOut) {
      await writeFileAtomic(keysOut, JSON.stringify(toJwkSet(allKeys(result.lists)), null, 2) + '\n');
    }
    // A summary without key material: what was written and which KIDs protect what.
    for (const t of result.tracks) {
      stdout.write(`track ${t.trackId} ${t.kind} ${t.codec}: ${t.encrypted ? `${scheme} KID ${t.kids.join(', ')}` : 'clear'}\n`);
    }
    stdout.write(`wrote ${result.written.length === 1 ? result.written[0] : `${result.written.length} files in ${values.output}`}\n`);
    if (keysOut) stdout.write(`keys: ${keysOut}${result.generated ? ' (generated)' : ''}\n`);
    if (result.note) stdout.write(`${result.note}\n`);
  },
};
