// Hashes and HMACs over mbedTLS, one-shot.
#pragma once

#include "base/bytes.h"
#include "base/status.h"

namespace wee {

enum class HashAlgorithm { kMd5, kSha1, kSha256 };

size_t HashSize(HashAlgorithm algorithm);
Bytes Hash(HashAlgorithm algorithm, ByteSpan data);
Bytes Hmac(HashAlgorithm algorithm, ByteSpan key, ByteSpan data);

inline Bytes Md5(ByteSpan data) { return Hash(HashAlgorithm::kMd5, data); }
inline Bytes Sha1(ByteSpan data) { return Hash(HashAlgorithm::kSha1, data); }
inline Bytes Sha256(ByteSpan data) { return Hash(HashAlgorithm::kSha256, data); }

// Compares without an early exit, so the time does not reveal where the first difference is.
bool ConstantTimeEquals(ByteSpan a, ByteSpan b);

// Fills `out` from the operating system's CSPRNG (getentropy; crypto.getRandomValues in wasm).
[[nodiscard]] Status RandomBytes(uint8_t* out, size_t size);

}  // namespace wee
