// Big-endian reader over untrusted bytes. Every read is bounds-checked and returns false
// (leaving the position unchanged) instead of reading past the end.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace wee {

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}
  ByteReader(const uint8_t* data, size_t size) : data_(data, size) {}

  size_t pos() const { return pos_; }
  size_t size() const { return data_.size; }
  size_t remaining() const { return data_.size - pos_; }
  bool HasBytes(size_t n) const { return n <= remaining(); }
  const uint8_t* current() const { return data_.data + pos_; }

  [[nodiscard]] bool ReadU8(uint8_t* v);
  [[nodiscard]] bool ReadU16(uint16_t* v);
  [[nodiscard]] bool ReadU24(uint32_t* v);
  [[nodiscard]] bool ReadU32(uint32_t* v);
  [[nodiscard]] bool ReadU64(uint64_t* v);
  [[nodiscard]] bool ReadI32(int32_t* v);
  // Reads n bytes (n from the file: checked) as a view into the input.
  [[nodiscard]] bool ReadSpan(size_t n, ByteSpan* out);
  [[nodiscard]] bool ReadBytes(size_t n, Bytes* out);
  [[nodiscard]] bool ReadFourCC(uint32_t* v) { return ReadU32(v); }
  [[nodiscard]] bool Skip(size_t n);
  // Reads a big-endian unsigned integer of 1..8 bytes.
  [[nodiscard]] bool ReadUIntN(size_t n, uint64_t* v);

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

inline uint32_t LoadBE32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline void StoreBE32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
inline uint64_t LoadBE64(const uint8_t* p) {
  return (uint64_t(LoadBE32(p)) << 32) | LoadBE32(p + 4);
}
inline void StoreBE64(uint8_t* p, uint64_t v) {
  StoreBE32(p, uint32_t(v >> 32)); StoreBE32(p + 4, uint32_t(v));
}

}  // namespace wee
