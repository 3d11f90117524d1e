// The boxes the packager reads and rewrites (ISO/IEC 14496-12 fragments and indexes) and the
// Common Encryption boxes it writes (ISO/IEC 23001-7). A box that is read and written back has
// Parse(payload) and Write() as mirror images, so a rewrite keeps every field it does not change;
// tfhd, trun and tfdt are the parser's own structs (mp4/boxes.h), written back the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "mp4/model.h"
#include "packager/box_tree.h"

namespace wee::packager {

// --- read and written back ------------------------------------------------------------------

// 'tfhd' (14496-12 8.8.7) made default-base-is-moof: no base_data_offset, the trun data
// offsets count from the moof. The other fields as read.
[[nodiscard]] Status TfhdBasedOnMoof(ByteSpan tfhd_payload, const std::string& where, Box* out);
// 'trun' (8.8.8) with data_offset set; the sample records as read.
[[nodiscard]] Status TrunWithDataOffset(ByteSpan trun_payload, int32_t data_offset,
                                        const std::string& where, Box* out);

// 'sidx' (8.16.3). Only the sizes are rewritten.
struct Sidx {
  struct Reference {
    bool is_sidx = false;      // reference_type
    uint32_t size = 0;         // referenced_size, 31 bits
    uint32_t duration = 0;     // subsegment_duration
    uint32_t sap = 0;          // starts_with_SAP, SAP_type, SAP_delta_time as stored
  };
  uint8_t version = 0;
  uint32_t flags = 0;
  uint32_t reference_id = 0;
  uint32_t timescale = 0;
  uint64_t earliest_presentation_time = 0;
  uint64_t first_offset = 0;
  uint16_t reserved = 0;
  std::vector<Reference> references;

  [[nodiscard]] Status Parse(ByteSpan payload);
  [[nodiscard]] Status Write(Box* out) const;  // kLimitExceeded if a size no longer fits
};

// 'tfra' (8.8.10): random access points, with absolute moof offsets to rewrite.
struct Tfra {
  struct Entry {
    uint64_t time = 0;
    uint64_t moof_offset = 0;
    uint32_t traf_number = 0;
    uint32_t trun_number = 0;
    uint32_t sample_number = 0;
  };
  uint8_t version = 0;
  uint32_t track_id = 0;
  uint32_t length_sizes = 0;  // the reserved bits and the three 2-bit lengths, as stored
  std::vector<Entry> entries;

  [[nodiscard]] Status Parse(ByteSpan payload);
  [[nodiscard]] Status Write(Box* out) const;  // kLimitExceeded if an offset needs version 1
};

// --- written (Common Encryption, 23001-7) ---------------------------------------------------

// 'frma' (14496-12 8.12.2), 'schm' (8.12.5).
Box MakeFrma(mp4::FourCC original_format);
Box MakeSchm(mp4::FourCC scheme_type);

// 'tenc' (23001-7 8.2): version 1 when the scheme has a pattern (cens, cbcs).
Box MakeTenc(const mp4::EncryptionParams& params, bool with_pattern);

// 'pssh' (8.1): version 1 with KIDs.
Box MakePssh(const mp4::Kid& system_id, const std::vector<mp4::Kid>& kids, ByteSpan data = {});

// The per-sample auxiliary information (7.2): IV, then subsamples if any.
struct SampleAuxInfo {
  Bytes iv;  // per-sample IV (empty with a constant IV)
  std::vector<mp4::Subsample> subsamples;
};

// 'senc' (7.2.1): flag 0x2 (subsamples present) if `use_subsamples`.
Box MakeSenc(const std::vector<SampleAuxInfo>& samples, bool use_subsamples);
// Where the first sample's aux info starts inside the 'senc' box (from the box's start).
constexpr uint64_t kSencFirstEntryOffset = 16;  // header 8, version+flags 4, sample_count 4
// Size of one sample's aux info as 'saiz' counts it.
uint64_t AuxInfoSize(const SampleAuxInfo& sample, bool use_subsamples);
// 'saiz' (14496-12 8.7.8); kLimitExceeded if a sample's aux info exceeds 255 bytes.
[[nodiscard]] Status MakeSaiz(const std::vector<SampleAuxInfo>& samples, bool use_subsamples,
                              Box* out);
// 'saio' (8.7.9) with one offset (version 1 if it needs 64 bits).
Box MakeSaio(uint64_t offset);

// 'sbgp' (8.9.2) and 'sgpd' (8.9.3) of grouping type 'seig' (23001-7 6): every sample of the
// traf in the traf's first own group description (index 0x10001).
Box MakeSeigSbgp(uint32_t sample_count);
Box MakeSeigSgpd(const mp4::EncryptionParams& params, bool with_pattern);

}  // namespace wee::packager
