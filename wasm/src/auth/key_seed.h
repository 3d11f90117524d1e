// PlayReady key seed: content key = f(key seed, KID), so a server needs no key database.
// Algorithm: Microsoft, "PlayReady Key Seed" (learn.microsoft.com/playready/specifications/
// playready-key-seed): with s = the first 30 bytes of the seed and k = the KID as a .NET Guid
// byte array (little-endian first three fields),
//   A = SHA-256(s|k), B = SHA-256(s|k|s), C = SHA-256(s|k|s|k),
//   key[i] = A[i] ^ A[i+16] ^ B[i] ^ B[i+16] ^ C[i] ^ C[i+16], i = 0..15.
#pragma once

#include "base/bytes.h"
#include "base/status.h"

namespace wee::auth {

constexpr size_t kKeySeedMinSize = 30;  // longer seeds are truncated to 30 bytes

// A key seed typed by a human: hex (optionally 0x-prefixed), base64 or base64url, padded or
// not. Hex is taken when it gives >= 30 bytes; otherwise base64, then base64url, when that
// gives >= 30 (Azure's and Axinom's seeds are base64, and Axinom's test seed
// "8888...0" is 40 characters that read as 20 bytes of hex but 30 of base64). Errors never
// echo the text (a seed is a secret).
Result<SecretBytes> DecodeKeySeedText(const std::string& text);

// `kid` is 16 bytes in big-endian UUID order (as in tenc, pssh and Clear Key JSON); the
// conversion to the Guid byte order happens here.
Result<SecretBytes> DeriveKeyFromSeed(ByteSpan seed, ByteSpan kid);

// Big-endian UUID bytes <-> .NET Guid.ToByteArray() order (the same swap both ways).
Bytes SwapGuidByteOrder(ByteSpan uuid16);

}  // namespace wee::auth
