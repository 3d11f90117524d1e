// 'cbcs': AES-128-CBC subsample pattern encryption (ISO/IEC 23001-7 section 10.4).
#include "cenc/scheme.h"

#include <cstring>

namespace wee::cenc::detail {

// Every protected range starts a new CBC chain at the sample's IV (usually the constant IV of
// 'tenc'). Within a range the pattern (9.6) picks the encrypted blocks; the chain links only
// those, passing over the skipped ones. A partial block at the end of a range stays clear
// (10.4.2), so a range of any length is valid. 0:0 (audio, or no pattern) encrypts every whole
// block, the same as Chromium's cbcs_decryptor.
//
//   pattern 1:9   | clear | E1 s s s s s s s s s E2 s s s s s s s s s E3 s s p | clear | E1' s ..
//   chain                 IV->E1 -------------> E2 -------------------> E3        IV->E1' ..
//                                                               p: partial block, clear
namespace {

// Decryption of the blocks of one protected range in chain order, gathered: a 1:9 pattern makes
// one-block runs, and CBC decryption is parallel across blocks (P_i = D(C_i) xor C_{i-1}), so
// the encrypted blocks are copied together, decrypted in one CbcDecrypt (the bitsliced backend
// does eight blocks per pass, as fast as one) and copied back. Long runs go straight through.
class GatheredCbcDecryptor {
 public:
  GatheredCbcDecryptor(const Aes& aes, const uint8_t iv[16]) : aes_(aes) {
    std::memcpy(chain_, iv, kAesBlockSize);
  }
  ~GatheredCbcDecryptor() { Flush(); }

  void Run(uint8_t* run, size_t run_length) {
    if (run_length >= kDirectBlocks * kAesBlockSize) {
      Flush();
      aes_.CbcDecrypt(chain_, run, run, run_length);
      return;
    }
    for (size_t offset = 0; offset < run_length; offset += kAesBlockSize) {
      if (count_ == kGatherBlocks) Flush();
      places_[count_] = run + offset;
      std::memcpy(buffer_ + count_ * kAesBlockSize, run + offset, kAesBlockSize);
      ++count_;
    }
  }

  void Flush() {
    if (count_ == 0) return;
    aes_.CbcDecrypt(chain_, buffer_, buffer_, count_ * kAesBlockSize);
    for (size_t i = 0; i < count_; ++i)
      std::memcpy(places_[i], buffer_ + i * kAesBlockSize, kAesBlockSize);
    count_ = 0;
  }

 private:
  static constexpr size_t kGatherBlocks = 32;
  static constexpr size_t kDirectBlocks = 8;

  const Aes& aes_;
  uint8_t chain_[kAesBlockSize];
  uint8_t buffer_[kGatherBlocks * kAesBlockSize];
  uint8_t* places_[kGatherBlocks];
  size_t count_ = 0;
};

}  // namespace

void CryptCbcs(Direction direction, const ContentKey& key, const uint8_t iv[16],
               mp4::Pattern pattern, const std::vector<mp4::Subsample>& subsamples,
               uint8_t* data, size_t size) {
  ForEachProtectedRange(subsamples, data, size, [&](uint8_t* range, size_t length) {
    if (direction == Direction::kDecrypt) {
      GatheredCbcDecryptor decryptor(key.decryptor(), iv);  // the chain restarts in every range
      ForEachEncryptedRun(pattern, range, length,
                          [&](uint8_t* run, size_t run_length) { decryptor.Run(run, run_length); });
      decryptor.Flush();
      return;
    }
    uint8_t chain[kAesBlockSize];
    std::memcpy(chain, iv, kAesBlockSize);  // the chain restarts in every range
    ForEachEncryptedRun(pattern, range, length, [&](uint8_t* run, size_t run_length) {
      key.encryptor().CbcEncrypt(chain, run, run, run_length);
    });
  });
}

}  // namespace wee::cenc::detail
