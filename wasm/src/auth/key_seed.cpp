#include "auth/key_seed.h"

#include <algorithm>

#include "base/encoding.h"
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

Result<SecretBytes> DecodeKeySeedText(const std::string& text) {
  if (text.empty()) return InvalidArgument("key seed is empty");
  std::string hex = text;
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.erase(0, 2);
  Bytes forms[3];
  const bool valid[3] = {HexDecode(hex, &forms[0]),
                         Base64Decode(text, Padding::kOptional, &forms[1]),
                         Base64UrlDecode(text, Padding::kOptional, &forms[2])};
  const char* names[3] = {"hex", "base64", "base64url"};
  int chosen = -1;
  for (int i = 0; i < 3 && chosen < 0; ++i)
    if (valid[i] && forms[i].size() >= kKeySeedMinSize) chosen = i;
  Result<SecretBytes> result =
      InvalidArgument("key seed" + KeyTextProblem(text) + " is neither hex, base64 nor base64url");
  if (chosen >= 0) {
    result = SecretBytes(ByteSpan(forms[chosen].data(), forms[chosen].size()));
  } else {
    std::string sizes;
    for (int i = 0; i < 3; ++i) {
      if (!valid[i] || (i == 2 && valid[1])) continue;  // both valid: the same bytes
      sizes += (sizes.empty() ? "" : ", ") + std::to_string(forms[i].size()) + " bytes as " + names[i];
    }
    if (!sizes.empty())
      result = InvalidArgument("key seed is " + sizes + "; at least 30 are required");
  }
  for (Bytes& f : forms) SecureZero(f.data(), f.size());
  return result;
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
