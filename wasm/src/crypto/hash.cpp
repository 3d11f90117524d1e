#include "crypto/hash.h"

#include <unistd.h>

#include "mbedtls/md.h"

namespace wee {
namespace {

const mbedtls_md_info_t* Info(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5: return mbedtls_md_info_from_type(MBEDTLS_MD_MD5);
    case HashAlgorithm::kSha1: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    case HashAlgorithm::kSha256: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  }
  return nullptr;
}

}  // namespace

size_t HashSize(HashAlgorithm algorithm) { return mbedtls_md_get_size(Info(algorithm)); }

Bytes Hash(HashAlgorithm algorithm, ByteSpan data) {
  Bytes out(HashSize(algorithm));
  // Only fails on a null md_info, which Info() never returns for the enum's values.
  (void)mbedtls_md(Info(algorithm), data.data, data.size, out.data());
  return out;
}

Bytes Hmac(HashAlgorithm algorithm, ByteSpan key, ByteSpan data) {
  Bytes out(HashSize(algorithm));
  (void)mbedtls_md_hmac(Info(algorithm), key.data, key.size, data.data, data.size, out.data());
  return out;
}

bool ConstantTimeEquals(ByteSpan a, ByteSpan b) {
  if (a.size != b.size) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size; ++i) diff = diff | (a.data[i] ^ b.data[i]);
  return diff == 0;
}

Status RandomBytes(uint8_t* out, size_t size) {
  while (size > 0) {
    size_t n = size < 256 ? size : 256;  // getentropy's per-call limit
    if (getentropy(out, n) != 0) return Status(Code::kCryptoError, "getentropy failed");
    out += n;
    size -= n;
  }
  return Status::Ok();
}

}  // namespace wee
