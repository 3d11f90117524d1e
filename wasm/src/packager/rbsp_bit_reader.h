// Bit-level reading of H.264 / H.265 NAL units (the RBSP: emulation prevention removed) and of
// AV1 OBUs (which have no emulation prevention), for measuring headers.
#pragma once

#include <cstddef>
#include <cstdint>

#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace wee::packager {

// Reads the bits of a NAL unit's RBSP (emulation prevention bytes 0x000003 skipped) and tells
// how many bytes of the NAL unit they came from. Reads past the end fail. With
// `emulation_prevention` false every byte is data (AV1).
class RbspBitReader {
 public:
  explicit RbspBitReader(ByteSpan nal, bool emulation_prevention = true)
      : data_(nal), emulation_prevention_(emulation_prevention) {}
  [[nodiscard]] bool ReadBits(int count, uint32_t* out);  // count <= 32
  [[nodiscard]] bool ReadBit(uint32_t* out) { return ReadBits(1, out); }
  [[nodiscard]] bool SkipBits(int count);
  [[nodiscard]] bool ReadUe(uint32_t* out);  // ue(v), values up to 2^32 - 2
  [[nodiscard]] bool ReadSe(int32_t* out);   // se(v)
  // NAL unit bytes holding the bits read so far (a started byte counts).
  size_t BytesConsumed() const { return byte_ + (bit_ ? 1 : 0); }
  bool ByteAligned() const { return bit_ == 0; }

 private:
  void NextByte();
  ByteSpan data_;
  bool emulation_prevention_;
  size_t byte_ = 0;  // index of the current byte in data_
  int bit_ = 0;      // bits of it already read
  int zeros_ = 0;    // consecutive zero bytes before byte_ (emulation prevention)
};

}  // namespace wee::packager

// Early-return field reads for parameter set and slice header parsers: `what` names the
// structure in the error ("SPS: truncated at log2_max_frame_num_minus4"), ue(v) values above
// `max` are out of range.
#define WEE_READ_UE(reader, what, field, max)                                              \
  do {                                                                                     \
    if (!(reader).ReadUe(&(field)))                                                        \
      return ::wee::Malformed(std::string(what) + ": truncated at " #field);               \
    if ((field) > (max))                                                                   \
      return ::wee::Malformed(std::string(what) + ": " #field " " + std::to_string(field) + \
                              " is out of range");                                        \
  } while (0)
#define WEE_READ_BITS(reader, what, n, field)                                \
  do {                                                                       \
    if (!(reader).ReadBits((n), &(field)))                                   \
      return ::wee::Malformed(std::string(what) + ": truncated at " #field); \
  } while (0)
#define WEE_READ_SE(reader, what, field)                                     \
  do {                                                                       \
    if (!(reader).ReadSe(&(field)))                                          \
      return ::wee::Malformed(std::string(what) + ": truncated at " #field); \
  } while (0)
