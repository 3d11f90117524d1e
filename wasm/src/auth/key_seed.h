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

// `kid` is 16 bytes in big-endian UUID order (as in tenc, pssh and Clear Key JSON); the
// conversion to the Guid byte order happens here.
Result<SecretBytes> DeriveKeyFromSeed(ByteSpan seed, ByteSpan kid);

// Big-endian UUID bytes <-> .NET Guid.ToByteArray() order (the same swap both ways).
Bytes SwapGuidByteOrder(ByteSpan uuid16);

}  // namespace wee::auth
