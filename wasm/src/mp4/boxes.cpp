#include "mp4/boxes.h"

#include <string>

#include "base/byte_writer.h"

namespace wee::mp4 {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

// Reads version and flags and rejects versions above `max_version`.
Status ReadFullBox(ByteReader* r, const std::string& path, uint8_t max_version, uint8_t* version,
                   uint32_t* flags) {
  if (!ReadFullBoxHeader(r, version, flags)) return Truncated(path, "version and flags");
  if (*version > max_version) return BadVersion(path, *version, max_version);
  return Status::Ok();
}

bool ReadKid(ByteReader* r, Kid* kid) {
  ByteSpan s;
  if (!r->ReadSpan(kid->size(), &s)) return false;
  for (size_t i = 0; i < kid->size(); ++i) (*kid)[i] = s[i];
  return true;
}

// The layout 'tenc' version 1 and a 'seig' entry share (23001-7 8.2.2 and 6.1):
//   reserved u8, crypt_byte_block u4 | skip_byte_block u4, isProtected u8,
//   Per_Sample_IV_Size u8, KID[16],
//   if (isProtected == 1 && Per_Sample_IV_Size == 0) constant_IV_size u8, constant_IV[size].
// In 'tenc' version 0 the pattern byte is reserved and must be 0.
Status ReadCencParams(ByteReader* r, const std::string& path, bool pattern_allowed,
                      EncryptionParams* out) {
  uint8_t reserved = 0, pattern = 0, is_protected = 0, iv_size = 0;
  EncryptionParams p;
  if (!r->ReadU8(&reserved) || !r->ReadU8(&pattern) || !r->ReadU8(&is_protected) ||
      !r->ReadU8(&iv_size) || !ReadKid(r, &p.kid)) {
    return Truncated(path, "isProtected, Per_Sample_IV_Size and KID");
  }
  if (!pattern_allowed && pattern != 0) {
    return BoxError(path, "version 0 has a crypt/skip pattern byte " + Str(pattern) +
                              " (a pattern needs version 1)");
  }
  if (is_protected > 1)
    return BoxError(path, "isProtected " + Str(is_protected) + " is not 0 or 1");
  if (iv_size != 0 && iv_size != 8 && iv_size != 16) {
    return BoxError(path, "Per_Sample_IV_Size " + Str(iv_size) + " is not 0, 8 or 16");
  }
  p.is_protected = is_protected == 1;
  p.per_sample_iv_size = iv_size;
  p.pattern.crypt = pattern >> 4;
  p.pattern.skip = pattern & 0xf;
  if (p.is_protected && iv_size == 0) {
    uint8_t constant_iv_size = 0;
    if (!r->ReadU8(&constant_iv_size)) return Truncated(path, "constant_IV_size");
    if (constant_iv_size != 8 && constant_iv_size != 16) {
      return BoxError(path, "constant_IV_size " + Str(constant_iv_size) + " is not 8 or 16");
    }
    if (!r->ReadBytes(constant_iv_size, &p.constant_iv)) return Truncated(path, "constant_IV");
  }
  *out = std::move(p);
  return Status::Ok();
}

}  // namespace

Status TkhdBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &version, &flags));
  // creation_time and modification_time: 32 or 64 bits each.
  if (!r.Skip(version == 1 ? 16 : 8) || !r.ReadU32(&track_id)) return Truncated(path, "track_ID");
  if (track_id == 0) return BoxError(path, "track_ID 0 is reserved");
  return Status::Ok();
}

Status HdlrBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (!r.Skip(4) || !r.ReadFourCC(&handler_type)) return Truncated(path, "handler_type");
  return Status::Ok();
}

Status FrmaBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  if (!r.ReadFourCC(&data_format)) return Truncated(path, "data_format");
  return Status::Ok();
}

Status SchmBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (!r.ReadFourCC(&scheme_type) || !r.ReadU32(&scheme_version)) {
    return Truncated(path, "scheme_type and scheme_version");
  }
  return Status::Ok();  // scheme_uri (flags & 1) is not needed
}

Status TencBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &version, &flags));
  return ReadCencParams(&r, path, /*pattern_allowed=*/version == 1, &params);
}

Status PiffTencBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version, iv_size = 0;
  uint32_t flags, algorithm_id = 0;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (!r.ReadU24(&algorithm_id) || !r.ReadU8(&iv_size) || !ReadKid(&r, &params.kid)) {
    return Truncated(path, "default_AlgorithmID, default_IV_size and default_KID");
  }
  if (algorithm_id > 2)
    return BoxError(path, "default_AlgorithmID " + Str(algorithm_id) + " unknown");
  params.is_protected = algorithm_id != 0;
  if (params.is_protected && iv_size != 8 && iv_size != 16) {
    return BoxError(path, "default_IV_size " + Str(iv_size) + " is not 8 or 16");
  }
  params.per_sample_iv_size = params.is_protected ? iv_size : 0;
  return Status::Ok();
}

Status PsshBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &pssh.version, &flags));
  if (!ReadKid(&r, &pssh.system_id)) return Truncated(path, "SystemID");
  if (pssh.version == 1) {
    uint32_t kid_count = 0;
    if (!r.ReadU32(&kid_count)) return Truncated(path, "KID_count");
    if (kid_count > r.remaining() / 16) return CountTooLarge(path, "KID_count", kid_count);
    pssh.kids.resize(kid_count);
    for (Kid& kid : pssh.kids) (void)ReadKid(&r, &kid);
  }
  uint32_t data_size = 0;
  if (!r.ReadU32(&data_size)) return Truncated(path, "DataSize");
  if (data_size > r.remaining()) return CountTooLarge(path, "DataSize", data_size);
  (void)r.ReadBytes(data_size, &pssh.data);
  if (r.remaining() != 0) {
    return BoxError(path,
                    Str(r.remaining()) + " bytes follow Data (DataSize " + Str(data_size) + ")");
  }
  pssh.range = box.range();
  return Status::Ok();
}

Status TrexBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (!r.ReadU32(&track_id) || !r.ReadU32(&default_sample_description_index) ||
      !r.ReadU32(&default_sample_duration) || !r.ReadU32(&default_sample_size) ||
      !r.ReadU32(&default_sample_flags)) {
    return Truncated(path, "track_ID and defaults");
  }
  return Status::Ok();
}

Status SgpdBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 2, &version, &flags));
  uint32_t default_length = 0, entry_count = 0;
  if (!r.ReadFourCC(&grouping_type)) return Truncated(path, "grouping_type");
  if (version >= 1 && !r.ReadU32(&default_length)) return Truncated(path, "default_length");
  if (version >= 2 && !r.ReadU32(&default_group_description_index)) {
    return Truncated(path, "default_group_description_index");
  }
  if (!r.ReadU32(&entry_count)) return Truncated(path, "entry_count");
  if (grouping_type != kSeig) return Status::Ok();

  constexpr uint32_t kMinSeigSize = 20;  // without a constant IV
  if (version >= 1 && default_length != 0 && default_length < kMinSeigSize) {
    return BoxError(path, "default_length " + Str(default_length) + " is too small for 'seig'");
  }
  // Every entry takes at least this many bytes: the count is checked before allocating.
  uint64_t min_entry = version == 0     ? kMinSeigSize
                       : default_length ? default_length
                                        : 4 + kMinSeigSize;
  if (entry_count > r.remaining() / min_entry) {
    return CountTooLarge(path, "entry_count", entry_count);
  }
  seig_entries.resize(entry_count);
  for (uint32_t i = 0; i < entry_count; ++i) {
    const std::string entry_path = path + " entry " + Str(i + 1);
    if (version == 0) {
      WEE_RETURN_IF_ERROR(ReadCencParams(&r, entry_path, true, &seig_entries[i]));
      continue;
    }
    uint32_t length = default_length;
    if (length == 0 && !r.ReadU32(&length)) return Truncated(entry_path, "description_length");
    ByteSpan entry;
    if (!r.ReadSpan(length, &entry)) {
      return BoxError(entry_path,
                      "description_length " + Str(length) + " runs past the end of the box");
    }
    ByteReader er(entry);
    WEE_RETURN_IF_ERROR(ReadCencParams(&er, entry_path, true, &seig_entries[i]));
  }
  if (default_group_description_index > entry_count) {
    return BoxError(path, "default_group_description_index " +
                              Str(default_group_description_index) + " exceeds entry_count " +
                              Str(entry_count));
  }
  return Status::Ok();
}

Status SbgpBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &version, &flags));
  uint32_t entry_count = 0;
  if (!r.ReadFourCC(&grouping_type)) return Truncated(path, "grouping_type");
  if (version == 1 && !r.Skip(4)) return Truncated(path, "grouping_type_parameter");
  if (!r.ReadU32(&entry_count)) return Truncated(path, "entry_count");
  if (entry_count > r.remaining() / 8) return CountTooLarge(path, "entry_count", entry_count);
  entries.resize(entry_count);
  for (Entry& e : entries) {
    (void)r.ReadU32(&e.sample_count);
    (void)r.ReadU32(&e.group_description_index);
  }
  return Status::Ok();
}

Status MfhdBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (!r.ReadU32(&sequence_number)) return Truncated(path, "sequence_number");
  return Status::Ok();
}

Status TfhdBox::ParsePayload(ByteSpan payload, const std::string& path) {
  ByteReader r(payload);
  uint8_t version;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (!r.ReadU32(&track_id)) return Truncated(path, "track_ID");
  if (has(kBaseDataOffsetPresent) && !r.ReadU64(&base_data_offset)) {
    return Truncated(path, "base_data_offset");
  }
  if (has(kSampleDescriptionIndexPresent) && !r.ReadU32(&sample_description_index)) {
    return Truncated(path, "sample_description_index");
  }
  if (has(kDefaultSampleDurationPresent) && !r.ReadU32(&default_sample_duration)) {
    return Truncated(path, "default_sample_duration");
  }
  if (has(kDefaultSampleSizePresent) && !r.ReadU32(&default_sample_size)) {
    return Truncated(path, "default_sample_size");
  }
  if (has(kDefaultSampleFlagsPresent) && !r.ReadU32(&default_sample_flags)) {
    return Truncated(path, "default_sample_flags");
  }
  return Status::Ok();
}

Status TfdtBox::ParsePayload(ByteSpan payload, const std::string& path) {
  ByteReader r(payload);
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &version, &flags));
  if (!r.ReadUIntN(version == 1 ? 8 : 4, &base_media_decode_time)) {
    return Truncated(path, "baseMediaDecodeTime");
  }
  return Status::Ok();
}

Status TrunBox::ParsePayload(ByteSpan payload, const std::string& path) {
  ByteReader r(payload);
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &version, &flags));
  if (!r.ReadU32(&sample_count)) return Truncated(path, "sample_count");
  if (has(kDataOffsetPresent) && !r.ReadI32(&data_offset)) return Truncated(path, "data_offset");
  if (has(kFirstSampleFlagsPresent) && !r.ReadU32(&first_sample_flags)) {
    return Truncated(path, "first_sample_flags");
  }
  record_size_ = 0;
  for (uint32_t f : {kSampleDurationPresent, kSampleSizePresent, kSampleFlagsPresent,
                     kSampleCompositionTimeOffsetsPresent}) {
    if (has(f)) record_size_ += 4;
  }
  if (record_size_ != 0 && sample_count > r.remaining() / record_size_) {
    return CountTooLarge(path, "sample_count", sample_count);
  }
  (void)r.ReadSpan(size_t(sample_count) * record_size_, &records_);
  return Status::Ok();
}

TrunBox::Record TrunBox::Get(uint32_t i) const {
  Record rec;
  if (record_size_ == 0) return rec;
  ByteReader r(records_.sub(size_t(i) * record_size_, record_size_));
  // Parse checked that sample_count records fit: these reads cannot fail.
  if (has(kSampleDurationPresent)) (void)r.ReadU32(&rec.duration);
  if (has(kSampleSizePresent)) (void)r.ReadU32(&rec.size);
  if (has(kSampleFlagsPresent)) (void)r.ReadU32(&rec.flags);
  if (has(kSampleCompositionTimeOffsetsPresent)) {
    uint32_t v = 0;
    (void)r.ReadU32(&v);
    // Version 1 makes the offset signed (8.8.8.3).
    rec.composition_offset = version == 1 ? int64_t(int32_t(v)) : int64_t(v);
  }
  return rec;
}

Bytes TfhdBox::WritePayload() const {
  Bytes out;
  ByteWriter w(&out);
  w.U32(flags & 0xffffff);  // version 0
  w.U32(track_id);
  if (has(kBaseDataOffsetPresent)) w.U64(base_data_offset);
  if (has(kSampleDescriptionIndexPresent)) w.U32(sample_description_index);
  if (has(kDefaultSampleDurationPresent)) w.U32(default_sample_duration);
  if (has(kDefaultSampleSizePresent)) w.U32(default_sample_size);
  if (has(kDefaultSampleFlagsPresent)) w.U32(default_sample_flags);
  return out;
}

Bytes TrunBox::WritePayload() const {
  Bytes out;
  ByteWriter w(&out);
  w.U32((uint32_t(version) << 24) | (flags & 0xffffff));
  w.U32(sample_count);
  if (has(kDataOffsetPresent)) w.U32(uint32_t(data_offset));
  if (has(kFirstSampleFlagsPresent)) w.U32(first_sample_flags);
  for (uint32_t i = 0; i < sample_count && record_size_; ++i) {
    const Record rec = Get(i);
    if (has(kSampleDurationPresent)) w.U32(rec.duration);
    if (has(kSampleSizePresent)) w.U32(rec.size);
    if (has(kSampleFlagsPresent)) w.U32(rec.flags);
    // The stored 32 bits: unsigned in version 0, two's complement in version 1.
    if (has(kSampleCompositionTimeOffsetsPresent)) w.U32(uint32_t(rec.composition_offset));
  }
  return out;
}

Status SencBox::Parse(ByteSpan payload, const std::string& path) {
  ByteReader r(payload);
  uint8_t version;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (has(kOverrideTrackEncryptionBoxParameters)) {
    if (!r.ReadU24(&algorithm_id) || !r.ReadU8(&override_iv_size) || !ReadKid(&r, &override_kid)) {
      return Truncated(path, "AlgorithmID, IV_size and KID");
    }
    if (algorithm_id > 2) return BoxError(path, "AlgorithmID " + Str(algorithm_id) + " unknown");
    if (override_iv_size != 0 && override_iv_size != 8 && override_iv_size != 16) {
      return BoxError(path, "IV_size " + Str(override_iv_size) + " is not 0, 8 or 16");
    }
  }
  if (!r.ReadU32(&sample_count)) return Truncated(path, "sample_count");
  (void)r.ReadSpan(r.remaining(), &entries);
  return Status::Ok();
}

Status SaizBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 0, &version, &flags));
  if (flags & 1) {
    has_aux_info_type = true;
    if (!r.ReadFourCC(&aux_info_type) || !r.Skip(4)) return Truncated(path, "aux_info_type");
  }
  if (!r.ReadU8(&default_sample_info_size) || !r.ReadU32(&sample_count)) {
    return Truncated(path, "default_sample_info_size and sample_count");
  }
  if (default_sample_info_size == 0) {
    if (sample_count > r.remaining()) return CountTooLarge(path, "sample_count", sample_count);
    (void)r.ReadSpan(sample_count, &sample_info_sizes);
  }
  return Status::Ok();
}

Status SaioBox::Parse(const Box& box, const std::string& path) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags;
  WEE_RETURN_IF_ERROR(ReadFullBox(&r, path, 1, &version, &flags));
  if (flags & 1) {
    has_aux_info_type = true;
    if (!r.ReadFourCC(&aux_info_type) || !r.Skip(4)) return Truncated(path, "aux_info_type");
  }
  uint32_t entry_count = 0;
  if (!r.ReadU32(&entry_count)) return Truncated(path, "entry_count");
  const size_t offset_size = version == 1 ? 8 : 4;
  if (entry_count > r.remaining() / offset_size) {
    return CountTooLarge(path, "entry_count", entry_count);
  }
  offsets.resize(entry_count);
  for (uint64_t& o : offsets) (void)r.ReadUIntN(offset_size, &o);
  return Status::Ok();
}

Status ReadSampleEncryptionEntry(ByteReader* r, uint8_t iv_size, bool has_subsamples,
                                 const std::string& path, Bytes* iv,
                                 std::vector<Subsample>* subsamples) {
  iv->clear();
  subsamples->clear();
  if (iv_size != 0 && !r->ReadBytes(iv_size, iv)) {
    return Truncated(path, "its " + Str(iv_size) + "-byte InitializationVector");
  }
  if (!has_subsamples) return Status::Ok();
  uint16_t count = 0;
  if (!r->ReadU16(&count)) return Truncated(path, "subsample_count");
  if (count > r->remaining() / 6) return CountTooLarge(path, "subsample_count", count);
  subsamples->resize(count);
  for (Subsample& s : *subsamples) {
    uint16_t clear = 0;
    (void)r->ReadU16(&clear);
    (void)r->ReadU32(&s.protected_bytes);
    s.clear_bytes = clear;
  }
  return Status::Ok();
}

}  // namespace wee::mp4
