// Rewrites a fragmented MP4 whose trafs use default-base-is-moof into the form of packagers that
// write absolute file positions (ffmpeg without +default_base_moof, Smooth/PIFF files): each tfhd
// gets base-data-offset-present (0x000001) and base_data_offset = the moof's position in the
// file. The tfhd grows by 8 bytes, so the offsets that count from the moof (trun data_offset,
// saio) and the boxes that measure or point across it (tfhd/traf/moof sizes, sidx
// referenced_size, tfra moof_offset) are recomputed; the sample bytes and every other byte are
// the same. `sencToFree`: rename each senc to 'free' so the IVs are reachable only through
// saiz/saio (their offsets then decide the decryption).
const u32 = (b, at) => b.readUInt32BE(at);

function header(b, at, end) {
  let size = u32(b, at);
  let headerSize = 8;
  if (size === 1) {
    size = Number(b.readBigUInt64BE(at + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = end - at;
  }
  if (size < headerSize || at + size > end) throw new Error(`bad box at ${at}`);
  return { type: b.toString('latin1', at + 4, at + 8), at, size, headerSize, end: at + size };
}

function children(b, box) {
  const out = [];
  for (let at = box.at + box.headerSize; at < box.end;) {
    const child = header(b, at, box.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function withAbsoluteBaseOffsets(input, { sencToFree = false } = {}) {
  const b = Buffer.from(input);
  const top = children(b, { at: 0, headerSize: 0, end: b.length });
  const inserts = [];  // old positions where 8 bytes go in (just after a tfhd's track_ID)
  const moofs = [];
  for (const box of top) {
    if (box.type !== 'moof') continue;
    const moof = { box, trafs: [] };
    for (const traf of children(b, box).filter((c) => c.type === 'traf')) {
      const kids = children(b, traf);
      const tfhd = kids.find((c) => c.type === 'tfhd');
      const flags = u32(b, tfhd.at + 8) & 0xffffff;
      if (!(flags & 0x020000) || (flags & 1)) throw new Error(`tfhd at ${tfhd.at}: expected default-base-is-moof`);
      inserts.push(tfhd.at + 16);
      moof.trafs.push({ traf, tfhd, flags, kids });
    }
    moofs.push(moof);
  }
  const newPos = (p) => p + 8 * inserts.filter((q) => q <= p).length;

  const parts = [];
  let from = 0;
  for (const q of inserts) {
    parts.push(b.subarray(from, q), Buffer.alloc(8));
    from = q;
  }
  parts.push(b.subarray(from));
  const out = Buffer.concat(parts);

  for (const { box, trafs } of moofs) {
    const base = newPos(box.at);
    const fromMoof = (offset) => newPos(box.at + offset) - base;
    out.writeUInt32BE(box.size + 8 * trafs.length, newPos(box.at));
    for (const { traf, tfhd, flags, kids } of trafs) {
      out.writeUInt32BE(traf.size + 8, newPos(traf.at));
      out.writeUInt32BE(tfhd.size + 8, newPos(tfhd.at));
      out.writeUInt32BE(((b[tfhd.at + 8] << 24) | ((flags & ~0x020000) | 1)) >>> 0, newPos(tfhd.at + 8));
      out.writeBigUInt64BE(BigInt(base), newPos(tfhd.at + 16) - 8);  // the inserted field
      for (const c of kids) {
        const vf = u32(b, c.at + 8);
        if (c.type === 'trun') {
          if (!(vf & 1)) throw new Error(`trun at ${c.at}: no data_offset`);
          out.writeInt32BE(fromMoof(b.readInt32BE(c.at + 16)), newPos(c.at + 16));
        } else if (c.type === 'saio') {
          let at = c.at + 12 + (vf & 1 ? 8 : 0);
          const count = u32(b, at);
          const wide = vf >>> 24 === 1;
          at += 4;
          for (let i = 0; i < count; i++, at += wide ? 8 : 4) {
            if (wide) out.writeBigUInt64BE(BigInt(fromMoof(Number(b.readBigUInt64BE(at)))), newPos(at));
            else out.writeUInt32BE(fromMoof(u32(b, at)), newPos(at));
          }
        } else if (c.type === 'senc' && sencToFree) {
          out.write('free', newPos(c.at + 4), 'latin1');
        }
      }
    }
  }
  for (const box of top) {
    if (box.type === 'sidx') {
      // referenced sizes of the subsegments that follow, from first_offset on (8.16.3).
      const version = b[box.at + 8];
      let at = box.at + 20;
      const firstOffset = version === 0 ? u32(b, at + 4) : Number(b.readBigUInt64BE(at + 8));
      at += version === 0 ? 8 : 16;
      const count = b.readUInt16BE(at + 2);
      at += 4;
      let start = box.end + firstOffset;
      for (let i = 0; i < count; i++, at += 12) {
        const word = u32(b, at);
        const size = word & 0x7fffffff;
        out.writeUInt32BE(((word & 0x80000000) | (newPos(start + size) - newPos(start))) >>> 0, newPos(at));
        start += size;
      }
    } else if (box.type === 'mfra') {
      for (const tfra of children(b, box).filter((c) => c.type === 'tfra')) {
        const version = b[tfra.at + 8];
        const lengths = u32(b, tfra.at + 16);
        const entrySize = (version === 1 ? 16 : 8) + ((lengths >> 4) & 3) + ((lengths >> 2) & 3) + (lengths & 3) + 3;
        const count = u32(b, tfra.at + 20);
        for (let i = 0, at = tfra.at + 24; i < count; i++, at += entrySize) {
          if (version === 1) out.writeBigUInt64BE(BigInt(newPos(Number(b.readBigUInt64BE(at + 8)))), newPos(at + 8));
          else out.writeUInt32BE(newPos(u32(b, at + 4)), newPos(at + 4));
        }
      }
    }
  }
  return { bytes: out, newPos };
}
