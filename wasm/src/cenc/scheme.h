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

// A sample's cipher work as data, so that it can run here (mbedTLS) or outside the module
// (WebCrypto, Node's crypto) on the same bytes: each chain is one AES-CTR keystream or one CBC
// chain that runs through its runs in order, as if they were one contiguous buffer.
//
//   cenc  one CTR chain,  runs = the protected ranges       cbc1  one CBC chain, runs = their whole blocks
//   cens  one CTR chain,  runs = the pattern's encrypted     cbcs  one CBC chain per protected range,
//         block runs of every range                                runs = its encrypted block runs
enum class ChainMode : uint8_t { kCtr, kCbc };

struct CipherRun {
  uint32_t offset = 0;  // from the start of the buffer the plan is for
  uint32_t size = 0;    // a multiple of 16 for kCbc chains
};

struct CipherChain {
  ChainMode mode = ChainMode::kCtr;
  uint32_t key_index = 0;  // set by the caller that plans several keys (StreamDecryptor)
  uint8_t iv[16] = {};     // the initial counter block, or the CBC IV
  uint32_t first_run = 0;  // into CipherPlan::runs
  uint32_t run_count = 0;
};

struct CipherPlan {
  std::vector<CipherChain> chains;
  std::vector<CipherRun> runs;
  void Clear() {
    chains.clear();
    runs.clear();
  }
};

// Validates the sample as DecryptSample does and appends its chains to *plan, with run
// offsets counted from `base` (the sample's position in the planned buffer). Nothing is
// appended on error. kLimitExceeded if an offset would not fit 32 bits.
[[nodiscard]] Status PlanSample(Scheme scheme, const mp4::Sample& sample, size_t size, uint64_t base,
                                CipherPlan* plan);

// Runs one chain of `plan` over `data` (the planned buffer), in place.
enum class Direction { kDecrypt, kEncrypt };
void RunChain(Direction direction, const ContentKey& key, const CipherPlan& plan,
              const CipherChain& chain, uint8_t* data);

// The per-scheme planners behind PlanSample (scheme_<name>.cpp). They trust their input: only
// PlanSample validates it.
namespace detail {

void PlanCenc(const uint8_t iv[16], const std::vector<mp4::Subsample>& subsamples, size_t size,
              uint32_t base, CipherPlan* plan);
void PlanCens(const uint8_t iv[16], mp4::Pattern pattern,
              const std::vector<mp4::Subsample>& subsamples, size_t size, uint32_t base,
              CipherPlan* plan);
void PlanCbcs(const uint8_t iv[16], mp4::Pattern pattern,
              const std::vector<mp4::Subsample>& subsamples, size_t size, uint32_t base,
              CipherPlan* plan);
void PlanCbc1(const uint8_t iv[16], const std::vector<mp4::Subsample>& subsamples, size_t size,
              uint32_t base, CipherPlan* plan);

// Starts a chain at the end of plan->chains; AddRun extends the last chain (empty runs dropped).
inline void BeginChain(ChainMode mode, const uint8_t iv[16], CipherPlan* plan) {
  CipherChain chain;
  chain.mode = mode;
  std::copy(iv, iv + 16, chain.iv);
  chain.first_run = uint32_t(plan->runs.size());
  plan->chains.push_back(chain);
}
inline void AddRun(uint32_t offset, size_t size, CipherPlan* plan) {
  if (size == 0) return;
  plan->runs.push_back({offset, uint32_t(size)});
  plan->chains.back().run_count++;
}

// Calls fn(offset, length) for each protected range of the sample, in order (zero-length ones
// included); the whole sample when there are no subsamples.
template <typename Fn>
void ForEachProtectedRange(const std::vector<mp4::Subsample>& subsamples, size_t size, Fn&& fn) {
  if (subsamples.empty()) {
    fn(size_t(0), size);
    return;
  }
  size_t offset = 0;
  for (const mp4::Subsample& subsample : subsamples) {
    offset += subsample.clear_bytes;
    fn(offset, size_t(subsample.protected_bytes));
    offset += subsample.protected_bytes;
  }
}

// Pattern encryption (section 9.6) over one protected range of `size` bytes: calls
// crypt(offset, length), offsets within the range, for each run of consecutive encrypted whole blocks, in order.
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
void ForEachEncryptedRun(mp4::Pattern pattern, size_t size, Fn&& crypt) {
  const size_t blocks = size / kAesBlockSize;
  if (pattern.skip == 0) {  // 0:0 or N:0: nothing is skipped, so one run
    if (blocks) crypt(size_t(0), blocks * kAesBlockSize);
    return;
  }
  for (size_t block = 0; block < blocks;) {
    size_t run = std::min<size_t>(pattern.crypt, blocks - block);
    if (run) crypt(block * kAesBlockSize, run * kAesBlockSize);
    block += run;
    block += std::min<size_t>(pattern.skip, blocks - block);
  }
}

}  // namespace detail
}  // namespace wee::cenc
