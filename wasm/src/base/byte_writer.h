// Big-endian writer that appends to a byte vector; used by the packager and by rewrites.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace wee {

class ByteWriter {
 public:
  explicit ByteWriter(Bytes* out) : out_(out) {}

  size_t pos() const { return out_->size(); }
  void U8(uint8_t v) { out_->push_back(v); }
  void U16(uint16_t v) { UIntN(v, 2); }
  void U24(uint32_t v) { UIntN(v, 3); }
  void U32(uint32_t v) { UIntN(v, 4); }
  void U64(uint64_t v) { UIntN(v, 8); }
  void FourCC(const char* cc) { Append(ByteSpan(reinterpret_cast<const uint8_t*>(cc), 4)); }
  void Append(ByteSpan b) { out_->insert(out_->end(), b.begin(), b.end()); }
  void Zeros(size_t n) { out_->insert(out_->end(), n, 0); }
  void UIntN(uint64_t v, size_t n) {
    for (size_t i = n; i-- > 0;) out_->push_back(uint8_t(v >> (8 * i)));
  }
  // Overwrites a previously written 32-bit value (box sizes patched after the body).
  void PatchU32(size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) (*out_)[at + i] = uint8_t(v >> (8 * (3 - i)));
  }

 private:
  Bytes* out_;
};

}  // namespace wee
