// Drops one track from a fragmented MP4: its trak and trex from the moov, its traf from every
// moof (the moof-relative trun and saio offsets of the other tracks shifted to match; its samples
// stay in the mdat, unreferenced). Used where an engine cannot play a track at all: WebKitGTK
// without GStreamer's cea608tott rejects a whole append that carries a CEA-608 track.

function* boxes(buf, start, end, where) {
  for (let o = start; o < end;) {
    if (end - o < 8) throw new Error(`${where}: ${end - o} stray bytes at ${o}`);
    let size = buf.readUInt32BE(o);
    let header = 8;
    if (size === 1) {
      if (end - o < 16) throw new Error(`${where}: truncated 64-bit box size at ${o}`);
      size = Number(buf.readBigUInt64BE(o + 8));
      header = 16;
    } else if (size === 0) size = end - o;
    if (size < header || size > end - o) throw new Error(`${where}: box at ${o} has size ${size}, ${end - o} bytes left`);
    yield { type: buf.toString('latin1', o + 4, o + 8), start: o, size, header };
    o += size;
  }
}

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const box = (type, payload) => Buffer.concat([u32(8 + payload.length), Buffer.from(type, 'latin1'), payload]);

function trackIdOfTrak(buf, trak) {
  for (const b of boxes(buf, trak.start + trak.header, trak.start + trak.size, 'trak')) {
    if (b.type !== 'tkhd') continue;
    const p = b.start + b.header;
    const at = p + (buf[p] === 1 ? 20 : 12); // version 1: 64-bit creation and modification times
    if (at + 4 > b.start + b.size) throw new Error('tkhd: too short for track_ID');
    return buf.readUInt32BE(at);
  }
  throw new Error('trak without tkhd');
}

function tfhdTrackId(buf, traf) {
  for (const b of boxes(buf, traf.start + traf.header, traf.start + traf.size, 'traf')) {
    if (b.type !== 'tfhd') continue;
    if (b.size < b.header + 8) throw new Error('tfhd: too short for track_ID');
    // base-data-offset-present: an absolute offset, which shrinking the file would break.
    if (buf.readUInt32BE(b.start + b.header) & 1) throw new Error('tfhd with an absolute base_data_offset');
    return buf.readUInt32BE(b.start + b.header + 4);
  }
  throw new Error('traf without tfhd');
}

/** The traf at `traf`, copied, its moof-relative offsets past a removed traf made smaller by `shift(offset)`. */
function shiftedTraf(buf, traf, shift) {
  const copy = Buffer.from(buf.subarray(traf.start, traf.start + traf.size));
  for (const b of boxes(copy, traf.header, traf.size, 'traf')) {
    const p = b.start + b.header;
    const end = b.start + b.size;
    if (b.type === 'trun' && (copy.readUInt32BE(p) & 1)) {
      if (p + 12 > end) throw new Error('trun: too short for data_offset');
      const off = copy.readInt32BE(p + 8);
      copy.writeInt32BE(off - shift(off), p + 8);
    } else if (b.type === 'saio') {
      let q = p + 4 + ((copy.readUInt32BE(p) & 1) ? 8 : 0);
      if (q + 4 > end) throw new Error('saio: too short for entry_count');
      const count = copy.readUInt32BE(q);
      const wide = copy[p] === 1;
      q += 4;
      if (q + count * (wide ? 8 : 4) > end) throw new Error(`saio: ${count} offsets do not fit`);
      for (let i = 0; i < count; i++, q += wide ? 8 : 4) {
        if (wide) { const off = Number(copy.readBigUInt64BE(q)); copy.writeBigUInt64BE(BigInt(off - shift(off)), q); } else {
          const off = copy.readUInt32BE(q);
          copy.writeUInt32BE(off - shift(off), q);
        }
      }
    }
  }
  return copy;
}

/** `mp4` (a fragmented MP4 whose offsets are moof-relative) without track `trackId`. */
export function withoutTrack(mp4, trackId) {
  const out = [];
  let removed = false;
  for (const top of boxes(mp4, 0, mp4.length, 'file')) {
    if (top.type === 'sidx' || top.type === 'mfra') throw new Error(`${top.type}: would need its sizes rewritten`);
    if (top.type === 'moof') {
      if (top.header !== 8) throw new Error('moof with a 64-bit size');
      const children = [...boxes(mp4, top.start + 8, top.start + top.size, 'moof')];
      const gone = children.filter((b) => b.type === 'traf' && tfhdTrackId(mp4, b) === trackId)
        .map((b) => ({ at: b.start - top.start, size: b.size }));
      const shift = (off) => gone.reduce((n, g) => n + (off >= g.at + g.size ? g.size : 0), 0);
      const kept = children.filter((b) => !gone.some((g) => g.at === b.start - top.start))
        .map((b) => (b.type === 'traf' ? shiftedTraf(mp4, b, shift) : mp4.subarray(b.start, b.start + b.size)));
      out.push(box('moof', Buffer.concat(kept)));
      continue;
    }
    if (top.type !== 'moov') { out.push(mp4.subarray(top.start, top.start + top.size)); continue; }
    const children = [];
    for (const b of boxes(mp4, top.start + top.header, top.start + top.size, 'moov')) {
      if (b.type === 'trak' && trackIdOfTrak(mp4, b) === trackId) { removed = true; continue; }
      if (b.type === 'mvex') {
        const kept = [];
        for (const m of boxes(mp4, b.start + b.header, b.start + b.size, 'mvex')) {
          const isTrex = m.type === 'trex' && m.size >= m.header + 8;
          if (isTrex && mp4.readUInt32BE(m.start + m.header + 4) === trackId) continue;
          kept.push(mp4.subarray(m.start, m.start + m.size));
        }
        children.push(box('mvex', Buffer.concat(kept)));
        continue;
      }
      children.push(mp4.subarray(b.start, b.start + b.size));
    }
    out.push(box('moov', Buffer.concat(children)));
  }
  if (!removed) throw new Error(`no trak with track_ID ${trackId}`);
  return Buffer.concat(out);
}
