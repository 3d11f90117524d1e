#include "packager/boxes.h"

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "mp4/boxes.h"

namespace wee::packager {
namespace {

void FullBoxHeader(ByteWriter* w, uint8_t version, uint32_t flags) {
  w->U8(version);
  w->U24(flags);
}

[[nodiscard]] bool ReadFullBoxHeader(ByteReader* r, uint8_t* version, uint32_t* flags) {
  return r->ReadU8(version) && r->ReadU24(flags);
}

Status TooShort(const char* box, const std::string& field) {
  return Malformed(std::string(box) + ": box too short for " + field);
}

// The fields of a 'tenc' after its reserved byte, shared with the 'seig' group entry
// (23001-7 8.2.2 and 6): pattern byte, isProtected, IV size, KID, constant IV.
void WriteEncryptionParams(ByteWriter* w, const mp4::EncryptionParams& p, bool with_pattern) {
  w->U8(with_pattern ? uint8_t((p.pattern.crypt << 4) | (p.pattern.skip & 0x0f)) : 0);
  w->U8(p.is_protected ? 1 : 0);
  w->U8(p.per_sample_iv_size);
  w->Append(ByteSpan(p.kid.data(), p.kid.size()));
  if (p.is_protected && p.per_sample_iv_size == 0) {
    w->U8(uint8_t(p.constant_iv.size()));
    w->Append(p.constant_iv);
  }
}

}  // namespace

// --- tfhd, trun ---------------------------------------------------------------------------

Status TfhdBasedOnMoof(ByteSpan tfhd_payload, const std::string& where, Box* out) {
  mp4::TfhdBox tfhd;
  WEE_RETURN_IF_ERROR(tfhd.ParsePayload(tfhd_payload, where + "/tfhd"));
  tfhd.flags &= ~mp4::TfhdBox::kBaseDataOffsetPresent;
  tfhd.flags |= mp4::TfhdBox::kDefaultBaseIsMoof;
  *out = Box::Leaf(MakeFourCC("tfhd"), tfhd.WritePayload());
  return Status::Ok();
}

Status TrunWithDataOffset(ByteSpan trun_payload, int32_t data_offset, const std::string& where,
                          Box* out) {
  mp4::TrunBox trun;
  WEE_RETURN_IF_ERROR(trun.ParsePayload(trun_payload, where + "/trun"));
  trun.flags |= mp4::TrunBox::kDataOffsetPresent;
  trun.data_offset = data_offset;
  *out = Box::Leaf(MakeFourCC("trun"), trun.WritePayload());
  return Status::Ok();
}

// --- sidx -----------------------------------------------------------------------------------

Status Sidx::Parse(ByteSpan payload) {
  ByteReader r(payload);
  if (!ReadFullBoxHeader(&r, &version, &flags) || !r.ReadU32(&reference_id) ||
      !r.ReadU32(&timescale))
    return TooShort("sidx", "timescale");
  if (version == 0) {
    uint32_t ept = 0, first = 0;
    if (!r.ReadU32(&ept) || !r.ReadU32(&first)) return TooShort("sidx", "first_offset");
    earliest_presentation_time = ept;
    first_offset = first;
  } else if (!r.ReadU64(&earliest_presentation_time) || !r.ReadU64(&first_offset)) {
    return TooShort("sidx", "first_offset");
  }
  uint16_t count = 0;
  if (!r.ReadU16(&reserved) || !r.ReadU16(&count)) return TooShort("sidx", "reference_count");
  if (uint64_t(count) * 12 > r.remaining()) {
    return Malformed("sidx: " + std::to_string(count) + " references do not fit in " +
                     std::to_string(r.remaining()) + " bytes");
  }
  references.assign(count, Reference{});
  for (Reference& ref : references) {
    uint32_t type_and_size = 0;
    (void)r.ReadU32(&type_and_size);
    (void)r.ReadU32(&ref.duration);
    (void)r.ReadU32(&ref.sap);
    ref.is_sidx = type_and_size >> 31;
    ref.size = type_and_size & 0x7fffffff;
  }
  return Status::Ok();
}

Status Sidx::Write(Box* out) const {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, version, flags);
  w.U32(reference_id);
  w.U32(timescale);
  if (version == 0) {
    if (first_offset > UINT32_MAX) return LimitExceeded("sidx: first_offset needs version 1");
    w.U32(uint32_t(earliest_presentation_time));
    w.U32(uint32_t(first_offset));
  } else {
    w.U64(earliest_presentation_time);
    w.U64(first_offset);
  }
  w.U16(reserved);
  w.U16(uint16_t(references.size()));
  for (const Reference& ref : references) {
    if (ref.size > 0x7fffffff) return LimitExceeded("sidx: referenced_size exceeds 31 bits");
    w.U32((uint32_t(ref.is_sidx) << 31) | ref.size);
    w.U32(ref.duration);
    w.U32(ref.sap);
  }
  *out = Box::Leaf(MakeFourCC("sidx"), std::move(payload));
  return Status::Ok();
}

// --- tfra -----------------------------------------------------------------------------------

Status Tfra::Parse(ByteSpan payload) {
  ByteReader r(payload);
  uint32_t flags = 0, count = 0;
  if (!ReadFullBoxHeader(&r, &version, &flags) || !r.ReadU32(&track_id) ||
      !r.ReadU32(&length_sizes) || !r.ReadU32(&count))
    return TooShort("tfra", "number_of_entry");
  const size_t traf_size = ((length_sizes >> 4) & 3) + 1;
  const size_t trun_size = ((length_sizes >> 2) & 3) + 1;
  const size_t sample_size = (length_sizes & 3) + 1;
  const size_t entry_size = (version == 1 ? 16 : 8) + traf_size + trun_size + sample_size;
  if (uint64_t(count) * entry_size > r.remaining()) {
    return Malformed("tfra: " + std::to_string(count) + " entries do not fit in " +
                     std::to_string(r.remaining()) + " bytes");
  }
  entries.assign(count, Entry{});
  for (Entry& e : entries) {
    uint64_t v = 0;
    (void)r.ReadUIntN(version == 1 ? 8 : 4, &e.time);
    (void)r.ReadUIntN(version == 1 ? 8 : 4, &e.moof_offset);
    (void)r.ReadUIntN(traf_size, &v);
    e.traf_number = uint32_t(v);
    (void)r.ReadUIntN(trun_size, &v);
    e.trun_number = uint32_t(v);
    (void)r.ReadUIntN(sample_size, &v);
    e.sample_number = uint32_t(v);
  }
  return Status::Ok();
}

Status Tfra::Write(Box* out) const {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, version, 0);
  w.U32(track_id);
  w.U32(length_sizes);
  w.U32(uint32_t(entries.size()));
  for (const Entry& e : entries) {
    if (version == 0 && e.moof_offset > UINT32_MAX)
      return LimitExceeded("tfra: moof_offset needs version 1");
    w.UIntN(e.time, version == 1 ? 8 : 4);
    w.UIntN(e.moof_offset, version == 1 ? 8 : 4);
    w.UIntN(e.traf_number, ((length_sizes >> 4) & 3) + 1);
    w.UIntN(e.trun_number, ((length_sizes >> 2) & 3) + 1);
    w.UIntN(e.sample_number, (length_sizes & 3) + 1);
  }
  *out = Box::Leaf(MakeFourCC("tfra"), std::move(payload));
  return Status::Ok();
}

// --- Common Encryption boxes ----------------------------------------------------------------

Box MakeFrma(mp4::FourCC original_format) {
  Bytes payload;
  ByteWriter(&payload).U32(original_format);
  return Box::Leaf(MakeFourCC("frma"), std::move(payload));
}

Box MakeSchm(mp4::FourCC scheme_type) {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, 0, 0);
  w.U32(scheme_type);
  w.U32(0x00010000);  // scheme_version 1.0 (23001-7 4)
  return Box::Leaf(MakeFourCC("schm"), std::move(payload));
}

Box MakeTenc(const mp4::EncryptionParams& params, bool with_pattern) {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, with_pattern ? 1 : 0, 0);
  w.U8(0);  // reserved
  WriteEncryptionParams(&w, params, with_pattern);
  return Box::Leaf(MakeFourCC("tenc"), std::move(payload));
}

Box MakePssh(const mp4::Kid& system_id, const std::vector<mp4::Kid>& kids, ByteSpan data) {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, 1, 0);
  w.Append(ByteSpan(system_id.data(), system_id.size()));
  w.U32(uint32_t(kids.size()));
  for (const mp4::Kid& kid : kids) w.Append(ByteSpan(kid.data(), kid.size()));
  w.U32(uint32_t(data.size));
  w.Append(data);
  return Box::Leaf(MakeFourCC("pssh"), std::move(payload));
}

uint64_t AuxInfoSize(const SampleAuxInfo& sample, bool use_subsamples) {
  uint64_t size = sample.iv.size();
  if (use_subsamples) size += 2 + 6 * uint64_t(sample.subsamples.size());
  return size;
}

Box MakeSenc(const std::vector<SampleAuxInfo>& samples, bool use_subsamples) {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, 0, use_subsamples ? 0x2 : 0);
  w.U32(uint32_t(samples.size()));
  for (const SampleAuxInfo& s : samples) {
    w.Append(s.iv);
    if (!use_subsamples) continue;
    w.U16(uint16_t(s.subsamples.size()));
    for (const mp4::Subsample& sub : s.subsamples) {
      w.U16(uint16_t(sub.clear_bytes));
      w.U32(sub.protected_bytes);
    }
  }
  return Box::Leaf(MakeFourCC("senc"), std::move(payload));
}

Status MakeSaiz(const std::vector<SampleAuxInfo>& samples, bool use_subsamples, Box* out) {
  std::vector<uint8_t> sizes;
  sizes.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    uint64_t size = AuxInfoSize(samples[i], use_subsamples);
    if (size > 255) {
      return LimitExceeded("sample " + std::to_string(i) + " has " +
                           std::to_string(samples[i].subsamples.size()) +
                           " subsamples: its " + std::to_string(size) +
                           "-byte auxiliary information exceeds the 255 bytes 'saiz' can describe");
    }
    sizes.push_back(uint8_t(size));
  }
  bool all_equal = true;
  for (uint8_t s : sizes) all_equal = all_equal && s == sizes.front();
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, 0, 0);  // no aux_info_type: it defaults to the scheme type
  // default_sample_info_size 0 means "sizes follow", so an all-zero list must be spelled out.
  const bool use_default = all_equal && !sizes.empty() && sizes.front() != 0;
  w.U8(use_default ? sizes.front() : 0);
  w.U32(uint32_t(sizes.size()));
  if (!use_default) w.Append(sizes);
  *out = Box::Leaf(MakeFourCC("saiz"), std::move(payload));
  return Status::Ok();
}

Box MakeSaio(uint64_t offset) {
  Bytes payload;
  ByteWriter w(&payload);
  const bool wide = offset > UINT32_MAX;
  FullBoxHeader(&w, wide ? 1 : 0, 0);
  w.U32(1);  // entry_count: one chunk (the traf's samples are contiguous in senc)
  w.UIntN(offset, wide ? 8 : 4);
  return Box::Leaf(MakeFourCC("saio"), std::move(payload));
}

Box MakeSeigSbgp(uint32_t sample_count) {
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, 0, 0);
  w.U32(MakeFourCC("seig"));
  w.U32(1);  // entry_count
  w.U32(sample_count);
  w.U32(0x10001);  // 14496-12 8.9.4: indices above 0x10000 refer to the traf's own 'sgpd'
  return Box::Leaf(MakeFourCC("sbgp"), std::move(payload));
}

Box MakeSeigSgpd(const mp4::EncryptionParams& params, bool with_pattern) {
  Bytes entry;
  ByteWriter e(&entry);
  e.U8(0);  // reserved
  WriteEncryptionParams(&e, params, with_pattern);
  Bytes payload;
  ByteWriter w(&payload);
  FullBoxHeader(&w, 1, 0);  // version 1: default_length
  w.U32(MakeFourCC("seig"));
  w.U32(uint32_t(entry.size()));
  w.U32(1);  // entry_count
  w.Append(entry);
  return Box::Leaf(MakeFourCC("sgpd"), std::move(payload));
}

}  // namespace wee::packager
