#include "auth/key_seed.h"

#include <algorithm>

#include "crypto/hash.h"

namespace wee::auth {

Bytes SwapGuidByteOrder(ByteSpan u) {
  // Data1 (4 bytes), Data2 (2) and Data3 (2) are little-endian in a Guid; Data4 is as is.
  Bytes out(u.begin(), u.end());
  if (out.size() != 16) return out;
  std::reverse(out.begin(), out.begin() + 4);
  std::reverse(out.begin() + 4, out.begin() + 6);
  std::reverse(out.begin() + 6, out.begin() + 8);
  return out;
}

Result<SecretBytes> DeriveKeyFromSeed(ByteSpan seed, ByteSpan kid) {
  if (seed.size < kKeySeedMinSize) {
    return InvalidArgument("key seed is " + std::to_string(seed.size) +
                           " bytes; at least 30 are required");
  }
  if (kid.size != 16) return InvalidArgument("KID is " + std::to_string(kid.size) +
                                             " bytes, expected 16");
  ByteSpan s = seed.sub(0, kKeySeedMinSize);
  Bytes k = SwapGuidByteOrder(kid);
  // s|k|s|k: its prefixes of 46, 76 and 92 bytes are the three hash inputs.
  Bytes buffer;
  buffer.reserve(2 * (s.size + k.size()));
  for (int i = 0; i < 2; ++i) {
    buffer.insert(buffer.end(), s.begin(), s.end());
    buffer.insert(buffer.end(), k.begin(), k.end());
  }
  const size_t lengths[3] = {s.size + 16, 2 * s.size + 16, 2 * s.size + 32};
  uint8_t key[16] = {};
  for (size_t length : lengths) {
    Bytes digest = Sha256(ByteSpan(buffer.data(), length));
    for (size_t i = 0; i < 16; ++i) key[i] ^= digest[i] ^ digest[i + 16];
    SecureZero(digest.data(), digest.size());
  }
  SecureZero(buffer.data(), buffer.size());
  SecretBytes result(ByteSpan(key, sizeof(key)));
  SecureZero(key, sizeof(key));
  return result;
}

}  // namespace wee::auth
