#include "packager/rbsp_bit_reader.h"

namespace wee::packager {

void RbspBitReader::NextByte() {
  zeros_ = data_[byte_] == 0 ? zeros_ + 1 : 0;
  ++byte_;
  bit_ = 0;
  // 7.4.1: 0x000003 -> 0x0000; the 03 is not part of the RBSP.
  if (emulation_prevention_ && byte_ < data_.size && zeros_ >= 2 && data_[byte_] == 0x03) {
    ++byte_;
    zeros_ = 0;
  }
}

bool RbspBitReader::ReadBits(int count, uint32_t* out) {
  uint32_t v = 0;
  for (int i = 0; i < count; ++i) {
    if (byte_ >= data_.size) return false;
    v = (v << 1) | ((data_[byte_] >> (7 - bit_)) & 1);
    if (++bit_ == 8) NextByte();
  }
  *out = v;
  return true;
}

bool RbspBitReader::SkipBits(int count) {
  uint32_t ignored = 0;
  for (; count > 0; count -= 32)
    if (!ReadBits(count < 32 ? count : 32, &ignored)) return false;
  return true;
}

bool RbspBitReader::ReadUe(uint32_t* out) {
  int zeros = 0;
  uint32_t bit = 0;
  for (;;) {
    if (!ReadBit(&bit)) return false;
    if (bit) break;
    if (++zeros > 31) return false;
  }
  uint32_t rest = 0;
  if (!ReadBits(zeros, &rest)) return false;
  const uint64_t value = (uint64_t(1) << zeros) - 1 + rest;
  if (value > UINT32_MAX - 1) return false;
  *out = uint32_t(value);
  return true;
}

bool RbspBitReader::ReadSe(int32_t* out) {
  uint32_t k = 0;
  if (!ReadUe(&k)) return false;
  // 9.1.1: k odd -> (k+1)/2, even -> -k/2.
  *out = (k & 1) ? int32_t((uint64_t(k) + 1) / 2) : -int32_t(k / 2);
  return true;
}

}  // namespace wee::packager
