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
void CryptCbcs(Direction direction, const ContentKey& key, const uint8_t iv[16],
               mp4::Pattern pattern, const std::vector<mp4::Subsample>& subsamples,
               uint8_t* data, size_t size) {
  ForEachProtectedRange(subsamples, data, size, [&](uint8_t* range, size_t length) {
    uint8_t chain[kAesBlockSize];
    std::memcpy(chain, iv, kAesBlockSize);  // the chain restarts in every range
    ForEachEncryptedRun(pattern, range, length, [&](uint8_t* run, size_t run_length) {
      if (direction == Direction::kDecrypt)
        key.decryptor().CbcDecrypt(chain, run, run, run_length);
      else
        key.encryptor().CbcEncrypt(chain, run, run, run_length);
    });
  });
}

}  // namespace wee::cenc::detail
