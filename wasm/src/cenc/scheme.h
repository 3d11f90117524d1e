// The four Common Encryption schemes of ISO/IEC 23001-7 applied to one sample, in place:
//
//   scheme  cipher       pattern  chain / keystream over the sample's protected ranges
//   cenc    AES-128-CTR  no       one keystream across all ranges, bytes (section 10.1)
//   cbc1    AES-128-CBC  no       one CBC chain across all ranges, whole blocks (10.2)
//   cens    AES-128-CTR  yes      one keystream across all ranges, encrypted blocks only (10.3)
//   cbcs    AES-128-CBC  yes      the chain restarts at the IV in every range (10.4)
//
// A sample is a list of subsamples (9.5), each clear bytes then protected bytes; no subsamples
// means the whole sample is one protected range (full-sample encryption).
// Decryption follows the browsers' native Clear Key CDMs; encryption is its exact inverse.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/aes.h"
#include "mp4/model.h"

namespace wee::cenc {

enum class Scheme { kCenc, kCbcs, kCens, kCbc1 };

// kUnsupported "scheme 'abcd' is not supported" for anything but the four above.
Result<Scheme> SchemeFromFourCC(mp4::FourCC scheme_type);
const char* SchemeName(Scheme scheme);  // "cenc", "cbcs", "cens", "cbc1"

// A content key prepared once: both AES directions (CTR and CBC encryption use the encryptor,
// CBC decryption the decryptor). Movable, not copyable; the Aes objects wipe their key schedules.
class ContentKey {
 public:
  // Exactly 16 bytes, else kInvalidArgument "key is N bytes, expected 16".
  static Result<ContentKey> Create(ByteSpan key);

  ContentKey(ContentKey&&) noexcept = default;
  ContentKey& operator=(ContentKey&&) noexcept = default;
  ContentKey(const ContentKey&) = delete;
  ContentKey& operator=(const ContentKey&) = delete;
  ~ContentKey() = default;

  // False only for a moved-from key (DecryptSample/EncryptSample then refuse it).
  bool valid() const { return encryptor_ && decryptor_; }
  const Aes& encryptor() const { return *encryptor_; }
  const Aes& decryptor() const { return *decryptor_; }

 private:
  friend class Result<ContentKey>;  // holds a default-constructed value next to an error
  ContentKey() = default;

  std::unique_ptr<Aes> encryptor_;
  std::unique_ptr<Aes> decryptor_;
};

// Decrypts (or encrypts) one sample of `size` bytes in place. Uses sample.iv (8 or 16 bytes),
// sample.pattern (cens and cbcs only) and sample.subsamples (empty = the whole sample is
// protected); ignores sample.kid and sample.size. Everything is validated before the first byte
// is touched, so on error `data` is unchanged:
//   kMalformed        "subsamples cover N bytes but the sample has M", "IV is 3 bytes, expected
//                     8 or 16", "subsample[1]: 23 protected bytes is not a multiple of 16, ..."
//                     (cens and cbc1 only)
//   kInvalidArgument  pattern fields above 15, a moved-from key, data == nullptr with size > 0
[[nodiscard]] Status DecryptSample(Scheme scheme, const ContentKey& key, const mp4::Sample& sample,
                                   uint8_t* data, size_t size);
[[nodiscard]] Status EncryptSample(Scheme scheme, const ContentKey& key, const mp4::Sample& sample,
                                   uint8_t* data, size_t size);

// The per-scheme ciphers behind the dispatcher (scheme_<name>.cpp). They trust their input:
// only DecryptSample/EncryptSample validate it.
namespace detail {

enum class Direction { kDecrypt, kEncrypt };

void CryptCenc(const ContentKey& key, const uint8_t iv[16],
               const std::vector<mp4::Subsample>& subsamples, uint8_t* data, size_t size);
void CryptCens(const ContentKey& key, const uint8_t iv[16], mp4::Pattern pattern,
               const std::vector<mp4::Subsample>& subsamples, uint8_t* data, size_t size);
void CryptCbcs(Direction direction, const ContentKey& key, const uint8_t iv[16],
               mp4::Pattern pattern, const std::vector<mp4::Subsample>& subsamples,
               uint8_t* data, size_t size);
void CryptCbc1(Direction direction, const ContentKey& key, const uint8_t iv[16],
               const std::vector<mp4::Subsample>& subsamples, uint8_t* data, size_t size);

// Calls fn(pointer, length) for each protected range of the sample, in order (zero-length ones
// included); the whole sample when there are no subsamples.
template <typename Fn>
void ForEachProtectedRange(const std::vector<mp4::Subsample>& subsamples, uint8_t* data,
                           size_t size, Fn&& fn) {
  if (subsamples.empty()) {
    fn(data, size);
    return;
  }
  size_t offset = 0;
  for (const mp4::Subsample& subsample : subsamples) {
    offset += subsample.clear_bytes;
    fn(data + offset, size_t(subsample.protected_bytes));
    offset += subsample.protected_bytes;
  }
}

// Pattern encryption (section 9.6) over one protected range of `size` bytes: calls
// crypt(pointer, length) for each run of consecutive encrypted whole blocks, in order.
//
//   pattern 2:3   |E E|s s s|E E|s s s|E .|    E encrypted block, s skipped block
//                                      ^ ^--- a partial block (< 16 bytes) is always clear
//                                      `----- a truncated run keeps its whole blocks encrypted
//
// 0:0 (no pattern) and N:0 encrypt every whole block (one run); 0:N encrypts nothing.
// A crypt run cut short by the end of the range still covers its whole blocks: Chromium's and
// Firefox's Clear Key CDMs decrypt them (shaka-packager and FFmpeg leave such a run clear; the
// two only differ for crypt_byte_block > 1, never for the usual 1:9).
template <typename Fn>
void ForEachEncryptedRun(mp4::Pattern pattern, uint8_t* data, size_t size, Fn&& crypt) {
  const size_t blocks = size / kAesBlockSize;
  if (pattern.skip == 0) {  // 0:0 or N:0: nothing is skipped, so one run
    if (blocks) crypt(data, blocks * kAesBlockSize);
    return;
  }
  for (size_t block = 0; block < blocks;) {
    size_t run = std::min<size_t>(pattern.crypt, blocks - block);
    if (run) crypt(data + block * kAesBlockSize, run * kAesBlockSize);
    block += run;
    block += std::min<size_t>(pattern.skip, blocks - block);
  }
}

}  // namespace detail
}  // namespace wee::cenc
