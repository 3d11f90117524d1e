#include "base/byte_reader.h"

namespace wee {

bool ByteReader::ReadUIntN(size_t n, uint64_t* v) {
  if (n == 0 || n > 8 || !HasBytes(n)) return false;
  uint64_t r = 0;
  for (size_t i = 0; i < n; ++i) r = (r << 8) | data_.data[pos_ + i];
  pos_ += n;
  *v = r;
  return true;
}

bool ByteReader::ReadU8(uint8_t* v) {
  if (!HasBytes(1)) return false;
  *v = data_.data[pos_++];
  return true;
}

bool ByteReader::ReadU16(uint16_t* v) {
  uint64_t r;
  if (!ReadUIntN(2, &r)) return false;
  *v = uint16_t(r);
  return true;
}

bool ByteReader::ReadU24(uint32_t* v) {
  uint64_t r;
  if (!ReadUIntN(3, &r)) return false;
  *v = uint32_t(r);
  return true;
}

bool ByteReader::ReadU32(uint32_t* v) {
  uint64_t r;
  if (!ReadUIntN(4, &r)) return false;
  *v = uint32_t(r);
  return true;
}

bool ByteReader::ReadI32(int32_t* v) {
  uint32_t r;
  if (!ReadU32(&r)) return false;
  *v = int32_t(r);
  return true;
}

bool ByteReader::ReadU64(uint64_t* v) { return ReadUIntN(8, v); }

bool ByteReader::ReadSpan(size_t n, ByteSpan* out) {
  if (!HasBytes(n)) return false;
  *out = data_.sub(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::ReadBytes(size_t n, Bytes* out) {
  ByteSpan s;
  if (!ReadSpan(n, &s)) return false;
  out->assign(s.begin(), s.end());
  return true;
}

bool ByteReader::Skip(size_t n) {
  if (!HasBytes(n)) return false;
  pos_ += n;
  return true;
}

}  // namespace wee
