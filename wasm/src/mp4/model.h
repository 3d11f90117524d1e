// What the parsers of wasm/src/mp4 produce: the encryption layout of init and media segments
// (ISO/IEC 14496-12 boxes, ISO/IEC 23001-7 Common Encryption), independent of any crypto.
// Offsets are absolute byte positions in the buffer that was parsed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace wee::mp4 {

using FourCC = uint32_t;
constexpr FourCC MakeFourCC(const char (&s)[5]) {
  return (FourCC(uint8_t(s[0])) << 24) | (FourCC(uint8_t(s[1])) << 16) |
         (FourCC(uint8_t(s[2])) << 8) | FourCC(uint8_t(s[3]));
}
std::string FourCCString(FourCC fourcc);

using Kid = std::array<uint8_t, 16>;

// A box's place in the parsed buffer (header included).
struct BoxRange {
  FourCC type = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// crypt_byte_block:skip_byte_block (23001-7 section 9.1); 0:0 means no pattern.
struct Pattern {
  uint8_t crypt = 0;
  uint8_t skip = 0;
  bool operator==(const Pattern& o) const { return crypt == o.crypt && skip == o.skip; }
};

// Default encryption parameters, from 'tenc' or a 'seig' sample group entry (section 8.2).
struct EncryptionParams {
  bool is_protected = false;
  uint8_t per_sample_iv_size = 0;  // 0, 8 or 16
  Kid kid{};
  Bytes constant_iv;  // 16 bytes (or 8) when per_sample_iv_size == 0 and is_protected
  Pattern pattern;
};

// 'pssh' (section 8.1).
struct Pssh {
  uint8_t version = 0;
  Kid system_id{};
  std::vector<Kid> kids;  // version 1 only
  Bytes data;
  BoxRange range;
  Bytes box;  // the whole box, as concatenated into 'cenc' init data
};

struct Track {
  uint32_t track_id = 0;
  FourCC handler = 0;  // 'vide', 'soun', ...
  // The first protected sample entry (encv/enca/...); for clear tracks, the first entry.
  FourCC sample_entry_type = 0;
  uint64_t sample_entry_type_offset = 0;  // where its fourcc is, for renaming
  FourCC original_format = 0;             // 'frma'
  FourCC scheme_type = 0;                 // 'schm': cenc, cbcs, cens, cbc1
  uint32_t scheme_version = 0;
  EncryptionParams tenc;                  // 'tenc' (is_protected false for clear tracks)
  // 1-based sample description indices that are protected (stsd may mix clear and protected).
  std::vector<bool> entry_is_protected;
  // 'trex' defaults.
  uint32_t default_sample_description_index = 1;
  uint32_t default_sample_duration = 0;
  uint32_t default_sample_size = 0;
  uint32_t default_sample_flags = 0;
  std::vector<EncryptionParams> seig_entries;  // track-level 'sgpd' of grouping type 'seig'
  // 'sgpd' version 2 default_group_description_index (1-based into seig_entries; 0: none): the
  // group of samples that no 'sbgp' maps.
  uint32_t seig_default_group_index = 0;
  std::string codec;                           // original format fourcc ("avc1", "mp4a", ...)
};

struct InitSegment {
  std::vector<Track> tracks;
  std::vector<Pssh> pssh;  // anywhere in 'moov'
  // Boxes the clear rewrite turns into 'free': every 'sinf' and 'pssh'.
  std::vector<BoxRange> to_neutralise;
  const Track* FindTrack(uint32_t track_id) const;
};

struct Subsample {
  uint32_t clear_bytes = 0;
  uint32_t protected_bytes = 0;
};

struct Sample {
  uint64_t data_offset = 0;  // absolute, of the sample's bytes
  uint32_t size = 0;
  uint32_t duration = 0;
  uint32_t flags = 0;
  int64_t composition_offset = 0;
  uint32_t sample_description_index = 1;
  // Encryption (section 7): resolved from tenc, 'seig' groups and 'senc'/'saiz'/'saio'.
  bool is_protected = false;
  Kid kid{};
  Bytes iv;  // per-sample IV (8 or 16 bytes), or the constant IV
  Pattern pattern;
  std::vector<Subsample> subsamples;  // empty: the whole sample is protected
};

struct TrackFragment {
  uint32_t track_id = 0;
  uint64_t base_media_decode_time = 0;
  bool has_tfdt = false;
  std::vector<Sample> samples;
};

// One 'moof' and what it describes.
struct Fragment {
  BoxRange moof;
  uint32_t sequence_number = 0;
  std::vector<TrackFragment> trafs;
  std::vector<Pssh> pssh;  // inside 'moof' (key rotation)
  // Boxes the clear rewrite turns into 'free': senc, PIFF uuid senc, saiz, saio,
  // sbgp/sgpd of grouping type 'seig', pssh.
  std::vector<BoxRange> to_neutralise;
  // End of the last sample byte referenced (absolute): the media must be present up to here.
  uint64_t data_end = 0;
};

}  // namespace wee::mp4
