// Drops one track from a fragmented MP4 by removing its trak and trex from the moov. The moofs
// keep their traf for it, which MSE demuxers skip as a track the init never declared; offsets in
// the moofs stay valid as long as they are moof-relative, which is checked.
// Used where an engine cannot play a track at all (WebKitGTK without GStreamer's cea608tott
// rejects a whole append that carries a CEA-608 track).

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

/** `mp4` without track `trackId` in its moov; throws if some moof offset is not moof-relative. */
export function withoutTrack(mp4, trackId) {
  const out = [];
  let removed = false;
  for (const top of boxes(mp4, 0, mp4.length, 'file')) {
    const bytes = mp4.subarray(top.start, top.start + top.size);
    if (top.type === 'moof') {
      for (const traf of boxes(mp4, top.start + top.header, top.start + top.size, 'moof')) {
        if (traf.type !== 'traf') continue;
        for (const b of boxes(mp4, traf.start + traf.header, traf.start + traf.size, 'traf')) {
          // tfhd base-data-offset-present: an absolute offset, which shrinking the moov would break.
          if (b.type === 'tfhd' && (mp4.readUInt32BE(b.start + b.header) & 1)) throw new Error('tfhd with an absolute base_data_offset');
        }
      }
    }
    if (top.type !== 'moov') { out.push(bytes); continue; }
    const children = [];
    for (const b of boxes(mp4, top.start + top.header, top.start + top.size, 'moov')) {
      const child = mp4.subarray(b.start, b.start + b.size);
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
      children.push(child);
    }
    out.push(box('moov', Buffer.concat(children)));
  }
  if (!removed) throw new Error(`no trak with track_ID ${trackId}`);
  return Buffer.concat(out);
}
