// Finds the fragments of a local fragmented MP4 (byte ranges and times per track), so that the
// demo can describe a single-file vector as DASH SegmentList segments. Reads only files the
// demo serves itself; still, every read is bounds-checked and a bad file is an Error naming
// the box, never a wrong manifest.

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'edts']);

function u32(b, o) {
  return b.readUInt32BE(o);
}

function u64(b, o) {
  return Number(b.readBigUInt64BE(o));
}

/** The boxes of bytes [start, end) as {type, start, headerSize, end}. */
function boxes(b, start, end, where) {
  const out = [];
  let o = start;
  while (o < end) {
    if (end - o < 8) throw new Error(`${where}: ${end - o} stray bytes at ${o}`);
    let size = u32(b, o);
    const type = b.toString('latin1', o + 4, o + 8);
    let header = 8;
    if (size === 1) {
      if (end - o < 16) throw new Error(`${where}: truncated large size of '${type}' at ${o}`);
      size = u64(b, o + 8);
      header = 16;
    } else if (size === 0) {
      size = end - o;
    }
    if (size < header || size > end - o) throw new Error(`${where}: box '${type}' at ${o} has size ${size} beyond its parent`);
    out.push({ type, start: o, headerSize: header, end: o + size });
    o += size;
  }
  return out;
}

function children(b, box) {
  return boxes(b, box.start + box.headerSize, box.end, box.type);
}

function find(b, box, path) {
  let current = [box];
  for (const type of path) {
    current = current.flatMap((c) => children(b, c)).filter((c) => c.type === type);
  }
  return current;
}

function need(box, size) {
  if (box.end - box.start - box.headerSize < size) throw new Error(`'${box.type}' at ${box.start} is truncated`);
}

/**
 * Indexes a fragmented MP4: {initEnd, tracks: [{trackId, handler, timescale}], fragments:
 * [{start, end, times: {trackId: {start, duration}}}]} where a fragment is a moof and the
 * boxes up to the next moof (its mdat).
 */
export function indexFragmentedMp4(buffer) {
  const b = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const top = boxes(b, 0, b.length, 'file');
  const moov = top.find((x) => x.type === 'moov');
  if (!moov) throw new Error('no moov box');
  const tracks = [];
  const trex = new Map();
  for (const t of find(b, moov, ['mvex', 'trex'])) {
    need(t, 24);
    const p = t.start + t.headerSize;
    trex.set(u32(b, p + 4), { duration: u32(b, p + 12) });
  }
  for (const trak of find(b, moov, ['trak'])) {
    const [tkhd] = find(b, trak, ['tkhd']);
    const [mdhd] = find(b, trak, ['mdia', 'mdhd']);
    const [hdlr] = find(b, trak, ['mdia', 'hdlr']);
    if (!tkhd || !mdhd || !hdlr) throw new Error('trak without tkhd, mdhd or hdlr');
    need(tkhd, 24);
    need(mdhd, 24);
    need(hdlr, 12);
    const tp = tkhd.start + tkhd.headerSize;
    const mp = mdhd.start + mdhd.headerSize;
    tracks.push({
      trackId: u32(b, tp + (b[tp] === 1 ? 20 : 12)),
      timescale: u32(b, mp + (b[mp] === 1 ? 20 : 12)),
      handler: b.toString('latin1', hdlr.start + hdlr.headerSize + 8, hdlr.start + hdlr.headerSize + 12),
    });
  }
  const firstMoof = top.findIndex((x) => x.type === 'moof');
  if (firstMoof < 0) throw new Error('not fragmented: no moof box');
  const fragments = [];
  for (let i = firstMoof; i < top.length; i++) {
    if (top[i].type !== 'moof') continue;
    let j = i + 1;
    while (j < top.length && top[j].type !== 'moof') j++;
    const times = {};
    for (const traf of find(b, top[i], ['traf'])) {
      const [tfhd] = find(b, traf, ['tfhd']);
      const [tfdt] = find(b, traf, ['tfdt']);
      if (!tfhd || !tfdt) throw new Error(`traf at ${traf.start} without tfhd or tfdt`);
      need(tfhd, 8);
      const hp = tfhd.start + tfhd.headerSize;
      const flags = u32(b, hp) & 0xffffff;
      const trackId = u32(b, hp + 4);
      let q = hp + 8;
      if (flags & 0x1) q += 8;  // base-data-offset
      if (flags & 0x2) q += 4;  // sample-description-index
      let defaultDuration = trex.get(trackId)?.duration || 0;
      if (flags & 0x8) {
        if (q + 4 > tfhd.end) throw new Error(`tfhd at ${tfhd.start} is truncated`);
        defaultDuration = u32(b, q);
      }
      need(tfdt, 8);
      const dp = tfdt.start + tfdt.headerSize;
      const start = b[dp] === 1 ? u64(b, dp + 4) : u32(b, dp + 4);
      let duration = 0;
      for (const trun of find(b, traf, ['trun'])) {
        need(trun, 8);
        const rp = trun.start + trun.headerSize;
        const tflags = u32(b, rp) & 0xffffff;
        const count = u32(b, rp + 4);
        let r = rp + 8 + (tflags & 0x1 ? 4 : 0) + (tflags & 0x4 ? 4 : 0);
        const fieldSize = 4 * ((tflags & 0x100 ? 1 : 0) + (tflags & 0x200 ? 1 : 0) + (tflags & 0x400 ? 1 : 0) + (tflags & 0x800 ? 1 : 0));
        if (r + count * fieldSize > trun.end) throw new Error(`trun at ${trun.start}: ${count} samples do not fit`);
        for (let s = 0; s < count; s++, r += fieldSize) duration += tflags & 0x100 ? u32(b, r) : defaultDuration;
      }
      times[trackId] = { start, duration };
    }
    fragments.push({ start: top[i].start, end: top[j - 1].end, times });
  }
  return { initEnd: top[firstMoof].start, tracks, fragments };
}
