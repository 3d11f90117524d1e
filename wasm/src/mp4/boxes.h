// One struct per box type the parsers read, each with a Parse that checks every read against
// the box's own bytes. `path` names the box in error messages. The packager rewrites tfhd and
// trun through the same structs (WritePayload mirrors ParsePayload), so the two never drift.
// Section numbers: 14496-12 (ISO-BMFF, 2020) and 23001-7 (Common Encryption, 2016).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/status.h"
#include "mp4/box_reader.h"
#include "mp4/model.h"

namespace wee::mp4 {

constexpr FourCC kSeig = MakeFourCC("seig");

// 8.3.2
struct TkhdBox {
  uint32_t track_id = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.4.3
struct HdlrBox {
  FourCC handler_type = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.12.2
struct FrmaBox {
  FourCC data_format = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.12.5
struct SchmBox {
  FourCC scheme_type = 0;
  uint32_t scheme_version = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 23001-7 8.2
struct TencBox {
  EncryptionParams params;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// PIFF 1.1 5.3.1 TrackEncryptionBox: uuid 8974dbce-7be7-4c51-84f9-7148f9882554 in 'schi' of
// files written before 'tenc' existed: default_AlgorithmID u24 (0 clear, 1 AES-CTR, 2 AES-CBC),
// default_IV_size u8, default_KID. Read only when the schi has no 'tenc'.
struct PiffTencBox {
  EncryptionParams params;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 23001-7 8.1
struct PsshBox {
  Pssh pssh;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.8.3
struct TrexBox {
  uint32_t track_id = 0;
  uint32_t default_sample_description_index = 0;
  uint32_t default_sample_duration = 0;
  uint32_t default_sample_size = 0;
  uint32_t default_sample_flags = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.9.3, with the entries of grouping type 'seig' (23001-7 6 / 8.2 layout) decoded; entries of
// other grouping types are not read.
struct SgpdBox {
  FourCC grouping_type = 0;
  uint32_t default_group_description_index = 0;  // version 2; 0: none
  std::vector<EncryptionParams> seig_entries;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.9.2
struct SbgpBox {
  struct Entry {
    uint32_t sample_count = 0;
    uint32_t group_description_index = 0;
  };
  FourCC grouping_type = 0;
  std::vector<Entry> entries;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.8.5
struct MfhdBox {
  uint32_t sequence_number = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.8.7
struct TfhdBox {
  static constexpr uint32_t kBaseDataOffsetPresent = 0x1;
  static constexpr uint32_t kSampleDescriptionIndexPresent = 0x2;
  static constexpr uint32_t kDefaultSampleDurationPresent = 0x8;
  static constexpr uint32_t kDefaultSampleSizePresent = 0x10;
  static constexpr uint32_t kDefaultSampleFlagsPresent = 0x20;
  static constexpr uint32_t kDurationIsEmpty = 0x10000;
  static constexpr uint32_t kDefaultBaseIsMoof = 0x20000;
  uint32_t flags = 0;
  uint32_t track_id = 0;
  uint64_t base_data_offset = 0;
  uint32_t sample_description_index = 0;
  uint32_t default_sample_duration = 0;
  uint32_t default_sample_size = 0;
  uint32_t default_sample_flags = 0;
  bool has(uint32_t flag) const { return (flags & flag) != 0; }
  [[nodiscard]] Status Parse(const Box& box, const std::string& path) { return ParsePayload(box.payload, path); }
  [[nodiscard]] Status ParsePayload(ByteSpan payload, const std::string& path);
  Bytes WritePayload() const;
};

// 8.8.12
struct TfdtBox {
  uint8_t version = 0;
  uint64_t base_media_decode_time = 0;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path) { return ParsePayload(box.payload, path); }
  [[nodiscard]] Status ParsePayload(ByteSpan payload, const std::string& path);
};

// 8.8.8. The per-sample records stay in the box (a view) and are decoded on demand, so a
// trun costs no allocation of its own (and a copy is valid only as long as the box's bytes).
struct TrunBox {
  static constexpr uint32_t kDataOffsetPresent = 0x1;
  static constexpr uint32_t kFirstSampleFlagsPresent = 0x4;
  static constexpr uint32_t kSampleDurationPresent = 0x100;
  static constexpr uint32_t kSampleSizePresent = 0x200;
  static constexpr uint32_t kSampleFlagsPresent = 0x400;
  static constexpr uint32_t kSampleCompositionTimeOffsetsPresent = 0x800;
  struct Record {
    uint32_t duration = 0;
    uint32_t size = 0;
    uint32_t flags = 0;
    int64_t composition_offset = 0;
  };
  uint8_t version = 0;
  uint32_t flags = 0;
  uint32_t sample_count = 0;
  int32_t data_offset = 0;
  uint32_t first_sample_flags = 0;
  bool has(uint32_t flag) const { return (flags & flag) != 0; }
  [[nodiscard]] Status Parse(const Box& box, const std::string& path) { return ParsePayload(box.payload, path); }
  [[nodiscard]] Status ParsePayload(ByteSpan payload, const std::string& path);
  // Fields present in record i (i < sample_count); the others stay 0.
  Record Get(uint32_t i) const;
  // With the current flags and data_offset; the records as read (their flags unchanged).
  Bytes WritePayload() const;

 private:
  ByteSpan records_;
  size_t record_size_ = 0;
};

// Sample encryption data shared by 'senc' (23001-7 7.2) and the PIFF uuid box (PIFF 1.1
// 5.3.2.1), whose flag 0x1 adds AlgorithmID / IV_size / KID overriding 'tenc'. The per-sample
// entries are decoded once the IV size of each sample is known (it depends on 'seig' groups).
struct SencBox {
  static constexpr uint32_t kOverrideTrackEncryptionBoxParameters = 0x1;
  static constexpr uint32_t kUseSubsampleEncryption = 0x2;
  uint32_t flags = 0;
  uint32_t algorithm_id = 0;  // with the override flag
  uint8_t override_iv_size = 0;
  Kid override_kid{};
  uint32_t sample_count = 0;
  ByteSpan entries;  // the sample_count entries, undecoded
  bool has(uint32_t flag) const { return (flags & flag) != 0; }
  // `payload` is the box payload after the uuid usertype for the PIFF box.
  [[nodiscard]] Status Parse(ByteSpan payload, const std::string& path);
};

// 8.7.8
struct SaizBox {
  bool has_aux_info_type = false;
  FourCC aux_info_type = 0;
  uint8_t default_sample_info_size = 0;
  uint32_t sample_count = 0;
  ByteSpan sample_info_sizes;  // sample_count bytes when default_sample_info_size == 0
  uint8_t SizeOf(uint32_t i) const {
    return default_sample_info_size ? default_sample_info_size : sample_info_sizes[i];
  }
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// 8.7.9
struct SaioBox {
  bool has_aux_info_type = false;
  FourCC aux_info_type = 0;
  std::vector<uint64_t> offsets;
  [[nodiscard]] Status Parse(const Box& box, const std::string& path);
};

// One sample's entry of 'senc' or of the sample auxiliary information (23001-7 7.1/7.2):
// InitializationVector[iv_size], then with subsamples a count and {clear u16, protected u32}.
[[nodiscard]] Status ReadSampleEncryptionEntry(ByteReader* r, uint8_t iv_size, bool has_subsamples,
                                               const std::string& path, Bytes* iv,
                                               std::vector<Subsample>* subsamples);

}  // namespace wee::mp4
